"""Database tables. SQL lives only in `advice_chat.storage`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    """A staff account (adviser or manager). Professionals have no account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # TOTP (migration 0006): the secret sealed under the service key; the last step accepted.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql_text("false")
    )
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Migration 0009: a senior adviser may watch other advisers' live chats (supervision).
    senior: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql_text("false")
    )


class StaffSession(Base):
    """A signed-in browser. Only a hash of the cookie value is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Migration 0006: the idle timeout counts from here; an enrol-only session passed the
    # password but may do nothing except set up TOTP (when TOTP is required).
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    enrol_only: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql_text("false")
    )


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    role: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(String(40))
    immediate_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    adviser_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    ended_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the raw messages have been replaced by the redacted transcript.
    redacted_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    # Set when retention deleted the transcript; the row stays for statistics.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Migration 0010: the team the chat is routed to, and the team that answered it.
    team: Mapped[str] = mapped_column(String(24), default="respect", server_default="respect")
    answered_team: Mapped[str | None] = mapped_column(String(24), nullable=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("chat_id", "seq", name="uq_messages_chat_seq"),
        Index(
            "uq_messages_chat_sender_client",
            "chat_id",
            "sender",
            "client_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    chat_id: Mapped[str] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # True when `text` holds the message sealed with its chat's key (see storage/sealing.py).
    sealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))


class ChatKey(Base):
    """A chat's data key, wrapped with the service key. Deleting it shreds the raw messages."""

    __tablename__ = "chat_keys"

    chat_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class TranscriptLine(Base):
    """One redacted message of a closed chat: all that remains of it once the chat is sealed."""

    __tablename__ = "transcript_lines"

    chat_id: Mapped[str] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who looked at or changed what, and when. Holds ids, never content."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PurgeRun(Base):
    """One retention pass: which rule deleted how many transcripts. Never what they said."""

    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rule: Mapped[str] = mapped_column(String(80))
    transcripts: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)


class OpeningWindow(Base):
    """One weekly opening period in Europe/London time."""

    __tablename__ = "opening_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))


class ClosedDate(Base):
    __tablename__ = "closed_dates"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)


class KbArticle(Base):
    """A knowledge-base article: the current text, its rendered HTML and where it came from.

    Search structures live beside it: an FTS5 table `kb_fts` on SQLite, a generated tsvector
    column `search` with a GIN index on PostgreSQL (both made by migration 0004, not here).
    """

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)  # JSON list
    audience: Mapped[str] = mapped_column(String(16), index=True)
    reviewed: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    review_by: Mapped[str | None] = mapped_column(String(10), nullable=True)
    sources: Mapped[str] = mapped_column(Text)  # JSON list
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # sanitised when written
    body_text: Mapped[str] = mapped_column(Text)  # plain text, for search and snippets
    # Synonym-group tokens found in title/tags/summary and in the body (index-time expansion).
    concepts_head: Mapped[str] = mapped_column(Text, default="")
    concepts_body: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(16))  # "file" | "editor"
    file_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class KbArticleVersion(Base):
    """Every state an article has had: who made it (null for the file loader) and when."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_kb_versions_article"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16))
    edited_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    edited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(16))
    reviewed: Mapped[str] = mapped_column(String(10))
    sources: Mapped[str] = mapped_column(Text)
    body_md: Mapped[str] = mapped_column(Text)


class KbMeta(Base):
    """Small facts about the search index, e.g. which synonym table built it."""

    __tablename__ = "kb_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StatsCount(Base):
    """Statistics (migration 0005): one count for one day, added to as chats end.

    Keyed by the day in Europe/London, a dimension (`total`, `role`, `hour`, `wait`…), a key
    within it (a role id, "weekday-hour", a histogram bucket…) and a metric. Never a row per
    chat: figures come from here, not from chats or transcripts.
    """

    __tablename__ = "stats_counts"
    __table_args__ = (Index("ix_stats_counts_dim_day", "dim", "day"),)  # migration 0008

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    dim: Mapped[str] = mapped_column(String(24), primary_key=True)
    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class ChatWrapUp(Base):
    """What the adviser coded when ending a chat: ids from the option lists, no free text."""

    __tablename__ = "chat_wrapups"

    chat_id: Mapped[str] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(40))
    advice: Mapped[str] = mapped_column(Text)  # JSON list of ids
    referrals: Mapped[str] = mapped_column(Text)  # JSON list of ids
    safeguarding_concern: Mapped[bool] = mapped_column(Boolean)


class SurveyInvite(Base):
    """A one-time survey token (its hash), deliberately not linked to its chat."""

    __tablename__ = "survey_invites"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SurveyComment(Base):
    """A survey comment after redaction; the raw comment is never stored. No rating, no chat."""

    __tablename__ = "survey_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    text: Mapped[str] = mapped_column(Text)


class StatsSample(Base):
    """The minutes whose adviser occupancy has been sampled (one worker per minute)."""

    __tablename__ = "stats_samples"

    minute: Mapped[str] = mapped_column(String(16), primary_key=True)


# -- adviser console (migration 0009) ----------------------------------------------------


class CannedReply(Base):
    """A ready-made reply: shared (no owner, managed by managers) or an adviser's own."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(80))
    shortcut: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ChatNote(Base):
    """An adviser's private note on an open chat, sealed with the chat's key like a message."""

    __tablename__ = "chat_notes"
    __table_args__ = (
        UniqueConstraint("chat_id", "author_id", "client_id", name="uq_chat_notes_client"),
    )

    chat_id: Mapped[str] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TranscriptNote(Base):
    """A private note after the chat closed: redacted, kept and purged with the transcript."""

    __tablename__ = "transcript_notes"

    chat_id: Mapped[str] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SafeguardingFlag(Base):
    """A safeguarding escalation raised in a chat: a fixed reason, who and when; no words."""

    __tablename__ = "safeguarding_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[str] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(32))
    raised_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ChatWatch(Base):
    """A supervisor watching a live chat, read only (also in the audit log)."""

    __tablename__ = "chat_watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[str] = mapped_column(String(40), index=True)
    watcher_id: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )


class Team(Base):
    """An adviser team (migration 0010): its settings for routing, overflow and hours."""

    __tablename__ = "teams"

    slug: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    contact: Mapped[str] = mapped_column(String(300), default="", server_default="")
    redirect_when_closed: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=sql_text("true")
    )
    overflow_allowed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql_text("false")
    )
    overflow_after_seconds: Mapped[int] = mapped_column(Integer, default=300, server_default="300")
    schedule: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON; null: service's


class AdviserTeam(Base):
    """An adviser's membership of a team. An adviser with none belongs to the default team."""

    __tablename__ = "adviser_teams"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(
        ForeignKey("teams.slug", ondelete="CASCADE"), primary_key=True
    )
