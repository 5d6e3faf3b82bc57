"""A corpus of hostile input over HTTP and socket events: every bad request gets a clear
error, nothing unexpected is stored, and the server keeps serving other chats meanwhile."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from advice_chat.options import MESSAGE_MAX_CHARS
from advice_chat.validation import INVISIBLE, neutralise
from tests.conftest import _settings
from tests.support import PRE_CHAT, Client, LiveServer, adviser, professional

SCRIPTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "{{7*7}} {% raw %}${7*7}",
    "'; DROP TABLE chats; --",
]
# Text that is refused, with the error it gets.
REFUSED_TEXT: list[tuple[Any, str]] = [
    ("nul\x00byte", "invalid_text"),
    ("bell\x07", "invalid_text"),
    ("c1 control\x85", "invalid_text"),
    ("lone surrogate \ud800", "invalid_text"),
    ("x" * (MESSAGE_MAX_CHARS + 1), "too_long"),
    ("   ", "text_required"),
    ("\u202e\u200b", "text_required"),  # nothing left once invisible characters go
    (42, "invalid"),
    (["a list"], "invalid"),
    ({"an": "object"}, "invalid"),
    (True, "invalid"),
]
BIDI = "pay \u202eRTL override\u202c and \u2066isolate\u2069 zero\u200bwidth \ufeffbom"
# Payloads that are not the right shape at all.
WRONG_PAYLOADS: list[Any] = [
    "a string",
    12,
    [1, 2, 3],
    True,
    {"text": "hi"},  # no client_id
    {"text": "hi", "client_id": 7},
    {"text": "hi", "client_id": "x" * 65},
    {"text": "hi", "client_id": "bad\x00id"},
    {"after_id": -1},
    {"after_id": "1"},
    {"after_id": 1.5},
    {"after_id": 10**30},
]


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"a": value}
    return value


async def _still_serving(server: LiveServer, pro: Client) -> None:
    """Another chat goes on as normal."""
    ack = await pro.send("still here " + uuid.uuid4().hex)
    assert "id" in ack, ack


@pytest.fixture
async def unthrottled(database_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """A server without the per-connection event limit, so the corpus is not cut short; on
    SQLite and on PostgreSQL (which refuses NUL in text, so a NUL must never reach it)."""
    settings = _settings(tmp_path, database_url)
    live = LiveServer(settings.with_overrides(events_per_connection=0))
    await live.start()
    yield live
    await live.stop()


async def test_hostile_text_over_socket_events(unthrottled: LiveServer) -> None:
    live_server = unthrottled
    await live_server.create_user("adviser", "ada", "Ada Adviser")
    _, bystander_token = await live_server.start_chat()
    bystander = await professional(live_server, bystander_token)
    chat_id, token = await live_server.start_chat()
    pro = await professional(live_server, token)
    ada = await adviser(live_server, "ada")
    await ada.wait_for("assigned")

    stored: list[str] = []
    for text in SCRIPTS:
        ack = await pro.send(text)
        assert "id" in ack, ack
        stored.append(text)
    for bad, error in REFUSED_TEXT:
        ack = await pro.call("message", {"text": bad, "client_id": uuid.uuid4().hex})
        assert ack["error"] == error, (bad, ack)
        assert ack["message"], ack
    for payload in WRONG_PAYLOADS:
        if not isinstance(payload, dict):
            events: tuple[str, ...] = ("message", "history", "end")
        else:
            events = ("message",) if "text" in payload else ("history",)
        for event in events:
            ack = await pro.call(event, payload)
            assert isinstance(ack, dict) and "error" in ack, (event, payload, ack)
            assert ack["error"] in {"invalid", "client_id_required", "text_required"}, ack
    for event in ("message", "history", "accept", "take", "presence", "end"):
        ack = await ada.call(event, _nested(200))
        assert isinstance(ack, dict) and "error" in ack, (event, ack)
    ack = await ada.call("message", {"chat_id": ["x"], "text": "hi", "client_id": "1"})
    assert ack["error"] == "not_found"
    for event in ("message", "history", "end", "accept", "decline", "take", "share_article"):
        ack = await ada.call(
            event,
            {"chat_id": "c_\x00", "text": "hi", "client_id": "1", "after_id": 0,
             "outcome": "other\x00", "slug": "a\x00b"},
        )  # fmt: skip
        assert ack.get("error") not in (None, "internal"), (event, ack)
    # Bidi overrides and invisible characters are removed, the words kept.
    ack = await pro.send(BIDI)
    assert "id" in ack
    stored.append(neutralise(BIDI))
    await _still_serving(live_server, bystander)

    history = await ada.call("history", {"chat_id": chat_id, "after_id": 0})
    texts = [m["text"] for m in history["messages"] if m["sender"] == "professional"]
    assert texts == stored  # stored as sent (plain text), never transformed into markup
    assert not any(INVISIBLE.search(t) for t in texts)
    assert "pay RTL override and isolate zerowidth bom" in texts
    for c in (pro, ada, bystander):
        await c.disconnect()


async def test_socket_flood_is_rate_limited_with_retry_after(live_server: LiveServer) -> None:
    _, token = await live_server.start_chat()
    _, other_token = await live_server.start_chat()
    pro = await professional(live_server, token)
    other = await professional(live_server, other_token)
    limit = live_server.settings.events_per_connection
    acks = await asyncio.gather(*(pro.send(f"flood {i}") for i in range(limit + 10)))
    limited = [a for a in acks if a.get("error") == "rate_limited"]
    assert len(limited) == 10
    assert all(a["retry_after"] >= 1 and a["message"] for a in limited)
    assert len([a for a in acks if "id" in a]) == limit
    await _still_serving(live_server, other)  # the flood costs only the flooder
    await pro.disconnect()
    await other.disconnect()


async def test_connections_per_address_are_capped(live_server: LiveServer) -> None:
    _, token = await live_server.start_chat()
    edge_limit = live_server.settings.connections_per_address
    clients = []
    for _ in range(edge_limit):
        clients.append(await professional(live_server, token))
    extra = Client(live_server.base_url, auth={"token": token})
    with pytest.raises(Exception):  # noqa: B017 (socketio's ConnectionError)
        await extra.connect()
    assert extra.refusal() == "rate_limited"
    await clients.pop().disconnect()
    await asyncio.sleep(0.1)
    again = await professional(live_server, token)  # a freed place can be used
    for c in [*clients, again]:
        await c.disconnect()


HTTP_BODIES: list[tuple[bytes, str, int, str]] = [
    (b"{not json", "application/json", 400, "invalid_json"),
    (b"[" * 100_000, "application/json", 413, "too_large"),
    (b"[" * 30_000 + b"]" * 30_000, "application/json", 400, "invalid_json"),
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json", 400, "invalid_json"),
    (b'{"role": "probation\\u0000"}', "application/json", 400, "invalid"),
    (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_json"),
    (b"role=probation", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"role=probation", "text/plain", 415, "unsupported_media_type"),
    (b"", "text/plain", 415, "unsupported_media_type"),
]


@pytest.mark.parametrize(("body", "ctype", "status", "error"), HTTP_BODIES)
async def test_hostile_http_bodies_get_clear_errors(
    live_server: LiveServer, body: bytes, ctype: str, status: int, error: str
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            live_server.base_url + "/api/chats", data=body, headers={"Content-Type": ctype}
        ) as resp,
    ):
        assert resp.status == status
        data = await resp.json()
        assert data["error"] == error and data["message"]


async def test_hostile_pre_chat_text(live_server: LiveServer) -> None:
    for bad, error in REFUSED_TEXT:
        if bad == "   " or bad == "\u202e\u200b":
            continue  # blank first message = no first message
        status, data = await live_server.post_json("/api/chats", {**PRE_CHAT, "message": bad})
        assert status == 400 and data["error"] == error, (bad, data)
    for text in SCRIPTS[:3]:
        status, data = await live_server.post_json("/api/chats", {**PRE_CHAT, "message": text})
        assert status == 201, data


async def test_chat_creation_is_rate_limited_per_address(live_server: LiveServer) -> None:
    limit = live_server.settings.chats_per_address_minute
    results = [await live_server.post_json("/api/chats", PRE_CHAT) for _ in range(limit + 1)]
    assert [s for s, _ in results[:limit]] == [201] * limit
    status, data = results[-1]
    assert status == 429
    assert data["error"] == "rate_limited" and data["retry_after"] >= 1 and data["message"]


async def test_socket_frame_nested_too_deeply_gets_an_error(live_server: LiveServer) -> None:
    """Thousands of nesting levels in one frame (under the 64 KiB cap): python-socketio's
    parser would raise; the event is answered `invalid` and the connection carries on."""
    _, token = await live_server.start_chat()
    url = live_server.base_url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    depth = 10_000
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        assert (await ws.receive_str()).startswith("0")
        await ws.send_str('40{"token": "' + token + '"}')
        assert (await ws.receive_str()).startswith("40")
        await ws.send_str('421["message",' + '{"a":' * depth + "1" + "}" * depth + "]")
        await ws.send_str('40{"a":' + "[" * depth + "]" * depth + "}")  # a deep connect: no-op
        deadline = asyncio.get_running_loop().time() + 5
        while True:
            frame = await asyncio.wait_for(
                ws.receive_str(), deadline - asyncio.get_running_loop().time()
            )
            if frame.startswith("431"):
                assert '"error":"invalid"' in frame.replace(" ", "")
                break
        await ws.send_str('422["history",{"after_id":0}]')
        while not (frame := await asyncio.wait_for(ws.receive_str(), 5)).startswith("432"):
            pass
        assert '"messages"' in frame
