"""In-process queue backend for the embedded default (one worker process).

Every method runs without awaiting, so on one event loop each call is atomic.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from advice_chat.queueing.base import (
    AVAILABLE,
    AWAY,
    OFFLINE,
    AdviserState,
    Claim,
    QueueEntry,
)


@dataclass
class _Adviser:
    status: str
    capacity: int
    idle_since: float
    offline_since: float = 0.0
    offers: bool = False
    conns: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)

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
        )


class MemoryQueue:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, float, int, QueueEntry]] = {}
        self._counter = itertools.count()
        self._advisers: dict[int, _Adviser] = {}
        self._pro_conns: dict[str, set[str]] = {}
        self._pro_gone: dict[str, float] = {}
        self._offers: dict[str, tuple[int, float]] = {}
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

    async def heartbeat(self, worker_id: str, ttl_seconds: float) -> None:
        """One process: if it is alive, so are all its connections."""

    async def reap(self, now: float) -> int:
        return 0

    def _ordered(self) -> list[QueueEntry]:
        return [
            item[3] for item in sorted(self._entries.values(), key=lambda t: (-t[0], t[1], t[2]))
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

    async def waiting(self) -> list[QueueEntry]:
        return self._ordered()

    def _get(self, adviser_id: int, capacity: int, now: float) -> _Adviser:
        adviser = self._advisers.get(adviser_id)
        if adviser is None:
            adviser = _Adviser(status=OFFLINE, capacity=capacity, idle_since=now)
            self._advisers[adviser_id] = adviser
        return adviser

    async def connect(self, adviser_id: int, conn_id: str, capacity: int, now: float) -> None:
        adviser = self._get(adviser_id, capacity, now)
        adviser.capacity = capacity
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

    async def claim_next(self, now: float) -> Claim | None:
        if not self._entries:
            return None
        candidates = [
            (a.idle_since, i)
            for i, a in self._advisers.items()
            if a.status == AVAILABLE and len(a.active) < a.capacity
        ]
        if not candidates:
            return None
        _, adviser_id = min(candidates)
        entry = self._ordered()[0]
        del self._entries[entry.chat_id]
        adviser = self._advisers[adviser_id]
        adviser.active.add(entry.chat_id)
        adviser.idle_since = now
        self._changed()
        return Claim(entry=entry, adviser_id=adviser_id)

    async def claim_chat(self, chat_id: str, adviser_id: int, now: float) -> Claim | None:
        adviser = self._advisers.get(adviser_id)
        item = self._entries.get(chat_id)
        if (
            item is None
            or adviser is None
            or adviser.status != AVAILABLE
            or len(adviser.active) >= adviser.capacity
        ):
            return None
        del self._entries[chat_id]
        adviser.active.add(chat_id)
        adviser.idle_since = now
        self._changed()
        return Claim(entry=item[3], adviser_id=adviser_id)

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
