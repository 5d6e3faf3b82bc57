"""Storage for the adviser console: canned replies, safeguarding flags and supervision watches.

All their SQL. Private notes and transfers live in `store.py` beside the messages, because
they share the chat's key and its row lock. Nothing here holds chat words: canned replies
are staff-authored templates, flags and watches are ids, fixed reasons and times.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from advice_chat.records import as_utc
from advice_chat.storage.engine import write_transaction
from advice_chat.storage.models import (
    AuditEvent,
    CannedReply,
    Chat,
    ChatWatch,
    SafeguardingFlag,
    User,
)


@dataclass(frozen=True)
class CannedRecord:
    id: int
    owner_id: int | None  # None: shared by the whole team
    title: str
    shortcut: str | None
    text: str
    updated_at: datetime


@dataclass(frozen=True)
class FlagRecord:
    id: int
    chat_id: str
    reason: str
    raised_by: int | None
    raised_by_name: str | None
    raised_at: datetime
    acknowledged_by: int | None
    acknowledged_by_name: str | None
    acknowledged_at: datetime | None


def _canned(row: Any) -> CannedRecord:
    return CannedRecord(
        row.id, row.owner_id, row.title, row.shortcut, row.text, as_utc(row.updated_at)
    )


class ConsoleStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # -- canned replies -------------------------------------------------------------

    async def canned_for(self, user_id: int) -> list[CannedRecord]:
        """The shared replies, then this user's own, each by title."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(CannedReply)
                    .where(or_(CannedReply.owner_id.is_(None), CannedReply.owner_id == user_id))
                    .order_by(CannedReply.owner_id.is_not(None), CannedReply.title, CannedReply.id)
                )
            ).all()
        return [_canned(r) for r in rows]

    async def get_canned(self, reply_id: int) -> CannedRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(CannedReply).where(CannedReply.id == reply_id))
            ).one_or_none()
        return None if row is None else _canned(row)

    async def create_canned(
        self,
        owner_id: int | None,
        title: str,
        shortcut: str | None,
        text: str,
        by: int,
        now: datetime,
    ) -> CannedRecord:
        async with write_transaction(self.engine) as conn:
            row = (
                await conn.execute(
                    insert(CannedReply)
                    .values(
                        owner_id=owner_id,
                        title=title,
                        shortcut=shortcut,
                        text=text,
                        updated_at=now,
                        updated_by=by,
                    )
                    .returning(*CannedReply.__table__.c)
                )
            ).one()
        return _canned(row)

    async def update_canned(
        self, reply_id: int, title: str, shortcut: str | None, text: str, by: int, now: datetime
    ) -> CannedRecord | None:
        async with write_transaction(self.engine) as conn:
            row = (
                await conn.execute(
                    update(CannedReply)
                    .where(CannedReply.id == reply_id)
                    .values(
                        title=title, shortcut=shortcut, text=text, updated_at=now, updated_by=by
                    )
                    .returning(*CannedReply.__table__.c)
                )
            ).one_or_none()
        return None if row is None else _canned(row)

    async def delete_canned(self, reply_id: int) -> bool:
        async with write_transaction(self.engine) as conn:
            result = await conn.execute(delete(CannedReply).where(CannedReply.id == reply_id))
        return bool(result.rowcount)

    # -- safeguarding flags -----------------------------------------------------------

    async def raise_flag(
        self,
        chat_id: str,
        reason: str,
        user_id: int,
        now: datetime,
        counted: Callable[[AsyncConnection], Awaitable[None]] | None = None,
    ) -> tuple[FlagRecord, bool] | None:
        """Record a flag, its audit event and its count in one commit: (flag, True). A flag
        of the same chat and reason still waiting for acknowledgement is not raised twice:
        (that flag, False). None if the chat is not assigned to this adviser."""
        async with write_transaction(self.engine) as conn:
            mine = (
                await conn.execute(
                    select(Chat.id).where(
                        Chat.id == chat_id, Chat.status == "assigned", Chat.adviser_id == user_id
                    )
                )
            ).scalar_one_or_none()
            if mine is None:
                return None
            open_id = (
                await conn.execute(
                    select(SafeguardingFlag.id).where(
                        SafeguardingFlag.chat_id == chat_id,
                        SafeguardingFlag.reason == reason,
                        SafeguardingFlag.acknowledged_at.is_(None),
                    )
                )
            ).scalar()
            if open_id is not None:
                existing = await self._flag_in(conn, int(open_id))
                assert existing is not None
                return existing, False
            flag_id = (
                await conn.execute(
                    insert(SafeguardingFlag)
                    .values(chat_id=chat_id, reason=reason, raised_by=user_id, raised_at=now)
                    .returning(SafeguardingFlag.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(AuditEvent).values(
                    at=now, user_id=user_id, action="flag_raised", subject=f"{chat_id}:{reason}"
                )
            )
            if counted is not None:
                await counted(conn)
        flag = await self.flag(flag_id)
        assert flag is not None
        return flag, True

    async def acknowledge_flag(
        self, flag_id: int, user_id: int, now: datetime
    ) -> tuple[FlagRecord, bool] | None:
        """(flag, acknowledged now); False when someone acknowledged it first; None if unknown."""
        async with write_transaction(self.engine) as conn:
            row = (
                await conn.execute(
                    update(SafeguardingFlag)
                    .where(
                        SafeguardingFlag.id == flag_id, SafeguardingFlag.acknowledged_at.is_(None)
                    )
                    .values(acknowledged_by=user_id, acknowledged_at=now)
                    .returning(SafeguardingFlag.chat_id, SafeguardingFlag.reason)
                )
            ).one_or_none()
            if row is not None:
                await conn.execute(
                    insert(AuditEvent).values(
                        at=now,
                        user_id=user_id,
                        action="flag_acknowledged",
                        subject=f"{row.chat_id}:{row.reason}",
                    )
                )
        flag = await self.flag(flag_id)
        if flag is None:
            return None
        return flag, row is not None

    def _flags_query(self) -> Any:
        raiser = User.__table__.alias("raiser")
        acker = User.__table__.alias("acker")
        return (
            select(
                SafeguardingFlag,
                raiser.c.display_name.label("raised_by_name"),
                acker.c.display_name.label("acknowledged_by_name"),
            )
            .outerjoin(raiser, raiser.c.id == SafeguardingFlag.raised_by)
            .outerjoin(acker, acker.c.id == SafeguardingFlag.acknowledged_by)
        )

    @staticmethod
    def _flag(row: Any) -> FlagRecord:
        return FlagRecord(
            id=row.id,
            chat_id=row.chat_id,
            reason=row.reason,
            raised_by=row.raised_by,
            raised_by_name=row.raised_by_name,
            raised_at=as_utc(row.raised_at),
            acknowledged_by=row.acknowledged_by,
            acknowledged_by_name=row.acknowledged_by_name,
            acknowledged_at=as_utc(row.acknowledged_at) if row.acknowledged_at else None,
        )

    async def flag(self, flag_id: int) -> FlagRecord | None:
        async with self.engine.connect() as conn:
            return await self._flag_in(conn, flag_id)

    async def _flag_in(self, conn: AsyncConnection, flag_id: int) -> FlagRecord | None:
        row = (
            await conn.execute(self._flags_query().where(SafeguardingFlag.id == flag_id))
        ).one_or_none()
        return None if row is None else self._flag(row)

    async def count_canned(self, owner_id: int | None) -> int:
        async with self.engine.connect() as conn:
            owner = (
                CannedReply.owner_id.is_(None)
                if owner_id is None
                else CannedReply.owner_id == owner_id
            )
            return int((await conn.execute(select(func.count()).where(owner))).scalar_one())

    async def open_flags(self, limit: int = 100) -> list[FlagRecord]:
        """Flags nobody has acknowledged yet, oldest first."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    self._flags_query()
                    .where(SafeguardingFlag.acknowledged_at.is_(None))
                    .order_by(SafeguardingFlag.raised_at, SafeguardingFlag.id)
                    .limit(limit)
                )
            ).all()
        return [self._flag(r) for r in rows]

    # -- supervision watches ------------------------------------------------------------

    async def start_watch(self, chat_id: str, watcher_id: int, now: datetime) -> int:
        """Record the watch and its audit event in one commit; returns the watch id."""
        async with write_transaction(self.engine) as conn:
            watch_id = (
                await conn.execute(
                    insert(ChatWatch)
                    .values(chat_id=chat_id, watcher_id=watcher_id, started_at=now)
                    .returning(ChatWatch.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(AuditEvent).values(
                    at=now, user_id=watcher_id, action="chat_watched", subject=chat_id
                )
            )
        return int(watch_id)

    async def end_watches(self, watch_ids: list[int], now: datetime) -> None:
        if not watch_ids:
            return
        async with write_transaction(self.engine) as conn:
            await conn.execute(
                update(ChatWatch)
                .where(ChatWatch.id.in_(watch_ids), ChatWatch.ended_at.is_(None))
                .values(ended_at=now)
            )

    async def watched_chats(self, since: datetime) -> set[str]:
        """Open chats someone has been watching since `since` and not stopped."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(ChatWatch.chat_id)
                .join(Chat, Chat.id == ChatWatch.chat_id)
                .where(
                    ChatWatch.ended_at.is_(None),
                    ChatWatch.started_at >= since,
                    Chat.status != "ended",
                )
                .distinct()
            )
            return {r[0] for r in rows}
