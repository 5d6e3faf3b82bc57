"""Conversations: starting a chat, messages, history and ending.

Who may act on which chat is decided here, not in the socket layer, so the
rule is the same whichever edge calls it.
"""

from __future__ import annotations

import asyncio
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

    def __init__(self, opens_at: datetime | None) -> None:
        super().__init__(
            "closed",
            "The webchat is closed just now. If anyone is in immediate danger, call 999.",
        )
        self.opens_at = opens_at


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

    @asynccontextmanager
    async def _chat_lock(self, chat_id: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(chat_id, asyncio.Lock()):
            yield

    # -- starting -----------------------------------------------------------

    async def start_chat(self, pre_chat: PreChat) -> tuple[ChatRecord, str]:
        status = await self._hours.status()
        if not status.open:
            if self._stats is not None:
                await self._stats.record_refusal(pre_chat)
            raise ServiceClosed(status.opens_at)
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
        )
        assert priority_for(chat) == chat.priority
        self._metrics.chat_events.labels("created").inc()
        if pre_chat.first_message:
            self._metrics.messages.labels("professional").inc()
        log.info(
            "chat started",
            extra={"chat_id": chat.id, "first_message": bool(pre_chat.first_message)},
        )
        await self._queue.enqueue(chat)
        return chat, token

    async def chat_for_token(self, token: Any) -> ChatRecord | None:
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        return await self._store.chat_by_token_hash(hash_token(token))

    # -- access -------------------------------------------------------------

    async def _chat_for(self, actor: Actor, chat_id: Any) -> ChatRecord:
        """The chat if this actor may see it; otherwise not_found (never say which)."""
        if actor.kind == "professional":
            if chat_id is not None and chat_id != actor.chat_id:
                raise NOT_FOUND
            chat_id = actor.chat_id
        if not isinstance(chat_id, str) or not chat_id or len(chat_id) > 64:
            raise NOT_FOUND
        chat = await self._store.get_chat(chat_id)
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
        """Store once per client_id, before the ack; deliver to the other party's connections."""
        chat = await self._chat_for(actor, chat_id)
        body = clean_text(text)
        assert body is not None
        cid = clean_client_id(client_id)
        if chat.status == "ended":
            raise ChatRefused("chat_ended", "This chat has ended.")
        if actor.kind == "adviser" and chat.status != "assigned":
            raise ChatRefused("not_assigned", "This chat is not assigned to you.")
        async with self._chat_lock(chat.id):
            try:
                message, created = await self._store.add_message(
                    chat.id, sender=actor.kind, text=body, client_id=cid, now=utcnow(), code=code
                )
            except ChatClosed as exc:
                raise ChatRefused("chat_ended", "This chat has ended.") from exc
            if created:
                self._metrics.messages.labels(actor.kind).inc()
                await self._deliver(chat, message, skip=actor.conn_id)
        log.info(
            "message stored" if created else "message resend",
            extra={
                "chat_id": chat.id,
                "seq": message.seq,
                "sender": actor.kind,
                "chars": len(body),
                "event": code or "message",
            },
        )
        return message

    async def _deliver(self, chat: ChatRecord, message: MessageRecord, *, skip: str | None) -> None:
        wire = message.wire()
        await self._notifier.to_professional(chat.id, "message", wire, skip=skip)
        adviser_id = chat.adviser_id
        if adviser_id is None:
            # It may have been assigned since we read it.
            fresh = await self._store.get_chat(chat.id)
            adviser_id = fresh.adviser_id if fresh else None
        if adviser_id is not None:
            await self._notifier.to_adviser(adviser_id, "message", wire, skip=skip)

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
