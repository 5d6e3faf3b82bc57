"""Plain records passed between storage and services, so services never hold ORM state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    display_name: str
    role: str
    capacity: int
    disabled: bool
    totp_enabled: bool = False
    senior: bool = False  # may watch other advisers' live chats (adviser console, 0009)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
        }


class ChatPlace(NamedTuple):
    """Where an open chat stands, without its times or answers: what the queue's reconciling
    pass compares with queue state on every pass (a tuple: cheap for thousands of chats)."""

    id: str
    status: str  # "waiting" | "assigned"
    team: str
    adviser_id: int | None


@dataclass(frozen=True)
class ChatRecord:
    id: str
    status: str
    role: str
    region: str
    topic: str
    immediate_risk: bool
    priority: int
    created_at: datetime
    assigned_at: datetime | None
    ended_at: datetime | None
    adviser_id: int | None
    ended_by: str | None
    outcome: str | None
    redacted_at: datetime | None = None
    purged_at: datetime | None = None
    team: str = "respect"  # the team it is routed to (advice_chat/routing.py)
    answered_team: str | None = None  # the team whose adviser answered (overflow: another)

    def pre_chat(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "region": self.region,
            "topic": self.topic,
            "immediate_risk": self.immediate_risk,
        }


@dataclass(frozen=True)
class MessageRecord:
    chat_id: str
    seq: int
    sender: str
    text: str
    client_id: str | None
    code: str | None
    sent_at: datetime

    def wire(self) -> dict[str, Any]:
        """The message object of protocol v1."""
        data: dict[str, Any] = {
            "id": self.seq,
            "chat_id": self.chat_id,
            "sender": self.sender,
            "text": self.text,
            "sent_at": iso(self.sent_at),
            "client_id": self.client_id,
        }
        if self.code is not None:
            data["code"] = self.code
        if self.code == "article":
            link = article_link(self.text)
            if link is not None:
                data["article"] = link
        return data


_ARTICLE_URL = re.compile(r"^Read the article: (/kb/([a-z0-9]+(?:-[a-z0-9]+)*))$")


def article_link(text: str) -> dict[str, str] | None:
    """`{"slug", "title", "url"}` of a shared-article message (code "article").

    The knowledge base writes such a message as three lines: title, summary, and
    "Read the article: /kb/<slug>" (services/kb.py, KnowledgeBase.share_text).
    """
    lines = text.split("\n")
    found = _ARTICLE_URL.match(lines[-1]) if len(lines) >= 2 else None
    if found is None:
        return None
    return {"slug": found.group(2), "title": lines[0], "url": found.group(1)}


@dataclass(frozen=True)
class NoteRecord:
    """An adviser's private note on a chat: never sent to the professional."""

    chat_id: str
    seq: int
    author_id: int | None
    text: str
    client_id: str | None
    created_at: datetime

    def wire(self, author_name: str | None = None) -> dict[str, Any]:
        return {
            "id": self.seq,
            "chat_id": self.chat_id,
            "author": {"id": self.author_id, "display_name": author_name},
            "text": self.text,
            "created_at": iso(self.created_at),
            "client_id": self.client_id,
        }
