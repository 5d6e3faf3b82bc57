"""Transcripts: redact a closed chat, shred its raw text, show it to managers, delete it on time.

The only code that turns raw messages into a transcript and the only code
that deletes transcripts. Redaction runs in a thread (it is pure CPU) on a
loop of its own, woken when a chat closes and also on a timer, so a chat
that ended while this worker was down is still redacted on the next start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from typing import Any, Protocol

from advice_chat.metrics import Metrics
from advice_chat.records import ChatRecord, MessageRecord, NoteRecord, UserRecord, iso, utcnow
from advice_chat.services.periodic import Periodic
from advice_chat.storage.store import Store

log = logging.getLogger(__name__)

VIEW_ACTION = "transcript_viewed"


class RedactionContext(Protocol):
    def redact(self, text: str) -> str: ...


class Redactor(Protocol):
    def context(self) -> RedactionContext: ...


WITHHELD = "[message withheld: it could not be redacted]"
# Messages the service composes from its own public content (a shared knowledge-base
# article's title, summary and link): nothing in them was typed about a person.
COMPOSED_CODES = frozenset({"article"})


def redact_chat(
    redactor: Redactor, messages: list[MessageRecord], notes: list[NoteRecord]
) -> tuple[list[MessageRecord], list[NoteRecord], int]:
    """Redact a chat's messages and its advisers' private notes in one context, so a person
    named in a note gets the same placeholder as in the conversation."""
    context = redactor.context()
    lines, failed = redact_lines(redactor, messages, context)
    out = []
    for n in notes:
        try:
            text = context.redact(n.text)
        except Exception:
            failed += 1
            text = WITHHELD
        out.append(NoteRecord(n.chat_id, n.seq, n.author_id, text, None, n.created_at))
    return lines, out, failed


def redact_lines(
    redactor: Redactor,
    messages: list[MessageRecord],
    context: RedactionContext | None = None,
) -> tuple[list[MessageRecord], int]:
    """Redact a chat's messages in one context, so a person keeps one placeholder throughout.

    A message the engine fails on is withheld whole rather than kept raw: a
    chat must never stay unredacted because one message trips the engine.
    Returns the lines and how many were withheld.
    """
    context = context or redactor.context()
    out = []
    failed = 0
    for m in messages:
        if m.sender == "system" or m.code in COMPOSED_CODES:
            text = m.text  # composed by the service, not typed by a person
        else:
            try:
                text = context.redact(m.text)
            except Exception:
                failed += 1
                text = WITHHELD
        out.append(MessageRecord(m.chat_id, m.seq, m.sender, text, None, m.code, m.sent_at))
    return out, failed


def transcript_summary(chat: ChatRecord, lines: int) -> dict[str, Any]:
    return {
        "chat_id": chat.id,
        "pre_chat": chat.pre_chat(),
        "created_at": iso(chat.created_at),
        "assigned_at": iso(chat.assigned_at) if chat.assigned_at else None,
        "ended_at": iso(chat.ended_at) if chat.ended_at else None,
        "ended_by": chat.ended_by,
        "outcome": chat.outcome,
        "lines": lines,
    }


class TranscriptService:
    def __init__(
        self,
        store: Store,
        redactor: Redactor,
        *,
        retention_days: int,
        interval_seconds: float,
        purge_interval_seconds: float,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self._redactor = redactor
        self._retention = timedelta(days=retention_days)
        self._interval = interval_seconds
        self._purge_interval = purge_interval_seconds
        self._metrics = metrics or Metrics()
        # Runs at start too: chats that ended while no worker was up are redacted at once.
        self._periodic = Periodic(
            self.run_once, interval_seconds, name="transcripts", run_at_start=True
        )
        self._lock = asyncio.Lock()
        self._scrub_pending = False
        self._last_purge = 0.0

    # -- redaction --------------------------------------------------------------

    def chat_closed(self) -> None:
        """A chat has ended: redact it soon (without holding up whoever ended it)."""
        self._periodic.wake()

    async def redact_pending(self) -> int:
        """Redact and shred every ended chat that still holds raw text; returns how many."""
        done = 0
        async with self._lock:
            while chat_ids := await self._store.chats_to_redact(limit=50):
                progress = 0
                for chat_id in chat_ids:
                    if await self._redact_chat(chat_id):
                        progress += 1
                done += progress
                if progress == 0:
                    break  # another worker holds these; it will finish them
            if done or self._scrub_pending:
                self._scrub_pending = not await self._store.scrub()
        if done:
            log.info("transcripts redacted", extra={"count": done})
        return done

    async def _redact_chat(self, chat_id: str) -> bool:
        raw = await self._store.history(chat_id, 0)
        raw_notes = await self._store.notes(chat_id)
        started = time.perf_counter()
        lines, notes, failed = await asyncio.to_thread(
            redact_chat, self._redactor, raw, raw_notes
        )
        self._metrics.redaction_seconds.observe(time.perf_counter() - started)
        if failed:
            self._metrics.redaction_failures.inc(failed)
            log.warning(
                "messages withheld from transcript", extra={"chat_id": chat_id, "count": failed}
            )
        return await self._store.shred_to_transcript(chat_id, lines, utcnow(), notes)

    # -- retention ----------------------------------------------------------------

    async def purge(self, now: datetime | None = None) -> int:
        """Delete transcripts of chats that ended more than the retention period ago."""
        now = now or utcnow()
        days = self._retention.days
        count = await self._store.purge_transcripts(
            now - self._retention, now, rule=f"retention: {days} days after the chat ended"
        )
        log.info("transcripts purged", extra={"count": count})
        return count

    # -- managers -----------------------------------------------------------------

    async def summaries(self, limit: int, before: datetime | None) -> list[dict[str, Any]]:
        return [
            transcript_summary(chat, lines)
            for chat, lines in await self._store.transcripts(limit, before)
        ]

    async def view(self, manager: UserRecord, chat_id: str) -> dict[str, Any] | None:
        """A redacted transcript for a manager; the view is audited before it is returned."""
        chat = await self._store.get_chat(chat_id)
        if chat is None or chat.redacted_at is None or chat.purged_at is not None:
            return None
        await self._store.audit(manager.id, VIEW_ACTION, chat.id, utcnow())
        log.info("transcript viewed", extra={"chat_id": chat.id, "user_id": manager.id})
        lines = await self._store.transcript(chat.id)
        summary = transcript_summary(chat, len(lines))
        summary["messages"] = [
            {k: v for k, v in m.wire().items() if k != "client_id"} for m in lines
        ]
        # The advisers' private notes, redacted like the messages (adviser console).
        summary["notes"] = [
            {k: v for k, v in n.wire().items() if k not in ("client_id", "author")}
            | {"author_id": n.author_id}
            for n in await self._store.notes(chat.id)
        ]
        return summary

    async def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        return [{**e, "at": iso(e["at"])} for e in await self._store.audit_events(limit)]

    async def purge_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return [{**r, "ran_at": iso(r["ran_at"])} for r in await self._store.purge_runs(limit)]

    # -- the loop -----------------------------------------------------------------

    async def run_once(self) -> None:
        await self.redact_pending()
        if time.monotonic() - self._last_purge >= self._purge_interval:
            self._last_purge = time.monotonic()
            await self.purge()

    def start(self) -> None:
        self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()
