"""HTTP endpoints of protocol v1: options, health, and every bad body naming its field."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from advice_chat.options import MESSAGE_MAX_CHARS, REGIONS, options_document
from tests.support import PRE_CHAT, LiveServer


async def _get(server: LiveServer, path: str) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    async with aiohttp.ClientSession() as http, http.get(server.base_url + path) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


async def test_options_and_health(live_server: LiveServer) -> None:
    status, body, _ = await _get(live_server, "/api/options")
    assert status == 200
    assert body == options_document()
    assert {r["id"] for r in body["regions"]} == {i for i, _ in REGIONS}
    assert len(body["regions"]) == 10 and "wales" in {r["id"] for r in body["regions"]}
    status, body, headers = await _get(live_server, "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def _without(field: str) -> dict[str, Any]:
    return {k: v for k, v in PRE_CHAT.items() if k != field}


BAD_BODIES: list[tuple[Any, str | None, str]] = [
    (_without("role"), "role", "missing"),
    (_without("region"), "region", "missing"),
    (_without("topic"), "topic", "missing"),
    (_without("consent"), "consent", "missing"),
    ({**PRE_CHAT, "role": "astronaut"}, "role", "invalid"),
    ({**PRE_CHAT, "role": 7}, "role", "invalid"),
    ({**PRE_CHAT, "region": "scotland"}, "region", "invalid"),
    ({**PRE_CHAT, "topic": ["risk"]}, "topic", "invalid"),
    ({**PRE_CHAT, "consent": False}, "consent", "consent_required"),
    ({**PRE_CHAT, "consent": "yes"}, "consent", "invalid"),
    ({**PRE_CHAT, "role": None}, "role", "missing"),
    ({**PRE_CHAT, "message": 42}, "message", "invalid"),
    ({**PRE_CHAT, "message": "x" * (MESSAGE_MAX_CHARS + 1)}, "message", "too_long"),
    ({**PRE_CHAT, "message": "nul\x00byte"}, "message", "invalid_text"),
    ({**PRE_CHAT, "immediate_risk": "maybe"}, "immediate_risk", "invalid"),
    ([PRE_CHAT], None, "invalid_json"),
    ("just a string", None, "invalid_json"),
    (None, None, "invalid_json"),
]


@pytest.mark.parametrize(("body", "field", "error"), BAD_BODIES)
async def test_bad_chat_bodies_get_400_naming_the_field(
    live_server: LiveServer, body: Any, field: str | None, error: str
) -> None:
    status, data = await live_server.post_json("/api/chats", body)
    assert status == 400
    assert data["field"] == field
    assert data["error"] == error
    assert isinstance(data["message"], str) and data["message"]


async def test_malformed_and_oversized_bodies(live_server: LiveServer) -> None:
    url = live_server.base_url + "/api/chats"
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=b"{not json", headers=headers) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"] == "invalid_json"
        async with http.post(url, data=b"[" * 50000 + b"]" * 50000, headers=headers) as resp:
            assert resp.status in (400, 413)
        async with http.post(url, data=b" " * (70 * 1024), headers=headers) as resp:
            assert resp.status == 413
            assert (await resp.json())["error"] == "too_large"
        async with http.post(
            url,
            data=b"role=probation",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as resp:
            assert resp.status == 415
    # The server is still serving after all that.
    chat_id, token = await live_server.start_chat()
    assert chat_id.startswith("c_") and len(token) > 30


async def test_good_chat_is_created(live_server: LiveServer) -> None:
    status, data = await live_server.post_json(
        "/api/chats", {**PRE_CHAT, "message": "  hello  ", "immediate_risk": True}
    )
    assert status == 201
    assert set(data) == {"chat_id", "token", "status", "team"}
    assert data["status"] == "waiting"
    assert data["team"] == "respect"  # no routing answer: the default team


async def test_me_and_logout(live_server: LiveServer) -> None:
    await live_server.create_user("adviser", "ada", "Ada", "correct horse battery staple")
    cookie = await live_server.login_cookie("ada")
    jar = {"advice_chat_session": cookie}
    async with aiohttp.ClientSession(cookies=jar) as http:
        async with http.get(live_server.base_url + "/api/me") as resp:
            assert resp.status == 200
            assert (await resp.json())["user"]["username"] == "ada"
        async with http.post(live_server.base_url + "/api/logout", json={}) as resp:
            assert resp.status == 204
    async with aiohttp.ClientSession(cookies=jar) as http:
        async with http.get(live_server.base_url + "/api/me") as resp:
            assert resp.status == 401
