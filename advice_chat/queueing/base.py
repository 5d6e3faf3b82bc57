"""The queue backend contract shared by the in-process and Redis backends.

A backend keeps only what routing needs (the waiting line, advisers'
presence and open chats); the database stays the record of truth, and the
queue service rebuilds a backend from it after a restart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from advice_chat.routing import DEFAULT_TEAM

AVAILABLE = "available"
AWAY = "away"
OFFLINE = "offline"
PRESENCE_STATES = (AVAILABLE, AWAY)


@dataclass(frozen=True)
class QueueEntry:
    chat_id: str
    priority: int  # higher is answered first
    joined_at: float  # epoch seconds; first come, first served within a priority
    team: str = DEFAULT_TEAM  # the team whose line it waits in (advice_chat/routing.py)


@dataclass(frozen=True)
class AdviserState:
    adviser_id: int
    status: str
    capacity: int
    active: frozenset[str]
    connections: int
    idle_since: float
    offline_since: float = 0.0
    offers: bool = False  # this adviser's client accepts offers rather than direct assignment
    teams: frozenset[str] = field(default_factory=lambda: frozenset({DEFAULT_TEAM}))

    @property
    def free(self) -> int:
        return max(0, self.capacity - len(self.active)) if self.status == AVAILABLE else 0


@dataclass(frozen=True)
class Claim:
    entry: QueueEntry
    adviser_id: int
    overflow: bool = False  # answered by an adviser outside the chat's team


# team -> arrival time (epoch seconds) at or before which that team's waiting chats may go
# to advisers of other teams (advice_chat/routing.py, overflow_cutoffs).
Overflow = Mapping[str, float]


class QueueBackend(Protocol):
    async def enqueue(self, entry: QueueEntry) -> None:
        """Add a chat to its team's line (no effect if it is already in a line)."""

    async def remove(self, chat_id: str) -> bool:
        """Take a chat out of the line; False if it was not there."""

    async def waiting(self, team: str | None = None) -> list[QueueEntry]:
        """The line in answer order: priority first, then arrival. With `team`, only the
        line of that team; without, every team's line merged in that order."""

    async def place(self, chat_id: str) -> tuple[str, int] | None:
        """The team whose line a waiting chat is in and its position there (1 is next), or
        None if it is not waiting. Asked on every professional's connection, so it must not
        read the whole line."""

    async def lines(self) -> dict[str, list[str]]:
        """Each team's line as chat ids in answer order: what the once-a-second position
        refresh needs, without the priorities and times that `waiting` also decodes."""

    async def head(self, limit: int) -> tuple[list[QueueEntry], dict[str, int]]:
        """The first `limit` entries of the merged line (as `waiting`), and how many wait
        in each team's line (teams with none may be left out)."""

    async def move(self, chat_id: str, team: str) -> QueueEntry | None:
        """Atomically move a waiting chat to another team's line, keeping its priority and
        arrival time (so its place by the time it first joined); None if it is not waiting."""

    async def connect(
        self,
        adviser_id: int,
        conn_id: str,
        capacity: int,
        now: float,
        teams: Sequence[str] = (DEFAULT_TEAM,),
    ) -> None:
        """Record an adviser's connection and teams; a first connection starts as away."""

    async def set_teams(self, adviser_id: int, teams: Sequence[str]) -> None:
        """A manager changed the adviser's teams (no effect if the adviser is unknown)."""

    async def disconnect(self, adviser_id: int, conn_id: str, now: float) -> AdviserState | None:
        """Forget a connection; with none left the adviser is offline from `now`."""

    async def set_status(self, adviser_id: int, status: str, now: float) -> AdviserState | None:
        """Available or away; None if the adviser has no connection."""

    async def adviser(self, adviser_id: int) -> AdviserState | None: ...

    async def advisers(self) -> list[AdviserState]: ...

    async def claim_next(self, now: float, overflow: Overflow | None = None) -> Claim | None:
        """Atomically give one waiting chat to an available adviser with free capacity.

        Candidates are the head of each team's line, which goes to the team's members,
        and, for teams in `overflow`, the first chat in line (by priority band) that
        arrived at or before the cutoff, which may also go to advisers of other teams.
        The earliest candidate (priority, then arrival) with an eligible adviser is taken,
        by the eligible adviser idle longest. None if nothing can be given."""

    async def claim_chat(
        self, chat_id: str, adviser_id: int, now: float, overflow: Overflow | None = None
    ) -> Claim | None:
        """Atomically give one named waiting chat to an available adviser with room (manual
        mode) who is in its team, or past its team's overflow cutoff; None otherwise."""

    async def set_capacity(self, adviser_id: int, capacity: int) -> None: ...

    async def set_offers(self, adviser_id: int, enabled: bool) -> None: ...

    async def add_offer(self, chat_id: str, adviser_id: int, deadline: float) -> None:
        """A claimed chat waits for the adviser to accept it until `deadline`."""

    async def take_offer(self, chat_id: str, adviser_id: int) -> bool:
        """Atomically remove this adviser's offer of the chat; False if there is none."""

    async def expired_offers(self, now: float) -> list[tuple[str, int]]:
        """Remove and return the offers whose deadline has passed."""

    async def offers(self) -> dict[str, int]:
        """Open offers: chat id -> adviser id."""

    async def unclaim(self, claim: Claim) -> None:
        """Undo a claim whose chat turned out to be closed already."""

    async def add_active(self, adviser_id: int, chat_id: str, now: float) -> None:
        """Restore an open chat to an adviser's load (after a restart).

        An adviser first seen this way is offline since `now`, so their grace
        period starts at the restart, not at the epoch.
        """

    async def release(self, adviser_id: int, chat_id: str, now: float) -> None:
        """A chat of this adviser's has ended: free the slot."""

    async def version(self) -> int:
        """A number that changes whenever the line or the roster changes."""

    async def professional_waiting(self, chat_id: str, now: float) -> None:
        """A new chat: it counts as gone from `now` until its professional connects."""

    async def professional_connected(self, chat_id: str, conn_id: str) -> None: ...

    async def professional_disconnected(self, chat_id: str, conn_id: str, now: float) -> None:
        """With no connection left, the professional counts as gone from `now`."""

    async def professionals_gone(self, before: float) -> list[str]:
        """Chats whose professional has had no connection since before `before`."""

    async def forget_professional(self, chat_id: str) -> None:
        """The chat is over: stop tracking its professional (and drop its team note)."""

    async def set_note(self, chat_id: str, note: str | None) -> None:
        """The note an adviser left when moving the chat to another team (None: none).

        Kept only in queue state, never in the database or logs, and dropped when the
        chat ends."""

    async def notes(self, chat_ids: Sequence[str]) -> dict[str, str]:
        """The team notes of these chats (those that have one)."""

    async def heartbeat(self, worker_id: str, ttl_seconds: float) -> None:
        """Say this worker is alive; connections are named `worker_id:...`."""

    async def reap(self, now: float) -> int:
        """Drop connections of workers whose heartbeat has lapsed; returns how many."""
