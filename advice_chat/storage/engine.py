"""Engine creation and migrations for both database backends."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, StaticPool, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; secure_delete overwrites
    # deleted content so redacted-away text does not linger in free pages.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(database_url: str) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it is a round trip on every checkout (~6 % of a worker's CPU under load).
    # A connection broken by a database restart fails one statement and is discarded by the
    # pool; clients resend what was not acked (docs/protocol.md), so nothing is lost.
    return create_async_engine(database_url, pool_size=10, max_overflow=10)


_WRITE_LOCKS: weakref.WeakKeyDictionary[AsyncEngine, asyncio.Lock] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction; on SQLite, writers of every store on this engine queue here.

    SQLite has one writer at a time: queueing writers on one lock per engine
    (shared by the chat, knowledge-base and statistics stores) instead of in
    SQLite's busy loop keeps latency flat under contention.
    """
    if engine.dialect.name != "sqlite":
        async with engine.begin() as conn:
            yield conn
        return
    async with write_lock(engine):
        writer = _loop_writer(engine)
        if writer is None:  # in-memory SQLite: only the engine's own connection sees it
            async with engine.begin() as conn:
                yield conn
            return
        async with writer.transaction() as conn:
            yield cast(AsyncConnection, conn)


class _LoopConnection:
    """What the stores use of an AsyncConnection, done at once on the event loop's thread.

    Why: through aiosqlite every statement is a hand-off to a thread and back, so a write
    transaction of a few statements held SQLite's single write lock across as many turns of
    a busy event loop; under load, holds of hundreds of milliseconds queued every other
    writer behind them (docs/performance.md). SQLite in WAL mode does a write statement in
    tens of microseconds, so doing it in place is far cheaper than handing it off.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.execute(statement, parameters)

    async def run_sync(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return fn(self._conn, *args, **kwargs)


class _LoopWriter:
    """One plain SQLite connection per engine for write transactions (see _LoopConnection).

    Its busy timeout is zero: another process holding the write lock (an operator's CLI
    command) is waited for with asyncio.sleep, never by blocking the event loop.
    """

    BUSY_WAIT_SECONDS = 10.0

    def __init__(self, path: str) -> None:
        self._engine = create_sync_engine(
            URL.create("sqlite", database=path),
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        event.listen(self._engine, "connect", _loop_writer_pragmas)
        self._conn: Connection | None = None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_LoopConnection]:
        if self._conn is None:
            self._conn = self._engine.connect()
        conn = self._conn
        deadline = time.monotonic() + self.BUSY_WAIT_SECONDS
        delay = 0.002
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                break
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    conn.rollback()
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.1)
        try:
            yield _LoopConnection(conn)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()


def _loop_writer_pragmas(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it
    cursor.close()
    dbapi_connection.isolation_level = None  # we BEGIN IMMEDIATE ourselves


class _Checkpointer:
    """Copies the WAL back into the database file on a thread of its own, once a second.

    SQLite's automatic checkpoint runs inside whichever commit finds the WAL long, and a
    checkpoint ends with an fsync: under load that put 30-100 ms into random message writes
    (docs/performance.md). The writers turn it off and this thread does it instead. PASSIVE
    never waits for or blocks a writer; the scrub's TRUNCATE checkpoint is unaffected.
    """

    INTERVAL_SECONDS = 1.0

    def __init__(self, path: str) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        while not self._stop.wait(self.INTERVAL_SECONDS):
            try:
                if conn is None:
                    conn = sqlite3.connect(self._path, isolation_level=None)
                    conn.execute("PRAGMA busy_timeout=0")
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                pass  # busy, or the file is going away: the next tick tries again
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


_LOOP_WRITERS: weakref.WeakKeyDictionary[AsyncEngine, _LoopWriter | None] = (
    weakref.WeakKeyDictionary()
)


_CHECKPOINTERS: weakref.WeakKeyDictionary[AsyncEngine, _Checkpointer] = (
    weakref.WeakKeyDictionary()
)


def _loop_writer(engine: AsyncEngine) -> _LoopWriter | None:
    if engine not in _LOOP_WRITERS:
        path = sqlite_file(engine)
        _LOOP_WRITERS[engine] = _LoopWriter(path) if path else None
        if path:  # the writer does no automatic checkpoints: this thread does them
            _CHECKPOINTERS[engine] = _Checkpointer(path)
    return _LOOP_WRITERS[engine]


async def dispose(engine: AsyncEngine) -> None:
    """Close an engine and the write connection and checkpointer kept beside it."""
    writer = _LOOP_WRITERS.pop(engine, None)
    if writer is not None:
        writer.close()
    checkpointer = _CHECKPOINTERS.pop(engine, None)
    if checkpointer is not None:
        await asyncio.to_thread(checkpointer.close)
    await engine.dispose()


def write_lock(engine: AsyncEngine) -> asyncio.Lock:
    """The lock SQLite writers of this engine queue on (see `write_transaction`)."""
    return _WRITE_LOCKS.setdefault(engine, asyncio.Lock())


def sqlite_file(engine: AsyncEngine) -> str | None:
    """The SQLite database file behind an engine; None for PostgreSQL or in-memory SQLite."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return url.database


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def head_revision() -> str | None:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    """Apply migrations. Runs its own event loop, so call it outside one (or in a thread)."""
    command.upgrade(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade_sync, database_url, revision)
