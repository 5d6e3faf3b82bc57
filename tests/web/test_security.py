"""Accounts and sessions: headers, CSRF, throttling, TOTP, disabling, idle timeout, audit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pyotp
import pytest
import socketio

from advice_chat.config import Settings
from advice_chat.services.accounts import AccountError
from advice_chat.services.passwords import password_problem
from advice_chat.web.keys import ACCOUNTS
from advice_chat.web.middleware import CSP
from tests.conftest import _settings
from tests.support import PASSWORD, Client, LiveServer, adviser


async def _server(tmp_path: Path, **overrides: Any) -> LiveServer:
    settings = _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'sec.db'}")
    live = LiveServer(settings.with_overrides(**overrides))
    await live.start()
    await live.create_user("adviser", "ada", "Ada Adviser")
    await live.create_user("manager", "max", "Max Manager")
    return live


@pytest.fixture
async def sec(tmp_path: Path) -> AsyncIterator[LiveServer]:
    live = await _server(tmp_path, housekeeping_seconds=0.2)
    yield live
    await live.stop()


async def _request(
    server: LiveServer,
    method: str,
    path: str,
    *,
    cookie: str | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    data: Any = None,
) -> tuple[int, Any, Any]:
    all_headers = dict(headers or {})
    if cookie:
        all_headers["Cookie"] = f"advice_chat_session={cookie}"
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method,
            server.base_url + path,
            json=json,
            data=data,
            headers=all_headers,
            allow_redirects=False,
        ) as resp,
    ):
        try:
            body = await resp.json(content_type=None)
        except ValueError:
            body = None
        return resp.status, body, resp.headers


async def _login(
    server: LiveServer, username: str, password: str = PASSWORD, **more: Any
) -> tuple[int, Any, str | None]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            server.base_url + "/api/login",
            json={"username": username, "password": password, **more},
        ) as resp,
    ):
        cookie = resp.cookies.get("advice_chat_session")
        return resp.status, await resp.json(), cookie.value if cookie else None


async def _audit(server: LiveServer) -> list[dict[str, Any]]:
    cookie = await server.login_cookie("max")
    status, body, _ = await _request(server, "GET", "/api/manager/audit", cookie=cookie)
    assert status == 200
    return list(body["events"])


# -- headers and cookies ------------------------------------------------------------


async def test_security_headers_and_cookie_attributes(tmp_path: Path) -> None:
    live = await _server(tmp_path, secure_cookies=True)
    try:
        for path in ("/", "/login", "/kb", "/api/options"):
            _, _, headers = await _request(live, "GET", path)
            assert headers["Content-Security-Policy"] == CSP
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"
            assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert "'unsafe-inline'" not in CSP and "frame-ancestors 'none'" in CSP
        assert "script-src 'self'" in CSP
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                live.base_url + "/api/login", json={"username": "ada", "password": PASSWORD}
            ) as resp,
        ):
            raw = resp.headers["Set-Cookie"]
        assert "HttpOnly" in raw and "SameSite=Lax" in raw and "Secure" in raw
    finally:
        await live.stop()


# -- CSRF -----------------------------------------------------------------------------


async def test_state_changing_requests_need_json_and_own_origin(sec: LiveServer) -> None:
    cookie = await sec.login_cookie("max")
    hours = {"windows": [], "closed_dates": []}
    # A non-browser client: JSON, no Origin, no token -> works.
    status, _, _ = await _request(sec, "PUT", "/api/manager/hours", cookie=cookie, json=hours)
    assert status == 200
    # Same origin as the browser sends it, and behind a TLS proxy -> works.
    for origin, extra in ((sec.base_url, {}), (sec.base_url.replace("http:", "https:"),
                                              {"X-Forwarded-Proto": "https"})):  # fmt: skip
        status, _, _ = await _request(
            sec, "PUT", "/api/manager/hours", cookie=cookie, json=hours,
            headers={"Origin": origin, **extra},
        )  # fmt: skip
        assert status == 200, origin
    # A foreign page: refused whatever the method.
    for method, path in (("PUT", "/api/manager/hours"), ("PATCH", "/api/manager/advisers/1"),
                         ("POST", "/api/logout"), ("POST", "/api/chats")):  # fmt: skip
        status, body, _ = await _request(
            sec, method, path, cookie=cookie, json={}, headers={"Origin": "https://evil.example"}
        )
        assert status == 403 and body["error"] == "forbidden_origin", (method, path)
        status, body, _ = await _request(
            sec, method, path, cookie=cookie, json={}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert status == 403 and body["error"] == "forbidden_origin", (method, path)
    # What an HTML form can send: refused, with a body or without one.
    for ctype in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
        status, body, _ = await _request(
            sec, "POST", "/api/logout", cookie=cookie, data=b"", headers={"Content-Type": ctype}
        )
        assert status == 415 and body["error"] == "unsupported_media_type", ctype
    status, _, _ = await _request(sec, "GET", "/api/me", cookie=cookie)
    assert status == 200  # none of that signed the manager out


async def test_socket_with_foreign_origin_is_refused(sec: LiveServer) -> None:
    cookie = await sec.login_cookie("ada")
    client = Client(
        sec.base_url,
        headers={"Cookie": f"advice_chat_session={cookie}", "Origin": "https://evil.example"},
    )
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect()
    ok = Client(
        sec.base_url, headers={"Cookie": f"advice_chat_session={cookie}", "Origin": sec.base_url}
    )
    await ok.connect()
    await ok.disconnect()


# -- passwords and sign-in throttling ------------------------------------------------


def test_password_rules_follow_ncsc() -> None:
    assert password_problem("correct horse battery staple") is None
    assert password_problem("purple monkey dishwasher") is None
    assert password_problem("739201846513") is None  # long enough; no composition rules
    for weak in ("short", "password1234", "Password1234!", "Liverpool2024!!", "qwertyuiopas",
                 "aaaaaaaaaaaa", "123456789012", "iloveyou1234"):  # fmt: skip
        assert password_problem(weak) is not None, weak
    assert password_problem("ada-ada-ada-1", "ada-ada-ada") is not None


async def test_create_user_and_password_change_apply_the_rules(sec: LiveServer) -> None:
    accounts = sec.app[ACCOUNTS]
    with pytest.raises(AccountError, match="too common"):
        await accounts.create_user(
            username="weak", display_name="W", role="adviser", password="password1234"
        )
    ada = (await accounts.advisers())[0]
    with pytest.raises(AccountError):
        await accounts.set_password(ada.id, "Summer2024!!")
    cookie = await sec.login_cookie("ada")
    await accounts.set_password(ada.id, "a brand new long passphrase")
    status, _, _ = await _request(sec, "GET", "/api/me", cookie=cookie)
    assert status == 401  # a new password ends the old sign-ins
    assert (await _login(sec, "ada", "a brand new long passphrase"))[0] == 200


async def test_failed_sign_ins_are_throttled_per_account(sec: LiveServer) -> None:
    limit = sec.settings.login_failures_per_account
    for _ in range(limit):
        status, body, _ = await _login(sec, "ada", "not the password at all")
        assert status == 401 and body["error"] == "invalid_credentials"
    status, body, _ = await _login(sec, "ada")  # even the right password waits now
    assert status == 429
    assert body["error"] == "too_many_attempts" and body["retry_after"] > 60
    assert "wait" in body["message"] and "minutes" in body["message"]
    assert (await _login(sec, "max"))[0] == 200  # other accounts are not affected
    actions = [e["action"] for e in await _audit(sec)]
    assert actions.count("sign_in_failed") == limit and "sign_in_throttled" in actions


async def test_failed_sign_ins_are_throttled_per_address(tmp_path: Path) -> None:
    live = await _server(tmp_path, login_failures_per_address=5)
    try:
        for i in range(5):
            assert (await _login(live, f"nobody{i}", "whatever it is now"))[0] == 401
        status, body, _ = await _login(live, "ada")
        assert status == 429 and body["retry_after"] >= 1
    finally:
        await live.stop()


# -- disabling, sign-out elsewhere, idle timeout --------------------------------------


async def test_disabling_an_adviser_ends_sessions_and_sockets_at_once(sec: LiveServer) -> None:
    ada_cookie = await sec.login_cookie("ada")
    ada = await adviser(sec, "ada")
    manager = await sec.login_cookie("max")
    ada_id = (await sec.app[ACCOUNTS].advisers())[0].id
    status, body, _ = await _request(
        sec, "PATCH", f"/api/manager/advisers/{ada_id}", cookie=manager, json={"disabled": True}
    )
    assert status == 200 and body["disabled"] is True
    for _ in range(50):
        if not ada.sio.connected:
            break
        await asyncio.sleep(0.02)
    assert not ada.sio.connected
    assert (await _request(sec, "GET", "/api/me", cookie=ada_cookie))[0] == 401
    status, body, _ = await _login(sec, "ada")
    assert status == 401 and body["error"] == "invalid_credentials"
    status, body, _ = await _request(
        sec, "PATCH", f"/api/manager/advisers/{ada_id}", cookie=manager, json={"disabled": "no"}
    )
    assert status == 400 and body["field"] == "disabled"
    await _request(
        sec, "PATCH", f"/api/manager/advisers/{ada_id}", cookie=manager, json={"disabled": False}
    )
    assert (await _login(sec, "ada"))[0] == 200
    actions = [e["action"] for e in await _audit(sec)]
    assert {"account_disabled", "account_enabled"} <= set(actions)


async def test_sign_out_elsewhere_closes_the_console_connection(sec: LiveServer) -> None:
    cookie = await sec.login_cookie("ada")
    client = Client(sec.base_url, headers={"Cookie": f"advice_chat_session={cookie}"})
    await client.connect()
    await _request(sec, "POST", "/api/logout", cookie=cookie)
    for _ in range(100):  # the sweep runs every housekeeping interval (0.2 s here)
        if not client.sio.connected:
            break
        await asyncio.sleep(0.05)
    assert not client.sio.connected


async def test_idle_sessions_end(tmp_path: Path) -> None:
    live = await _server(tmp_path, session_idle_minutes=1 / 60)  # one second
    try:
        cookie = await live.login_cookie("max")
        assert (await _request(live, "GET", "/api/me", cookie=cookie))[0] == 200
        await asyncio.sleep(1.3)
        assert (await _request(live, "GET", "/api/me", cookie=cookie))[0] == 401
    finally:
        await live.stop()


# -- TOTP -------------------------------------------------------------------------------


async def _enrol(server: LiveServer, cookie: str) -> pyotp.TOTP:
    status, body, _ = await _request(server, "POST", "/api/account/totp", cookie=cookie, json={})
    assert status == 200, body
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(body["secret"])
    status, body, _ = await _request(
        server, "POST", "/api/account/totp/confirm", cookie=cookie, json={"code": "000000"}
    )
    assert status == 400 and body["error"] == "invalid_totp"
    status, body, _ = await _request(
        server, "POST", "/api/account/totp/confirm", cookie=cookie, json={"code": totp.now()}
    )
    assert status == 200 and body["user"]["totp_enabled"] is True, body
    return totp


async def test_totp_enrolment_and_sign_in(sec: LiveServer) -> None:
    cookie = await sec.login_cookie("ada")
    totp = await _enrol(sec, cookie)
    status, body, _ = await _login(sec, "ada")
    assert status == 401 and body["error"] == "totp_required" and body["field"] == "totp"
    status, body, _ = await _login(sec, "ada", totp="123456" if totp.now() != "123456" else "1")
    assert status == 401 and body["error"] == "invalid_totp"
    # The code used to enrol was spent; wait for the next one (at most 30 s).
    await asyncio.sleep(30 - time.time() % 30 + 0.2)
    code = totp.now()
    status, body, new_cookie = await _login(sec, "ada", totp=code)
    assert status == 200 and new_cookie, body
    status, body, _ = await _login(sec, "ada", totp=code)  # replayed
    assert status == 401 and body["error"] == "invalid_totp"
    # The secret is not stored in the clear.
    store = sec.app[ACCOUNTS]._store
    ada_id = (await sec.app[ACCOUNTS].advisers())[0].id
    sealed, enabled, _ = await store.totp_state(ada_id)
    assert enabled and sealed and totp.secret.encode() not in sealed
    assert "totp_enabled" in [e["action"] for e in await _audit(sec)]


async def test_required_totp_sends_staff_to_enrol_first(tmp_path: Path) -> None:
    live = await _server(tmp_path, require_totp=True)
    try:
        status, body, cookie = await _login(live, "max")
        assert status == 200 and body["user"]["totp_enrolment_required"] is True
        assert cookie
        status, body, _ = await _request(live, "GET", "/api/manager/hours", cookie=cookie)
        assert status == 403 and body["error"] == "totp_enrolment_required"
        status, _, headers = await _request(live, "GET", "/manager", cookie=cookie)
        assert status == 302 and headers["Location"] == "/account/totp"
        status, _, _ = await _request(live, "GET", "/account/totp", cookie=cookie)
        assert status == 200
        client = Client(live.base_url, headers={"Cookie": f"advice_chat_session={cookie}"})
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect()
        await _enrol(live, cookie)
        status, body, _ = await _request(live, "GET", "/api/manager/hours", cookie=cookie)
        assert status == 200, body
    finally:
        await live.stop()


# -- audit --------------------------------------------------------------------------


async def test_sign_ins_settings_and_account_changes_are_audited(sec: LiveServer) -> None:
    manager = await sec.login_cookie("max")
    await _login(sec, "ada", "wrong password here")
    await _request(
        sec, "PUT", "/api/manager/hours", cookie=manager,
        json={"windows": [], "closed_dates": []},
    )  # fmt: skip
    ada_id = (await sec.app[ACCOUNTS].advisers())[0].id
    await _request(
        sec, "PATCH", f"/api/manager/advisers/{ada_id}", cookie=manager, json={"capacity": 2}
    )
    await _request(sec, "POST", "/api/logout", cookie=manager)
    events = await _audit(sec)
    by_action = {e["action"]: e for e in events}
    assert {"account_created", "sign_in", "sign_in_failed", "hours_changed",
            "capacity_changed", "sign_out"} <= set(by_action)  # fmt: skip
    assert by_action["sign_in_failed"]["username"] == "ada"
    assert by_action["capacity_changed"]["subject"] == f"user:{ada_id}"
    assert by_action["hours_changed"]["username"] == "max"
    assert all(PASSWORD not in str(e) and "wrong password" not in str(e) for e in events)
    page_cookie = await sec.login_cookie("max")
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            sec.base_url + "/manager/audit",
            headers={"Cookie": f"advice_chat_session={page_cookie}"},
        ) as resp,
    ):
        assert resp.status == 200
        html = await resp.text()
    assert "Failed sign-in" in html and "Changed the opening hours" in html


async def test_throttling_disabling_and_totp_on_every_deployment(deployment: Settings) -> None:
    """The same rules on SQLite, PostgreSQL, and PostgreSQL + Redis (where the sign-in
    counters are shared: a second app on the same Redis sees the first one's failures)."""
    settings = deployment.with_overrides(housekeeping_seconds=0.2, login_failures_per_account=3)
    live = LiveServer(settings)
    await live.start()
    twin: LiveServer | None = None
    try:
        await live.create_user("adviser", "ada", "Ada Adviser")
        await live.create_user("manager", "max", "Max Manager")
        # PostgreSQL refuses NUL in text: such a name is no account's and is not looked up.
        assert (await _login(live, "a\x00da", "x\x00y"))[0] == 401
        for _ in range(3):
            assert (await _login(live, "ada", "not the password at all"))[0] == 401
        assert (await _login(live, "ada"))[0] == 429
        if settings.redis_url:
            twin = LiveServer(settings)  # another worker of the same service
            await twin.start()
            assert (await _login(twin, "ada"))[0] == 429
        await live.app[ACCOUNTS]._limiter.reset("login:user:ada")
        console = await adviser(live, "ada", available=False)
        manager = await live.login_cookie("max")
        ada_id = (await live.app[ACCOUNTS].advisers())[0].id
        status, _, _ = await _request(
            live, "PATCH", f"/api/manager/advisers/{ada_id}", cookie=manager,
            json={"disabled": True},
        )  # fmt: skip
        assert status == 200
        for _ in range(100):
            if not console.sio.connected:
                break
            await asyncio.sleep(0.05)
        assert not console.sio.connected
        status, _, cookie = await _login(live, "max")
        assert status == 200 and cookie
        totp = await _enrol(live, cookie)
        assert totp.secret
    finally:
        if twin is not None:
            await twin.stop()
        await live.stop()
