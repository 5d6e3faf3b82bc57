"""One contract, both queue backends: in-process and Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from advice_chat.queueing.base import AVAILABLE, AWAY, OFFLINE, QueueBackend, QueueEntry
from advice_chat.queueing.memory import MemoryQueue
from advice_chat.queueing.redis_backend import RedisQueue

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[QueueBackend]:
    if request.param == "memory":
        yield MemoryQueue()
        return
    client = aioredis.Redis.from_url(REDIS_URL)
    prefix = f"actest:{secrets.token_hex(4)}:"
    yield RedisQueue(client, prefix=prefix)
    keys = [k async for k in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def e(chat_id: str, joined: float, priority: int = 0) -> QueueEntry:
    return QueueEntry(chat_id, priority, joined)


async def test_line_is_fifo_within_priority(backend: QueueBackend) -> None:
    await backend.enqueue(e("a", 1000.0))
    await backend.enqueue(e("b", 1001.0))
    await backend.enqueue(e("urgent", 1002.0, priority=1))
    await backend.enqueue(e("c", 1003.0))
    await backend.enqueue(e("a", 1004.0))  # enqueueing twice changes nothing
    assert [x.chat_id for x in await backend.waiting()] == ["urgent", "a", "b", "c"]
    assert (await backend.waiting())[0] == e("urgent", 1002.0, 1)
    assert await backend.remove("b") is True
    assert await backend.remove("b") is False
    assert [x.chat_id for x in await backend.waiting()] == ["urgent", "a", "c"]


async def test_presence_follows_connections(backend: QueueBackend) -> None:
    assert await backend.set_status(1, AVAILABLE, 10.0) is None  # not connected
    await backend.connect(1, "w1:s1", 3, 10.0)
    state = await backend.adviser(1)
    assert state is not None and state.status == AWAY and state.connections == 1
    await backend.connect(1, "w2:s2", 3, 11.0)
    state = await backend.set_status(1, AVAILABLE, 12.0)
    assert state is not None and state.status == AVAILABLE and state.free == 3
    state = await backend.disconnect(1, "w1:s1", 13.0)
    assert state is not None and state.status == AVAILABLE and state.connections == 1
    state = await backend.disconnect(1, "w2:s2", 14.0)
    assert state is not None and state.status == OFFLINE and state.free == 0
    assert state.offline_since == 14.0


async def test_claims_go_to_longest_idle_adviser_within_capacity(backend: QueueBackend) -> None:
    for adviser_id, idle in ((1, 20.0), (2, 10.0)):
        await backend.connect(adviser_id, f"w:{adviser_id}", 2, idle)
        await backend.set_status(adviser_id, AVAILABLE, idle)
    for i in range(6):
        await backend.enqueue(e(f"c{i}", 100.0 + i))
    claims = []
    for t in range(10):
        claim = await backend.claim_next(200.0 + t)
        if claim is None:
            break
        claims.append((claim.entry.chat_id, claim.adviser_id))
    # Adviser 2 was idle longest, then they alternate; two each, then capacity is full.
    assert claims == [("c0", 2), ("c1", 1), ("c2", 2), ("c3", 1)]
    assert [x.chat_id for x in await backend.waiting()] == ["c4", "c5"]
    await backend.release(2, "c0", 300.0)
    claim = await backend.claim_next(301.0)
    assert claim is not None and (claim.entry.chat_id, claim.adviser_id) == ("c4", 2)
    assert await backend.claim_next(302.0) is None


async def test_away_adviser_gets_nothing_and_unclaim_frees_slot(backend: QueueBackend) -> None:
    await backend.connect(1, "w:1", 1, 0.0)
    await backend.enqueue(e("c0", 1.0))
    assert await backend.claim_next(2.0) is None  # away
    await backend.set_status(1, AVAILABLE, 3.0)
    claim = await backend.claim_next(4.0)
    assert claim is not None
    assert (await backend.adviser(1)).active == frozenset({"c0"})  # type: ignore[union-attr]
    await backend.unclaim(claim)
    assert (await backend.adviser(1)).active == frozenset()  # type: ignore[union-attr]


async def test_concurrent_claims_never_double_assign_or_exceed_capacity(
    backend: QueueBackend,
) -> None:
    for adviser_id in range(1, 6):
        await backend.connect(adviser_id, f"w:{adviser_id}", 3, float(adviser_id))
        await backend.set_status(adviser_id, AVAILABLE, float(adviser_id))
    for i in range(40):
        await backend.enqueue(e(f"c{i:02}", 100.0 + i))
    results = await asyncio.gather(*(backend.claim_next(500.0) for _ in range(40)))
    claims = [c for c in results if c is not None]
    assert len(claims) == 15  # 5 advisers x capacity 3
    chat_ids = [c.entry.chat_id for c in claims]
    assert len(set(chat_ids)) == 15
    assert sorted(chat_ids) == [f"c{i:02}" for i in range(15)]  # the first 15 in line
    for state in await backend.advisers():
        assert len(state.active) <= state.capacity


async def test_add_active_restores_load_and_version_moves(backend: QueueBackend) -> None:
    before = await backend.version()
    await backend.add_active(7, "old-chat", 100.0)
    await backend.connect(7, "w:7", 1, 0.0)
    await backend.set_status(7, AVAILABLE, 0.0)
    await backend.enqueue(e("new", 1.0))
    assert await backend.claim_next(2.0) is None  # capacity 1 already used by old-chat
    assert await backend.version() > before


async def test_adviser_restored_after_restart_is_offline_from_then(backend: QueueBackend) -> None:
    """The grace period of an adviser known only from the database starts at the restart."""
    await backend.add_active(9, "open-chat", 250.0)
    state = await backend.adviser(9)
    assert state is not None
    assert state.status == "offline"
    assert state.offline_since == 250.0
    assert state.active == frozenset({"open-chat"})


async def test_reap_drops_connections_of_dead_workers(backend: QueueBackend) -> None:
    await backend.heartbeat("alive", 30)
    await backend.connect(1, "alive:s1", 3, 0.0)
    await backend.connect(2, "dead:s2", 3, 0.0)
    await backend.set_status(2, AVAILABLE, 0.0)
    dropped = await backend.reap(50.0)
    if isinstance(backend, MemoryQueue):
        assert dropped == 0  # one process: nothing can die without it
        return
    assert dropped == 1
    assert (await backend.adviser(2)).status == OFFLINE  # type: ignore[union-attr]
    assert (await backend.adviser(1)).connections == 1  # type: ignore[union-attr]


async def test_professionals_gone_after_their_last_connection(backend: QueueBackend) -> None:
    await backend.professional_waiting("never-came", 10.0)
    await backend.professional_waiting("came", 10.0)
    await backend.professional_connected("came", "w:1")
    await backend.professional_connected("came", "w:2")
    assert await backend.professionals_gone(11.0) == ["never-came"]
    await backend.professional_disconnected("came", "w:1", 20.0)
    assert "came" not in await backend.professionals_gone(100.0)  # one connection left
    await backend.professional_disconnected("came", "w:2", 30.0)
    assert sorted(await backend.professionals_gone(31.0)) == ["came", "never-came"]
    assert await backend.professionals_gone(25.0) == ["never-came"]
    await backend.professional_connected("came", "w:3")  # back in time
    assert await backend.professionals_gone(100.0) == ["never-came"]
    await backend.forget_professional("never-came")
    assert await backend.professionals_gone(100.0) == []


async def test_claiming_a_named_chat_for_manual_mode(backend: QueueBackend) -> None:
    await backend.connect(1, "w:1", 1, 0.0)
    await backend.enqueue(e("first", 1.0))
    await backend.enqueue(e("second", 2.0))
    assert await backend.claim_chat("second", 1, 3.0) is None  # away
    await backend.set_status(1, AVAILABLE, 3.0)
    claim = await backend.claim_chat("second", 1, 4.0)
    assert claim is not None and claim.entry == e("second", 2.0)
    assert await backend.claim_chat("first", 1, 5.0) is None  # at capacity (1)
    await backend.set_capacity(1, 2)
    assert await backend.claim_chat("second", 1, 5.0) is None  # no longer waiting
    assert await backend.claim_chat("first", 1, 6.0) is not None
    assert (await backend.adviser(1)).capacity == 2  # type: ignore[union-attr]


async def test_offers_are_taken_once_and_expire(backend: QueueBackend) -> None:
    await backend.connect(1, "w:1", 3, 0.0)
    await backend.set_offers(1, True)
    assert (await backend.adviser(1)).offers is True  # type: ignore[union-attr]
    await backend.add_offer("a", 1, 10.0)
    await backend.add_offer("b", 1, 20.0)
    assert await backend.offers() == {"a": 1, "b": 1}
    assert await backend.take_offer("a", 2) is False  # not offered to adviser 2
    assert await backend.take_offer("a", 1) is True
    assert await backend.take_offer("a", 1) is False  # only once
    assert await backend.expired_offers(15.0) == []
    assert await backend.expired_offers(20.0) == [("b", 1)]
    assert await backend.take_offer("b", 1) is False  # expired offers cannot be taken
