"""Conversations: starting a chat, messages, history and ending.

Who may act on which chat is decided here, not in the socket layer, so the
rule is the same whichever edge calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from advice_chat.events import Notifier
from advice_chat.metrics import Metrics
from advice_chat.options import OUTCOME_IDS
from advice_chat.records import ChatRecord, MessageRecord, UserRecord, utcnow
from advice_chat.services.accounts import hash_token
from advice_chat.services.errors import NOT_FOUND, ChatRefused
from advice_chat.services.hours import HoursService
from advice_chat.services.queue import (
    QueueService,
    adviser_assigned_payload,
    priority_for,
    professional_assigned_payload,
)
from advice_chat.services.stats import StatsService, WrapUp, parse_wrap_up
from advice_chat.services.transcripts import TranscriptService
from advice_chat.storage.store import ChatClosed, Store
from advice_chat.validation import InvalidInput, PreChat, clean_client_id, clean_text

log = logging.getLogger(__name__)

ENDED_NOTICE = "The chat has ended."
ABANDONED_NOTICE = "The chat was closed because the page was left before an adviser answered."
REQUEUED_NOTICE = (
    "Your adviser has been disconnected. You are back in the queue, ahead of anyone who "
    "arrived after you."
)


class ServiceClosed(ChatRefused):
    """Outside opening hours no new chat starts; chats already queued are still answered."""

    def __init__(self, opens_at: datetime | None, contact: str = "") -> None:
        # A team closed while others are open says who to contact instead (routing.py).
        where = f" {contact}" if contact else ""
        super().__init__(
            "closed",
            f"The webchat is closed just now.{where} If anyone is in immediate danger, call 999.",
        )
        self.opens_at = opens_at
        self.contact = contact


@dataclass(frozen=True)
class Actor:
    """Who is acting: a professional holding one chat's token, or a staff member."""

    kind: str  # "professional" | "adviser"
    chat_id: str | None = None
    user: UserRecord | None = None
    conn_id: str | None = None


class ChatService:
    def __init__(
        self,
        store: Store,
        queue: QueueService,
        notifier: Notifier,
        hours: HoursService,
        metrics: Metrics | None = None,
        transcripts: TranscriptService | None = None,
        stats: StatsService | None = None,
    ) -> None:
        self._store = store
        self._stats = stats
        self._transcripts = transcripts
        self._metrics = metrics or Metrics()
        self._hours = hours
        self._queue = queue
        self._notifier = notifier
        # Store-then-emit under a per-chat lock keeps a worker's emits in id order.
        self._locks: dict[str, asyncio.Lock] = {}
        # Chats a supervisor watches (kept by services/console.py): their messages are also
        # sent to the watchers. A set lookup, so an unwatched chat's message costs nothing more.
        self.watched: set[str] = set()

    @asynccontextmanager
    async def _chat_lock(self, chat_id: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(chat_id, asyncio.Lock()):
            yield

    def chat_lock(self, chat_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """The per-chat lock, for other services that store-then-emit on a chat (transfer)."""
        return self._chat_lock(chat_id)

    async def chat_for(self, actor: Actor, chat_id: Any) -> ChatRecord:
        """The chat if this actor may see it; otherwise not_found."""
        return await self._chat_for(actor, chat_id)

    # -- starting -----------------------------------------------------------

    async def start_chat(self, pre_chat: PreChat) -> tuple[ChatRecord, str]:
        decision = await self._queue.route(pre_chat)  # the team, by the rules and its hours
        if decision.team is None:
            if self._stats is not None:
                await self._stats.record_refusal(pre_chat, decision.wanted)
            raise ServiceClosed(decision.opens_at, decision.contact)
        token = secrets.token_urlsafe(32)
        chat = await self._store.create_chat(
            chat_id="c_" + secrets.token_hex(16),
            token_hash=hash_token(token),
            role=pre_chat.role,
            region=pre_chat.region,
            topic=pre_chat.topic,
            immediate_risk=pre_chat.immediate_risk,
            priority=1 if pre_chat.immediate_risk else 0,
            now=utcnow(),
            first_message=pre_chat.first_message,
            team=decision.team,
        )
        assert priority_for(chat) == chat.priority
        self._metrics.chat_events.labels("created").inc()
        if pre_chat.first_message:
            self._metrics.messages.labels("professional").inc()
        log.info(
            "chat started",
            extra={
                "chat_id": chat.id,
                "first_message": bool(pre_chat.first_message),
                "team": chat.team,
            },
        )
        await self._queue.enqueue(chat)
        return chat, token

    async def chat_for_token(self, token: Any) -> ChatRecord | None:
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        return await self._store.chat_by_token_hash(hash_token(token))

    # -- access -------------------------------------------------------------

    @staticmethod
    def _target(actor: Actor, chat_id: Any) -> str:
        """The chat id this actor names, if well formed; a professional names only their own."""
        if actor.kind == "professional":
            if chat_id is not None and chat_id != actor.chat_id:
                raise NOT_FOUND
            chat_id = actor.chat_id
        if not isinstance(chat_id, str) or not chat_id or len(chat_id) > 64:
            raise NOT_FOUND
        return chat_id

    async def _chat_for(self, actor: Actor, chat_id: Any) -> ChatRecord:
        """The chat if this actor may see it; otherwise not_found (never say which)."""
        chat = await self._store.get_chat(self._target(actor, chat_id))
        if chat is None:
            raise NOT_FOUND
        if actor.kind == "adviser":
            assert actor.user is not None
            if chat.adviser_id != actor.user.id:
                raise NOT_FOUND
        return chat

    # -- connecting -----------------------------------------------------------

    async def professional_welcome(self, chat: ChatRecord) -> list[tuple[str, dict[str, Any]]]:
        """Events a professional's new connection needs to know where it stands."""
        if chat.status == "waiting":
            status = await self._queue.status_for(chat.id)
            return [("queue", status)] if status else []
        if chat.status == "assigned" and chat.adviser_id is not None:
            adviser = await self._store.get_user(chat.adviser_id)
            name = adviser.display_name if adviser else "An adviser"
            return [("assigned", professional_assigned_payload(chat, name))]
        return []

    async def adviser_welcome(self, adviser: UserRecord) -> list[tuple[str, dict[str, Any]]]:
        """An adviser's new connection gets `assigned` for each open chat and the queue."""
        events: list[tuple[str, dict[str, Any]]] = [
            ("assigned", adviser_assigned_payload(chat))
            for chat in await self._store.active_chats_for(adviser.id)
        ]
        events.append(("queue", await self._queue.summary()))
        return events

    # -- messages -------------------------------------------------------------

    async def post_message(
        self, actor: Actor, chat_id: Any, text: Any, client_id: Any
    ) -> MessageRecord:
        return await self._post(actor, chat_id, text, client_id, code=None)

    async def post_shared_article(
        self, actor: Actor, chat_id: Any, text: str, client_id: Any
    ) -> MessageRecord:
        """An adviser's message sharing an article: like post_message, with code "article".

        The knowledge base composes `text` (title, summary, link) and checks the article may
        be shared; this stores it once per client_id before the ack and delivers it.
        """
        if actor.kind != "adviser":
            raise ChatRefused("not_assigned", "This chat is not assigned to you.")
        return await self._post(actor, chat_id, text, client_id, code="article")

    async def _post(
        self, actor: Actor, chat_id: Any, text: Any, client_id: Any, *, code: str | None
    ) -> MessageRecord:
        """Store once per client_id, before the ack; deliver to the other party's connections.

        The usual path reads nothing: the write itself checks that the chat is open and, for
        an adviser, theirs. Only a refused write reads the chat, to say why.
        """
        target = self._target(actor, chat_id)
        try:
            body = clean_text(text)
            cid = clean_client_id(client_id)
        except InvalidInput:
            await self._chat_for(actor, target)  # someone else's chat: not_found comes first
            raise
        assert body is not None
        adviser_id = None
        if actor.kind == "adviser":
            assert actor.user is not None
            adviser_id = actor.user.id
        async with self._chat_lock(target):
            try:
                posted = await self._store.add_message(
                    target,
                    sender=actor.kind,
                    text=body,
                    client_id=cid,
                    now=utcnow(),
                    code=code,
                    adviser_id=adviser_id,
                )
            except ChatClosed as exc:
                raise await self._refusal(actor, target) from exc
            message = posted.message
            if posted.created:
                self._metrics.messages.labels(actor.kind).inc()
                await self._deliver(target, message, posted.adviser_id, skip=actor.conn_id)
        log.info(
            "message stored" if posted.created else "message resend",
            extra={
                "chat_id": target,
                "seq": message.seq,
                "sender": actor.kind,
                "chars": len(body),
                "event": code or "message",
            },
        )
        return message

    async def _refusal(self, actor: Actor, chat_id: str) -> ChatRefused:
        """Why a write was refused, in the words the actor may hear."""
        chat = await self._chat_for(actor, chat_id)
        if chat.status == "ended":
            return ChatRefused("chat_ended", "This chat has ended.")
        if actor.kind == "adviser":
            return ChatRefused("not_assigned", "This chat is not assigned to you.")
        return ChatRefused("chat_ended", "This chat has ended.")

    async def _deliver(
        self, chat_id: str, message: MessageRecord, adviser_id: int | None, *, skip: str | None
    ) -> None:
        """To the professional's other connections and, if the chat had one, its adviser's.

        The adviser is the one the write saw; an adviser assigned after it gets the message
        from the history they load on assignment.
        """
        wire = message.wire()
        await self._notifier.to_chat(chat_id, adviser_id, "message", wire, skip=skip)
        if chat_id in self.watched:
            await self._notifier.to_watchers(chat_id, "message", wire)

    async def history(self, actor: Actor, chat_id: Any, after_id: int) -> dict[str, Any]:
        chat = await self._chat_for(actor, chat_id)
        if chat.redacted_at is not None:
            # The raw words are gone; what remains is the redacted transcript.
            messages = await self._store.transcript(chat.id, after_id)
        else:
            messages = await self._store.history(chat.id, after_id)
        return {"messages": [m.wire() for m in messages], "status": chat.status}

    # -- ending -------------------------------------------------------------

    async def end_chat(
        self, actor: Actor, chat_id: Any, outcome: Any = None, wrap_up: Any = None
    ) -> None:
        chat = await self._chat_for(actor, chat_id)
        wrap: WrapUp | None = None
        if actor.kind == "adviser":
            if not isinstance(outcome, str) or outcome not in OUTCOME_IDS:
                raise ChatRefused("invalid_outcome", "Please choose an outcome.")
            wrap = parse_wrap_up(wrap_up)
        else:
            outcome = None
        if chat.status != "ended":
            await self._close(
                chat, ended_by=actor.kind, outcome=outcome, notice=ENDED_NOTICE, wrap_up=wrap
            )

    async def _close(
        self,
        chat: ChatRecord,
        *,
        ended_by: str,
        outcome: str | None,
        notice: str,
        from_statuses: tuple[str, ...] = ("waiting", "assigned"),
        wrap_up: WrapUp | None = None,
    ) -> bool:
        survey_token = self._stats.new_survey_token() if self._stats is not None else None
        async with self._chat_lock(chat.id):
            result = await self._store.end_chat(
                chat.id,
                ended_by=ended_by,
                outcome=outcome,
                now=utcnow(),
                notice=notice,
                from_statuses=from_statuses,
                # Counted in the same transaction as the end: exactly once, across workers.
                on_end=(
                    self._stats.on_end(wrap_up, survey_token) if self._stats is not None else None
                ),
            )
            if result is None:
                return False
            ended, message = result
            self._metrics.chat_events.labels(
                "abandoned" if ended.assigned_at is None else "ended"
            ).inc()
            log.info(
                "chat ended",
                extra={"chat_id": chat.id, "ended_by": ended_by, "was": chat.status},
            )
            payload: dict[str, Any] = {"chat_id": chat.id, "ended_by": ended_by}
            to_professional = dict(payload)
            if survey_token is not None and ended.assigned_at is not None:
                # One-time, for the professional only: how useful was the advice?
                to_professional["survey_token"] = survey_token
            await self._notifier.to_professional(chat.id, "message", message.wire())
            await self._notifier.to_professional(chat.id, "ended", to_professional)
            if ended.adviser_id is not None:
                await self._notifier.to_adviser(ended.adviser_id, "message", message.wire())
                await self._notifier.to_adviser(ended.adviser_id, "ended", payload)
            if chat.id in self.watched:
                await self._notifier.to_watchers(chat.id, "message", message.wire())
                await self._notifier.to_watchers(chat.id, "ended", payload)
        self._locks.pop(chat.id, None)
        if self._transcripts is not None:
            self._transcripts.chat_closed()
        await self._queue.forget_professional(chat.id)
        if ended.adviser_id is None:
            await self._queue.withdraw(chat.id)
        else:
            await self._queue.chat_finished(ended)
        return True

    # -- people who have gone -------------------------------------------------

    async def abandon_if_waiting(self, chat_id: str) -> bool:
        """Close a waiting chat whose professional left and did not come back in time."""
        chat = await self._store.get_chat(chat_id)
        if chat is None or chat.status != "waiting":
            await self._queue.forget_professional(chat_id)
            return False
        return await self._close(
            chat,
            ended_by="system",
            outcome=None,
            notice=ABANDONED_NOTICE,
            from_statuses=("waiting",),
        )

    async def requeue_from(self, adviser_id: int) -> int:
        """An adviser has been gone past the grace period: their chats go back in line."""
        moved = 0
        for chat in await self._store.active_chats_for(adviser_id):
            async with self._chat_lock(chat.id):
                result = await self._store.unassign_chat(
                    chat.id, adviser_id, utcnow(), REQUEUED_NOTICE
                )
                if result is None:
                    continue
                waiting, notice = result
                await self._notifier.to_professional(chat.id, "message", notice.wire())
                await self._notifier.to_adviser(
                    adviser_id, "unassigned", {"chat_id": chat.id, "reason": "adviser_offline"}
                )
            self._metrics.chat_events.labels("requeued").inc()
            log.info("chat requeued", extra={"chat_id": chat.id, "user_id": adviser_id})
            await self._queue.requeue(waiting, adviser_id)
            status = await self._queue.status_for(chat.id)
            if status is not None:
                await self._notifier.to_professional(chat.id, "queue", status)
            moved += 1
        return moved

    # -- sharing (knowledge base) ------------------------------------------------


__all__ = ["Actor", "ChatRefused", "ChatService", "InvalidInput"]
