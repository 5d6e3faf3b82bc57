"""Operations endpoints on the real server: health, readiness (and its failures), metrics."""

from __future__ import annotations

import asyncio
import gc
import re
import sqlite3
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from advice_chat.config import Settings
from advice_chat.storage.engine import head_revision
from advice_chat.web.ops import METRICS
from tests.conftest import POSTGRES_ADMIN_URL, _settings
from tests.support import PRE_CHAT, LiveServer, adviser, free_port, professional

GC_PAUSES = "advice_chat_gc_pause_seconds_count"
METRIC_NAMES = (
    "advice_chat_queue_waiting",
    "advice_chat_advisers",
    "advice_chat_chats",
    "advice_chat_chat_events_total",
    "advice_chat_wait_seconds_bucket",
    "advice_chat_messages_total",
    "advice_chat_socket_connections",
    "advice_chat_http_request_seconds_bucket",
    "advice_chat_redaction_seconds_bucket",
    "advice_chat_redaction_failures_total",
)


async def _get(
    server: LiveServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.base_url + path, headers=headers) as resp,
    ):
        return resp.status, await resp.text()


async def _ready(server: LiveServer) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.base_url + "/readyz") as resp,
    ):
        return resp.status, await resp.json()


async def _until_ready(server: LiveServer, want: int, timeout: float = 15) -> dict[str, Any]:
    """Poll /readyz until it answers `want` (a dependency coming back takes a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = await _ready(server)
        if status == want:
            return body
        assert time.monotonic() < deadline, f"/readyz stayed {status}: {body}"
        await asyncio.sleep(0.2)


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format, or None if absent."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return None


# -- health and readiness ----------------------------------------------------


async def test_health_and_readiness_when_all_is_well(server: LiveServer) -> None:
    """On every deployment shape: alive, and ready with each dependency checked."""
    status, body = await _get(server, "/healthz")
    assert status == 200 and '"ok"' in body
    status, ready = await _ready(server)
    assert status == 200, ready
    want = {"database": "ok", "migrations": "ok"}
    if server.settings.redis_url:
        want["redis"] = "ok"
    assert ready == {"status": "ready", "checks": want}


async def test_not_ready_when_the_database_is_gone(tmp_path: Path, postgres_url: str) -> None:
    live = LiveServer(_settings(tmp_path, postgres_url))
    await live.start()
    try:
        assert (await _ready(live))[0] == 200
        name = postgres_url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        status, body = await _ready(live)
        assert status == 503
        assert body["status"] == "not_ready"
        assert body["checks"]["database"] == "unreachable"
        # Alive is not ready: the process still answers, so it is not restarted for this.
        assert (await _get(live, "/healthz"))[0] == 200
    finally:
        await live.stop()


async def test_not_ready_when_migrations_are_behind(live_server: LiveServer) -> None:
    db = Path(live_server.settings.database_url.split(":///", 1)[1])
    conn = sqlite3.connect(db)
    try:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
        conn.commit()
        status, body = await _ready(live_server)
        assert status == 503
        assert body["checks"] == {"database": "ok", "migrations": "behind"}
    finally:
        conn.execute("UPDATE alembic_version SET version_num = ?", (head_revision(),))
        conn.commit()
        conn.close()
    assert (await _ready(live_server))[0] == 200


class RedisProcess:
    """A Redis server of this test's own, so it can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
        ).stdout.strip() != b"PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[RedisProcess]:
    redis = RedisProcess()
    redis.start()
    yield redis
    redis.stop()


async def test_not_ready_while_redis_is_down(
    tmp_path: Path, postgres_url: str, own_redis: RedisProcess
) -> None:
    settings = _settings(tmp_path, postgres_url, "actest:ready:").with_overrides(
        redis_url=own_redis.url
    )
    live = LiveServer(settings)
    await live.start()
    try:
        assert (await _ready(live))[0] == 200
        own_redis.stop()
        status, body = await _ready(live)
        assert status == 503
        assert body["checks"]["redis"] == "unreachable"
        assert body["checks"]["database"] == "ok"
        own_redis.start()  # same port: the worker's clients reconnect by themselves
        body = await _until_ready(live, 200)
        assert body["checks"]["redis"] == "ok"
    finally:
        if own_redis.proc is None or own_redis.proc.poll() is not None:
            own_redis.start()  # the server shuts down cleanly with its Redis there
        await live.stop()


# -- metrics -------------------------------------------------------------------


@pytest.fixture
async def metrics_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    live = LiveServer(
        _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'metrics.db'}").with_overrides(
            housekeeping_seconds=0.1
        )
    )
    await live.start()
    await live.create_user("adviser", "ada.lovelace", "Ada Lovelace-Metrics")
    yield live
    await live.stop()


async def _metrics_until(server: LiveServer, done: Any, what: str, timeout: float = 10) -> str:
    """Scrape until `done(text)` holds; gauges follow the queue's coalesced refresh."""
    deadline = time.monotonic() + timeout
    while True:
        status, text = await _get(server, "/metrics")
        assert status == 200, text
        if done(text):
            return text
        assert time.monotonic() < deadline, f"metrics never showed {what}:\n{text}"
        await asyncio.sleep(0.1)


async def test_metrics_time_the_collector_until_the_server_stops(
    metrics_server: LiveServer,
) -> None:
    """The server shares its process (and so the collector) with this test."""
    before = _sample((await _get(metrics_server, "/metrics"))[1], GC_PAUSES, generation="2") or 0
    gc.collect()
    status, text = await _get(metrics_server, "/metrics")
    assert status == 200
    assert _sample(text, GC_PAUSES, generation="2") == before + 1
    assert (_sample(text, "advice_chat_gc_pause_seconds_sum", generation="2") or 0) > 0
    metrics = metrics_server.app[METRICS]
    assert any(getattr(cb, "__self__", None) is metrics for cb in gc.callbacks)
    await metrics_server.stop()
    # A stopped server leaves nothing behind in the process-wide list of callbacks.
    assert not any(getattr(cb, "__self__", None) is metrics for cb in gc.callbacks)


async def test_metrics_after_a_journey_hold_counts_and_no_personal_data(
    metrics_server: LiveServer,
) -> None:
    server = metrics_server
    first = "PRECHAT-" + uuid.uuid4().hex
    said = "SAID-" + uuid.uuid4().hex
    replied = "REPLIED-" + uuid.uuid4().hex
    chat_id, token = await server.start_chat(message=first)
    pro = await professional(server, token)
    text = await _metrics_until(
        server,
        lambda t: _sample(t, "advice_chat_queue_waiting") == 1,
        "one chat waiting",
    )
    assert _sample(text, "advice_chat_chats", state="waiting") == 1
    assert _sample(text, "advice_chat_socket_connections", kind="professional") == 1

    adv = await adviser(server, "ada.lovelace")
    await adv.wait_for("assigned")
    await pro.send(said)
    await adv.wait_for("message", lambda m: m["text"] == said)
    await adv.send(replied, chat_id=chat_id)
    await pro.wait_for("message", lambda m: m["text"] == replied)
    text = await _metrics_until(
        server,
        lambda t: (
            _sample(t, "advice_chat_queue_waiting") == 0
            and _sample(t, "advice_chat_advisers", status="available") == 1
        ),
        "the chat taken by an available adviser",
    )
    assert _sample(text, "advice_chat_chats", state="assigned") == 1
    assert _sample(text, "advice_chat_socket_connections", kind="adviser") == 1
    assert _sample(text, "advice_chat_wait_seconds_count") == 1
    assert _sample(text, "advice_chat_messages_total", sender="professional") == 2
    assert _sample(text, "advice_chat_messages_total", sender="adviser") == 1
    assert _sample(text, "advice_chat_chat_events_total", event="assigned") == 1
    assert (
        _sample(
            text,
            "advice_chat_http_request_seconds_count",
            method="POST",
            route="/api/chats",
            status="201",
        )
        == 1
    )

    await adv.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
    await pro.wait_for("ended")
    text = await _metrics_until(
        server,
        lambda t: (_sample(t, "advice_chat_redaction_seconds_count") or 0) >= 1,
        "the closed chat redacted",
    )
    assert _sample(text, "advice_chat_chats", state="ended") == 1
    assert _sample(text, "advice_chat_redaction_failures_total") == 0
    await pro.disconnect()
    await adv.disconnect()

    for name in METRIC_NAMES:
        assert re.search(rf"^{name}[{{ ]", text, re.M), f"{name} missing"
    for secret in (first, said, replied, chat_id, token, "ada.lovelace", "Lovelace", "london"):
        assert secret not in text, f"{secret!r} leaked into /metrics"
    # Every label value is one of a fixed, non-personal set.
    values = set(re.findall(r'="([^"]*)"', text))
    fixed = {
        *("waiting", "assigned", "ended", "available", "away", "offline"),
        *("professional", "adviser", "system", "created", "requeued", "unmatched"),
        *("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"),
    }
    shapes = re.compile(r"^(/[a-z/_.{}-]*|\d{3}|\d+(\.\d+)?|\+Inf|abandoned)$")
    odd = sorted(v for v in values if v not in fixed and not shapes.match(v))
    assert not odd, odd
    assert not any(v.startswith("c_") for v in values)


async def test_unknown_methods_and_paths_do_not_make_new_labels(live_server: LiveServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.request("PROPFIND", live_server.base_url + "/people/jane-doe") as resp:
            assert resp.status in (404, 405)
    status, text = await _get(live_server, "/metrics")
    assert status == 200
    assert "PROPFIND" not in text and "jane-doe" not in text
    assert (
        _sample(text, "advice_chat_http_request_seconds_count", method="other", route="unmatched")
        == 1
    )


async def test_metrics_refuse_proxied_requests_without_a_token(live_server: LiveServer) -> None:
    status, _ = await _get(live_server, "/metrics", {"X-Forwarded-For": "203.0.113.9"})
    assert status == 403
    status, _ = await _get(live_server, "/metrics", {"Forwarded": "for=203.0.113.9"})
    assert status == 403


@pytest.fixture
async def token_server(tmp_path: Path) -> AsyncIterator[tuple[LiveServer, str]]:
    token = uuid.uuid4().hex
    settings: Settings = _settings(
        tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'token.db'}"
    ).with_overrides(metrics_token=token)
    live = LiveServer(settings)
    await live.start()
    yield live, token
    await live.stop()


async def test_metrics_token(token_server: tuple[LiveServer, str]) -> None:
    server, token = token_server
    assert (await _get(server, "/metrics"))[0] == 401
    assert (await _get(server, "/metrics", {"Authorization": "Bearer wrong"}))[0] == 401
    assert (await _get(server, "/metrics", {"Authorization": "Bearer ünïcode"}))[0] == 401
    status, text = await _get(
        server,
        "/metrics",
        {"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.9"},
    )
    assert status == 200 and "advice_chat_chats" in text
    # A chat started before the scrape shows up in the counts read at scrape time.
    await server.post_json("/api/chats", PRE_CHAT)
    text = (await _get(server, "/metrics", {"Authorization": f"Bearer {token}"}))[1]
    assert _sample(text, "advice_chat_chats", state="waiting") == 1
