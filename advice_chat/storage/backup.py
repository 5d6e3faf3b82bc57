"""Backup and restore of the embedded SQLite database, and the lock that keeps them honest.

Backups use SQLite's online backup API, which copies a consistent snapshot while the server
keeps writing (WAL mode lets the reader and the writer run side by side). Restores also go
through the backup API, into the target database, so SQLite's own locks and WAL handling apply:
copying a file over a database whose `-wal` file survives would let SQLite replay stale pages
into the restored file.

A running `advice-chat serve` on SQLite holds an exclusive lock on `<database>.lock`; a restore
takes the same lock without waiting, so it refuses to run under a live server (whose in-memory
queue and cached chat keys would no longer match the database).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from advice_chat.storage.engine import alembic_config
from advice_chat.storage.sealing import Sealer, SealError

# Tables every advice_chat database has had since the first migration.
_CORE_TABLES = frozenset({"users", "chats", "messages", "alembic_version"})


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why, for the operator."""


class DatabaseInUse(BackupError):
    """Another process (a running server) holds the database's lock."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds, shown to the operator before and after a restore."""

    revision: str
    users: int
    chats: int
    open_chat_keys: int


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL (and in-memory SQLite)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def known_revisions() -> set[str]:
    """Every migration this code knows, so a restore can refuse a file from a newer version."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def database_lock(db_path: Path) -> Iterator[None]:
    """Hold the database's exclusive lock, or raise DatabaseInUse at once if someone has it.

    The lock is an flock on a side file, released by the kernel when the process ends, so a
    crashed server never leaves a stale lock behind.
    """
    import fcntl  # POSIX only; the service runs on Linux

    db_path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[bytes] = _lock_path(db_path).open("ab")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise DatabaseInUse(
                f"{db_path} is in use by a running advice-chat server; stop it first"
            ) from exc
        yield
    finally:
        handle.close()


def inspect(path: Path) -> BackupInfo:
    """Check that `path` is an intact advice_chat database at a migration this code knows."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened: {exc}") from exc
    try:
        try:
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            check = conn.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite database") from exc
        if check is None or check[0] != "ok":
            raise BackupError(f"{path} is damaged (quick_check: {check})")
        if not _CORE_TABLES <= tables:
            raise BackupError(f"{path} is not an advice_chat database")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = str(row[0]) if row else ""
        if revision not in known_revisions():
            raise BackupError(
                f"{path} is at migration {revision or 'none'!r}, which this version of "
                "advice_chat does not know (was it made by a newer version?)"
            )
        users = int(conn.execute("SELECT count(*) FROM users").fetchone()[0])
        chats = int(conn.execute("SELECT count(*) FROM chats").fetchone()[0])
        keys = int(conn.execute("SELECT count(*) FROM chat_keys").fetchone()[0])
    finally:
        conn.close()
    return BackupInfo(revision=revision, users=users, chats=chats, open_chat_keys=keys)


def key_opens(path: Path, sealer: Sealer) -> bool | None:
    """Whether `sealer`'s secret key unwraps the chat keys in `path` (None: there are none).

    Restoring under a different ADVICE_CHAT_SECRET_KEY leaves open chats unreadable; this
    lets the restore say so before anyone starts a server on it.
    """
    conn = _read_only(path)
    try:
        row = conn.execute("SELECT chat_id, wrapped_key FROM chat_keys LIMIT 1").fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    try:
        sealer.unwrap(str(row[0]), bytes(row[1]))
    except SealError:
        return False
    return True


def backup(db_path: Path, dest: Path, *, force: bool = False) -> BackupInfo:
    """Copy the live database to `dest` as one self-contained file (mode 0600).

    Safe while the server runs. The copy is written beside `dest` and renamed into place only
    once it is complete and checked, so a failed backup never leaves a half-written file
    where a good one is expected.
    """
    if not db_path.is_file():
        raise BackupError(f"there is no database at {db_path}")
    if dest.exists() and not force:
        raise BackupError(f"{dest} exists; pass --force to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    # Created 0600 before SQLite opens it: the file holds password hashes and sealed text.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        source = _read_only(db_path)
        target = sqlite3.connect(partial)
        try:
            # One step (pages=-1): a stepped copy restarts whenever the server writes.
            source.backup(target)
            # The snapshot inherits WAL mode; a backup should be one file, not three.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()
        info = inspect(partial)
        os.replace(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return info


def restore(source: Path, db_path: Path, *, force: bool = False) -> BackupInfo:
    """Replace the database at `db_path` with the backup at `source`.

    Refuses a file that is not an advice_chat database at a known migration, a target that
    exists unless `force`, and a target a running server holds.
    """
    inspect(source)  # refuses anything but an intact advice_chat database we know
    if source.resolve() == db_path.resolve():
        raise BackupError("the backup and the database are the same file")
    with database_lock(db_path):
        if db_path.exists() and not force:
            raise BackupError(f"{db_path} exists; pass --force to replace it with the backup")
        src = _read_only(source)
        dst = sqlite3.connect(db_path, timeout=30)
        try:
            # A WAL-mode target refuses a backup whose page size differs; rollback mode does not.
            dst.execute("PRAGMA journal_mode=DELETE")
            src.backup(dst)
            # Back to the mode the server runs in, and the WAL emptied into the file.
            dst.execute("PRAGMA journal_mode=WAL")
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
            src.close()
        os.chmod(db_path, 0o600)
    return inspect(db_path)
