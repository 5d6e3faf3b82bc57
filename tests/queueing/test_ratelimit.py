"""The rate-limit counters behave the same in process and in Redis (shared by workers)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from advice_chat.queueing.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from tests.conftest import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def limiters(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[RateLimiter, RateLimiter]]:
    """Two limiters as two workers see them: separate in process, one store in Redis."""
    if request.param == "memory":
        yield MemoryRateLimiter(), MemoryRateLimiter()
        return
    prefix = f"actest:{secrets.token_hex(4)}:"
    a, b = aioredis.Redis.from_url(REDIS_URL), aioredis.Redis.from_url(REDIS_URL)
    yield RedisRateLimiter(a, prefix), RedisRateLimiter(b, prefix)
    keys = [k async for k in a.scan_iter(match=prefix + "*")]
    if keys:
        await a.delete(*keys)
    await a.aclose()
    await b.aclose()


async def test_window_limit_wait_and_reset(limiters: tuple[RateLimiter, RateLimiter]) -> None:
    first, second = limiters
    assert [await first.hit("k", 3, 0.5) for _ in range(3)] == [None, None, None]
    assert await first.blocked("k", 3) is not None
    wait = await first.hit("k", 3, 0.5)
    assert wait is not None and 0 < wait <= 0.5
    assert await first.hit("other", 3, 0.5) is None  # keys are separate
    await asyncio.sleep(0.6)
    assert await first.blocked("k", 3) is None  # the window ended
    assert await first.hit("k", 3, 0.5) is None
    await first.reset("k")
    assert await first.blocked("k", 1) is None
    if isinstance(first, RedisRateLimiter):
        # Every worker counts the same attempts.
        for _ in range(2):
            await first.hit("shared", 2, 5)
        assert await second.blocked("shared", 2) is not None
