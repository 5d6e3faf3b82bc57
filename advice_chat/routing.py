"""Which team answers a chat: the routing rules, in one declarative place.

Pure rules (no storage, no web), shown as a table in `docs/queue.md`:

1. `RULES` map the professional's pre-chat answers to a team, first match wins;
   a chat that matches none goes to `DEFAULT_TEAM`.
2. `choose_team` applies opening hours: a closed team sends its new chats to an
   open team when its manager allows that, or the chat is refused with the closed
   team's contact details.
3. `overflow_cutoffs` says which waiting chats may be offered to advisers of
   another team: those that have waited longer than their team's threshold, in
   teams whose manager allowed overflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from advice_chat.validation import PreChat

RESPECT = "respect"
DRIVE = "drive"
DEFAULT_TEAM = RESPECT
# The teams a new database starts with (migration 0010); managers may add more.
SEED_TEAMS = (
    (RESPECT, "Respect Phoneline"),
    (DRIVE, "Drive"),
)


@dataclass(frozen=True)
class Rule:
    """When the pre-chat answer `answer` is true, the chat goes to `team`."""

    answer: str  # a boolean field of PreChat
    team: str
    why: str


RULES: tuple[Rule, ...] = (
    Rule("open_to_drive", DRIVE, "The case is already open to a Drive service."),
    Rule(
        "high_risk",
        DRIVE,
        "The perpetrator has been assessed as high-risk, or the case has been heard at MARAC.",
    ),
)


def team_for(pre_chat: PreChat, rules: Sequence[Rule] = RULES) -> str:
    """The team the pre-chat answers point to (the first rule that matches)."""
    for rule in rules:
        if getattr(pre_chat, rule.answer) is True:
            return rule.team
    return DEFAULT_TEAM


@dataclass(frozen=True)
class TeamState:
    """What routing needs to know of a team right now."""

    slug: str
    name: str
    open: bool
    opens_at: datetime | None = None
    redirect_when_closed: bool = True
    contact: str = ""
    overflow_allowed: bool = False
    overflow_after_seconds: int = 300


@dataclass(frozen=True)
class Decision:
    """Where a new chat goes: `team`, or None with the reason and who to contact."""

    team: str | None
    wanted: str  # the team the answers pointed to
    redirected: bool = False
    contact: str = ""
    opens_at: datetime | None = None


def choose_team(wanted: str, teams: Mapping[str, TeamState]) -> Decision:
    """Apply opening hours to the team the answers chose.

    An open team takes its chat. A closed one that allows it hands the chat to the
    first open team (in `teams` order); otherwise the chat is refused, with the closed
    team's contact details and when it opens next.
    """
    team = teams.get(wanted) or teams.get(DEFAULT_TEAM)
    if team is None:  # no teams at all: nothing to route by
        return Decision(wanted, wanted)
    if team.open:
        return Decision(team.slug, wanted)
    if team.redirect_when_closed:
        for other in teams.values():
            if other.slug != team.slug and other.open:
                return Decision(other.slug, wanted, redirected=True)
    return Decision(None, wanted, contact=team.contact, opens_at=team.opens_at)


def overflow_cutoffs(teams: Iterable[TeamState], now: float) -> dict[str, float]:
    """team -> arrival time (epoch seconds) at or before which its waiting chats may be
    answered by an adviser of another team; only teams that allow overflow appear."""
    return {t.slug: now - t.overflow_after_seconds for t in teams if t.overflow_allowed}
