"""The access table (advice_chat/web/access.py) covers every route and event, and every
principal is refused wherever the table does not allow it. Generated from the table and the
app's own router and socket handlers, so a new route or event cannot be left out."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import aiohttp
import pytest
import socketio

from advice_chat.app import create_app
from advice_chat.config import Settings
from advice_chat.web.access import (
    ADVISER,
    ANYONE,
    ENROLLING,
    HTTP_PRINCIPALS,
    HTTP_RULES,
    MANAGER,
    PROFESSIONAL,
    SOCKET_CONNECT,
    SOCKET_RULES,
)
from advice_chat.web.keys import ACCOUNTS, SOCKETS
from tests.support import Client, LiveServer, adviser, professional

SAMPLE_PARAMS = {
    "user_id": "1",
    "chat_id": "c_" + "0" * 32,
    "slug": "dvpn-dvpo",
    "reply_id": "1",
}


def _app(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'rules.db'}",
        secret_key=secrets.token_urlsafe(48),
        var_dir=tmp_path,
    )


def _router_routes(tmp_path: Path) -> set[tuple[str, str]]:
    app = create_app(_app(tmp_path))
    found = set()
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue  # HEAD follows GET
        found.add((route.method, route.resource.canonical))
    return found


def test_every_route_has_a_rule_and_every_rule_a_route(tmp_path: Path) -> None:
    routes = _router_routes(tmp_path)
    missing = routes - set(HTTP_RULES)
    assert not missing, f"routes with no access rule in web/access.py: {sorted(missing)}"
    stale = set(HTTP_RULES) - routes
    assert not stale, f"access rules for routes that do not exist: {sorted(stale)}"


def test_every_socket_event_has_a_rule_and_handlers_match_it(tmp_path: Path) -> None:
    app = create_app(_app(tmp_path))
    edge = app[SOCKETS]
    registered = set(edge._sio.handlers["/"]) - {"connect", "disconnect"}
    assert registered == set(SOCKET_RULES)
    for event, kinds in SOCKET_RULES.items():
        assert edge.routed[event] == set(kinds), event


def _fill(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], template)


@pytest.fixture
async def principals(live_server: LiveServer) -> dict[str, str | None]:
    """A session cookie for each HTTP principal (None: no cookie)."""
    await live_server.create_user("adviser", "ada", "Ada Adviser")
    await live_server.create_user("manager", "max", "Max Manager")
    accounts = live_server.app[ACCOUNTS]
    ada = (await accounts.advisers())[0]
    found = await live_server.app[ACCOUNTS].authenticate("max", "correct horse battery staple")
    assert found is not None
    return {
        ANYONE: None,
        ADVISER: await accounts.start_session(ada),
        MANAGER: await accounts.start_session(found),
        ENROLLING: await accounts.start_session(ada, enrol_only=True),
    }


async def test_each_principal_is_refused_where_the_table_does_not_allow_it(
    live_server: LiveServer, principals: dict[str, str | None]
) -> None:
    checked = 0
    async with aiohttp.ClientSession() as http:
        for (method, template), rule in sorted(HTTP_RULES.items()):
            for who in HTTP_PRINCIPALS:
                if who in rule.allow:
                    continue
                cookie = principals[who]
                headers = {"Cookie": f"advice_chat_session={cookie}"} if cookie else {}
                kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
                async with http.request(
                    method,
                    live_server.base_url + _fill(template),
                    headers=headers,
                    allow_redirects=False,
                    **kwargs,  # type: ignore[arg-type]
                ) as resp:
                    where = f"{who} {method} {template}"
                    if rule.page and who == ANYONE:
                        assert resp.status == 302, where
                        assert resp.headers["Location"] == "/login", where
                    elif rule.page and who == ENROLLING:
                        assert resp.status == 302, where
                        assert resp.headers["Location"] == "/account/totp", where
                    elif rule.page:
                        assert resp.status == 403, where
                        assert "not open to you" in await resp.text(), where
                    else:
                        assert resp.status in (401, 403), where
                        body = await resp.json()
                        assert body["error"] in (
                            "unauthorized",
                            "forbidden",
                            "totp_enrolment_required",
                        ), where
                checked += 1
    assert checked > 50


async def test_each_socket_principal_is_refused_where_the_table_does_not_allow_it(
    live_server: LiveServer, principals: dict[str, str | None]
) -> None:
    _, token = await live_server.start_chat()
    manager = Client(
        live_server.base_url, headers={"Cookie": f"advice_chat_session={principals[MANAGER]}"}
    )
    await manager.connect()
    connections = {
        PROFESSIONAL: await professional(live_server, token),
        ADVISER: await adviser(live_server, "ada", available=False),
        MANAGER: manager,
    }
    for event, kinds in SOCKET_RULES.items():
        for who, client in connections.items():
            if who in kinds:
                continue
            ack = await client.call(event, {"chat_id": "c_" + "0" * 32})
            assert ack["error"] == "forbidden", (who, event)
    # Who may not connect at all: enrolling sessions, anyone without credentials. (Managers
    # connect for safeguarding alerts and supervision since the adviser console.)
    assert MANAGER in SOCKET_CONNECT
    for who in (ENROLLING, ANYONE):
        cookie = principals[who]
        refused = Client(
            live_server.base_url,
            headers={"Cookie": f"advice_chat_session={cookie}"} if cookie else None,
        )
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect()
        assert refused.refusal() == "unauthorized", who
    for client in connections.values():
        await client.disconnect()
