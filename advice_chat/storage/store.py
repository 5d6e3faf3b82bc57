"""The small storage interface services use. All SQL of the service is here.

One implementation serves both SQLite and PostgreSQL through SQLAlchemy Core;
dialect differences are kept inside this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from advice_chat.opening import Schedule, Window
from advice_chat.records import (
    ChatPlace,
    ChatRecord,
    MessageRecord,
    NoteRecord,
    UserRecord,
    as_utc,
)
from advice_chat.storage.engine import dispose, write_lock, write_transaction
from advice_chat.storage.message_writer import DUPLICATE, MessageWriter, NewMessage, Posted
from advice_chat.storage.models import (
    AuditEvent,
    Chat,
    ChatKey,
    ChatNote,
    ClosedDate,
    Message,
    OpeningWindow,
    PurgeRun,
    StaffSession,
    TranscriptLine,
    TranscriptNote,
    User,
)
from advice_chat.storage.sealing import KeyCache, Sealer


class ChatClosed(Exception):
    """The chat does not exist or has ended, so nothing more may be written to it."""


class Shredded(Exception):
    """The chat's key is gone: its raw messages were replaced by the transcript."""


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
        totp_enabled=bool(row.totp_enabled),
        senior=bool(row.senior),
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
        redacted_at=as_utc(row.redacted_at) if row.redacted_at else None,
        purged_at=as_utc(row.purged_at) if row.purged_at else None,
        team=row.team,
        answered_team=row.answered_team,
    )


def _message(row: Any, text: str) -> MessageRecord:
    return MessageRecord(
        chat_id=row.chat_id,
        seq=row.seq,
        sender=row.sender,
        text=text,
        client_id=row.client_id,
        code=row.code,
        sent_at=as_utc(row.sent_at),
    )


def _line(row: Any) -> MessageRecord:
    return MessageRecord(
        row.chat_id, row.seq, row.sender, row.text, None, row.code, as_utc(row.sent_at)
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
    Chat.redacted_at,
    Chat.purged_at,
    Chat.team,
    Chat.answered_team,
)
_MESSAGE_COLUMNS = (
    Message.chat_id,
    Message.seq,
    Message.sender,
    Message.text,
    Message.client_id,
    Message.code,
    Message.sent_at,
    Message.sealed,
)
_LINE_COLUMNS = (
    TranscriptLine.chat_id,
    TranscriptLine.seq,
    TranscriptLine.sender,
    TranscriptLine.text,
    TranscriptLine.code,
    TranscriptLine.sent_at,
)
_KEY_CACHE_SIZE = 4096
_USER_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.capacity,
    User.disabled,
    User.totp_enabled,
    User.senior,
)
# A session's last-seen time is written at most this often (not on every request).
_TOUCH_SECONDS = 60


class Store:
    """Durable state: accounts, sessions, chats and messages.

    Raw message text is sealed with its chat's key before it is written (see
    `sealing.py`); `shred_to_transcript` swaps it for the redacted transcript.
    """

    def __init__(self, engine: AsyncEngine, sealer: Sealer) -> None:
        self.engine = engine
        self._sealer = sealer
        self._keys = KeyCache(_KEY_CACHE_SIZE)
        self._messages = MessageWriter(engine, sealer, self._keys)

    def _write(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        return write_transaction(self.engine)

    async def close(self) -> None:
        await self._messages.close()
        await dispose(self.engine)

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
        return await self._update_user(user_id, capacity=capacity)

    async def set_senior(self, user_id: int, senior: bool) -> UserRecord | None:
        return await self._update_user(user_id, senior=senior)

    async def _update_user(self, user_id: int, **values: Any) -> UserRecord | None:
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(User)
                    .where(User.id == user_id)
                    .values(**values)
                    .returning(*_USER_COLUMNS)
                )
            ).one_or_none()
        return None if row is None else _user(row)

    async def create_session(
        self,
        *,
        token_hash: str,
        user_id: int,
        now: datetime,
        expires_at: datetime,
        enrol_only: bool = False,
    ) -> None:
        async with self._write() as conn:
            await conn.execute(
                insert(StaffSession).values(
                    token_hash=token_hash,
                    user_id=user_id,
                    created_at=now,
                    expires_at=expires_at,
                    last_seen_at=now,
                    enrol_only=enrol_only,
                )
            )

    async def session_user(
        self, token_hash: str, now: datetime, idle_seconds: float | None = None
    ) -> tuple[UserRecord, bool] | None:
        """(user, enrol_only) of an unexpired, not idle session of an enabled user, else None.

        An expired or idle session is deleted when met; a live one's last-seen time is
        moved on (at most once a minute, so reads stay reads).
        """
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        *_USER_COLUMNS,
                        StaffSession.expires_at,
                        StaffSession.last_seen_at,
                        StaffSession.enrol_only,
                    )
                    .join(StaffSession, StaffSession.user_id == User.id)
                    .where(StaffSession.token_hash == token_hash)
                )
            ).one_or_none()
        if row is None:
            return None
        seen = as_utc(row.last_seen_at) if row.last_seen_at else None
        idle = (
            idle_seconds is not None
            and seen is not None
            and ((now - seen).total_seconds() > idle_seconds)
        )
        if row.disabled or as_utc(row.expires_at) <= now or idle:
            await self.delete_session(token_hash)
            return None
        if seen is None or (now - seen).total_seconds() > _TOUCH_SECONDS:
            async with self._write() as conn:
                await conn.execute(
                    update(StaffSession)
                    .where(StaffSession.token_hash == token_hash)
                    .values(last_seen_at=now)
                )
        return _user(row), bool(row.enrol_only)

    async def live_sessions(
        self, token_hashes: Sequence[str], now: datetime, idle_seconds: float | None
    ) -> set[str]:
        """Which of these sessions are still good; those are touched (an open console is
        activity). Used to end socket connections whose sign-in has ended."""
        if not token_hashes:
            return set()
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        StaffSession.token_hash,
                        StaffSession.expires_at,
                        StaffSession.last_seen_at,
                        User.disabled,
                    )
                    .join(User, User.id == StaffSession.user_id)
                    .where(StaffSession.token_hash.in_(list(token_hashes)))
                )
            ).all()
        live: set[str] = set()
        for r in rows:
            seen = as_utc(r.last_seen_at) if r.last_seen_at else now
            if r.disabled or as_utc(r.expires_at) <= now:
                continue
            if idle_seconds is not None and (now - seen).total_seconds() > idle_seconds:
                continue
            live.add(r.token_hash)
        if live:
            async with self._write() as conn:
                await conn.execute(
                    update(StaffSession)
                    .where(StaffSession.token_hash.in_(sorted(live)))
                    .values(last_seen_at=now)
                )
        return live

    async def delete_session(self, token_hash: str) -> None:
        async with self._write() as conn:
            await conn.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))

    async def delete_user_sessions(self, user_id: int) -> None:
        async with self._write() as conn:
            await conn.execute(delete(StaffSession).where(StaffSession.user_id == user_id))

    async def set_disabled(self, user_id: int, disabled: bool) -> UserRecord | None:
        """Disable (ending every session of the user in the same transaction) or enable."""
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(User)
                    .where(User.id == user_id)
                    .values(disabled=disabled)
                    .returning(*_USER_COLUMNS)
                )
            ).one_or_none()
            if row is not None and disabled:
                await conn.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
        return None if row is None else _user(row)

    async def users(self) -> list[UserRecord]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(*_USER_COLUMNS).order_by(User.username))).all()
        return [_user(r) for r in rows]

    # -- TOTP ---------------------------------------------------------------

    async def totp_state(self, user_id: int) -> tuple[bytes | None, bool, int | None]:
        """(sealed secret, enabled, last accepted step) of a user."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(User.totp_secret, User.totp_enabled, User.totp_last_step).where(
                        User.id == user_id
                    )
                )
            ).one_or_none()
        if row is None:
            return None, False, None
        return row.totp_secret, bool(row.totp_enabled), row.totp_last_step

    async def set_totp(self, user_id: int, sealed_secret: bytes | None, enabled: bool) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(User)
                .where(User.id == user_id)
                .values(totp_secret=sealed_secret, totp_enabled=enabled, totp_last_step=None)
            )

    async def use_totp_step(self, user_id: int, step: int) -> bool:
        """Record `step` as used; False if it (or a later one) was used already (a replay)."""
        async with self._write() as conn:
            result = await conn.execute(
                update(User)
                .where(
                    User.id == user_id,
                    (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
        return bool(result.rowcount)

    async def end_enrolment(self, token_hash: str) -> None:
        """The session's user has set up TOTP: the session opens fully."""
        async with self._write() as conn:
            await conn.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == token_hash)
                .values(enrol_only=False)
            )

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
        team: str = "respect",
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
                    team=team,
                )
                .returning(*_CHAT_COLUMNS)
            )
            chat = _chat(result.one())
            key, wrapped = self._sealer.new_chat_key(chat_id)
            await conn.execute(insert(ChatKey).values(chat_id=chat_id, wrapped_key=wrapped))
            self._remember_key(chat_id, key)
            if first_message:
                await self._insert_message(
                    conn, chat_id, 1, "professional", first_message, "initial", None, now
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

    async def open_chat_places(self) -> list[ChatPlace]:
        """Every waiting or assigned chat's id, status, team and adviser, oldest first."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(Chat.id, Chat.status, Chat.team, Chat.adviser_id)
                    .where(Chat.status.in_(("waiting", "assigned")))
                    .order_by(Chat.created_at, Chat.id)
                )
            ).all()
        return [ChatPlace(*row) for row in rows]

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
        self,
        chat_id: str,
        adviser_id: int,
        now: datetime,
        notice: str,
        answered_team: str | None = None,
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
                        answered_team=answered_team,
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
        on_end: Callable[[AsyncConnection, ChatRecord], Awaitable[None]] | None = None,
    ) -> tuple[ChatRecord, MessageRecord] | None:
        """End a chat that is still open and add the 'ended' notice; None if already ended.

        `on_end` runs in the same transaction once the chat has ended (statistics and
        wrap-up use it, so a chat is counted exactly once, with its end).
        """
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
            ended = _chat(row)
            if on_end is not None:
                await on_end(conn, ended)
        return ended, message

    async def unassign_chat(
        self,
        chat_id: str,
        adviser_id: int,
        now: datetime,
        notice: str,
        *,
        team: str | None = None,
        code: str = "requeued",
    ) -> tuple[ChatRecord, MessageRecord] | None:
        """Return an assigned chat to the queue (its adviser has gone, or moved it to `team`);
        None if it moved on."""
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
                        answered_team=None,
                        last_seq=Chat.last_seq + 1,
                        **({} if team is None else {"team": team}),
                    )
                    .returning(*_CHAT_COLUMNS, Chat.last_seq)
                )
            ).one_or_none()
            if row is None:
                return None
            message = await self._insert_message(
                conn, chat_id, row.last_seq, "system", notice, None, code, now
            )
        return _chat(row), message

    async def move_waiting_chat(
        self, chat_id: str, from_team: str, to_team: str, now: datetime, notice: str
    ) -> tuple[ChatRecord, MessageRecord] | None:
        """Route a waiting chat to another team and tell the professional (code
        "team_moved"); None if it is no longer waiting in `from_team`."""
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(Chat)
                    .where(Chat.id == chat_id, Chat.status == "waiting", Chat.team == from_team)
                    .values(team=to_team, last_seq=Chat.last_seq + 1)
                    .returning(*_CHAT_COLUMNS, Chat.last_seq)
                )
            ).one_or_none()
            if row is None:
                return None
            message = await self._insert_message(
                conn, chat_id, row.last_seq, "system", notice, None, "team_moved", now
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
        key = await self._chat_key(conn, chat_id, create=True)
        await conn.execute(
            insert(Message).values(
                chat_id=chat_id,
                seq=seq,
                sender=sender,
                text=self._sealer.seal(key, chat_id, seq, text),
                sealed=True,
                client_id=client_id,
                code=code,
                sent_at=now,
            )
        )
        return MessageRecord(chat_id, seq, sender, text, client_id, code, now)

    # -- chat keys ------------------------------------------------------------

    def _remember_key(self, chat_id: str, key: bytes) -> None:
        self._keys.put(chat_id, key)

    async def _chat_key(self, conn: AsyncConnection, chat_id: str, *, create: bool) -> bytes:
        """The chat's data key.

        Writing (`create`) makes one for chats from before sealing existed. Reading never
        does: a missing key means the chat was shredded since its rows were read.
        """
        key = self._keys.get(chat_id)
        if key is not None:
            return key
        wrapped = (
            await conn.execute(select(ChatKey.wrapped_key).where(ChatKey.chat_id == chat_id))
        ).scalar_one_or_none()
        if wrapped is None:
            if not create:
                raise Shredded(chat_id)
            key, wrapped = self._sealer.new_chat_key(chat_id)
            await conn.execute(insert(ChatKey).values(chat_id=chat_id, wrapped_key=wrapped))
        else:
            key = self._sealer.unwrap(chat_id, wrapped)
        self._remember_key(chat_id, key)
        return key

    async def _open_rows(self, conn: AsyncConnection, rows: Sequence[Any]) -> list[MessageRecord]:
        out = []
        for row in rows:
            if row.sealed:
                key = await self._chat_key(conn, row.chat_id, create=False)
                out.append(_message(row, self._sealer.open(key, row.chat_id, row.seq, row.text)))
            else:
                out.append(_message(row, row.text))
        return out

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
            try:
                return None if row is None else (await self._open_rows(conn, [row]))[0]
            except Shredded as exc:
                raise ChatClosed(chat_id) from exc

    async def add_message(
        self,
        chat_id: str,
        *,
        sender: str,
        text: str,
        client_id: str,
        now: datetime,
        code: str | None = None,
        adviser_id: int | None = None,
    ) -> Posted:
        """Store a message once per client_id, in an open chat the sender may write to.

        `adviser_id` (for an adviser's message) must be the chat's adviser, and the chat
        assigned. The per-chat counter is bumped in the same transaction as the insert, and
        the row lock on the chat orders concurrent writers, so ids are contiguous and commit
        in id order. Messages arriving together share one transaction (group commit); a
        first send (the usual case) reads nothing. A resend is caught by the unique index on
        (chat, sender, client_id), and the stored copy is returned. Raises `ChatClosed` when
        nothing may be written (no such chat, ended, or not this adviser's) without saying
        which: the caller reads the chat for that, on this rare path only.
        """
        outcome = await self._messages.submit(
            NewMessage(chat_id, sender, text, client_id, code, now, adviser_id)
        )
        if isinstance(outcome, Posted):
            return outcome
        if outcome == DUPLICATE:
            # A resend (possibly racing the first send): the unique index kept one copy, and
            # its id is the answer. The guard passed, so the chat is the sender's.
            existing = await self._find_by_client_id(chat_id, sender, client_id)
            if existing is not None:
                return Posted(existing, False, None)
        raise ChatClosed(chat_id)

    async def history(self, chat_id: str, after_seq: int) -> list[MessageRecord]:
        """Raw messages of an open (or not yet redacted) chat, opened with its key.

        If the chat is shredded between reading its rows and its key, the answer is the
        redacted transcript, which that same commit wrote.
        """
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_MESSAGE_COLUMNS)
                    .where(Message.chat_id == chat_id, Message.seq > after_seq)
                    .order_by(Message.seq)
                )
            ).all()
            try:
                return await self._open_rows(conn, rows)
            except Shredded:
                pass
        return await self.transcript(chat_id, after_seq)

    # -- transcripts ------------------------------------------------------------

    async def chats_to_redact(self, limit: int = 100) -> list[str]:
        """Ended chats whose raw messages have not yet been replaced by a transcript."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(Chat.id)
                .where(Chat.status == "ended", Chat.redacted_at.is_(None))
                .order_by(Chat.ended_at)
                .limit(limit)
            )
            return [r[0] for r in rows]

    async def shred_to_transcript(
        self,
        chat_id: str,
        lines: Sequence[MessageRecord],
        now: datetime,
        notes: Sequence[NoteRecord] = (),
    ) -> bool:
        """Store the redacted lines (and the advisers' redacted private notes), delete the raw
        messages, the sealed notes and the chat key, in one commit.

        False when the chat is not ended or another worker got there first.
        """
        async with self._write() as conn:
            done = (
                await conn.execute(
                    update(Chat)
                    .where(Chat.id == chat_id, Chat.status == "ended", Chat.redacted_at.is_(None))
                    .values(redacted_at=now)
                    .returning(Chat.id)
                )
            ).scalar_one_or_none()
            if done is None:
                return False
            if lines:
                await conn.execute(
                    insert(TranscriptLine),
                    [
                        {
                            "chat_id": chat_id,
                            "seq": line.seq,
                            "sender": line.sender,
                            "code": line.code,
                            "text": line.text,
                            "sent_at": line.sent_at,
                        }
                        for line in lines
                    ],
                )
            if notes:
                await conn.execute(
                    insert(TranscriptNote),
                    [
                        {
                            "chat_id": chat_id,
                            "seq": note.seq,
                            "author_id": note.author_id,
                            "text": note.text,
                            "created_at": note.created_at,
                        }
                        for note in notes
                    ],
                )
            await conn.execute(delete(Message).where(Message.chat_id == chat_id))
            await conn.execute(delete(ChatNote).where(ChatNote.chat_id == chat_id))
            await conn.execute(delete(ChatKey).where(ChatKey.chat_id == chat_id))
        self._keys.drop(chat_id)
        return True

    async def scrub(self) -> bool:
        """Push deleted pages out of the SQLite WAL and truncate it; True when done.

        With secure_delete on, a checkpoint writes the zeroed pages into the main
        file; TRUNCATE then empties the WAL, which still held the old page images.
        PostgreSQL never held raw text in the clear (sealing), so there is nothing to do.
        """
        if self.engine.dialect.name != "sqlite":
            return True
        # Outside any transaction (a checkpoint cannot run inside one), with writers held off.
        async with write_lock(self.engine), self.engine.connect() as conn:
            row = (await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).one()
        return int(row[0]) == 0

    async def transcript(self, chat_id: str, after_seq: int = 0) -> list[MessageRecord]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_LINE_COLUMNS)
                    .where(TranscriptLine.chat_id == chat_id, TranscriptLine.seq > after_seq)
                    .order_by(TranscriptLine.seq)
                )
            ).all()
        return [_line(r) for r in rows]

    async def transcripts(
        self, limit: int, before: datetime | None
    ) -> list[tuple[ChatRecord, int]]:
        """Redacted, not yet purged chats, newest first, with their line counts."""
        counts = (
            select(TranscriptLine.chat_id, func.count().label("lines"))
            .group_by(TranscriptLine.chat_id)
            .subquery()
        )
        query = (
            select(*_CHAT_COLUMNS, func.coalesce(counts.c.lines, 0).label("lines"))
            .outerjoin(counts, counts.c.chat_id == Chat.id)
            .where(Chat.redacted_at.is_not(None), Chat.purged_at.is_(None))
            .order_by(Chat.ended_at.desc(), Chat.id)
            .limit(limit)
        )
        if before is not None:
            query = query.where(Chat.ended_at < before)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(_chat(r), int(r.lines)) for r in rows]

    async def purge_transcripts(self, ended_before: datetime, now: datetime, rule: str) -> int:
        """Delete the transcripts of chats that ended before the cut-off; record the run.

        The chat rows stay (they carry no words), so statistics outlive transcripts.
        """
        async with self._write() as conn:
            ids = (
                (
                    await conn.execute(
                        select(Chat.id).where(
                            Chat.ended_at < ended_before,
                            Chat.redacted_at.is_not(None),
                            Chat.purged_at.is_(None),
                        )
                    )
                )
                .scalars()
                .all()
            )
            lines = 0
            if ids:
                lines = (
                    await conn.execute(
                        delete(TranscriptLine).where(TranscriptLine.chat_id.in_(ids))
                    )
                ).rowcount
                await conn.execute(delete(TranscriptNote).where(TranscriptNote.chat_id.in_(ids)))
                await conn.execute(update(Chat).where(Chat.id.in_(ids)).values(purged_at=now))
            await conn.execute(
                insert(PurgeRun).values(ran_at=now, rule=rule, transcripts=len(ids), lines=lines)
            )
        return len(ids)

    async def purge_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(select(PurgeRun).order_by(PurgeRun.id.desc()).limit(limit))
            ).all()
        return [
            {
                "ran_at": as_utc(r.ran_at),
                "rule": r.rule,
                "transcripts": r.transcripts,
                "lines": r.lines,
            }
            for r in rows
        ]

    # -- adviser console: transfers and private notes ---------------------------

    async def transfer_chat(
        self,
        chat_id: str,
        from_id: int,
        to_id: int,
        now: datetime,
        notice: str,
        note: tuple[str, str] | None = None,
    ) -> tuple[ChatRecord, MessageRecord, NoteRecord | None] | None:
        """Hand an assigned chat from one adviser to another, with a system notice and
        (optionally) the handing-over adviser's private note (text, client_id), in one
        commit; None if the chat is no longer assigned to `from_id`.

        The conditional UPDATE means a chat has one adviser at any time, also when a
        transfer races an end, a requeue or another transfer.
        """
        async with self._write() as conn:
            row = (
                await conn.execute(
                    update(Chat)
                    .where(
                        Chat.id == chat_id,
                        Chat.status == "assigned",
                        Chat.adviser_id == from_id,
                    )
                    .values(adviser_id=to_id, last_seq=Chat.last_seq + 1)
                    .returning(*_CHAT_COLUMNS, Chat.last_seq)
                )
            ).one_or_none()
            if row is None:
                return None
            message = await self._insert_message(
                conn, chat_id, row.last_seq, "system", notice, None, "transferred", now
            )
            stored = None
            if note is not None:
                stored = await self._insert_note(conn, chat_id, from_id, note[0], note[1], now)
        return _chat(row), message, stored

    async def _insert_note(
        self,
        conn: AsyncConnection,
        chat_id: str,
        author_id: int,
        text: str,
        client_id: str,
        now: datetime,
    ) -> NoteRecord:
        seq = (
            await conn.execute(
                select(func.coalesce(func.max(ChatNote.seq), 0) + 1).where(
                    ChatNote.chat_id == chat_id
                )
            )
        ).scalar_one()
        key = await self._chat_key(conn, chat_id, create=True)
        await conn.execute(
            insert(ChatNote).values(
                chat_id=chat_id,
                seq=seq,
                author_id=author_id,
                text=self._sealer.seal(key, chat_id + "/note", seq, text),
                client_id=client_id,
                created_at=now,
            )
        )
        return NoteRecord(chat_id, seq, author_id, text, client_id, now)

    async def add_note(
        self, chat_id: str, author_id: int, text: str, client_id: str, now: datetime
    ) -> tuple[NoteRecord, bool] | None:
        """Store a private note once per client_id, sealed with the chat's key; returns
        (note, created), or None when the chat is not assigned to the author any more.

        The no-op UPDATE checks the chat is still this adviser's and, on PostgreSQL, locks
        its row, so two notes written at once get consecutive numbers.
        """
        try:
            async with self._write() as conn:
                mine = (
                    await conn.execute(
                        update(Chat)
                        .where(
                            Chat.id == chat_id,
                            Chat.status == "assigned",
                            Chat.adviser_id == author_id,
                        )
                        .values(last_seq=Chat.last_seq)
                        .returning(Chat.id)
                    )
                ).scalar_one_or_none()
                if mine is None:
                    return None
                return await self._insert_note(conn, chat_id, author_id, text, client_id, now), True
        except IntegrityError:
            for note in await self.notes(chat_id):
                if note.author_id == author_id and note.client_id == client_id:
                    return note, False
            raise

    async def notes(self, chat_id: str) -> list[NoteRecord]:
        """A chat's private notes: opened with its key while open, redacted once closed."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(ChatNote).where(ChatNote.chat_id == chat_id).order_by(ChatNote.seq)
                )
            ).all()
            try:
                out = []
                for r in rows:
                    key = await self._chat_key(conn, chat_id, create=False)
                    plain = self._sealer.open(key, chat_id + "/note", r.seq, r.text)
                    out.append(
                        NoteRecord(
                            chat_id, r.seq, r.author_id, plain, r.client_id, as_utc(r.created_at)
                        )
                    )
                if rows:
                    return out
            except Shredded:
                pass
            lines = (
                await conn.execute(
                    select(TranscriptNote)
                    .where(TranscriptNote.chat_id == chat_id)
                    .order_by(TranscriptNote.seq)
                )
            ).all()
        return [
            NoteRecord(chat_id, r.seq, r.author_id, r.text, None, as_utc(r.created_at))
            for r in lines
        ]

    # -- audit ------------------------------------------------------------------

    async def audit(
        self, user_id: int | None, action: str, subject: str | None, now: datetime
    ) -> None:
        async with self._write() as conn:
            await conn.execute(
                insert(AuditEvent).values(at=now, user_id=user_id, action=action, subject=subject)
            )

    async def audit_events(self, limit: int = 100) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(AuditEvent, User.username)
                    .outerjoin(User, User.id == AuditEvent.user_id)
                    .order_by(AuditEvent.id.desc())
                    .limit(limit)
                )
            ).all()
        return [
            {
                "at": as_utc(r.at),
                "user_id": r.user_id,
                "username": r.username,
                "action": r.action,
                "subject": r.subject,
            }
            for r in rows
        ]

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
