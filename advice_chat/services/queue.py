"""Routing: who waits, in what order, which adviser answers, and how long the wait is.

The rules live here; the backend (in-process or Redis) keeps the state and
makes each claim atomic, and the database records every assignment with a
conditional update, so a chat cannot be answered twice.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from advice_chat.events import Notifier
from advice_chat.metrics import Metrics
from advice_chat.opening import ServiceStatus
from advice_chat.queueing.base import (
    AVAILABLE,
    AWAY,
    OFFLINE,
    AdviserState,
    Claim,
    QueueBackend,
    QueueEntry,
)
from advice_chat.records import ChatRecord, iso, utcnow
from advice_chat.routing import Decision, overflow_cutoffs
from advice_chat.services.errors import NOT_FOUND, ChatRefused
from advice_chat.services.hours import HoursService
from advice_chat.services.teams import TeamService
from advice_chat.storage.store import Store
from advice_chat.storage.team_store import TeamStore
from advice_chat.validation import InvalidInput, PreChat, clean_text

log = logging.getLogger(__name__)

JOINED_NOTICE = "An adviser has joined the chat."
AUTO = "auto"  # chats are given out in turn
MANUAL = "manual"  # advisers take chats from the queue
ROUTING_MODES = (AUTO, MANUAL)
SUMMARY_LIMIT = 50
HANDLE_SAMPLE = 50
WORKER_TTL_SECONDS = 15.0  # a worker silent this long is taken for dead
TEAM_NOTE_MAX_CHARS = 500


def moved_notice(team_name: str) -> str:
    return (
        f"Your chat has been passed to the {team_name} team, who are best placed to help. "
        "You keep your place in the queue by the time you first joined."
    )


def queue_payload(
    position: int, estimate: int | None, service: ServiceStatus, team: str | None = None
) -> dict[str, Any]:
    """The `queue` event: position, estimate, and whether closing time may come first.

    Position and estimate are within the line of the team that will answer (`team`)."""
    closes_at = service.closes_at
    late = False
    if closes_at is not None and estimate is not None:
        late = utcnow().timestamp() + estimate > closes_at.timestamp()
    payload: dict[str, Any] = {
        "position": position,
        "estimated_wait_seconds": estimate,
        "closes_at": iso(closes_at) if closes_at else None,
        "may_close_first": late,
    }
    if team is not None:
        payload["team"] = team
    return payload


def in_team(advisers: list[AdviserState], team: str) -> list[AdviserState]:
    """The advisers who answer a team's line (overflow is a bonus, not promised)."""
    return [a for a in advisers if team in a.teams]


def priority_for(chat: ChatRecord) -> int:
    """Immediate risk goes ahead of routine chats."""
    return 1 if chat.immediate_risk else 0


@dataclass(frozen=True)
class Slots:
    """Available advisers' free slots and total capacity: all a wait estimate needs."""

    free: int
    capacity: int


def slots_of(advisers: list[AdviserState]) -> Slots | None:
    """None when no adviser is available: without one there is no honest figure."""
    available = [a for a in advisers if a.status == AVAILABLE and a.capacity > 0]
    if not available:
        return None
    return Slots(sum(a.free for a in available), sum(a.capacity for a in available))


def wait_for(position: int, slots: Slots | None, mean_handle_seconds: float) -> int | None:
    """Seconds until the chat at `position` (1-based) is likely to be answered.

    Chats within the free slots go at once; beyond them, slots free up at a
    rate of (total capacity / mean handle time).
    """
    if slots is None:
        return None
    if position <= slots.free:
        return 0
    return math.ceil((position - slots.free) * mean_handle_seconds / slots.capacity)


def estimate_wait(
    position: int, advisers: list[AdviserState], mean_handle_seconds: float
) -> int | None:
    """`wait_for` from the advisers themselves (None when none is available)."""
    return wait_for(position, slots_of(advisers), mean_handle_seconds)


class QueueService:
    def __init__(
        self,
        store: Store,
        backend: QueueBackend,
        notifier: Notifier,
        hours: HoursService,
        *,
        broadcast_seconds: float,
        default_handle_seconds: float,
        routing: str = AUTO,
        offer_seconds: float = 30.0,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
        teams: TeamService | None = None,
    ) -> None:
        self._store = store
        self.teams = teams or TeamService(TeamStore(store.engine), hours)
        self._backend = backend
        self._notifier = notifier
        self._hours = hours
        self._broadcast_seconds = broadcast_seconds
        self._metrics = metrics or Metrics()
        self._routing = routing
        self._offer_seconds = offer_seconds
        self._default_handle = default_handle_seconds
        self._clock = clock
        self._assign_lock = asyncio.Lock()
        self._handle_times: deque[float] = deque(maxlen=HANDLE_SAMPLE)
        self._last_sent: dict[str, dict[str, Any]] = {}
        self._last_summary: dict[str, Any] | None = None
        self._broadcast_task: asyncio.Task[None] | None = None
        self._dirty = False
        self._closed = False
        self._maybe_stuck: set[str] = set()
        self.worker_id = secrets.token_hex(4)

    # -- start and stop -----------------------------------------------------

    async def recover(self) -> None:
        """Bring queue state in line with the database after a (re)start."""
        await self.reconcile()
        self._handle_times.extend(reversed(await self._store.recent_handle_seconds(HANDLE_SAMPLE)))

    async def reconcile(self) -> int:
        """Repair queue state from the database, the record of truth; returns repairs made.

        Safe to run on every worker at any time: it only acts on what it has
        re-read, and leaves a claim in flight alone until it has looked stuck
        for two passes in a row (a worker died between claim and commit).
        """
        repairs = 0
        # Ids, teams and advisers only: this runs every few seconds over every open chat, and
        # whole records (times parsed, answers) held the event loop for tens of milliseconds.
        places = await self._store.open_chat_places()
        waiting_db = {p.id: p for p in places if p.status == "waiting"}
        assigned_db = [p for p in places if p.status == "assigned"]
        lines = {e.chat_id: e.team for e in await self._backend.waiting()}
        queued = set(lines)
        claimed = {c: a.adviser_id for a in await self._backend.advisers() for c in a.active}
        offered = await self._backend.offers()
        waiting_ids = set(waiting_db)
        stuck: set[str] = set()
        other_line = [c for c, p in waiting_db.items() if c in queued and lines[c] != p.team]
        # Re-read them: a move commits to the database first, then the line, so a fresh row
        # is the team the chat belongs in (the first read may predate a move in flight).
        for chat in await self._store.chats_by_ids(other_line):
            if chat.status == "waiting" and lines[chat.id] != chat.team:
                await self._backend.move(chat.id, chat.team)
                repairs += 1
        missing: list[str] = []
        for chat_id in waiting_db:
            if chat_id in queued:
                continue
            if chat_id in offered:
                continue  # claimed for an offer: it expires or is answered on its own
            if chat_id in claimed:
                stuck.add(chat_id)
                if chat_id not in self._maybe_stuck:
                    continue
            missing.append(chat_id)
        # The whole record only for chats to put back in line (their entry needs its times).
        fresh = await self._store.chats_by_ids(missing)
        for chat in sorted(fresh, key=lambda c: (c.created_at, c.id)):
            if chat.status != "waiting":
                continue  # answered or ended since the first read
            if chat.id in claimed:
                await self._backend.unclaim(Claim(self._entry(chat), claimed[chat.id]))
            # After a restart nobody is connected yet: the leaving grace period starts now.
            await self._backend.professional_waiting(chat.id, self._clock())
            await self._backend.enqueue(self._entry(chat))
            repairs += 1
        self._maybe_stuck = stuck
        gone = [c for c in queued if c not in waiting_ids]
        for chat in await self._store.chats_by_ids(gone):
            if chat.status != "waiting":  # re-read: it may have joined after our first read
                await self._backend.remove(chat.id)
                repairs += 1
        for place in assigned_db:
            if place.adviser_id is not None and claimed.get(place.id) != place.adviser_id:
                await self._backend.add_active(place.adviser_id, place.id, self._clock())
                repairs += 1
        assigned_to = {p.id: p.adviser_id for p in assigned_db}
        others = [c for c in claimed if c not in assigned_to and c not in waiting_ids]
        for chat in await self._store.chats_by_ids(others):
            if chat.status == "ended":
                await self._backend.release(claimed[chat.id], chat.id, self._clock())
                repairs += 1
        for chat_id, adviser_id in claimed.items():
            if chat_id in assigned_to and assigned_to[chat_id] != adviser_id:
                await self._backend.release(adviser_id, chat_id, self._clock())
                repairs += 1
        reaped = await self._backend.reap(self._clock())
        if repairs or reaped:
            log.info("queue reconciled", extra={"count": repairs + reaped})
            await self.try_assign()
        return repairs + reaped

    async def close(self) -> None:
        self._closed = True
        if self._broadcast_task is not None:
            self._broadcast_task.cancel()
            try:
                await self._broadcast_task
            except asyncio.CancelledError:
                pass

    # -- waiting ------------------------------------------------------------

    def _entry(self, chat: ChatRecord) -> QueueEntry:
        return QueueEntry(chat.id, priority_for(chat), chat.created_at.timestamp(), chat.team)

    async def route(self, pre_chat: PreChat) -> Decision:
        """The team a new chat goes to, or None with who to contact (advice_chat/routing.py)."""
        return await self.teams.decide(pre_chat)

    async def enqueue(self, chat: ChatRecord) -> None:
        await self._backend.professional_waiting(chat.id, self._clock())
        await self._backend.enqueue(self._entry(chat))
        log.info("chat queued", extra={"chat_id": chat.id, "priority": priority_for(chat)})
        await self.try_assign()
        self.schedule_broadcast()

    async def withdraw(self, chat_id: str) -> None:
        """A waiting chat ended before anyone answered."""
        if await self._backend.remove(chat_id):
            self._last_sent.pop(chat_id, None)
            self.schedule_broadcast()

    def mean_handle_seconds(self) -> float:
        if not self._handle_times:
            return self._default_handle
        return sum(self._handle_times) / len(self._handle_times)

    async def status_for(self, chat_id: str) -> dict[str, Any] | None:
        """The `queue` payload for one waiting chat, or None if it is not waiting."""
        place = await self._backend.place(chat_id)  # not the whole line: asked per connection
        if place is None:
            return None
        team, position = place
        advisers = in_team(await self._backend.advisers(), team)
        estimate = estimate_wait(position, advisers, self.mean_handle_seconds())
        payload = queue_payload(position, estimate, await self._hours.status(), team)
        self._last_sent[chat_id] = payload
        return payload

    async def summary(self) -> dict[str, Any]:
        """What advisers see of the queue: counts and pre-chat answers, no free text."""
        shown, counts = await self._backend.head(SUMMARY_LIMIT)
        chats = {c.id: c for c in await self._store.chats_by_ids([e.chat_id for e in shown])}
        notes = await self._backend.notes([e.chat_id for e in shown])
        by_team = {team: count for team, count in sorted(counts.items()) if count}
        items = []
        for entry in shown:
            chat = chats.get(entry.chat_id)
            if chat is None:
                continue
            items.append(
                {
                    "chat_id": chat.id,
                    "role": chat.role,
                    "region": chat.region,
                    "topic": chat.topic,
                    "immediate_risk": chat.immediate_risk,
                    "waiting_since": iso(chat.created_at),
                    "team": entry.team,
                    **({"team_note": notes[chat.id]} if chat.id in notes else {}),
                }
            )
        return {"waiting": sum(by_team.values()), "chats": items, "waiting_by_team": by_team}

    async def snapshot(self) -> dict[str, int]:
        """Counts for managers' live panel and occupancy samples: no ids, no pre-chat answers."""
        advisers = [a for a in await self._backend.advisers() if a.status != OFFLINE]
        return {
            "waiting": sum((await self._backend.head(0))[1].values()),
            "advisers_online": len(advisers),
            "advisers_available": sum(1 for a in advisers if a.status == AVAILABLE),
            "capacity_online": sum(a.capacity for a in advisers),
            "chats_in_progress": sum(len(a.active) for a in advisers),
        }

    # -- coalesced broadcast ------------------------------------------------

    def start(self) -> None:
        """Begin the periodic refresh (queue updates and housekeeping)."""
        if self._broadcast_task is None:
            self._broadcast_task = asyncio.get_running_loop().create_task(self._tick())

    def schedule_broadcast(self) -> None:
        """Ask for a refresh at the next tick: updates are coalesced to one per interval."""
        self._dirty = True

    async def _tick(self) -> None:
        seen_version = -1
        while not self._closed:
            await asyncio.sleep(self._broadcast_seconds)
            try:
                version = await self._backend.version()
                if self._dirty or version != seen_version:
                    self._dirty = False
                    seen_version = version
                    await self.broadcast()
            except Exception:
                log.exception("queue refresh failed")

    async def broadcast(self) -> None:
        """Send changed positions to this worker's waiting professionals and advisers.

        Each worker serves its own connections (`local=True`), so with several
        workers nobody gets the same update twice and nothing crosses Redis.
        """
        lines = await self._backend.lines()  # ids only: the line's order is the position
        advisers = await self._backend.advisers()
        self._metrics.queue_waiting.set(sum(len(line) for line in lines.values()))
        for status in (AVAILABLE, AWAY, OFFLINE):
            self._metrics.advisers.labels(status).set(sum(a.status == status for a in advisers))
        mean = self.mean_handle_seconds()
        current = {chat_id for line in lines.values() for chat_id in line}
        for chat_id in list(self._last_sent):
            if chat_id not in current:
                del self._last_sent[chat_id]
        local = self._notifier.local_professionals()
        service = await self._hours.status()
        for team, line in sorted(lines.items()):
            # Positions and estimates within the team that will answer.
            slots: Slots | None = None
            counted = False
            for position, chat_id in enumerate(line, start=1):
                if chat_id not in local:
                    continue
                if not counted:  # once per team and refresh, not per person
                    slots, counted = slots_of(in_team(advisers, team)), True
                estimate = wait_for(position, slots, mean)
                payload = queue_payload(position, estimate, service, team)
                if self._last_sent.get(chat_id) != payload:
                    self._last_sent[chat_id] = payload
                    await self._notifier.to_professional(chat_id, "queue", payload, local=True)
        summary = await self.summary()
        if summary != self._last_summary:
            self._last_summary = summary
            await self._notifier.to_all_advisers("queue", summary, local=True)

    # -- advisers -----------------------------------------------------------

    def _conn(self, sid: str) -> str:
        return f"{self.worker_id}:{sid}"

    async def heartbeat(self) -> None:
        await self._backend.heartbeat(self.worker_id, WORKER_TTL_SECONDS)

    async def professional_connected(self, chat_id: str, sid: str) -> None:
        await self._backend.professional_connected(chat_id, self._conn(sid))

    async def professional_disconnected(self, chat_id: str, sid: str) -> None:
        await self._backend.professional_disconnected(chat_id, self._conn(sid), self._clock())

    async def professionals_gone(self, grace_seconds: float) -> list[str]:
        return await self._backend.professionals_gone(self._clock() - grace_seconds)

    async def forget_professional(self, chat_id: str) -> None:
        await self._backend.forget_professional(chat_id)

    async def advisers_gone(self, grace_seconds: float) -> list[AdviserState]:
        """Offline advisers past the grace period who still hold chats."""
        cutoff = self._clock() - grace_seconds
        return [
            a
            for a in await self._backend.advisers()
            if a.status == OFFLINE and a.active and a.offline_since < cutoff
        ]

    async def requeue(self, chat: ChatRecord, adviser_id: int) -> None:
        """Put a chat whose adviser has gone back in line at its first arrival time.

        If the professional has no connection either, their leaving grace period
        starts now, so a chat nobody is left in is closed rather than kept forever.
        """
        await self._backend.release(adviser_id, chat.id, self._clock())
        await self._backend.professional_waiting(chat.id, self._clock())
        await self._backend.enqueue(self._entry(chat))
        await self.try_assign()
        self.schedule_broadcast()

    async def adviser_connected(self, adviser_id: int, capacity: int, sid: str) -> None:
        await self._backend.heartbeat(self.worker_id, WORKER_TTL_SECONDS)
        teams = await self.teams.teams_of(adviser_id)
        await self._backend.connect(adviser_id, self._conn(sid), capacity, self._clock(), teams)

    async def adviser_disconnected(self, adviser_id: int, sid: str) -> None:
        state = await self._backend.disconnect(adviser_id, self._conn(sid), self._clock())
        if state is not None and state.connections == 0:
            log.info("adviser offline", extra={"user_id": adviser_id})
            self.schedule_broadcast()

    async def set_presence(self, adviser_id: int, status: str) -> AdviserState | None:
        state = await self._backend.set_status(adviser_id, status, self._clock())
        log.info("adviser presence", extra={"user_id": adviser_id, "status": status})
        if state is not None:
            await self.try_assign()
            self.schedule_broadcast()
            state = await self._backend.adviser(adviser_id)
        return state

    async def adviser_state(self, adviser_id: int) -> AdviserState | None:
        return await self._backend.adviser(adviser_id)

    # -- adviser-to-adviser transfer (adviser console, issue #7) -----------------
    # Kept to these two calls: the database's conditional update decides the transfer;
    # the backend only moves the slot, as a restart's reconcile would.

    async def roster(self) -> list[AdviserState]:
        """Every adviser the backend knows, with presence and load."""
        return await self._backend.advisers()

    async def transferred(self, chat_id: str, from_id: int, to_id: int) -> None:
        """A chat moved from one adviser to another: move its slot."""
        await self._backend.add_active(to_id, chat_id, self._clock())
        await self._backend.release(from_id, chat_id, self._clock())
        await self.try_assign()
        self.schedule_broadcast()

    async def chat_finished(self, chat: ChatRecord) -> None:
        """An assigned chat ended: free the slot, learn its handle time, offer the next chat."""
        if chat.adviser_id is None:
            return
        await self._backend.release(chat.adviser_id, chat.id, self._clock())
        if chat.assigned_at is not None and chat.ended_at is not None:
            self._handle_times.append((chat.ended_at - chat.assigned_at).total_seconds())
        await self.try_assign()
        self.schedule_broadcast()

    # -- assignment ---------------------------------------------------------

    async def try_assign(self) -> int:
        """Give waiting chats to free advisers until one or the other runs out.

        In manual mode nothing is given: advisers take chats themselves. An
        adviser whose client accepts offers gets an offer, held for them until
        they accept, decline or the offer times out.
        """
        if self._routing == MANUAL:
            return 0
        handled = 0
        overflow = await self.overflow()
        async with self._assign_lock:
            while True:
                claim = await self._backend.claim_next(self._clock(), overflow)
                if claim is None:
                    break
                adviser = await self._backend.adviser(claim.adviser_id)
                if adviser is not None and adviser.offers:
                    if await self._offer(claim):
                        handled += 1
                elif await self._assign(claim):
                    handled += 1
        if handled:
            self.schedule_broadcast()
        return handled

    async def assign_overflow(self) -> int:
        """Give out chats that have become late enough to overflow (a periodic pass)."""
        if not await self.overflow():
            return 0
        return await self.try_assign()

    async def overflow(self) -> dict[str, float]:
        """Cutoffs for the teams whose managers allow overflow (advice_chat/routing.py)."""
        return overflow_cutoffs((await self.teams.states()).values(), self._clock())

    async def _answering_team(self, adviser_id: int, team: str) -> str:
        """The chat's own team if the adviser is in it; otherwise (overflow) theirs."""
        state = await self._backend.adviser(adviser_id)
        if state is None or team in state.teams or not state.teams:
            return team
        return sorted(state.teams)[0]

    async def _assign(self, claim: Claim) -> bool:
        answered_team = await self._answering_team(claim.adviser_id, claim.entry.team)
        result = await self._store.assign_chat(
            claim.entry.chat_id, claim.adviser_id, utcnow(), JOINED_NOTICE, answered_team
        )
        if result is None:
            # Ended while it waited: give the slot back and go on.
            await self._backend.unclaim(claim)
            return False
        chat, notice = result
        self._last_sent.pop(chat.id, None)
        self._metrics.chat_events.labels("assigned").inc()
        if chat.assigned_at is not None:
            self._metrics.wait_seconds.observe((chat.assigned_at - chat.created_at).total_seconds())
        log.info(
            "chat assigned",
            extra={"chat_id": chat.id, "user_id": claim.adviser_id, "team": answered_team},
        )
        await self._notify_assigned(chat, notice.wire())
        return True

    async def _offer(self, claim: Claim) -> bool:
        chat = await self._store.get_chat(claim.entry.chat_id)
        if chat is None or chat.status != "waiting":
            await self._backend.unclaim(claim)
            return False
        deadline = self._clock() + self._offer_seconds
        await self._backend.add_offer(chat.id, claim.adviser_id, deadline)
        log.info("chat offered", extra={"chat_id": chat.id, "user_id": claim.adviser_id})
        notes = await self._backend.notes([chat.id])
        await self._notifier.to_adviser(
            claim.adviser_id,
            "offer",
            {
                **adviser_assigned_payload(chat, notes.get(chat.id)),
                "expires_at": iso(datetime.fromtimestamp(deadline, UTC)),
                "overflow": claim.entry.team not in await self._adviser_teams(claim.adviser_id),
            },
        )
        return True

    async def _back_in_line(self, chat_id: str, adviser_id: int) -> None:
        chat = await self._store.get_chat(chat_id)
        if chat is None:
            return
        claim = Claim(self._entry(chat), adviser_id)
        await self._backend.unclaim(claim)
        if chat.status == "waiting":
            await self._backend.enqueue(claim.entry)

    async def accept(self, adviser_id: int, chat_id: str) -> None:
        if not await self._backend.take_offer(chat_id, adviser_id):
            raise ChatRefused("offer_gone", "This chat is no longer offered to you.")
        chat = await self._store.get_chat(chat_id)
        if chat is None:
            raise NOT_FOUND
        if not await self._assign(Claim(self._entry(chat), adviser_id)):
            raise ChatRefused("chat_ended", "This chat has ended.")
        self.schedule_broadcast()

    async def decline(self, adviser_id: int, chat_id: str) -> None:
        if not await self._backend.take_offer(chat_id, adviser_id):
            raise ChatRefused("offer_gone", "This chat is no longer offered to you.")
        log.info("offer declined", extra={"chat_id": chat_id, "user_id": adviser_id})
        await self._back_in_line(chat_id, adviser_id)
        await self.try_assign()
        self.schedule_broadcast()

    async def expire_offers(self) -> int:
        """Offers not answered in time go back in line and their advisers are set away."""
        expired = await self._backend.expired_offers(self._clock())
        for chat_id, adviser_id in expired:
            log.info("offer expired", extra={"chat_id": chat_id, "user_id": adviser_id})
            await self._back_in_line(chat_id, adviser_id)
            await self._backend.set_status(adviser_id, AWAY, self._clock())
            await self._notifier.to_adviser(adviser_id, "offer_expired", {"chat_id": chat_id})
        if expired:
            await self.try_assign()
            self.schedule_broadcast()
        return len(expired)

    async def take(self, adviser_id: int, chat_id: str) -> None:
        """Manual mode: an adviser picks a chat from the queue."""
        if self._routing != MANUAL:
            raise ChatRefused(
                "forbidden", "Chats are given out in turn; taking one is for manual mode."
            )
        claim = await self._backend.claim_chat(
            chat_id, adviser_id, self._clock(), await self.overflow()
        )
        if claim is None:
            state = await self._backend.adviser(adviser_id)
            if state is None or state.status != AVAILABLE:
                raise ChatRefused("not_available", "Set yourself available to take a chat.")
            if len(state.active) >= state.capacity:
                raise ChatRefused("at_capacity", "You have as many chats as you can take.")
            place = await self._backend.place(chat_id)
            if place is not None and place[0] not in state.teams:
                name = await self.teams.name_of(place[0])
                raise ChatRefused("other_team", f"That chat is waiting for the {name} team.")
            raise ChatRefused("not_waiting", "That chat is no longer waiting.")
        if not await self._assign(claim):
            raise ChatRefused("not_waiting", "That chat is no longer waiting.")
        self.schedule_broadcast()

    async def set_offers(self, adviser_id: int, enabled: bool) -> None:
        await self._backend.set_offers(adviser_id, enabled)

    async def set_capacity(self, adviser_id: int, capacity: int) -> None:
        await self._backend.set_capacity(adviser_id, capacity)
        await self.try_assign()
        self.schedule_broadcast()

    async def _adviser_teams(self, adviser_id: int) -> frozenset[str]:
        state = await self._backend.adviser(adviser_id)
        return state.teams if state is not None else frozenset()

    async def set_adviser_teams(self, adviser_id: int, teams: tuple[str, ...]) -> None:
        """A manager changed an adviser's teams: route by them from now on."""
        await self._backend.set_teams(adviser_id, teams)
        await self.try_assign()
        self.schedule_broadcast()

    # -- moving a chat to another team ------------------------------------------------

    async def move_team(self, adviser_id: int, chat_id: Any, team: Any, note: Any) -> ChatRecord:
        """An adviser passes a chat to another team, with an optional note for that team.

        A chat the adviser is answering goes back in line; a waiting chat changes line.
        Either way it keeps its place by the time it first joined, the professional is
        told (a system message, code "team_moved", then `queue`), and the note travels
        with it in queue state only (never stored or logged) until the chat ends.
        """
        if not isinstance(chat_id, str) or not chat_id or len(chat_id) > 64:
            raise NOT_FOUND
        known = await self.teams.slugs()
        if not isinstance(team, str) or team not in known:
            raise InvalidInput("invalid", "team", "team must be one of: " + ", ".join(known) + ".")
        if note is not None and not isinstance(note, str):
            raise InvalidInput("invalid", "note", "The note must be text.")
        text = clean_text(note, "note", required=False)
        if text is not None and len(text) > TEAM_NOTE_MAX_CHARS:
            raise InvalidInput(
                "too_long", "note", f"The note can be at most {TEAM_NOTE_MAX_CHARS} characters."
            )
        chat = await self._store.get_chat(chat_id)
        mine = chat is not None and chat.status == "assigned" and chat.adviser_id == adviser_id
        in_line = chat is not None and chat.status == "waiting"
        if chat is None or not (mine or in_line):
            raise NOT_FOUND  # not theirs to move (never say whose it is)
        if chat.team == team:
            raise ChatRefused("same_team", "The chat is already with that team.")
        name = await self.teams.name_of(team)
        notice = moved_notice(name)
        if mine:
            result = await self._store.unassign_chat(
                chat.id, adviser_id, utcnow(), notice, team=team, code="team_moved"
            )
            if result is None:
                raise ChatRefused("not_assigned", "This chat is not assigned to you.")
            moved, message = result
            await self._backend.set_note(chat.id, text)
            await self._backend.release(adviser_id, chat.id, self._clock())
            await self._backend.professional_waiting(chat.id, self._clock())
            await self._backend.enqueue(self._entry(moved))
            await self._notifier.to_adviser(
                adviser_id, "unassigned", {"chat_id": chat.id, "reason": "moved_team"}
            )
            await self._notifier.to_adviser(adviser_id, "message", message.wire())
        else:
            result = await self._store.move_waiting_chat(chat.id, chat.team, team, utcnow(), notice)
            if result is None:
                raise ChatRefused("not_waiting", "That chat is no longer waiting.")
            moved, message = result
            await self._backend.set_note(chat.id, text)
            # Claimed meanwhile? Then it is answered by whoever claimed it; reconciliation
            # puts a chat that is still waiting into the right line.
            await self._backend.move(chat.id, team)
        self._metrics.chat_events.labels("moved_team").inc()
        log.info(
            "chat moved to team",
            extra={"chat_id": chat.id, "user_id": adviser_id, "team": team},
        )
        await self._notifier.to_professional(chat.id, "message", message.wire())
        status = await self.status_for(chat.id)
        if status is not None:
            await self._notifier.to_professional(chat.id, "queue", status)
        await self.try_assign()
        self.schedule_broadcast()
        return moved

    async def _notify_assigned(self, chat: ChatRecord, notice: dict[str, Any]) -> None:
        assert chat.adviser_id is not None
        adviser = await self._store.get_user(chat.adviser_id)
        notes = await self._backend.notes([chat.id])
        await self._notifier.to_adviser(
            chat.adviser_id, "assigned", adviser_assigned_payload(chat, notes.get(chat.id))
        )
        await self._notifier.to_adviser(chat.adviser_id, "message", notice)
        await self._notifier.to_professional(
            chat.id,
            "assigned",
            professional_assigned_payload(chat, adviser.display_name if adviser else "An adviser"),
        )
        await self._notifier.to_professional(chat.id, "message", notice)


def adviser_assigned_payload(chat: ChatRecord, team_note: str | None = None) -> dict[str, Any]:
    payload = {
        "chat_id": chat.id,
        "pre_chat": chat.pre_chat(),
        "created_at": iso(chat.created_at),
        "assigned_at": iso(chat.assigned_at) if chat.assigned_at else None,
        # Additive (teams): the team it was routed to, and whether another team answered.
        "team": chat.team,
        "overflow": chat.answered_team is not None and chat.answered_team != chat.team,
    }
    if team_note is not None:
        payload["team_note"] = team_note
    return payload


def professional_assigned_payload(chat: ChatRecord, display_name: str) -> dict[str, Any]:
    return {"chat_id": chat.id, "adviser": {"display_name": display_name}}
