"""Counters for rate limits and sign-in throttling, behind one small interface.

A fixed window per key: the first hit starts a window of `window` seconds; more than `limit`
hits inside it are refused until it ends. In one process the counters live in a dict; with
Redis they live in Redis (one INCR and one PEXPIRE in a Lua script), so every worker of a
scaled-out service counts the same attempts. A small fixed window was chosen over a library
(e.g. `limits`) because the two operations needed here fit in 40 lines, and the Redis client
and key prefix are the ones the queue already uses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window: float) -> float | None:
        """Count one hit; None if within `limit`, else the seconds until the window ends."""

    async def blocked(self, key: str, limit: int) -> float | None:
        """Without counting: None if fewer than `limit` hits so far, else seconds left."""

    async def reset(self, key: str) -> None:
        """Forget the key's count (e.g. after a successful sign-in)."""


class MemoryRateLimiter:
    """Counters of one process. Expired windows are dropped as they are met."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def _now(self) -> float:
        return self._clock()

    def _live(self, key: str) -> tuple[float, int] | None:
        found = self._windows.get(key)
        if found is not None and found[0] <= self._now():
            del self._windows[key]
            return None
        return found

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        found = self._live(key)
        if len(self._windows) > 100_000:  # bounded memory under a flood of new keys
            now = self._now()
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        ends, count = found if found is not None else (self._now() + window, 0)
        self._windows[key] = (ends, count + 1)
        return None if count + 1 <= limit else max(0.0, ends - self._now())

    async def blocked(self, key: str, limit: int) -> float | None:
        found = self._live(key)
        if found is None or found[1] < limit:
            return None
        return max(0.0, found[0] - self._now())

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)


_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""


class RedisRateLimiter:
    """Counters shared by every worker through Redis."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix + "rl:"
        self._hit = client.register_script(_HIT)

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        count, ttl = await self._hit(
            keys=[self._prefix + key], args=[max(1, math.ceil(window * 1000))]
        )
        return None if int(count) <= limit else max(0.0, int(ttl) / 1000)

    async def blocked(self, key: str, limit: int) -> float | None:
        raw = await self._client.get(self._prefix + key)
        if raw is None or int(raw) < limit:
            return None
        ttl = await self._client.pttl(self._prefix + key)
        return max(0.0, int(ttl) / 1000)

    async def reset(self, key: str) -> None:
        await self._client.delete(self._prefix + key)
