"""A worker's liveness does not wait on housekeeping: with a long housekeeping interval the
heartbeat is still renewed well inside its time to live, so other workers never take this
worker's people for gone while it is only busy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from advice_chat.services.queue import WORKER_TTL_SECONDS
from advice_chat.web.keys import QUEUE
from tests.conftest import REDIS_URL, _settings
from tests.support import LiveServer


@pytest.fixture
async def slow_housekeeping(
    tmp_path: Path, postgres_url: str, redis_prefix: str
) -> AsyncIterator[LiveServer]:
    live = LiveServer(
        _settings(tmp_path, postgres_url, redis_prefix).with_overrides(housekeeping_seconds=600)
    )
    await live.start()
    yield live
    await live.stop()


async def test_heartbeat_renews_between_housekeeping_passes(
    slow_housekeeping: LiveServer, redis_prefix: str
) -> None:
    key = f"{redis_prefix}worker:{slow_housekeeping.app[QUEUE].worker_id}"
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        lowest = WORKER_TTL_SECONDS * 1000
        for _ in range(int(WORKER_TTL_SECONDS * 0.6 / 0.25)):  # 9 s: past two renewals
            remaining = await client.pttl(key)
            assert remaining > 0, "the worker's heartbeat lapsed"
            lowest = min(lowest, remaining)
            await asyncio.sleep(0.25)
        # Renewed every TTL/5 s: never below about four fifths of its time to live.
        assert lowest > WORKER_TTL_SECONDS * 1000 * 0.7
    finally:
        await client.aclose()
