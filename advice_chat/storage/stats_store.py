"""Statistics storage: daily aggregate counts, wrap-up coding, survey invites and comments.

All SQL of the statistics. Counts are added with an upsert (`ON CONFLICT … DO UPDATE SET
n = n + excluded.n`), which SQLite and PostgreSQL both speak, so workers may add to the
same row at once without losing a count.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from advice_chat.storage.engine import write_transaction
from advice_chat.storage.models import (
    ChatWrapUp,
    StatsCount,
    StatsSample,
    SurveyComment,
    SurveyInvite,
)

# (day "YYYY-MM-DD", dimension, key, metric) → how many to add.
CountKey = tuple[str, str, str, str]


MONTH = "M"  # prefix of a month row's `day`


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _whole_months(first: date, last: date) -> tuple[date, date]:
    """[start, end): the first days of the whole months inside first..last (empty: end <= start)."""
    start = first if first.day == 1 else _next_month(first)
    end = start
    while _next_month(end) - timedelta(days=1) <= last:
        end = _next_month(end)
    return start, end


class StatsStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._dialect = engine.dialect.name
        # Built once: `excluded` makes an alias of the table with a proxy for each column, and
        # building it per ending chat left thousands of objects in reference cycles for the
        # garbage collector, whose passes then held the event loop for 40-90 ms.
        upsert = self._insert(StatsCount)
        self._add_counts = upsert.on_conflict_do_update(
            index_elements=["day", "dim", "key", "metric"],
            set_={"n": StatsCount.n + upsert.excluded.n},
        )

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        # On SQLite, one write queue per engine, shared with the chat and knowledge stores.
        async with write_transaction(self.engine) as conn:
            yield conn

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    # -- adding ---------------------------------------------------------------

    async def add_counts_in(self, conn: AsyncConnection, counts: Mapping[CountKey, int]) -> None:
        """Add counts inside the caller's transaction (e.g. the one that ends a chat).

        Each count is added to its day's row and to its month's row (`day` "MYYYY-MM", which
        sorts after every day, so month rows and day rows are each one contiguous range of the
        primary key): a long range reads whole months from month rows, its ends by day.
        """
        merged: dict[CountKey, int] = {}
        for (d, dim, key, metric), n in counts.items():
            if n:
                for period in (d, MONTH + d[:7]):
                    merged[(period, dim, key, metric)] = (
                        merged.get((period, dim, key, metric), 0) + n
                    )
        # In key order: concurrent transactions then lock shared rows in the same order
        # (PostgreSQL), so two chats ending at once can never deadlock on their counts.
        rows = [
            {"day": d, "dim": dim, "key": key, "metric": metric, "n": n}
            for (d, dim, key, metric), n in sorted(merged.items())
        ]
        if not rows:
            return
        await conn.execute(self._add_counts, rows)

    async def add_counts(self, counts: Mapping[CountKey, int]) -> None:
        async with self._write() as conn:
            await self.add_counts_in(conn, counts)

    async def save_wrap_up_in(
        self,
        conn: AsyncConnection,
        chat_id: str,
        *,
        topic: str,
        advice: Sequence[str],
        referrals: Sequence[str],
        safeguarding_concern: bool,
    ) -> None:
        await conn.execute(
            insert(ChatWrapUp).values(
                chat_id=chat_id,
                topic=topic,
                advice=json.dumps(list(advice)),
                referrals=json.dumps(list(referrals)),
                safeguarding_concern=safeguarding_concern,
            )
        )

    async def add_invite_in(
        self, conn: AsyncConnection, token_hash: str, day: str, expires_at: datetime
    ) -> None:
        await conn.execute(
            insert(SurveyInvite).values(token_hash=token_hash, day=day, expires_at=expires_at)
        )

    async def redeem_invite(
        self,
        token_hash: str,
        now: datetime,
        counts: Mapping[tuple[str, str, str], int],
        comment: str | None,
    ) -> bool:
        """Use a survey invite once: delete it, add the counts under its day, keep the comment.

        `counts` are keyed (dimension, key, metric); the invite's day is added here. False
        when the invite is unknown, used or expired.
        """
        async with self._write() as conn:
            day = (
                await conn.execute(
                    delete(SurveyInvite)
                    .where(SurveyInvite.token_hash == token_hash, SurveyInvite.expires_at > now)
                    .returning(SurveyInvite.day)
                )
            ).scalar_one_or_none()
            await conn.execute(delete(SurveyInvite).where(SurveyInvite.expires_at <= now))
            if day is None:
                return False
            await self.add_counts_in(
                conn, {(day, dim, key, metric): n for (dim, key, metric), n in counts.items()}
            )
            if comment:
                await conn.execute(insert(SurveyComment).values(day=day, text=comment))
        return True

    async def record_sample(self, minute: str, counts: Mapping[CountKey, int]) -> bool:
        """Add one minute's occupancy sample unless a worker already did; True if added."""
        async with self._write() as conn:
            claimed = (
                await conn.execute(
                    self._insert(StatsSample)
                    .values(minute=minute)
                    .on_conflict_do_nothing()
                    .returning(StatsSample.minute)
                )
            ).scalar_one_or_none()
            if claimed is None:
                return False
            await self.add_counts_in(conn, counts)
        return True

    # -- reading --------------------------------------------------------------

    async def totals(self, day_from: str, day_to: str) -> list[tuple[str, str, str, int]]:
        """(dimension, key, metric, sum) over the days from day_from to day_to inclusive.

        Whole months inside the range are read from the month rows, the rest from day rows.
        """
        first, last = date.fromisoformat(day_from), date.fromisoformat(day_to)
        month_start, month_end = _whole_months(first, last)
        # Whole months are [month_start, month_end); the days outside them are read by day.
        conditions = []
        if month_end > month_start:
            conditions.append(
                and_(
                    StatsCount.day >= MONTH + month_start.isoformat()[:7],
                    StatsCount.day < MONTH + month_end.isoformat()[:7],
                )
            )
            day_spans = [(first, month_start - timedelta(days=1)), (month_end, last)]
        else:
            day_spans = [(first, last)]
        for a, b in day_spans:
            if a <= b:
                conditions.append(
                    and_(StatsCount.day >= a.isoformat(), StatsCount.day <= b.isoformat())
                )
        query = (
            select(StatsCount.dim, StatsCount.key, StatsCount.metric, func.sum(StatsCount.n))
            .where(or_(*conditions))
            .group_by(StatsCount.dim, StatsCount.key, StatsCount.metric)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    async def by_day(self, day_from: str, day_to: str, dim: str) -> list[tuple[str, str, str, int]]:
        """(day, key, metric, n) of one dimension, day by day."""
        query = select(StatsCount.day, StatsCount.key, StatsCount.metric, StatsCount.n).where(
            StatsCount.day >= day_from,
            StatsCount.day <= day_to,
            StatsCount.dim == dim,
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    async def series(self, day_from: str, day_to: str, dim: str) -> list[tuple[str, str, str, int]]:
        """(period, key, metric, n) of one dimension: month rows ("MYYYY-MM") for the whole
        months in the range, day rows for the days before and after them."""
        first, last = date.fromisoformat(day_from), date.fromisoformat(day_to)
        start, end = _whole_months(first, last)
        if end <= start:
            return await self.by_day(day_from, day_to, dim)
        query = select(StatsCount.day, StatsCount.key, StatsCount.metric, StatsCount.n).where(
            StatsCount.dim == dim,
            StatsCount.day >= MONTH + start.isoformat()[:7],
            StatsCount.day < MONTH + end.isoformat()[:7],
        )
        async with self.engine.connect() as conn:
            rows = [(r[0], r[1], r[2], int(r[3])) for r in (await conn.execute(query)).all()]
        if first < start:
            rows += await self.by_day(day_from, (start - timedelta(days=1)).isoformat(), dim)
        if end <= last:
            rows += await self.by_day(end.isoformat(), day_to, dim)
        return rows

    async def comments(self, day_from: str, day_to: str, limit: int) -> list[str]:
        query = (
            select(SurveyComment.text)
            .where(SurveyComment.day >= day_from, SurveyComment.day <= day_to)
            .order_by(SurveyComment.id.desc())
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars().all())
