"""Teams: the settings managers keep, whether each team is open, and who belongs to which.

The routing rules themselves are pure (`advice_chat/routing.py`); this service feeds them
the teams as they are now, read from the database with a short cache (like the hours).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from advice_chat.opening import Schedule
from advice_chat.records import utcnow
from advice_chat.routing import DEFAULT_TEAM, Decision, TeamState, choose_team, team_for
from advice_chat.services.hours import HoursService
from advice_chat.storage.team_store import SETTINGS, DuplicateTeam, TeamRecord, TeamStore
from advice_chat.validation import InvalidInput, PreChat, clean_text

CACHE_SECONDS = 5.0
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,23}$")
NAME_MAX = 80
CONTACT_MAX = 300
OVERFLOW_MAX_SECONDS = 24 * 3600


class TeamService:
    def __init__(self, store: TeamStore, hours: HoursService) -> None:
        self._store = store
        self._hours = hours
        self._cached: list[TeamRecord] | None = None
        self._loaded_at = 0.0
        self._changes = 0

    # -- reading ----------------------------------------------------------------

    async def teams(self) -> list[TeamRecord]:
        # Several workers each cache for a few seconds; a change reaches all within that.
        if self._cached is None or time.monotonic() - self._loaded_at > CACHE_SECONDS:
            changes = self._changes
            loaded = await self._store.teams()
            if changes != self._changes:
                # Changed here while reading: what was read may predate the change.
                return await self.teams()
            self._cached = loaded
            self._loaded_at = time.monotonic()
        return self._cached

    def _forget(self) -> None:
        self._cached = None
        self._changes += 1

    async def slugs(self) -> list[str]:
        return [t.slug for t in await self.teams()]

    async def name_of(self, slug: str) -> str:
        for team in await self.teams():
            if team.slug == slug:
                return team.name
        return slug

    async def states(self, now: datetime | None = None) -> dict[str, TeamState]:
        """Each team as routing sees it now: open by its own hours, or else the service's."""
        moment = now or utcnow()
        service = await self._hours.status(moment)
        out = {}
        for team in await self.teams():
            status = service if team.schedule is None else team.schedule.status(moment)
            out[team.slug] = TeamState(
                slug=team.slug,
                name=team.name,
                open=status.open,
                opens_at=status.opens_at,
                redirect_when_closed=team.redirect_when_closed,
                contact=team.contact,
                overflow_allowed=team.overflow_allowed,
                overflow_after_seconds=team.overflow_after_seconds,
            )
        return out

    async def decide(self, pre_chat: PreChat, now: datetime | None = None) -> Decision:
        """Where a new chat goes (or why it cannot start): the rules, then the hours."""
        states = await self.states(now)
        if not states:  # a database without teams: the service's hours alone decide
            status = await self._hours.status(now)
            team = team_for(pre_chat)
            return Decision(team if status.open else None, team, opens_at=status.opens_at)
        return choose_team(team_for(pre_chat), states)

    async def teams_of(self, adviser_id: int) -> tuple[str, ...]:
        """An adviser's teams; one who belongs to none is in the default team."""
        return await self._store.teams_of(adviser_id) or (DEFAULT_TEAM,)

    async def memberships(self, adviser_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        found = await self._store.memberships()
        return {a: found.get(a) or (DEFAULT_TEAM,) for a in adviser_ids}

    # -- managers' changes ----------------------------------------------------------

    async def create(self, body: Any) -> TeamRecord:
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
        slug = body.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise InvalidInput(
                "invalid",
                "slug",
                "slug must be 2 to 24 lower-case letters, digits or hyphens, starting "
                "with a letter.",
            )
        name = _text(body.get("name"), "name", NAME_MAX, required=True)
        try:
            await self._store.create(slug, name)
        except DuplicateTeam as exc:
            raise InvalidInput(
                "duplicate", "slug", "There is already a team with that slug."
            ) from exc
        self._forget()
        settings = {k: v for k, v in body.items() if k not in ("slug", "name")}
        team = await self.update(slug, settings) if settings else await self._store.get(slug)
        assert team is not None
        return team

    async def update(self, slug: str, body: Any) -> TeamRecord | None:
        """Change a team's settings; None if there is no such team."""
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
        unknown = sorted(set(body) - set(SETTINGS))
        if unknown:
            raise InvalidInput("invalid", unknown[0], f"{unknown[0]} cannot be changed here.")
        values: dict[str, Any] = {}
        if "name" in body:
            values["name"] = _text(body["name"], "name", NAME_MAX, required=True)
        if "contact" in body:
            values["contact"] = _text(body["contact"], "contact", CONTACT_MAX, required=False)
        for flag in ("redirect_when_closed", "overflow_allowed"):
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise InvalidInput("invalid", flag, f"{flag} must be true or false.")
                values[flag] = body[flag]
        if "overflow_after_seconds" in body:
            seconds = body["overflow_after_seconds"]
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int)
                or not 0 <= seconds <= OVERFLOW_MAX_SECONDS
            ):
                raise InvalidInput(
                    "invalid",
                    "overflow_after_seconds",
                    f"overflow_after_seconds must be a whole number from 0 to "
                    f"{OVERFLOW_MAX_SECONDS}.",
                )
            values["overflow_after_seconds"] = seconds
        team = await self._store.update(slug, values)
        self._forget()
        return team

    async def set_hours(self, slug: str, schedule: Schedule | None) -> TeamRecord | None:
        """The team's own weekly hours, or None to follow the service's again."""
        team = await self._store.set_schedule(slug, schedule)
        self._forget()
        return team

    async def set_teams_of(self, adviser_id: int, body: Any) -> tuple[str, ...]:
        """Validate and store an adviser's teams (at least one, each an existing team)."""
        teams = body.get("teams") if isinstance(body, dict) else None
        known = await self.slugs()
        if (
            not isinstance(teams, list)
            or not teams
            or len(teams) > len(known)
            or not all(isinstance(t, str) and t in known for t in teams)
        ):
            raise InvalidInput(
                "invalid", "teams", "teams must list one or more teams: " + ", ".join(known) + "."
            )
        await self._store.set_teams_of(adviser_id, teams)
        return await self.teams_of(adviser_id)


def _text(value: Any, field: str, limit: int, *, required: bool) -> str:
    """One line of text (control characters refused, invisible ones removed)."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput("invalid", field, f"{field} must be text.")
    try:
        text = clean_text(value, field, required=required) or ""
    except InvalidInput as exc:
        raise InvalidInput("invalid", field, f"{field}: {exc.message}") from exc
    text = " ".join(text.split())
    if len(text) > limit:
        raise InvalidInput("invalid", field, f"{field} must be at most {limit} characters.")
    return text
