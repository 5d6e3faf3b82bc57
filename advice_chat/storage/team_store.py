"""Teams' SQL: the teams, their settings and hours, and which advisers belong to which."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from advice_chat.opening import Schedule, parse_schedule
from advice_chat.storage.engine import write_transaction
from advice_chat.storage.models import AdviserTeam, Team


@dataclass(frozen=True)
class TeamRecord:
    slug: str
    name: str
    position: int
    contact: str
    redirect_when_closed: bool
    overflow_allowed: bool
    overflow_after_seconds: int
    schedule: Schedule | None  # None: the service's hours

    def wire(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "contact": self.contact,
            "redirect_when_closed": self.redirect_when_closed,
            "overflow_allowed": self.overflow_allowed,
            "overflow_after_seconds": self.overflow_after_seconds,
            "hours": None if self.schedule is None else self.schedule.wire(),
        }


class DuplicateTeam(Exception):
    pass


_COLUMNS = (
    Team.slug,
    Team.name,
    Team.position,
    Team.contact,
    Team.redirect_when_closed,
    Team.overflow_allowed,
    Team.overflow_after_seconds,
    Team.schedule,
)
SETTINGS = ("name", "contact", "redirect_when_closed", "overflow_allowed", "overflow_after_seconds")


def _team(row: Any) -> TeamRecord:
    return TeamRecord(
        slug=row.slug,
        name=row.name,
        position=row.position,
        contact=row.contact,
        redirect_when_closed=bool(row.redirect_when_closed),
        overflow_allowed=bool(row.overflow_allowed),
        overflow_after_seconds=int(row.overflow_after_seconds),
        schedule=None if row.schedule is None else parse_schedule(json.loads(row.schedule)),
    )


class TeamStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def teams(self) -> list[TeamRecord]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(*_COLUMNS).order_by(Team.position, Team.slug))).all()
        return [_team(r) for r in rows]

    async def create(self, slug: str, name: str) -> TeamRecord:
        try:
            async with write_transaction(self.engine) as conn:
                position = (await conn.execute(select(func.count()).select_from(Team))).scalar()
                await conn.execute(
                    insert(Team).values(slug=slug, name=name, position=int(position or 0))
                )
        except IntegrityError as exc:
            raise DuplicateTeam(slug) from exc
        team = await self.get(slug)
        assert team is not None
        return team

    async def get(self, slug: str) -> TeamRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(*_COLUMNS).where(Team.slug == slug))).one_or_none()
        return None if row is None else _team(row)

    async def update(self, slug: str, values: dict[str, Any]) -> TeamRecord | None:
        """Change some of `SETTINGS`; None if there is no such team."""
        assert set(values) <= set(SETTINGS)
        if values:
            async with write_transaction(self.engine) as conn:
                await conn.execute(update(Team).where(Team.slug == slug).values(**values))
        return await self.get(slug)

    async def set_schedule(self, slug: str, schedule: Schedule | None) -> TeamRecord | None:
        text = None if schedule is None else json.dumps(schedule.wire())
        async with write_transaction(self.engine) as conn:
            await conn.execute(update(Team).where(Team.slug == slug).values(schedule=text))
        return await self.get(slug)

    async def memberships(self) -> dict[int, tuple[str, ...]]:
        """adviser id -> their teams (advisers with no row are absent)."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(AdviserTeam.user_id, AdviserTeam.team)
                    .join(Team, Team.slug == AdviserTeam.team)
                    .order_by(AdviserTeam.user_id, Team.position, Team.slug)
                )
            ).all()
        out: dict[int, list[str]] = {}
        for user_id, team in rows:
            out.setdefault(int(user_id), []).append(team)
        return {k: tuple(v) for k, v in out.items()}

    async def teams_of(self, user_id: int) -> tuple[str, ...]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(AdviserTeam.team)
                    .join(Team, Team.slug == AdviserTeam.team)
                    .where(AdviserTeam.user_id == user_id)
                    .order_by(Team.position, Team.slug)
                )
            ).scalars()
            return tuple(rows)

    async def set_teams_of(self, user_id: int, teams: Sequence[str]) -> None:
        async with write_transaction(self.engine) as conn:
            await conn.execute(delete(AdviserTeam).where(AdviserTeam.user_id == user_id))
            for team in dict.fromkeys(teams):
                await conn.execute(insert(AdviserTeam).values(user_id=user_id, team=team))
