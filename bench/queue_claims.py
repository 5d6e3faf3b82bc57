"""How long one claim takes with team lines and overflow, on both queue backends.

    .venv/bin/python -m bench.queue_claims [--waiting 1000] [--advisers 30] [--redis URL]

Fills the line with `--waiting` chats (a third for Drive, one in ten urgent), connects
`--advisers` available advisers (a third Drive, one in ten in both teams, capacity large enough
never to fill), then times claims until the line is empty: with no overflow, and again with
Drive allowed to overflow. Prints the median and 99th percentile per claim in microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time

import redis.asyncio as aioredis

from advice_chat.queueing.base import AVAILABLE, QueueBackend, QueueEntry
from advice_chat.queueing.memory import MemoryQueue
from advice_chat.queueing.redis_backend import RedisQueue
from advice_chat.routing import DRIVE, RESPECT


async def _fill(backend: QueueBackend, waiting: int, advisers: int) -> None:
    for i in range(waiting):
        team = DRIVE if i % 3 == 0 else RESPECT
        await backend.enqueue(QueueEntry(f"c{i:06}", int(i % 10 == 5), 1000.0 + i, team))
    for a in range(advisers):
        teams = (RESPECT, DRIVE) if a % 10 == 9 else (DRIVE,) if a % 3 == 0 else (RESPECT,)
        await backend.connect(a, f"w:{a}", waiting, float(a), teams)
        await backend.set_status(a, AVAILABLE, float(a))


async def _time_claims(backend: QueueBackend, overflow: dict[str, float] | None) -> list[float]:
    times = []
    now = 10_000.0
    while True:
        start = time.perf_counter()
        claim = await backend.claim_next(now, overflow)
        times.append(time.perf_counter() - start)
        if claim is None:
            return times[:-1]
        now += 0.001


async def run(waiting: int, advisers: int, redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    try:
        for name in ("memory", "redis"):
            for label, overflow in (("no overflow", None), ("Drive overflows", {DRIVE: 1e9})):
                prefix = f"bench:{secrets.token_hex(4)}:"
                backend: QueueBackend = (
                    MemoryQueue() if name == "memory" else RedisQueue(client, prefix=prefix)
                )
                await _fill(backend, waiting, advisers)
                times = await _time_claims(backend, overflow)
                us = sorted(t * 1e6 for t in times)
                p99 = us[min(len(us) - 1, int(len(us) * 0.99))]
                print(
                    f"{name:6} {label:16} claims={len(us):5} "
                    f"median={statistics.median(us):8.1f} µs p99={p99:8.1f} µs"
                )
                if name == "redis":
                    keys = [k async for k in client.scan_iter(match=prefix + "*")]
                    if keys:
                        await client.delete(*keys)
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--advisers", type=int, default=30)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    asyncio.run(run(args.waiting, args.advisers, args.redis))


if __name__ == "__main__":
    main()
