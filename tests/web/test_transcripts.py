"""The privacy promise end to end: after a chat closes only the redacted transcript remains.

Identifiers are planted in a chat over real sockets; once it is closed, none of
them may be found in the database files (WAL and journal included), in Redis,
or in the server's log. Managers see the redacted transcript, and every view is
audited; retention deletes exactly the transcripts past their time.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy import select, update

from advice_chat.config import Settings
from advice_chat.logging_setup import JsonFormatter
from advice_chat.records import utcnow
from advice_chat.storage.models import Chat, ChatKey
from advice_chat.web.keys import TRANSCRIPTS
from tests.conftest import POSTGRES_ADMIN_URL, REDIS_URL
from tests.support import LiveServer, adviser, professional


def planted() -> dict[str, str]:
    """Identifiers unique to this test run, so a find can only come from this chat."""
    n = secrets.randbelow(900) + 100
    return {
        "name": f"Zephyrine Quillfeather{n}"[:-3],
        "email": f"z.quill{n}@example.org",
        "phone": f"07700 900{n}",
        "nhs": "943 476 5919",
    }


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """Everything the server logs during the test, at every level, as the JSON it writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


async def _files_of(settings: Settings) -> list[Path]:
    """Every file the database keeps: SQLite's file, WAL, journal; PostgreSQL's data and WAL."""
    url = settings.database_url
    if url.startswith("sqlite"):
        db = Path(url.split("///", 1)[1])
        return [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute("CHECKPOINT")  # dirty buffers reach the files before we look
        data_dir = Path(await admin.fetchval("SHOW data_directory"))
        oid = await admin.fetchval("SELECT oid FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    return [
        p
        for d in (data_dir / "base" / str(oid), data_dir / "pg_wal")
        for p in d.rglob("*")
        if p.is_file()
    ]


async def _redis_dump() -> bytes:
    """Every key and value in the Redis database, whatever its type."""
    client = aioredis.Redis.from_url(REDIS_URL)
    out = bytearray()
    try:
        async for key in client.scan_iter(count=1000):
            out += key
            kind = (await client.type(key)).decode()
            if kind == "string":
                out += await client.get(key) or b""
            elif kind == "hash":
                for k, v in (await client.hgetall(key)).items():
                    out += k + v
            elif kind == "set":
                out += b"".join(await client.smembers(key))
            elif kind == "zset":
                out += b"".join(await client.zrange(key, 0, -1))
            elif kind == "list":
                out += b"".join(await client.lrange(key, 0, -1))
            elif kind == "stream":
                out += repr(await client.xrange(key)).encode()
    finally:
        await client.aclose()
    return bytes(out)


async def _wait_redacted(server: LiveServer, chat_id: str, timeout: float = 10) -> None:
    store = server.app[TRANSCRIPTS]._store
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        chat = await store.get_chat(chat_id)
        if chat is not None and chat.redacted_at is not None:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the chat was not redacted in time")
        await asyncio.sleep(0.05)


async def _planted_chat(server: LiveServer, ids: dict[str, str]) -> str:
    chat_id, token = await server.start_chat(
        message=f"My client's partner is {ids['name']}, she is scared of him."
    )
    pro = await professional(server, token)
    adv = await adviser(server, "ada")
    await pro.wait_for("assigned")
    await adv.send(f"Can you email me at {ids['email']} or call {ids['phone']}?", chat_id=chat_id)
    await pro.send(f"Her NHS number is {ids['nhs']}. {ids['name']} has been calling her.")
    await adv.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
    await pro.wait_for("ended")
    await pro.disconnect()
    await adv.disconnect()
    return chat_id


def _needles(ids: dict[str, str]) -> list[bytes]:
    out = []
    for value in ids.values():
        out += [value.encode(), value.encode("utf-16-le")]
    out.append(ids["name"].split()[1].encode())  # the surname alone
    return out


async def test_raw_words_are_gone_after_close_everywhere(
    server: LiveServer, server_log: io.StringIO
) -> None:
    ids = planted()
    chat_id = await _planted_chat(server, ids)
    await _wait_redacted(server, chat_id)

    # The manager sees the redacted transcript: same conversation, placeholders for people.
    cookie = await server.login_cookie("max")
    async with (
        aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http,
        http.get(f"{server.base_url}/api/transcripts/{chat_id}") as resp,
    ):
        assert resp.status == 200
        transcript = await resp.json()
    said: dict[str, list[str]] = {m["sender"]: [] for m in transcript["messages"]}
    for m in transcript["messages"]:
        said[m["sender"]].append(m["text"])
    joined = "\n".join(m["text"] for m in transcript["messages"])
    for value in ids.values():
        assert value not in joined
    # The same person keeps one placeholder across messages; the rest of the words stay.
    assert said["professional"][0] == "My client's partner is [NAME-1], she is scared of him."
    assert "[NHS-1]" in said["professional"][1] and "[NAME-1]" in said["professional"][1]
    assert "[EMAIL-1]" in said["adviser"][0] and "[PHONE-1]" in said["adviser"][0]
    assert said["system"][-1] == "The chat has ended."

    # Nothing raw anywhere: database files with their WAL/journal, Redis, the log.
    files = await _files_of(server.settings)
    assert files, "found no database files to check"
    for path in files:
        data = path.read_bytes()
        for needle in _needles(ids):
            assert needle not in data, f"{needle!r} found in {path}"
    redis_bytes = await _redis_dump()
    log_text = server_log.getvalue()
    assert chat_id in log_text  # the log does speak of the chat, by id
    for needle in _needles(ids):
        assert needle not in redis_bytes
    for value in ids.values():
        assert value not in log_text


async def test_sqlite_keeps_no_trace_of_the_chat_key(tmp_path: Path) -> None:
    """Crypto-shredding: the wrapped key itself is overwritten in the file and its WAL."""
    from tests.conftest import _settings

    settings = _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'shred.db'}")
    live = LiveServer(settings)
    await live.start()
    try:
        await live.create_user("adviser", "ada", "Ada Adviser")
        chat_id, token = await live.start_chat(message="a first message")
        store = live.app[TRANSCRIPTS]._store
        async with store.engine.connect() as conn:
            wrapped = (
                await conn.execute(select(ChatKey.wrapped_key).where(ChatKey.chat_id == chat_id))
            ).scalar_one()
        pro = await professional(live, token)
        await pro.call("end")
        await pro.disconnect()
        await _wait_redacted(live, chat_id)
        await live.app[TRANSCRIPTS].redact_pending()  # retries the WAL truncation if it was busy
        for path in await _files_of(settings):
            assert wrapped not in path.read_bytes(), path
    finally:
        await live.stop()


def _views(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["action"] == "transcript_viewed"]


async def test_transcripts_are_for_managers_only_and_every_view_is_audited(
    server: LiveServer,
) -> None:
    ids = planted()
    chat_id = await _planted_chat(server, ids)
    await _wait_redacted(server, chat_id)
    url = f"{server.base_url}/api/transcripts/{chat_id}"
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert resp.status == 401
    adviser_cookie = await server.login_cookie("ada")
    async with (
        aiohttp.ClientSession(cookies={"advice_chat_session": adviser_cookie}) as http,
        http.get(url) as resp,
    ):
        assert resp.status == 403
    cookie = await server.login_cookie("max")
    async with aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http:
        async with http.get(server.base_url + "/api/transcripts") as resp:
            listing = await resp.json()
        assert [t["chat_id"] for t in listing["transcripts"]] == [chat_id]
        assert listing["transcripts"][0]["lines"] >= 4
        async with http.get(server.base_url + "/api/manager/audit") as resp:
            assert _views((await resp.json())["events"]) == []  # listing is not viewing
        for _ in range(2):
            async with http.get(url) as resp:
                assert resp.status == 200
        async with http.get(f"{server.base_url}/manager/transcripts/{chat_id}") as resp:
            assert resp.status == 200
            page = await resp.text()
        assert "[NAME-1]" in page and ids["name"] not in page
        async with http.get(server.base_url + "/api/manager/audit") as resp:
            events = _views((await resp.json())["events"])
        async with http.get(server.base_url + "/api/transcripts/c_" + "0" * 32) as resp:
            assert resp.status == 404
    assert len(events) == 3
    assert {(e["action"], e["subject"], e["username"]) for e in events} == {
        ("transcript_viewed", chat_id, "max")
    }


async def test_retention_deletes_exactly_the_transcripts_past_their_time(
    server: LiveServer,
) -> None:
    old_id = await _planted_chat(server, planted())
    edge_id = await _planted_chat(server, planted())
    new_id = await _planted_chat(server, planted())
    for chat_id in (old_id, edge_id, new_id):
        await _wait_redacted(server, chat_id)
    service = server.app[TRANSCRIPTS]
    store = service._store
    now = utcnow()
    days = server.settings.retention_days
    async with store.engine.begin() as conn:
        for chat_id, age in (
            (old_id, timedelta(days=days, hours=1)),
            (edge_id, timedelta(days=days) - timedelta(minutes=5)),
        ):
            await conn.execute(update(Chat).where(Chat.id == chat_id).values(ended_at=now - age))
    assert await service.purge(now) == 1
    assert await store.transcript(old_id) == []
    assert len(await store.transcript(edge_id)) >= 4
    assert len(await store.transcript(new_id)) >= 4
    assert (await store.get_chat(old_id)) is not None  # the statistics record stays
    assert await service.purge(now) == 0
    runs = (await service.purge_runs())[:2]  # newest first; the server's own pass may be older
    assert [r["transcripts"] for r in runs] == [0, 1]
    assert all(r["rule"] == f"retention: {days} days after the chat ended" for r in runs)
    listed = [t["chat_id"] for t in await service.summaries(50, None)]
    assert old_id not in listed and edge_id in listed and new_id in listed


async def test_a_chat_open_when_the_server_stopped_is_closed_and_redacted_on_restart(
    tmp_path: Path,
) -> None:
    from tests.conftest import _settings

    ids = planted()
    settings = _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}")
    first = LiveServer(settings)
    await first.start()
    await first.create_user("adviser", "ada", "Ada Adviser")
    chat_id, token = await first.start_chat(message=f"about {ids['name']}")
    pro = await professional(first, token)
    adv = await adviser(first, "ada")
    await pro.wait_for("assigned")
    await pro.send(f"his number is {ids['phone']}")
    await pro.disconnect()
    await adv.disconnect()
    await first.stop()  # mid-chat: nobody ended it

    second = LiveServer(
        settings.with_overrides(
            housekeeping_seconds=0.1, professional_grace_seconds=0.5, adviser_grace_seconds=0.5
        )
    )
    await second.start()
    try:
        await _wait_redacted(second, chat_id, timeout=15)
        chat = await second.app[TRANSCRIPTS]._store.get_chat(chat_id)
        assert chat is not None and chat.status == "ended" and chat.ended_by == "system"
        lines = [m.text for m in await second.app[TRANSCRIPTS]._store.transcript(chat_id)]
        assert lines[0] == "about [NAME-1]"
        assert any("[PHONE-1]" in line for line in lines)
        for path in await _files_of(settings):
            data = path.read_bytes()
            for needle in _needles(ids):
                assert needle not in data, f"{needle!r} found in {path}"
    finally:
        await second.stop()
