"""In-process queue backend for the embedded default (one worker process).

Every method runs without awaiting, so on one event loop each call is atomic.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from advice_chat.queueing.base import (
    AVAILABLE,
    AWAY,
    OFFLINE,
    AdviserState,
    Claim,
    Overflow,
    QueueEntry,
)
from advice_chat.routing import DEFAULT_TEAM


@dataclass
class _Adviser:
    status: str
    capacity: int
    idle_since: float
    offline_since: float = 0.0
    offers: bool = False
    conns: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)
    teams: frozenset[str] = frozenset()

    def state(self, adviser_id: int) -> AdviserState:
        return AdviserState(
            adviser_id=adviser_id,
            status=self.status,
            capacity=self.capacity,
            active=frozenset(self.active),
            connections=len(self.conns),
            idle_since=self.idle_since,
            offline_since=self.offline_since,
            offers=self.offers,
            teams=self.teams,
        )


class MemoryQueue:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, float, int, QueueEntry]] = {}
        self._counter = itertools.count()
        self._advisers: dict[int, _Adviser] = {}
        self._pro_conns: dict[str, set[str]] = {}
        self._pro_gone: dict[str, float] = {}
        self._offers: dict[str, tuple[int, float]] = {}
        self._notes: dict[str, str] = {}
        self._version = 0

    def _changed(self) -> None:
        self._version += 1

    async def version(self) -> int:
        return self._version

    async def professional_waiting(self, chat_id: str, now: float) -> None:
        if not self._pro_conns.get(chat_id):
            self._pro_gone.setdefault(chat_id, now)

    async def professional_connected(self, chat_id: str, conn_id: str) -> None:
        self._pro_conns.setdefault(chat_id, set()).add(conn_id)
        self._pro_gone.pop(chat_id, None)

    async def professional_disconnected(self, chat_id: str, conn_id: str, now: float) -> None:
        conns = self._pro_conns.get(chat_id)
        if conns is None:
            return
        conns.discard(conn_id)
        if not conns:
            del self._pro_conns[chat_id]
            self._pro_gone[chat_id] = now

    async def professionals_gone(self, before: float) -> list[str]:
        return [chat_id for chat_id, since in self._pro_gone.items() if since < before]

    async def forget_professional(self, chat_id: str) -> None:
        self._pro_conns.pop(chat_id, None)
        self._pro_gone.pop(chat_id, None)
        self._notes.pop(chat_id, None)

    async def set_note(self, chat_id: str, note: str | None) -> None:
        if note is None:
            self._notes.pop(chat_id, None)
        else:
            self._notes[chat_id] = note

    async def notes(self, chat_ids: Sequence[str]) -> dict[str, str]:
        return {c: self._notes[c] for c in chat_ids if c in self._notes}

    async def heartbeat(self, worker_id: str, ttl_seconds: float) -> None:
        """One process: if it is alive, so are all its connections."""

    async def reap(self, now: float) -> int:
        return 0

    def _ordered(self, team: str | None = None) -> list[QueueEntry]:
        return [
            item[3]
            for item in sorted(self._entries.values(), key=lambda t: (-t[0], t[1], t[2]))
            if team is None or item[3].team == team
        ]

    async def enqueue(self, entry: QueueEntry) -> None:
        if entry.chat_id not in self._entries:
            self._entries[entry.chat_id] = (
                entry.priority,
                entry.joined_at,
                next(self._counter),
                entry,
            )
            self._changed()

    async def remove(self, chat_id: str) -> bool:
        removed = self._entries.pop(chat_id, None) is not None
        if removed:
            self._changed()
        return removed

    async def waiting(self, team: str | None = None) -> list[QueueEntry]:
        return self._ordered(team)

    async def place(self, chat_id: str) -> tuple[str, int] | None:
        item = self._entries.get(chat_id)
        if item is None:
            return None
        team = item[3].team
        ids = [e.chat_id for e in self._ordered(team)]
        return team, ids.index(chat_id) + 1

    async def lines(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for entry in self._ordered():
            out.setdefault(entry.team, []).append(entry.chat_id)
        return out

    async def head(self, limit: int) -> tuple[list[QueueEntry], dict[str, int]]:
        ordered = self._ordered()
        return ordered[: max(0, limit)], dict(Counter(entry.team for entry in ordered))

    async def move(self, chat_id: str, team: str) -> QueueEntry | None:
        item = self._entries.get(chat_id)
        if item is None:
            return None
        entry = replace(item[3], team=team)
        self._entries[chat_id] = (item[0], item[1], item[2], entry)
        self._changed()
        return entry

    def _get(self, adviser_id: int, capacity: int, now: float) -> _Adviser:
        adviser = self._advisers.get(adviser_id)
        if adviser is None:
            adviser = _Adviser(status=OFFLINE, capacity=capacity, idle_since=now)
            self._advisers[adviser_id] = adviser
        return adviser

    async def connect(
        self,
        adviser_id: int,
        conn_id: str,
        capacity: int,
        now: float,
        teams: Sequence[str] = (DEFAULT_TEAM,),
    ) -> None:
        adviser = self._get(adviser_id, capacity, now)
        adviser.capacity = capacity
        adviser.teams = frozenset(teams)
        if not adviser.conns and adviser.status == OFFLINE:
            adviser.status = AWAY
        adviser.conns.add(conn_id)
        self._changed()

    async def disconnect(self, adviser_id: int, conn_id: str, now: float) -> AdviserState | None:
        adviser = self._advisers.get(adviser_id)
        if adviser is None:
            return None
        adviser.conns.discard(conn_id)
        if not adviser.conns and adviser.status != OFFLINE:
            adviser.status = OFFLINE
            adviser.offline_since = now
        self._changed()
        return adviser.state(adviser_id)

    async def set_status(self, adviser_id: int, status: str, now: float) -> AdviserState | None:
        adviser = self._advisers.get(adviser_id)
        if adviser is None or not adviser.conns:
            return None
        if status == AVAILABLE and adviser.status != AVAILABLE:
            adviser.idle_since = now
        adviser.status = status
        self._changed()
        return adviser.state(adviser_id)

    async def adviser(self, adviser_id: int) -> AdviserState | None:
        adviser = self._advisers.get(adviser_id)
        return None if adviser is None else adviser.state(adviser_id)

    async def advisers(self) -> list[AdviserState]:
        return [a.state(i) for i, a in self._advisers.items()]

    async def set_teams(self, adviser_id: int, teams: Sequence[str]) -> None:
        adviser = self._advisers.get(adviser_id)
        if adviser is not None:
            adviser.teams = frozenset(teams)
            self._changed()

    def _candidates(self, overflow: Overflow) -> list[tuple[QueueEntry, bool, bool]]:
        """(entry, members may take it, others may take it), earliest first: each team's
        head, and its first chat past the overflow cutoff (the same rule as the Redis script)."""
        ordered = self._ordered()
        heads: dict[str, QueueEntry] = {}
        for entry in ordered:
            heads.setdefault(entry.team, entry)
        out = []
        for team, head in heads.items():
            cutoff = overflow.get(team)
            late = None
            if cutoff is not None:
                late = next((e for e in ordered if e.team == team and e.joined_at <= cutoff), None)
            out.append((head, True, late is head))
            if late is not None and late is not head:
                out.append((late, False, True))
        return sorted(out, key=lambda c: (-c[0].priority, c[0].joined_at, c[0].chat_id))

    async def claim_next(self, now: float, overflow: Overflow | None = None) -> Claim | None:
        if not self._entries:
            return None
        free = sorted(
            (a.idle_since, i)
            for i, a in self._advisers.items()
            if a.status == AVAILABLE and len(a.active) < a.capacity
        )
        if not free:
            return None
        # A team's own free advisers come first; others only take what overflow allows.
        for entry, members, others in self._candidates(overflow or {}):
            for own in (True, False):
                for _, adviser_id in free:
                    member = entry.team in self._advisers[adviser_id].teams
                    if member == own and (members if own else others):
                        return self._give(entry, adviser_id, now, overflow=not member)
        return None

    def _give(self, entry: QueueEntry, adviser_id: int, now: float, *, overflow: bool) -> Claim:
        del self._entries[entry.chat_id]
        adviser = self._advisers[adviser_id]
        adviser.active.add(entry.chat_id)
        adviser.idle_since = now
        self._changed()
        return Claim(entry=entry, adviser_id=adviser_id, overflow=overflow)

    async def claim_chat(
        self, chat_id: str, adviser_id: int, now: float, overflow: Overflow | None = None
    ) -> Claim | None:
        adviser = self._advisers.get(adviser_id)
        item = self._entries.get(chat_id)
        if (
            item is None
            or adviser is None
            or adviser.status != AVAILABLE
            or len(adviser.active) >= adviser.capacity
        ):
            return None
        entry = item[3]
        member = entry.team in adviser.teams
        cutoff = (overflow or {}).get(entry.team)
        if not member and (cutoff is None or entry.joined_at > cutoff):
            return None
        return self._give(entry, adviser_id, now, overflow=not member)

    async def set_capacity(self, adviser_id: int, capacity: int) -> None:
        adviser = self._advisers.get(adviser_id)
        if adviser is not None:
            adviser.capacity = capacity
            self._changed()

    async def set_offers(self, adviser_id: int, enabled: bool) -> None:
        adviser = self._advisers.get(adviser_id)
        if adviser is not None:
            adviser.offers = enabled

    async def add_offer(self, chat_id: str, adviser_id: int, deadline: float) -> None:
        self._offers[chat_id] = (adviser_id, deadline)

    async def take_offer(self, chat_id: str, adviser_id: int) -> bool:
        offer = self._offers.get(chat_id)
        if offer is None or offer[0] != adviser_id:
            return False
        del self._offers[chat_id]
        return True

    async def expired_offers(self, now: float) -> list[tuple[str, int]]:
        expired = [(c, a) for c, (a, deadline) in self._offers.items() if deadline <= now]
        for chat_id, _ in expired:
            del self._offers[chat_id]
        return expired

    async def offers(self) -> dict[str, int]:
        return {chat_id: adviser_id for chat_id, (adviser_id, _) in self._offers.items()}

    async def unclaim(self, claim: Claim) -> None:
        adviser = self._advisers.get(claim.adviser_id)
        if adviser is not None:
            adviser.active.discard(claim.entry.chat_id)
            self._changed()

    async def add_active(self, adviser_id: int, chat_id: str, now: float) -> None:
        if adviser_id not in self._advisers:
            self._get(adviser_id, 0, now).offline_since = now
        self._get(adviser_id, 0, now).active.add(chat_id)
        self._changed()

    async def release(self, adviser_id: int, chat_id: str, now: float) -> None:
        adviser = self._advisers.get(adviser_id)
        if adviser is not None and chat_id in adviser.active:
            adviser.active.discard(chat_id)
            self._changed()
