"""`advice-chat backup` / `restore` as an operator uses them: back up a serving SQLite
database, restore it into a fresh var dir, serve it, and find the same data there."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support import PRE_CHAT, Client, free_port

CLI = [sys.executable, "-m", "advice_chat.cli"]
PASSWORD = "a long enough password"
DATA_TABLES = ("users", "chats", "messages", "chat_keys", "transcript_lines", "audit_events")


def _env(var: Path, key: str, port: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVICE_CHAT_")}
    env.update(
        ADVICE_CHAT_VAR_DIR=str(var),
        ADVICE_CHAT_SECRET_KEY=key,
        ADVICE_CHAT_PORT=str(port or free_port()),
        ADVICE_CHAT_HOUSEKEEPING_SECONDS="0.2",
    )
    return env


def _cli(env: dict[str, str], *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*CLI, *args], env=env, input=stdin, capture_output=True, check=False, timeout=60
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@dataclass
class Served:
    base: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def _serve(env: dict[str, str], log: Path) -> Served:
    import urllib.request

    with log.open("wb") as out:
        proc = subprocess.Popen([*CLI, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{env['ADVICE_CHAT_PORT']}", proc, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            with urllib.request.urlopen(served.base + "/healthz", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return served
        except OSError:
            time.sleep(0.2)
    served.stop()
    raise AssertionError("server did not start")


@pytest.fixture
def stoppers() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:
        served.stop()


async def _login(http: aiohttp.ClientSession, base: str, username: str) -> str:
    async with http.post(
        base + "/api/login", json={"username": username, "password": PASSWORD}
    ) as resp:
        assert resp.status == 200, await resp.text()
        return resp.cookies["advice_chat_session"].value


async def _transcript(base: str, cookie: str, chat_id: str) -> dict[str, Any] | None:
    async with (
        aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http,
        http.get(f"{base}/api/transcripts/{chat_id}") as resp,
    ):
        return await resp.json() if resp.status == 200 else None


def _files_named(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def _rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in DATA_TABLES}  # noqa: S608
    finally:
        conn.close()


def _make_staff(env: dict[str, str]) -> None:
    for role, name in (("adviser", "ada"), ("manager", "max")):
        made = _cli(
            env,
            *("create-user", "--role", role, "--username", name, "--display-name", name.title()),
            "--password-stdin",
            stdin=PASSWORD.encode() + b"\n",
        )
        assert made.returncode == 0, made.stderr


async def _journey(base: str) -> dict[str, Any]:
    """One chat ended (so it has a redacted transcript) and one still open with messages."""
    marks = {k: f"{k}-{uuid.uuid4().hex[:8]}" for k in ("first", "pro", "adv", "gone")}
    async with aiohttp.ClientSession() as http:
        adv_cookie = await _login(http, base, "ada")
        manager_cookie = await _login(http, base, "max")
        tokens = []
        for first in (marks["gone"], marks["first"]):
            async with http.post(base + "/api/chats", json={**PRE_CHAT, "message": first}) as r:
                assert r.status == 201
                tokens.append(await r.json())
    adv = Client(base, headers={"Cookie": f"advice_chat_session={adv_cookie}"})
    await adv.connect()
    await adv.call("presence", {"status": "available"})
    ended, open_ = tokens
    pros = [Client(base, auth={"token": t["token"]}) for t in tokens]
    for pro in pros:
        await pro.connect()
    for t in tokens:
        await adv.wait_for("assigned", lambda e, c=t["chat_id"]: e["chat_id"] == c)
    await pros[1].send(marks["pro"])
    await adv.wait_for("message", lambda m: m["text"] == marks["pro"])
    await adv.send(marks["adv"], chat_id=open_["chat_id"])
    await pros[1].wait_for("message", lambda m: m["text"] == marks["adv"])
    await adv.call("end", {"chat_id": ended["chat_id"], "outcome": "advice-given"})
    deadline = time.monotonic() + 20
    while (transcript := await _transcript(base, manager_cookie, ended["chat_id"])) is None:
        assert time.monotonic() < deadline, "the ended chat was never redacted"
        await asyncio.sleep(0.2)
    history = await pros[1].call("history", {"after_id": 0})
    for client in (adv, *pros):
        await client.disconnect()
    return {
        "open": open_,
        "ended": ended,
        "history": history["messages"],
        "transcript": transcript,
        "manager_cookie": manager_cookie,
    }


async def test_backup_while_serving_then_restore_gives_the_same_data(
    tmp_path: Path, stoppers: list[Served]
) -> None:
    key = secrets.token_urlsafe(48)
    first_env = _env(tmp_path / "var1", key)
    _make_staff(first_env)
    first = _serve(first_env, tmp_path / "first.log")
    stoppers.append(first)
    before = await _journey(first.base)

    backup = tmp_path / "backups" / "advice_chat-backup.db"
    made = _cli(first_env, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert "2 users, 2 chats" in made.stdout
    assert backup.stat().st_mode & 0o077 == 0  # owner only: it holds hashes and sealed text
    assert _files_named(backup) == [backup.name]  # one self-contained file, no -wal
    again = _cli(first_env, "backup", str(backup))
    assert again.returncode == 2 and "--force" in again.stderr

    # Nothing can be restored under the running server, nor a second server started on it.
    busy = _cli(first_env, "restore", "--force", str(backup))
    assert busy.returncode == 2 and "in use" in busy.stderr
    twin = _cli(dict(first_env, ADVICE_CHAT_PORT=str(free_port())), "serve")
    assert twin.returncode == 2 and "in use" in twin.stderr

    # Restore into a fresh var dir under the same secret key.
    restored_env = _env(tmp_path / "var2", key)
    done = _cli(restored_env, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    source_rows = _rows(tmp_path / "var1" / "advice_chat.db")
    first.stop()
    restored_db = tmp_path / "var2" / "advice_chat.db"
    assert _rows(restored_db) == _rows(backup) == source_rows
    assert source_rows["messages"] and source_rows["transcript_lines"]

    # A server on the restored database has the same people, chats and words.
    second = _serve(restored_env, tmp_path / "second.log")
    stoppers.append(second)
    pro = Client(second.base, auth={"token": before["open"]["token"]})
    await pro.connect()
    history = await pro.call("history", {"after_id": 0})
    assert history["messages"] == before["history"]
    async with aiohttp.ClientSession() as http:
        adv_cookie = await _login(http, second.base, "ada")
        manager_cookie = await _login(http, second.base, "max")
    adv = Client(second.base, headers={"Cookie": f"advice_chat_session={adv_cookie}"})
    await adv.connect()
    assigned = await adv.wait_for("assigned")
    assert assigned["chat_id"] == before["open"]["chat_id"]
    transcript = await _transcript(second.base, manager_cookie, before["ended"]["chat_id"])
    assert transcript is not None
    assert transcript["messages"] == before["transcript"]["messages"]
    await pro.disconnect()
    await adv.disconnect()


def test_restore_refuses_what_it_should(tmp_path: Path) -> None:
    key = secrets.token_urlsafe(48)
    env = _env(tmp_path / "var", key)
    _make_staff(env)
    backup = tmp_path / "b.db"
    assert _cli(env, "backup", str(backup)).returncode == 0

    # The target exists: only with --force.
    refused = _cli(env, "restore", str(backup))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert _cli(env, "restore", "--force", str(backup)).returncode == 0

    # Not a database, or not ours, or from a newer version of the code.
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    fresh = _env(tmp_path / "fresh", key)
    assert "not a SQLite database" in _cli(fresh, "restore", str(junk)).stderr
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert "not an advice_chat database" in _cli(fresh, "restore", str(other)).stderr
    newer = tmp_path / "newer.db"
    subprocess.run(["cp", str(backup), str(newer)], check=True)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    assert "does not know" in _cli(fresh, "restore", str(newer)).stderr
    assert not (tmp_path / "fresh" / "advice_chat.db").exists()

    # PostgreSQL: pointed at pg_dump / pg_restore instead.
    pg = dict(env, ADVICE_CHAT_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    for command in ("backup", "restore"):
        told = _cli(pg, command, str(backup))
        assert told.returncode == 2 and "pg_dump" in told.stderr and "pg_restore" in told.stderr


async def test_restore_under_another_secret_key_warns(
    tmp_path: Path, stoppers: list[Served]
) -> None:
    env = _env(tmp_path / "var1", secrets.token_urlsafe(48))
    served = _serve(env, tmp_path / "serve.log")
    stoppers.append(served)
    status, _ = await _post_chat(served.base)  # an open chat: its key is in the backup
    assert status == 201
    backup = tmp_path / "b.db"
    assert _cli(env, "backup", str(backup)).returncode == 0
    other = _env(tmp_path / "var2", secrets.token_urlsafe(48))
    done = _cli(other, "restore", str(backup))
    assert done.returncode == 0
    assert "does not open the 1 open chats' keys" in done.stderr


async def _post_chat(base: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/api/chats", json=PRE_CHAT) as resp,
    ):
        return resp.status, await resp.json()
