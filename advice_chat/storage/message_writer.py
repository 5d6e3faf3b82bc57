"""Writing chat messages: batched (group commit), the same rules on both backends.

A message is the one write that happens at conversation speed, so it has a path of its own.
Messages that arrive while a batch is being written share the next transaction, which reads
the batch's chats once (locked, in id order), checks that each sender may still write, bumps
the per-chat counters and inserts the sealed rows. Nobody is answered before their batch has
committed, so an ack still means "stored".

On SQLite the batch runs in place on the event loop's thread, inside the engine's loop-thread
write transaction (`engine.write_transaction`), as plain SQL on that connection: through
aiosqlite and SQLAlchemy every statement cost several thread hand-offs and ~150 µs of Python,
more than the write itself, and a writer thread of its own waited for the GIL behind a busy
event loop, tens of milliseconds a batch (figures in docs/performance.md). On PostgreSQL the
batch runs as two prepared statements on the pool connection's asyncpg driver (the locking
read, then one statement that bumps the counters and inserts the rows): through SQLAlchemy
Core the same batch cost a fifth of a worker's CPU under the load benchmark and one more round
trip. In-memory SQLite (tests) goes through SQLAlchemy Core. All paths go through `_plan`, so
the rules are written once; only the statements differ.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from asyncpg.exceptions import UniqueViolationError  # a dependency: PostgreSQL's driver
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from advice_chat.records import MessageRecord
from advice_chat.storage.engine import sqlite_file, write_transaction
from advice_chat.storage.group_commit import GroupCommit
from advice_chat.storage.models import Chat, ChatKey, Message
from advice_chat.storage.sealing import KeyCache, Sealer

REFUSED = "refused"  # no such chat, ended, or (for an adviser) not theirs
DUPLICATE = "duplicate"  # the same client_id was stored before


@dataclass(frozen=True)
class NewMessage:
    chat_id: str
    sender: str
    text: str
    client_id: str
    code: str | None
    now: datetime
    adviser_id: int | None  # set for an adviser's message: the chat must be theirs


@dataclass(frozen=True)
class Posted:
    """A stored message, whether this call stored it, and the chat's adviser then."""

    message: MessageRecord
    created: bool
    adviser_id: int | None


Outcome = Posted | str


@dataclass(frozen=True)
class _ChatRow:
    id: str
    status: str
    adviser_id: int | None
    last_seq: int
    wrapped_key: bytes | None


@dataclass
class _Plan:
    outcomes: list[Outcome] = field(default_factory=list)
    new_keys: list[tuple[str, bytes]] = field(default_factory=list)  # (chat_id, wrapped)
    last_seq: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, int, str, str, str | None, str | None, datetime]] = field(
        default_factory=list
    )  # (chat_id, seq, sender, sealed text, client_id, code, sent_at)


class _Statements(Protocol):
    def chats(self, chat_ids: list[str]) -> list[_ChatRow]: ...

    def write(self, plan: _Plan) -> None: ...


@dataclass
class _Batch:
    messages: Sequence[NewMessage]
    cached: Mapping[str, bytes]  # keys of the batch's chats already in the cache
    learned: dict[str, bytes] = field(default_factory=dict)  # keys opened or made here

    def chat_ids(self) -> list[str]:
        """The batch's chats in id order: the order they are locked in, on every backend."""
        return sorted({m.chat_id for m in self.messages})


class MessageWriter:
    def __init__(self, engine: AsyncEngine, sealer: Sealer, keys: KeyCache) -> None:
        self._engine = engine
        self._sealer = sealer
        self._keys = keys
        self._plain_sqlite = sqlite_file(engine) is not None
        self._asyncpg = engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg"
        self._commit: GroupCommit[NewMessage, Outcome] = GroupCommit(self._write)

    async def submit(self, message: NewMessage) -> Outcome:
        """Posted, REFUSED or DUPLICATE, once the message's batch has committed."""
        return await self._commit.submit(message)

    async def close(self) -> None:
        await self._commit.wait_idle()

    async def _write(self, messages: Sequence[NewMessage]) -> list[Outcome]:
        """One transaction for the batch; if a resend is in it, one transaction each."""
        try:
            return await self._run(messages)
        except _DUPLICATE_ERRORS:
            if len(messages) == 1:
                return [DUPLICATE]
        outcomes: list[Outcome] = []
        for one in messages:
            try:
                outcomes.extend(await self._run([one]))
            except _DUPLICATE_ERRORS:
                outcomes.append(DUPLICATE)
        return outcomes

    async def _run(self, messages: Sequence[NewMessage]) -> list[Outcome]:
        cached = {}
        for m in messages:
            key = self._keys.get(m.chat_id)
            if key is not None:
                cached[m.chat_id] = key
        batch = _Batch(messages, cached)
        if self._asyncpg:
            outcomes = await self._run_asyncpg(batch)
        else:
            async with write_transaction(self._engine) as conn:
                outcomes = await conn.run_sync(
                    lambda sync: self._plan_and_write(self._statements(sync), batch)
                )
        for chat_id, key in batch.learned.items():  # committed: safe to remember
            self._keys.put(chat_id, key)
        return outcomes

    def _statements(self, conn: Connection) -> _Statements:
        if self._plain_sqlite:  # the loop-thread connection of a SQLite file
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            return _SqliteStatements(raw)
        return _AlchemyStatements(conn)

    async def _run_asyncpg(self, batch: _Batch) -> list[Outcome]:
        """The batch in one transaction of two statements on the asyncpg connection.

        The pool connection is checked out through SQLAlchemy (so pool limits and disposal
        still apply) but no statement goes through SQLAlchemy, so its adapter never opens a
        transaction of its own, and returning the connection does nothing more.
        """
        async with self._engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            async with raw.transaction():
                rows = await raw.fetch(_PG_LOCK_CHATS, batch.chat_ids())
                plan = self._plan(batch, [_ChatRow(*row) for row in rows])
                if plan.new_keys:
                    await raw.executemany(_PG_INSERT_KEY, plan.new_keys)
                if plan.rows:
                    columns = list(zip(*plan.rows, strict=True))
                    await raw.execute(
                        _PG_WRITE,
                        list(plan.last_seq),
                        list(plan.last_seq.values()),
                        *columns,
                    )
        return plan.outcomes

    def _plan_and_write(self, statements: _Statements, batch: _Batch) -> list[Outcome]:
        plan = self._plan(batch, statements.chats(batch.chat_ids()))
        if plan.rows:
            statements.write(plan)
        return plan.outcomes

    def _plan(self, batch: _Batch, rows: Sequence[_ChatRow]) -> _Plan:
        """Who may write, the ids and the sealed rows, from the batch's locked chats."""
        chats = {row.id: row for row in rows}
        plan = _Plan()
        for m in batch.messages:
            chat = chats.get(m.chat_id)
            if chat is None or not _may_write(m, chat.status, chat.adviser_id):
                plan.outcomes.append(REFUSED)
                continue
            seq = plan.last_seq.get(m.chat_id, chat.last_seq) + 1
            plan.last_seq[m.chat_id] = seq
            key = self._key(batch, plan, chat)
            sealed = self._sealer.seal(key, m.chat_id, seq, m.text)
            plan.rows.append((m.chat_id, seq, m.sender, sealed, m.client_id, m.code, m.now))
            message = MessageRecord(m.chat_id, seq, m.sender, m.text, m.client_id, m.code, m.now)
            plan.outcomes.append(Posted(message, True, chat.adviser_id))
        return plan

    def _key(self, batch: _Batch, plan: _Plan, chat: _ChatRow) -> bytes:
        key = batch.cached.get(chat.id) or batch.learned.get(chat.id)
        if key is None:
            if chat.wrapped_key is not None:
                key = self._sealer.unwrap(chat.id, chat.wrapped_key)
            else:  # a chat from before sealing existed
                key, wrapped = self._sealer.new_chat_key(chat.id)
                plan.new_keys.append((chat.id, wrapped))
            batch.learned[chat.id] = key
        return key


def _may_write(message: NewMessage, status: str, adviser_id: int | None) -> bool:
    if message.adviser_id is not None:
        return status == "assigned" and adviser_id == message.adviser_id
    return status in ("waiting", "assigned")


# -- SQLite: plain SQL on the loop-thread write connection ----------------------------

_to_sqlite_time: Callable[[Any], Any] = Message.__table__.c.sent_at.type.dialect_impl(
    sqlite_dialect.dialect()
).bind_processor(sqlite_dialect.dialect()) or (lambda value: value)


class _SqliteStatements:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def chats(self, chat_ids: list[str]) -> list[_ChatRow]:
        marks = ",".join("?" * len(chat_ids))  # only placeholders go into the text
        rows = self._conn.execute(
            "SELECT c.id, c.status, c.adviser_id, c.last_seq, k.wrapped_key FROM chats c"  # noqa: S608
            f" LEFT JOIN chat_keys k ON k.chat_id = c.id WHERE c.id IN ({marks}) ORDER BY c.id",
            chat_ids,
        ).fetchall()
        return [_ChatRow(*row) for row in rows]

    def write(self, plan: _Plan) -> None:
        if plan.new_keys:
            self._conn.executemany(
                "INSERT INTO chat_keys (chat_id, wrapped_key) VALUES (?, ?)", plan.new_keys
            )
        self._conn.executemany(
            "UPDATE chats SET last_seq = ? WHERE id = ?",
            [(seq, chat_id) for chat_id, seq in plan.last_seq.items()],
        )
        self._conn.executemany(
            "INSERT INTO messages (chat_id, seq, sender, text, sealed, client_id, code, sent_at)"
            " VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
            [(*row[:6], _to_sqlite_time(row[6])) for row in plan.rows],
        )


# -- PostgreSQL (and in-memory SQLite): SQLAlchemy Core ------------------------------------


class _AlchemyStatements:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def chats(self, chat_ids: list[str]) -> list[_ChatRow]:
        rows = self._conn.execute(
            select(Chat.id, Chat.status, Chat.adviser_id, Chat.last_seq, ChatKey.wrapped_key)
            .outerjoin(ChatKey, ChatKey.chat_id == Chat.id)
            .where(Chat.id.in_(chat_ids))
            .order_by(Chat.id)
            .with_for_update(of=Chat)
        )
        return [_ChatRow(*row) for row in rows]

    def write(self, plan: _Plan) -> None:
        if plan.new_keys:
            self._conn.execute(
                insert(ChatKey),
                [{"chat_id": c, "wrapped_key": w} for c, w in plan.new_keys],
            )
        counters = [{"b_id": chat_id, "b_seq": seq} for chat_id, seq in plan.last_seq.items()]
        # One row: a plain execute (asyncpg's executemany costs more for a single row).
        self._conn.execute(_SET_LAST_SEQ, counters[0] if len(counters) == 1 else counters)
        rows = [
            {
                "chat_id": chat_id,
                "seq": seq,
                "sender": sender,
                "text": text,
                "sealed": True,
                "client_id": client_id,
                "code": code,
                "sent_at": sent_at,
            }
            for chat_id, seq, sender, text, client_id, code, sent_at in plan.rows
        ]
        self._conn.execute(insert(Message), rows[0] if len(rows) == 1 else rows)


# -- PostgreSQL through asyncpg: prepared once per connection by asyncpg's statement cache --

_PG_LOCK_CHATS = (
    "SELECT c.id, c.status, c.adviser_id, c.last_seq, k.wrapped_key FROM chats c"
    " LEFT JOIN chat_keys k ON k.chat_id = c.id WHERE c.id = ANY($1::text[])"
    " ORDER BY c.id FOR UPDATE OF c"
)
_PG_INSERT_KEY = "INSERT INTO chat_keys (chat_id, wrapped_key) VALUES ($1, $2)"
# The counters and the rows in one statement (one round trip); a data-modifying WITH runs
# to completion whether or not the main statement reads it.
_PG_WRITE = (
    "WITH bumped AS (UPDATE chats SET last_seq = b.seq"
    " FROM unnest($1::text[], $2::int[]) AS b(id, seq) WHERE chats.id = b.id)"
    " INSERT INTO messages (chat_id, seq, sender, text, sealed, client_id, code, sent_at)"
    " SELECT m.chat_id, m.seq, m.sender, m.text, true, m.client_id, m.code, m.sent_at"
    " FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],"
    " $9::timestamptz[]) AS m(chat_id, seq, sender, text, client_id, code, sent_at)"
)

_DUPLICATE_ERRORS = (IntegrityError, sqlite3.IntegrityError, UniqueViolationError)

_SET_LAST_SEQ = update(Chat).where(Chat.id == bindparam("b_id")).values(last_seq=bindparam("b_seq"))
