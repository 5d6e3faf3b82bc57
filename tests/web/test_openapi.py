"""`/api/openapi.json` describes every JSON route, and schemathesis finds no server error."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from advice_chat.web.access import HTTP_RULES
from advice_chat.web.keys import ACCOUNTS
from advice_chat.web.openapi import document
from tests.conftest import _settings
from tests.support import LiveServer

# Routes that are not JSON endpoints: the transport, pages, static files, and metrics text.
NOT_JSON = {"/socket.io/", "/static", "/metrics", "/manager/stats.csv"}


def test_every_json_route_is_in_the_document() -> None:
    paths = document()["paths"]
    for method, template in HTTP_RULES:
        rule = HTTP_RULES[(method, template)]
        if rule.page or template in NOT_JSON:
            continue
        assert template in paths, f"{method} {template} is not in /api/openapi.json"
        assert method.lower() in paths[template], f"{method} {template} not described"
    for template, operations in paths.items():
        for method in operations:
            assert (method.upper(), template) in HTTP_RULES, f"{method} {template} has no route"


async def test_openapi_served(live_server: LiveServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(live_server.base_url + "/api/openapi.json") as resp,
    ):
        assert resp.status == 200
        body = await resp.json()
    assert body["openapi"].startswith("3.1") and "/api/chats" in body["paths"]


@pytest.fixture
async def any_db_server(database_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """The live server on SQLite and on PostgreSQL (which refuses NUL in text, for one)."""
    live = LiveServer(_settings(tmp_path, database_url))
    await live.start()
    yield live
    await live.stop()


async def test_schemathesis_finds_no_server_error(
    any_db_server: LiveServer, tmp_path: Path
) -> None:
    """Property-based requests from the document (valid and invalid), as a manager so the
    manager endpoints are reached too; the only check is `not_a_server_error`."""
    live_server = any_db_server
    await live_server.create_user("adviser", "ada", "Ada Adviser")
    await live_server.create_user("manager", "max", "Max Manager")
    max_user = await live_server.app[ACCOUNTS].authenticate("max", "correct horse battery staple")
    assert max_user is not None
    cookie = await live_server.app[ACCOUNTS].start_session(max_user)
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is not installed (pip install -e '.[test]')"
    proc = await asyncio.create_subprocess_exec(
        st,
        "run",
        live_server.base_url + "/api/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "25",
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "1",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--exclude-path",
        "/api/logout",  # would end the session the run signs in with
        "-H",
        f"Cookie: advice_chat_session={cookie}",
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 240)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
    assert "generated" in text and "Tested: 0" not in text, text[-3000:]
