"""The small storage interface services use. All SQL of the service is here.

One implementation serves both SQLite and PostgreSQL through SQLAlchemy Core;
dialect differences are kept inside this module.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from advice_chat.opening import Schedule, Window
from advice_chat.records import ChatRecord, MessageRecord, UserRecord, as_utc
from advice_chat.storage.models import (
    Chat,
    ClosedDate,
    Message,
    OpeningWindow,
    StaffSession,
    User,
)


class ChatClosed(Exception):
    """The chat does not exist or has ended, so nothing more may be written to it."""


class DuplicateUsername(Exception):
    pass


def _user(row: Any) -> UserRecord:
    return UserRecord(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        capacity=row.capacity,
        disabled=bool(row.disabled),
    )


def _chat(row: Any) -> ChatRecord:
    return ChatRecord(
        id=row.id,
        status=row.status,
        role=row.role,
        region=row.region,
        topic=row.topic,
        immediate_risk=bool(row.immediate_risk),
        priority=row.priority,
        created_at=as_utc(row.created_at),
        assigned_at=as_utc(row.assigned_at) if row.assigned_at else None,
        ended_at=as_utc(row.ended_at) if row.ended_at else None,
        adviser_id=row.adviser_id,
        ended_by=row.ended_by,
        outcome=row.outcome,
    )


def _message(row: Any) -> MessageRecord:
    return MessageRecord(
        chat_id=row.chat_id,
        seq=row.seq,
        sender=row.sender,
        text=row.text,
        client_id=row.client_id,
        code=row.code,
        sent_at=as_utc(row.sent_at),
    )


_CHAT_COLUMNS = (
    Chat.id,
    Chat.status,
    Chat.role,
    Chat.region,
    Chat.topic,
    Chat.immediate_risk,
    Chat.priority,
    Chat.created_at,
    Chat.assigned_at,
    Chat.ended_at,
    Chat.adviser_id,
    Chat.ended_by,
    Chat.outcome,
)
_MESSAGE_COLUMNS = (
    Message.chat_id,
    Message.seq,
    Message.sender,
    Message.text,
    Message.client_id,
    Message.code,
    Message.sent_at,
)
_USER_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.capacity,
    User.disabled,
)


class Store:
    """Durable state: accounts, sessions, chats and messages."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # SQLite has one writer at a time; queueing writers here instead of in
        # SQLite's busy loop keeps latency flat under contention.
        self._write_lock: asyncio.Lock | None = (
            asyncio.Lock() if engine.dialect.name == "sqlite" else None
        )

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    async def close(self) -> None:
        await self.engine.dispose()

    # -- accounts -----------------------------------------------------------

    async def create_user(
        self,
        *,
        username: str,
        display_name: str,
        role: str,
        password_hash: str,
        capacity: int,
        now: datetime,
    ) -> UserRecord:
        try:
            async with self._write() as conn:
                result = await conn.execute(
                    insert(User)
                    .values(
                        username=username,
                        display_name=display_name,
                        role=role,
                        password_hash=password_hash,
                        capacity=capacity,
                        disabled=False,
                        created_at=now,
                    )
                    .returning(*_USER_COLUMNS)
                )
                return _user(result.one())
        except IntegrityError as exc:
            raise DuplicateUsername(username) from exc

    async def user_with_hash(self, username: str) -> tuple[UserRecord, str] | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*_USER_COLUMNS, User.password_hash).where(User.username == username)
                )
            ).one_or_none()
        return None if row is None else (_user(row), row.password_hash)

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(User).where(User.id == user_id).values(password_hash=password_hash)
            )

    async def get_user(self, user_id: int) -> UserRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(*_USER_COLUMNS).where(User.id == user_id))
            ).one_or_none()
        return None if row is None else _user(row)

    async def users_with_role(self, role: str) -> list[UserRecord]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_USER_COLUMNS).where(User.role == role).order_by(User.username)
                )
            ).all()
        return [_user(r) for r in rows]

    async def set_capacity(self, user_id: int, capacity: int) -> UserRecord | None:
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(User)
                    .where(User.id == user_id)
                    .values(capacity=capacity)
                    .returning(*_USER_COLUMNS)
                )
            ).one_or_none()
        return None if row is None else _user(row)

    async def create_session(
        self, *, token_hash: str, user_id: int, now: datetime, expires_at: datetime
    ) -> None:
        async with self._write() as conn:
            await conn.execute(
                insert(StaffSession).values(
                    token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at
                )
            )

    async def session_user(self, token_hash: str, now: datetime) -> UserRecord | None:
        """The enabled user of an unexpired session, else None."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*_USER_COLUMNS, StaffSession.expires_at)
                    .join(StaffSession, StaffSession.user_id == User.id)
                    .where(StaffSession.token_hash == token_hash)
                )
            ).one_or_none()
        if row is None or row.disabled or as_utc(row.expires_at) <= now:
            return None
        return _user(row)

    async def delete_session(self, token_hash: str) -> None:
        async with self._write() as conn:
            await conn.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))

    # -- chats --------------------------------------------------------------

    async def create_chat(
        self,
        *,
        chat_id: str,
        token_hash: str,
        role: str,
        region: str,
        topic: str,
        immediate_risk: bool,
        priority: int,
        now: datetime,
        first_message: str | None,
    ) -> ChatRecord:
        async with self._write() as conn:
            result = await conn.execute(
                insert(Chat)
                .values(
                    id=chat_id,
                    token_hash=token_hash,
                    status="waiting",
                    role=role,
                    region=region,
                    topic=topic,
                    immediate_risk=immediate_risk,
                    priority=priority,
                    created_at=now,
                    last_seq=1 if first_message else 0,
                )
                .returning(*_CHAT_COLUMNS)
            )
            chat = _chat(result.one())
            if first_message:
                await conn.execute(
                    insert(Message).values(
                        chat_id=chat_id,
                        seq=1,
                        sender="professional",
                        text=first_message,
                        client_id="initial",
                        sent_at=now,
                    )
                )
        return chat

    async def get_chat(self, chat_id: str) -> ChatRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(*_CHAT_COLUMNS).where(Chat.id == chat_id))
            ).one_or_none()
        return None if row is None else _chat(row)

    async def chat_by_token_hash(self, token_hash: str) -> ChatRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(*_CHAT_COLUMNS).where(Chat.token_hash == token_hash))
            ).one_or_none()
        return None if row is None else _chat(row)

    async def chats_with_status(self, status: str) -> list[ChatRecord]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_CHAT_COLUMNS)
                    .where(Chat.status == status)
                    .order_by(Chat.created_at, Chat.id)
                )
            ).all()
        return [_chat(r) for r in rows]

    async def active_chats_for(self, adviser_id: int) -> list[ChatRecord]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_CHAT_COLUMNS)
                    .where(Chat.adviser_id == adviser_id, Chat.status == "assigned")
                    .order_by(Chat.assigned_at)
                )
            ).all()
        return [_chat(r) for r in rows]

    async def assign_chat(
        self, chat_id: str, adviser_id: int, now: datetime, notice: str
    ) -> tuple[ChatRecord, MessageRecord] | None:
        """Assign a waiting chat and add the 'adviser joined' notice; None if no longer waiting.

        The conditional UPDATE makes assignment safe even if two callers race.
        """
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(Chat)
                    .where(Chat.id == chat_id, Chat.status == "waiting")
                    .values(
                        status="assigned",
                        adviser_id=adviser_id,
                        assigned_at=now,
                        last_seq=Chat.last_seq + 1,
                    )
                    .returning(*_CHAT_COLUMNS, Chat.last_seq)
                )
            ).one_or_none()
            if row is None:
                return None
            message = await self._insert_message(
                conn, chat_id, row.last_seq, "system", notice, None, "adviser_joined", now
            )
        return _chat(row), message

    async def end_chat(
        self,
        chat_id: str,
        *,
        ended_by: str,
        outcome: str | None,
        now: datetime,
        notice: str,
        from_statuses: tuple[str, ...] = ("waiting", "assigned"),
    ) -> tuple[ChatRecord, MessageRecord] | None:
        """End a chat that is still open and add the 'ended' notice; None if already ended."""
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(Chat)
                    .where(Chat.id == chat_id, Chat.status.in_(from_statuses))
                    .values(
                        status="ended",
                        ended_at=now,
                        ended_by=ended_by,
                        outcome=outcome,
                        last_seq=Chat.last_seq + 1,
                    )
                    .returning(*_CHAT_COLUMNS, Chat.last_seq)
                )
            ).one_or_none()
            if row is None:
                return None
            message = await self._insert_message(
                conn, chat_id, row.last_seq, "system", notice, None, "ended", now
            )
        return _chat(row), message

    async def unassign_chat(
        self, chat_id: str, adviser_id: int, now: datetime, notice: str
    ) -> tuple[ChatRecord, MessageRecord] | None:
        """Return an assigned chat to the queue (its adviser has gone); None if it moved on."""
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(Chat)
                    .where(
                        Chat.id == chat_id,
                        Chat.status == "assigned",
                        Chat.adviser_id == adviser_id,
                    )
                    .values(
                        status="waiting",
                        adviser_id=None,
                        assigned_at=None,
                        last_seq=Chat.last_seq + 1,
                    )
                    .returning(*_CHAT_COLUMNS, Chat.last_seq)
                )
            ).one_or_none()
            if row is None:
                return None
            message = await self._insert_message(
                conn, chat_id, row.last_seq, "system", notice, None, "requeued", now
            )
        return _chat(row), message

    async def recent_handle_seconds(self, limit: int = 50) -> list[float]:
        """Handle times of the most recently ended answered chats, newest first."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(Chat.assigned_at, Chat.ended_at)
                    .where(
                        Chat.status == "ended",
                        Chat.assigned_at.is_not(None),
                        Chat.ended_at.is_not(None),
                    )
                    .order_by(Chat.ended_at.desc())
                    .limit(limit)
                )
            ).all()
        return [(as_utc(r.ended_at) - as_utc(r.assigned_at)).total_seconds() for r in rows]

    # -- messages -----------------------------------------------------------

    async def _insert_message(
        self,
        conn: AsyncConnection,
        chat_id: str,
        seq: int,
        sender: str,
        text: str,
        client_id: str | None,
        code: str | None,
        now: datetime,
    ) -> MessageRecord:
        await conn.execute(
            insert(Message).values(
                chat_id=chat_id,
                seq=seq,
                sender=sender,
                text=text,
                client_id=client_id,
                code=code,
                sent_at=now,
            )
        )
        return MessageRecord(chat_id, seq, sender, text, client_id, code, now)

    async def _find_by_client_id(
        self, chat_id: str, sender: str, client_id: str
    ) -> MessageRecord | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*_MESSAGE_COLUMNS).where(
                        Message.chat_id == chat_id,
                        Message.sender == sender,
                        Message.client_id == client_id,
                    )
                )
            ).one_or_none()
        return None if row is None else _message(row)

    async def add_message(
        self, chat_id: str, *, sender: str, text: str, client_id: str, now: datetime
    ) -> tuple[MessageRecord, bool]:
        """Store a message once per client_id; returns (message, created).

        The per-chat counter is bumped in the same transaction as the insert,
        and the row lock on the chat orders concurrent writers, so ids are
        contiguous and commit in id order.
        """
        existing = await self._find_by_client_id(chat_id, sender, client_id)
        if existing is not None:
            return existing, False
        try:
            async with self._write() as conn:
                seq = (
                    await conn.execute(
                        update(Chat)
                        .where(Chat.id == chat_id, Chat.status.in_(("waiting", "assigned")))
                        .values(last_seq=Chat.last_seq + 1)
                        .returning(Chat.last_seq)
                    )
                ).scalar_one_or_none()
                if seq is None:
                    raise ChatClosed(chat_id)
                message = await self._insert_message(
                    conn, chat_id, seq, sender, text, client_id, None, now
                )
            return message, True
        except IntegrityError:
            # A resend raced the first send: the unique index kept one copy.
            existing = await self._find_by_client_id(chat_id, sender, client_id)
            if existing is None:
                raise
            return existing, False

    async def history(self, chat_id: str, after_seq: int) -> list[MessageRecord]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_MESSAGE_COLUMNS)
                    .where(Message.chat_id == chat_id, Message.seq > after_seq)
                    .order_by(Message.seq)
                )
            ).all()
        return [_message(r) for r in rows]

    async def count_messages(self, chat_id: str) -> int:
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count()).select_from(Message).where(Message.chat_id == chat_id)
                    )
                ).scalar_one()
            )

    async def chats_by_ids(self, chat_ids: Sequence[str]) -> list[ChatRecord]:
        if not chat_ids:
            return []
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(*_CHAT_COLUMNS).where(Chat.id.in_(chat_ids)))).all()
        return [_chat(r) for r in rows]

    # -- operations -----------------------------------------------------------

    async def chat_counts(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(select(Chat.status, func.count()).group_by(Chat.status))
            ).all()
        return {status: int(count) for status, count in rows}

    async def schema_revision(self) -> str | None:
        """The migration the database is at (raises if the database cannot be reached)."""
        async with self.engine.connect() as conn:
            try:
                return (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar_one_or_none()
            except DBAPIError:
                return None

    # -- opening hours --------------------------------------------------------

    async def load_schedule(self) -> Schedule:
        async with self.engine.connect() as conn:
            windows = (
                await conn.execute(
                    select(OpeningWindow.weekday, OpeningWindow.opens, OpeningWindow.closes)
                )
            ).all()
            days = (await conn.execute(select(ClosedDate.day))).scalars().all()
        return Schedule(
            tuple(
                sorted(
                    Window(w.weekday, time.fromisoformat(w.opens), time.fromisoformat(w.closes))
                    for w in windows
                )
            ),
            frozenset(date.fromisoformat(d) for d in days),
        )

    async def save_schedule(self, schedule: Schedule) -> None:
        async with self._write() as conn:
            await conn.execute(delete(OpeningWindow))
            await conn.execute(delete(ClosedDate))
            for w in schedule.windows:
                await conn.execute(
                    insert(OpeningWindow).values(
                        weekday=w.weekday,
                        opens=w.opens.strftime("%H:%M"),
                        closes=w.closes.strftime("%H:%M"),
                    )
                )
            for day in sorted(schedule.closed_dates):
                await conn.execute(insert(ClosedDate).values(day=day.isoformat()))
