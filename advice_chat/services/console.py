"""The adviser console's rules beyond messages: typing and read marks, private notes,
transfers between advisers, safeguarding flags, supervision, and canned replies.

Kept beside `ChatService` rather than inside it, so the message path stays as it is. Typing
and read marks are relayed and never stored: they cost one read of the chat (to find the
other party) and one emit, and clients throttle them (docs/protocol.md).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from advice_chat.events import Notifier
from advice_chat.options import FLAG_REASON_IDS, MESSAGE_MAX_CHARS
from advice_chat.queueing.base import AVAILABLE
from advice_chat.records import ChatRecord, UserRecord, iso, utcnow
from advice_chat.services.chats import Actor, ChatService
from advice_chat.services.errors import NOT_FOUND, ChatRefused
from advice_chat.services.periodic import Periodic
from advice_chat.services.queue import QueueService, adviser_assigned_payload
from advice_chat.storage.console_store import CannedRecord, ConsoleStore, FlagRecord
from advice_chat.storage.store import Store
from advice_chat.validation import InvalidInput, clean_client_id, clean_text

log = logging.getLogger(__name__)

TRANSFER_NOTICE = (
    "Your chat has been passed to another adviser, who can see everything said so far."
)
TRANSFERRED = "chat_transferred"
# A watch left open (its worker died) stops counting after this long.
WATCH_HOURS = 12
MAX_MARK = 2**31 - 1
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
CANNED_TITLE_MAX = 80
CANNED_MAX = 200  # per adviser, and for the shared set: a list people can still choose from


def _mark(value: Any) -> int | None:
    """A message id for a read mark: an int from 0, or None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MARK:
        raise InvalidInput("invalid", None, "Marks are message ids (whole numbers from 0).")
    return value


def _is_id(value: Any) -> bool:
    """A row id as JSON may carry it: a whole number the databases can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_MARK


def canned_wire(reply: CannedRecord) -> dict[str, Any]:
    return {
        "id": reply.id,
        "shared": reply.owner_id is None,
        "title": reply.title,
        "shortcut": reply.shortcut,
        "text": reply.text,
        "updated_at": iso(reply.updated_at),
    }


def flag_wire(flag: FlagRecord, chat: ChatRecord | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "flag_id": flag.id,
        "chat_id": flag.chat_id,
        "reason": flag.reason,
        "raised_by": {"id": flag.raised_by, "display_name": flag.raised_by_name},
        "raised_at": iso(flag.raised_at),
        "acknowledged_by": (
            {"id": flag.acknowledged_by, "display_name": flag.acknowledged_by_name}
            if flag.acknowledged_by is not None
            else None
        ),
        "acknowledged_at": iso(flag.acknowledged_at) if flag.acknowledged_at else None,
    }
    if chat is not None:
        data["pre_chat"] = chat.pre_chat()
    return data


@dataclass
class _Watch:
    chat_id: str
    watch_id: int


class ConsoleService:
    def __init__(
        self,
        store: Store,
        console_store: ConsoleStore,
        chats: ChatService,
        queue: QueueService,
        notifier: Notifier,
        *,
        count_flag: Callable[[str], Callable[[AsyncConnection], Awaitable[None]]] | None = None,
        refresh_seconds: float = 2.0,
    ) -> None:
        self._store = store
        self._console = console_store
        self._chats = chats
        self._queue = queue
        self._notifier = notifier
        self._count_flag = count_flag
        # conn_id -> the chats that connection watches (this worker's connections only).
        self._watches: dict[str, dict[str, _Watch]] = {}
        self._periodic = Periodic(self.refresh_watched, refresh_seconds, name="watches")

    # -- typing and read marks (relayed, never stored) ---------------------------------

    async def typing(self, actor: Actor, chat_id: Any, typing: Any) -> None:
        if not isinstance(typing, bool):
            raise InvalidInput("invalid", "typing", "typing must be true or false.")
        chat = await self._chats.chat_for(actor, chat_id)
        if chat.status != "assigned":
            return
        await self._relay(actor, chat, "typing", {"chat_id": chat.id, "typing": typing})

    async def receipt(self, actor: Actor, chat_id: Any, delivered: Any, read: Any) -> None:
        got, seen = _mark(delivered), _mark(read)
        if got is None and seen is None:
            raise InvalidInput("invalid", "read", "Send delivered, read or both.")
        chat = await self._chats.chat_for(actor, chat_id)
        if chat.status == "ended":
            return
        data: dict[str, Any] = {"chat_id": chat.id}
        if got is not None:
            data["delivered"] = got
        if seen is not None:
            data["read"] = seen
        await self._relay(actor, chat, "receipt", data)

    async def _relay(
        self, actor: Actor, chat: ChatRecord, event: str, data: dict[str, Any]
    ) -> None:
        data = {**data, "by": actor.kind}
        if actor.kind == "professional":
            if chat.adviser_id is not None:
                await self._notifier.to_adviser(chat.adviser_id, event, data)
        else:
            await self._notifier.to_professional(chat.id, event, data)
        if chat.id in self._chats.watched and event == "typing":
            await self._notifier.to_watchers(chat.id, event, data)

    # -- private notes ------------------------------------------------------------------

    async def add_note(
        self, actor: Actor, chat_id: Any, text: Any, client_id: Any
    ) -> dict[str, Any]:
        assert actor.user is not None
        chat = await self._chats.chat_for(actor, chat_id)
        body = clean_text(text)
        assert body is not None
        cid = clean_client_id(client_id)
        if chat.status != "assigned":
            raise ChatRefused("chat_ended", "This chat has ended.")
        result = await self._store.add_note(chat.id, actor.user.id, body, cid, utcnow())
        if result is None:
            raise ChatRefused("not_assigned", "This chat is not assigned to you.")
        note, created = result
        wire = note.wire(actor.user.display_name)
        if created:
            log.info("note stored", extra={"chat_id": chat.id, "seq": note.seq, "chars": len(body)})
            await self._notifier.to_adviser(actor.user.id, "note", wire, skip=actor.conn_id)
            if chat.id in self._chats.watched:
                await self._notifier.to_watchers(chat.id, "note", wire)
        return wire

    async def notes(self, actor: Actor, chat_id: Any) -> dict[str, Any]:
        chat = await self._chats.chat_for(actor, chat_id)
        return {"chat_id": chat.id, "notes": await self._notes_wire(chat.id)}

    async def _notes_wire(self, chat_id: str) -> list[dict[str, Any]]:
        notes = await self._store.notes(chat_id)
        names = await self._names({n.author_id for n in notes if n.author_id is not None})
        return [n.wire(names.get(n.author_id) if n.author_id else None) for n in notes]

    async def _names(self, ids: set[int]) -> dict[int, str]:
        out = {}
        for user_id in ids:
            user = await self._store.get_user(user_id)
            if user is not None:
                out[user_id] = user.display_name
        return out

    # -- transfer ---------------------------------------------------------------------

    async def available_advisers(self, actor: Actor) -> list[dict[str, Any]]:
        """Advisers a chat could be passed to: available, with room, not the asker."""
        assert actor.user is not None
        out = []
        for state in await self._queue.roster():
            if state.adviser_id == actor.user.id or state.status != AVAILABLE:
                continue
            user = await self._store.get_user(state.adviser_id)
            if user is None or user.disabled or user.role != "adviser":
                continue
            out.append(
                {
                    "id": user.id,
                    "display_name": user.display_name,
                    "active": len(state.active),
                    "capacity": state.capacity,
                    "free": state.free,
                }
            )
        return sorted(out, key=lambda a: (-a["free"], a["display_name"]))

    async def transfer(self, actor: Actor, chat_id: Any, to_id: Any, note: Any) -> dict[str, Any]:
        """Pass a chat to another available adviser, with an optional private note."""
        assert actor.user is not None
        chat = await self._chats.chat_for(actor, chat_id)
        if chat.status != "assigned":
            raise ChatRefused("chat_ended", "This chat has ended.")
        if not _is_id(to_id) or to_id == actor.user.id:
            raise ChatRefused("invalid_adviser", "Choose another adviser.")
        text = clean_text(note, "note", required=False)
        target = await self._store.get_user(to_id)
        if target is None or target.role != "adviser" or target.disabled:
            raise ChatRefused("invalid_adviser", "Choose another adviser.")
        state = await self._queue.adviser_state(to_id)
        if state is None or state.status != AVAILABLE:
            raise ChatRefused("not_available", f"{target.display_name} is not available.")
        if len(state.active) >= state.capacity:
            raise ChatRefused("at_capacity", f"{target.display_name} has no room for a chat.")
        async with self._chats.chat_lock(chat.id):
            result = await self._store.transfer_chat(
                chat.id,
                actor.user.id,
                to_id,
                utcnow(),
                TRANSFER_NOTICE,
                note=(text, "transfer:" + secrets.token_hex(8)) if text else None,
            )
            if result is None:
                raise ChatRefused("not_assigned", "This chat is not assigned to you.")
            moved, notice, stored = result
            await self._queue.transferred(chat.id, actor.user.id, to_id)
            wire = notice.wire()
            await self._notifier.to_professional(
                chat.id,
                "assigned",
                {"chat_id": chat.id, "adviser": {"display_name": target.display_name}},
            )
            await self._notifier.to_professional(chat.id, "message", wire)
            await self._notifier.to_adviser(actor.user.id, "message", wire)
            await self._notifier.to_adviser(
                actor.user.id,
                "unassigned",
                {
                    "chat_id": chat.id,
                    "reason": "transferred",
                    "to": {"id": to_id, "display_name": target.display_name},
                },
            )
            await self._notifier.to_adviser(
                to_id,
                "assigned",
                {
                    **adviser_assigned_payload(moved),
                    "transfer": {
                        "from": {"id": actor.user.id, "display_name": actor.user.display_name},
                        "note": stored.text if stored else None,
                    },
                },
            )
            await self._notifier.to_adviser(to_id, "message", wire)
            if chat.id in self._chats.watched:
                await self._notifier.to_watchers(chat.id, "message", wire)
        await self._store.audit(actor.user.id, TRANSFERRED, f"{chat.id}:user:{to_id}", utcnow())
        log.info("chat transferred", extra={"chat_id": chat.id, "user_id": actor.user.id})
        return {"ok": True, "to": {"id": to_id, "display_name": target.display_name}}

    # -- safeguarding flags -------------------------------------------------------------

    async def raise_flag(self, actor: Actor, chat_id: Any, reason: Any) -> dict[str, Any]:
        assert actor.user is not None
        if not isinstance(reason, str) or reason not in FLAG_REASON_IDS:
            raise ChatRefused("invalid_reason", "Choose why you are raising the flag.")
        chat = await self._chats.chat_for(actor, chat_id)
        if chat.status != "assigned":
            raise ChatRefused("chat_ended", "This chat has ended.")
        counted = self._count_flag(reason) if self._count_flag else None
        result = await self._console.raise_flag(chat.id, reason, actor.user.id, utcnow(), counted)
        if result is None:
            raise ChatRefused("not_assigned", "This chat is not assigned to you.")
        flag, new = result
        wire = flag_wire(flag, chat)
        if new:
            log.info(
                "safeguarding flag raised", extra={"chat_id": chat.id, "user_id": actor.user.id}
            )
            await self._notifier.to_managers("flag", wire)
            await self._notifier.to_adviser(actor.user.id, "flag", wire, skip=actor.conn_id)
        return {**wire, "already": not new}

    async def acknowledge_flag(self, actor: Actor, flag_id: Any) -> dict[str, Any]:
        assert actor.user is not None
        if not _is_id(flag_id):
            raise ChatRefused("not_found", "No such flag.")
        result = await self._console.acknowledge_flag(flag_id, actor.user.id, utcnow())
        if result is None:
            raise ChatRefused("not_found", "No such flag.")
        flag, now = result
        wire = flag_wire(flag)
        if now:
            log.info("safeguarding flag acknowledged", extra={"chat_id": flag.chat_id})
            await self._notifier.to_managers("flag_acknowledged", wire)
            if flag.raised_by is not None:
                await self._notifier.to_adviser(flag.raised_by, "flag_acknowledged", wire)
        return {**wire, "already": not now}

    async def open_flags(self) -> list[dict[str, Any]]:
        flags = await self._console.open_flags()
        chats = {c.id: c for c in await self._store.chats_by_ids([f.chat_id for f in flags])}
        return [flag_wire(f, chats.get(f.chat_id)) for f in flags]

    # -- supervision ----------------------------------------------------------------------

    @staticmethod
    def may_watch(user: UserRecord | None) -> bool:
        return user is not None and (user.role == "manager" or user.senior)

    async def live_chats(self, actor: Actor) -> list[dict[str, Any]]:
        """Chats being answered now, for a supervisor to choose one to watch (no words)."""
        user = actor.user
        if not self.may_watch(user):
            raise ChatRefused("forbidden", "Only senior advisers and managers may watch chats.")
        assert user is not None
        chats = [
            c for c in await self._store.chats_with_status("assigned") if c.adviser_id != user.id
        ]
        names = await self._names({c.adviser_id for c in chats if c.adviser_id is not None})
        return [
            {
                "chat_id": c.id,
                "pre_chat": c.pre_chat(),
                "created_at": iso(c.created_at),
                "assigned_at": iso(c.assigned_at) if c.assigned_at else None,
                "adviser": {"display_name": names.get(c.adviser_id) if c.adviser_id else None},
            }
            for c in chats
        ]

    async def watch(self, actor: Actor, chat_id: Any) -> dict[str, Any]:
        """Start watching a live chat read only; recorded in the audit log before anything
        of the chat is returned."""
        user = actor.user
        if not self.may_watch(user) or actor.conn_id is None:
            raise ChatRefused("forbidden", "Only senior advisers and managers may watch chats.")
        assert user is not None
        if not isinstance(chat_id, str) or not chat_id or len(chat_id) > 64:
            raise NOT_FOUND
        chat = await self._store.get_chat(chat_id)
        if chat is None or chat.status == "ended":
            raise NOT_FOUND
        if chat.adviser_id == user.id:
            raise ChatRefused("forbidden", "This is your own chat.")
        mine = self._watches.setdefault(actor.conn_id, {})
        if chat.id not in mine:
            watch_id = await self._console.start_watch(chat.id, user.id, utcnow())
            mine[chat.id] = _Watch(chat.id, watch_id)
            self._chats.watched.add(chat.id)
            log.info("chat watched", extra={"chat_id": chat.id, "user_id": user.id})
        return await self._watch_state(chat)

    async def _watch_state(self, chat: ChatRecord) -> dict[str, Any]:
        adviser = await self._store.get_user(chat.adviser_id) if chat.adviser_id else None
        history = await self._store.history(chat.id, 0)
        return {
            "chat_id": chat.id,
            "status": chat.status,
            "pre_chat": chat.pre_chat(),
            "created_at": iso(chat.created_at),
            "adviser": {"display_name": adviser.display_name} if adviser else None,
            "messages": [m.wire() for m in history],
            "notes": await self._notes_wire(chat.id),
        }

    async def watch_history(self, actor: Actor, chat_id: Any, after_id: int) -> dict[str, Any]:
        """Messages after `after_id` of a chat this connection watches (to fill a gap)."""
        if not isinstance(chat_id, str) or chat_id not in self._watches.get(
            actor.conn_id or "", {}
        ):
            raise NOT_FOUND
        chat = await self._store.get_chat(chat_id)
        if chat is None:
            raise NOT_FOUND
        if chat.redacted_at is not None:
            messages = await self._store.transcript(chat.id, after_id)
        else:
            messages = await self._store.history(chat.id, after_id)
        return {"messages": [m.wire() for m in messages], "status": chat.status}

    def watching(self, conn_id: str) -> list[str]:
        return list(self._watches.get(conn_id, {}))

    async def unwatch(self, actor: Actor, chat_id: Any) -> bool:
        mine = self._watches.get(actor.conn_id or "", {})
        watch = mine.pop(chat_id, None) if isinstance(chat_id, str) else None
        if watch is None:
            return False
        await self._console.end_watches([watch.watch_id], utcnow())
        return True

    async def connection_closed(self, conn_id: str) -> list[str]:
        """A watcher's connection went: its watches end. Returns the chats it watched."""
        mine = self._watches.pop(conn_id, {})
        await self._console.end_watches([w.watch_id for w in mine.values()], utcnow())
        return list(mine)

    async def refresh_watched(self) -> None:
        """Learn which chats are watched from any worker (so this worker copies their
        messages to the watchers); drop chats nobody watches any more."""
        since = utcnow() - timedelta(hours=WATCH_HOURS)
        watched = await self._console.watched_chats(since)
        # This worker's own watches count at once, even one started while the query ran.
        local = {chat_id for mine in self._watches.values() for chat_id in mine}
        self._chats.watched.clear()
        self._chats.watched.update(watched | local)

    def start(self) -> None:
        self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()

    # -- canned replies --------------------------------------------------------------------

    async def canned(self, user: UserRecord) -> list[dict[str, Any]]:
        return [canned_wire(r) for r in await self._console.canned_for(user.id)]

    @staticmethod
    def _canned_fields(body: Any) -> tuple[str, str | None, str]:
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The body must be a JSON object.")
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidInput("missing", "title", "Give the reply a title.")
        title = clean_text(title, "title")
        assert title is not None
        if len(title) > CANNED_TITLE_MAX:
            raise InvalidInput("too_long", "title", "The title is too long (80 characters).")
        shortcut = body.get("shortcut")
        if shortcut is not None and shortcut != "":
            if not isinstance(shortcut, str) or not _SHORTCUT.match(shortcut):
                raise InvalidInput(
                    "invalid",
                    "shortcut",
                    "A shortcut is 1 to 32 lower-case letters, digits or hyphens.",
                )
        else:
            shortcut = None
        text = body.get("text")
        if text is None:
            raise InvalidInput("missing", "text", "Write the reply's text.")
        if isinstance(text, str) and len(text) > MESSAGE_MAX_CHARS:
            raise InvalidInput("too_long", "text", "The reply is longer than a message may be.")
        cleaned = clean_text(text, "text")
        assert cleaned is not None
        return title, shortcut, cleaned

    async def create_canned(self, user: UserRecord, body: Any) -> dict[str, Any]:
        title, shortcut, text = self._canned_fields(body)
        # Managers keep the shared set; an adviser's replies are their own.
        owner = None if user.role == "manager" else user.id
        if await self._console.count_canned(owner) >= CANNED_MAX:
            raise InvalidInput(
                "too_many", None, f"There are {CANNED_MAX} canned responses already."
            )
        reply = await self._console.create_canned(owner, title, shortcut, text, user.id, utcnow())
        if owner is None:
            await self._store.audit(user.id, "canned_reply_saved", f"canned:{reply.id}", utcnow())
        return canned_wire(reply)

    async def _editable(self, user: UserRecord, reply_id: int) -> CannedRecord:
        reply = await self._console.get_canned(reply_id)
        if reply is None:
            raise ChatRefused("not_found", "No such reply.")
        mine = reply.owner_id == user.id
        shared_by_manager = reply.owner_id is None and user.role == "manager"
        if not (mine or shared_by_manager):
            # Someone else's reply is not shown to exist; a shared one is read-only to advisers.
            if reply.owner_id is None:
                raise ChatRefused("forbidden", "Only managers change the shared replies.")
            raise ChatRefused("not_found", "No such reply.")
        return reply

    async def update_canned(self, user: UserRecord, reply_id: int, body: Any) -> dict[str, Any]:
        await self._editable(user, reply_id)
        title, shortcut, text = self._canned_fields(body)
        reply = await self._console.update_canned(
            reply_id, title, shortcut, text, user.id, utcnow()
        )
        if reply is None:
            raise ChatRefused("not_found", "No such reply.")
        if reply.owner_id is None:
            await self._store.audit(user.id, "canned_reply_saved", f"canned:{reply.id}", utcnow())
        return canned_wire(reply)

    async def delete_canned(self, user: UserRecord, reply_id: int) -> None:
        reply = await self._editable(user, reply_id)
        await self._console.delete_canned(reply_id)
        if reply.owner_id is None:
            await self._store.audit(user.id, "canned_reply_deleted", f"canned:{reply_id}", utcnow())
