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
from tests.support import LiveServer, adviser


@pytest.fixture
async def slow_housekeeping(
    tmp_path: Path, postgres_url: str, redis_prefix: str
) -> AsyncIterator[LiveServer]:
    live = LiveServer(
        _settings(tmp_path, postgres_url, redis_prefix).with_overrides(housekeeping_seconds=600)
    )
    await live.start()
    await live.create_user("adviser", "ada", "Ada Adviser")
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


async def test_an_adviser_the_queue_lost_is_announced_again(
    slow_housekeeping: LiveServer, redis_prefix: str
) -> None:
    """Another worker took this one for dead and dropped its connections: the adviser's next
    presence puts them back in the queue instead of failing with `internal`."""
    queue = slow_housekeeping.app[QUEUE]
    ada = await adviser(slow_housekeeping, "ada", available=False)
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.delete(f"{redis_prefix}worker:{queue.worker_id}")
        assert await queue.reconcile() >= 1  # the reaper drops this worker's connection
        states = {a.adviser_id: a for a in await queue.roster()}
        assert [a.connections for a in states.values()] == [0]
        await queue.heartbeat()
        ack = await ada.call("presence", {"status": "available"})
        assert ack["status"] == "available", ack
        assert [a.connections for a in await queue.roster()] == [1]
    finally:
        await client.aclose()
        await ada.disconnect()
