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
from advice_chat.routing import DRIVE, RESPECT, TeamState, choose_team, overflow_cutoffs

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


def e(chat_id: str, joined: float, priority: int = 0, team: str = RESPECT) -> QueueEntry:
    return QueueEntry(chat_id, priority, joined, team)


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


# -- teams: routing, moves, overflow, closed teams (issue 12) ---------------------------


async def _adviser(
    backend: QueueBackend, adviser_id: int, teams: tuple[str, ...], idle: float, capacity: int = 3
) -> None:
    await backend.connect(adviser_id, f"w:{adviser_id}", capacity, idle, teams)
    await backend.set_status(adviser_id, AVAILABLE, idle)


async def _claims(
    backend: QueueBackend,
    now: float,
    overflow: dict[str, float] | None = None,
) -> list[tuple[str, int, bool]]:
    out = []
    while (claim := await backend.claim_next(now, overflow)) is not None:
        out.append((claim.entry.chat_id, claim.adviser_id, claim.overflow))
        now += 1
    return out


async def test_each_team_has_its_own_line_fifo_within_priority(backend: QueueBackend) -> None:
    await backend.enqueue(e("r1", 100.0))
    await backend.enqueue(e("d1", 101.0, team=DRIVE))
    await backend.enqueue(e("r2", 102.0))
    await backend.enqueue(e("d-urgent", 103.0, priority=1, team=DRIVE))
    await backend.enqueue(e("d2", 104.0, team=DRIVE))
    await backend.enqueue(e("r1", 105.0, team=DRIVE))  # already waiting: no effect
    assert [x.chat_id for x in await backend.waiting(RESPECT)] == ["r1", "r2"]
    assert [x.chat_id for x in await backend.waiting(DRIVE)] == ["d-urgent", "d1", "d2"]
    assert await backend.waiting(DRIVE) == [
        e("d-urgent", 103.0, 1, DRIVE),
        e("d1", 101.0, team=DRIVE),
        e("d2", 104.0, team=DRIVE),
    ]
    # The whole line, merged: priority, then arrival, whatever the team.
    assert [x.chat_id for x in await backend.waiting()] == ["d-urgent", "r1", "d1", "r2", "d2"]
    assert await backend.remove("d1") is True
    assert await backend.remove("d1") is False
    assert [x.chat_id for x in await backend.waiting(DRIVE)] == ["d-urgent", "d2"]


async def test_place_lines_and_head_agree_with_the_whole_line(backend: QueueBackend) -> None:
    """The cheap reads (one chat's place, ids only, the first few) say what `waiting` says."""
    assert await backend.place("nobody") is None
    assert await backend.lines() in ({}, {RESPECT: [], DRIVE: []}, {RESPECT: []}, {DRIVE: []})
    assert (await backend.head(5))[0] == []
    await backend.enqueue(e("r1", 100.0))
    await backend.enqueue(e("d1", 101.0, team=DRIVE))
    await backend.enqueue(e("r2", 102.0))
    await backend.enqueue(e("d-urgent", 103.0, priority=1, team=DRIVE))
    await backend.enqueue(e("d2", 104.0, team=DRIVE))
    assert await backend.place("d-urgent") == (DRIVE, 1)
    assert await backend.place("d2") == (DRIVE, 3)
    assert await backend.place("r2") == (RESPECT, 2)
    lines = {team: ids for team, ids in (await backend.lines()).items() if ids}
    assert lines == {RESPECT: ["r1", "r2"], DRIVE: ["d-urgent", "d1", "d2"]}
    first, counts = await backend.head(3)
    assert first == (await backend.waiting())[:3]
    assert first == [e("d-urgent", 103.0, 1, DRIVE), e("r1", 100.0), e("d1", 101.0, team=DRIVE)]
    assert {t: n for t, n in counts.items() if n} == {RESPECT: 2, DRIVE: 3}
    assert (await backend.head(0))[0] == []
    assert (await backend.head(100))[0] == await backend.waiting()
    await backend.remove("d-urgent")
    assert await backend.place("d-urgent") is None
    assert await backend.place("d2") == (DRIVE, 2)
    moved = await backend.move("r1", DRIVE)
    assert moved is not None
    assert await backend.place("r1") == (DRIVE, 1)  # it keeps its arrival time
    assert await backend.place("r2") == (RESPECT, 1)


async def test_chats_go_only_to_advisers_of_their_team(backend: QueueBackend) -> None:
    await _adviser(backend, 1, (RESPECT,), 10.0, capacity=2)
    await _adviser(backend, 2, (DRIVE,), 20.0, capacity=2)
    assert (await backend.adviser(2)).teams == frozenset({DRIVE})  # type: ignore[union-attr]
    for i, team in enumerate([DRIVE, DRIVE, DRIVE, RESPECT, RESPECT, RESPECT]):
        await backend.enqueue(e(f"{team[0]}{i}", 100.0 + i, team=team))
    claims = await _claims(backend, 200.0)
    # Each team's chats in arrival order, to its own advisers, up to their capacity.
    assert sorted(claims) == [
        ("d0", 2, False),
        ("d1", 2, False),
        ("r3", 1, False),
        ("r4", 1, False),
    ]
    assert [c[0] for c in claims if c[1] == 2] == ["d0", "d1"]
    assert [c[0] for c in claims if c[1] == 1] == ["r3", "r4"]
    assert [x.chat_id for x in await backend.waiting()] == ["d2", "r5"]
    # An adviser of both teams takes the earlier of the two heads.
    await _adviser(backend, 3, (RESPECT, DRIVE), 300.0, capacity=1)
    claim = await backend.claim_next(301.0)
    assert claim is not None and (claim.entry.chat_id, claim.adviser_id) == ("d2", 3)
    assert claim.entry.team == DRIVE and claim.overflow is False
    assert await backend.claim_next(302.0) is None  # r5 waits: adviser 1 is full


async def test_priority_first_within_a_team(backend: QueueBackend) -> None:
    await backend.enqueue(e("d-old", 100.0, team=DRIVE))
    await backend.enqueue(e("r-urgent", 101.0, priority=1))
    await backend.enqueue(e("d-urgent", 102.0, priority=1, team=DRIVE))
    await _adviser(backend, 1, (DRIVE,), 10.0, capacity=5)
    assert [c[0] for c in await _claims(backend, 200.0)] == ["d-urgent", "d-old"]
    assert [x.chat_id for x in await backend.waiting()] == ["r-urgent"]


async def test_moving_a_chat_keeps_its_place_by_first_arrival(backend: QueueBackend) -> None:
    await backend.enqueue(e("d1", 100.0, team=DRIVE))
    await backend.enqueue(e("r1", 101.0))
    await backend.enqueue(e("d2", 102.0, team=DRIVE))
    await backend.enqueue(e("r2", 103.0, priority=1))
    moved = await backend.move("r1", DRIVE)
    assert moved == e("r1", 101.0, team=DRIVE)
    assert [x.chat_id for x in await backend.waiting(DRIVE)] == ["d1", "r1", "d2"]
    assert [x.chat_id for x in await backend.waiting(RESPECT)] == ["r2"]
    assert await backend.move("r2", DRIVE) == e("r2", 103.0, 1, DRIVE)  # priority kept too
    assert [x.chat_id for x in await backend.waiting(DRIVE)] == ["r2", "d1", "r1", "d2"]
    assert await backend.waiting(RESPECT) == []
    assert await backend.move("nobody", DRIVE) is None
    # Only Drive advisers get the moved chats; a Respect adviser gets none of them.
    await _adviser(backend, 1, (RESPECT,), 10.0)
    assert await backend.claim_next(200.0) is None
    await _adviser(backend, 2, (DRIVE,), 20.0, capacity=4)
    assert [c[0] for c in await _claims(backend, 201.0)] == ["r2", "d1", "r1", "d2"]
    assert await backend.remove("r1") is False  # claimed: out of every line


async def test_overflow_only_past_the_threshold_and_own_team_first(
    backend: QueueBackend,
) -> None:
    await _adviser(backend, 1, (RESPECT,), 10.0)
    await backend.enqueue(e("d1", 100.0, team=DRIVE))
    await backend.enqueue(e("d2", 130.0, team=DRIVE))
    assert await backend.claim_next(200.0) is None  # no overflow allowed
    assert await backend.claim_next(200.0, {RESPECT: 200.0}) is None  # Respect's, not Drive's
    assert await backend.claim_next(200.0, {DRIVE: 99.0}) is None  # d1 not waited long enough
    claim = await backend.claim_next(200.0, {DRIVE: 120.0})
    assert claim is not None
    assert (claim.entry.chat_id, claim.adviser_id, claim.overflow) == ("d1", 1, True)
    assert claim.entry.team == DRIVE  # still Drive's chat, answered by overflow
    assert await backend.claim_next(201.0, {DRIVE: 120.0}) is None  # d2 is not late yet
    # With a free Drive adviser, a late Drive chat goes to its own team first, even though
    # the Respect adviser has been idle longer.
    await _adviser(backend, 2, (DRIVE,), 500.0)
    claim = await backend.claim_next(600.0, {DRIVE: 150.0})
    assert claim is not None and (claim.entry.chat_id, claim.adviser_id) == ("d2", 2)
    assert claim.overflow is False


async def test_overflow_keeps_fifo_and_priority_within_the_team(backend: QueueBackend) -> None:
    """The other team takes the first *late* chat in line; the team's own advisers still
    take the head, so nobody in a team is overtaken by a later arrival of the same priority."""
    await backend.enqueue(e("d-urgent", 190.0, priority=1, team=DRIVE))  # new, urgent
    await backend.enqueue(e("d-old", 100.0, team=DRIVE))
    await backend.enqueue(e("d-old2", 110.0, team=DRIVE))
    await backend.enqueue(e("d-new", 180.0, team=DRIVE))
    await _adviser(backend, 1, (RESPECT,), 10.0, capacity=5)
    overflow = {DRIVE: 150.0}
    claims = await _claims(backend, 200.0, overflow)
    assert claims == [("d-old", 1, True), ("d-old2", 1, True)]  # in arrival order
    await _adviser(backend, 2, (DRIVE,), 20.0, capacity=5)
    claims = await _claims(backend, 300.0, overflow)
    assert claims == [("d-urgent", 2, False), ("d-new", 2, False)]


async def test_overflow_computed_from_team_settings(backend: QueueBackend) -> None:
    teams = [
        TeamState(RESPECT, "Respect", open=True, overflow_allowed=True, overflow_after_seconds=60),
        TeamState(DRIVE, "Drive", open=True, overflow_allowed=False),
    ]
    cutoffs = overflow_cutoffs(teams, 1000.0)
    assert cutoffs == {RESPECT: 940.0}
    await _adviser(backend, 1, (DRIVE,), 10.0)
    await _adviser(backend, 2, (RESPECT,), 10.0, capacity=0)  # Respect is full
    await backend.enqueue(e("r-late", 930.0))
    await backend.enqueue(e("r-recent", 950.0))
    await backend.enqueue(e("d-late", 900.0, team=DRIVE))
    await backend.set_status(1, AWAY, 11.0)
    assert await backend.claim_next(1000.0, cutoffs) is None  # the Drive adviser is away
    await backend.set_status(1, AVAILABLE, 12.0)
    claims = await _claims(backend, 1000.0, cutoffs)
    # d-late is Drive's own; r-late overflows to Drive; r-recent must wait for Respect.
    assert claims == [("d-late", 1, False), ("r-late", 1, True)]
    assert [x.chat_id for x in await backend.waiting()] == ["r-recent"]


async def test_a_closed_team_sends_new_chats_to_the_open_one(backend: QueueBackend) -> None:
    drive_closed = {
        RESPECT: TeamState(RESPECT, "Respect", open=True),
        DRIVE: TeamState(DRIVE, "Drive", open=False, contact="Call the Drive office"),
    }
    decision = choose_team(DRIVE, drive_closed)
    assert decision.team == RESPECT and decision.redirected and decision.wanted == DRIVE
    await backend.enqueue(e("d-redirected", 100.0, team=decision.team))
    await backend.enqueue(e("r1", 101.0))
    await _adviser(backend, 1, (DRIVE,), 10.0)
    assert await backend.claim_next(200.0) is None  # nothing waits for Drive
    await _adviser(backend, 2, (RESPECT,), 20.0)
    assert [c[:2] for c in await _claims(backend, 201.0)] == [("d-redirected", 2), ("r1", 2)]
    # A closed team that does not redirect: the chat is refused, with who to contact.
    no_redirect = {
        **drive_closed,
        DRIVE: TeamState(
            DRIVE, "Drive", open=False, redirect_when_closed=False, contact="Call the Drive office"
        ),
    }
    refused = choose_team(DRIVE, no_redirect)
    assert refused.team is None and refused.contact == "Call the Drive office"
    both_closed = {RESPECT: TeamState(RESPECT, "Respect", open=False), DRIVE: drive_closed[DRIVE]}
    assert choose_team(DRIVE, both_closed).team is None
    assert choose_team(RESPECT, drive_closed).team == RESPECT


async def test_manual_take_respects_teams_and_overflow(backend: QueueBackend) -> None:
    await _adviser(backend, 1, (RESPECT,), 10.0)
    await backend.enqueue(e("d1", 100.0, team=DRIVE))
    assert await backend.claim_chat("d1", 1, 200.0) is None  # not their team
    assert await backend.claim_chat("d1", 1, 200.0, {DRIVE: 50.0}) is None  # not late yet
    claim = await backend.claim_chat("d1", 1, 200.0, {DRIVE: 100.0})
    assert claim is not None and claim.overflow is True and claim.entry.team == DRIVE
    await backend.enqueue(e("r1", 101.0))
    claim = await backend.claim_chat("r1", 1, 201.0)
    assert claim is not None and claim.overflow is False


async def test_changing_an_advisers_teams(backend: QueueBackend) -> None:
    await _adviser(backend, 1, (RESPECT,), 10.0)
    await backend.enqueue(e("d1", 100.0, team=DRIVE))
    assert await backend.claim_next(200.0) is None
    before = await backend.version()
    await backend.set_teams(1, [DRIVE, RESPECT])
    assert await backend.version() > before
    assert (await backend.adviser(1)).teams == frozenset({DRIVE, RESPECT})  # type: ignore[union-attr]
    claim = await backend.claim_next(201.0)
    assert claim is not None and claim.entry.chat_id == "d1"
    await backend.set_teams(99, [DRIVE])  # unknown adviser: nothing happens
    assert await backend.adviser(99) is None


async def test_concurrent_claims_across_teams_stay_in_team_and_in_order(
    backend: QueueBackend,
) -> None:
    teams = {1: (RESPECT,), 2: (RESPECT,), 3: (RESPECT,), 4: (DRIVE,), 5: (DRIVE, RESPECT)}
    for adviser_id, member_of in teams.items():
        await _adviser(backend, adviser_id, member_of, float(adviser_id), capacity=3)
    for i in range(40):
        await backend.enqueue(e(f"c{i:02}", 100.0 + i, team=DRIVE if i % 3 == 0 else RESPECT))
    results = await asyncio.gather(*(backend.claim_next(500.0) for _ in range(40)))
    claims = [c for c in results if c is not None]
    assert len(claims) == 15
    assert len({c.entry.chat_id for c in claims}) == 15
    for claim in claims:
        assert claim.entry.team in teams[claim.adviser_id] and not claim.overflow
    for team in (RESPECT, DRIVE):
        # Within each team, the chats claimed are the first of its line.
        taken = sorted(c.entry.chat_id for c in claims if c.entry.team == team)
        line = [f"c{i:02}" for i in range(40) if (DRIVE if i % 3 == 0 else RESPECT) == team]
        assert taken == line[: len(taken)]
    for state in await backend.advisers():
        assert len(state.active) <= state.capacity


async def test_team_notes_are_dropped_with_the_chat(backend: QueueBackend) -> None:
    await backend.set_note("c1", "MARAC next week")
    await backend.set_note("c2", "open to Drive in Essex")
    assert await backend.notes(["c1", "c2", "c3"]) == {
        "c1": "MARAC next week",
        "c2": "open to Drive in Essex",
    }
    await backend.forget_professional("c1")
    await backend.set_note("c2", None)
    assert await backend.notes(["c1", "c2"]) == {}
    assert await backend.notes([]) == {}
