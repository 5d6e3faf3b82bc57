"""Settings read from environment variables, with safe defaults.

Every variable is listed in `SETTINGS_DOC` and documented in
`docs/configuration.md`; a test keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> (default as shown in the docs, one-line meaning)
SETTINGS_DOC: dict[str, tuple[str, str]] = {
    "ADVICE_CHAT_DATABASE_URL": (
        "sqlite+aiosqlite:///./var/advice_chat.db",
        "SQLAlchemy async URL: SQLite (aiosqlite) or PostgreSQL (asyncpg)",
    ),
    "ADVICE_CHAT_REDIS_URL": ("unset", "Redis URL for scale-out; unset means in-process"),
    "ADVICE_CHAT_SECRET_KEY": (
        "generated once into ./var/secret_key",
        "secret for signing; at least 32 characters",
    ),
    "ADVICE_CHAT_REDIS_PREFIX": ("ac:", "prefix of every Redis key and channel the service uses"),
    "ADVICE_CHAT_HOST": ("127.0.0.1", "address to listen on"),
    "ADVICE_CHAT_PORT": ("8080", "port to listen on"),
    "ADVICE_CHAT_VAR_DIR": ("./var", "where the default database and secret key live"),
    "ADVICE_CHAT_SECURE_COOKIES": ("0", "1 to mark cookies Secure (set it behind TLS)"),
    "ADVICE_CHAT_SESSION_HOURS": ("12", "how long a staff sign-in lasts"),
    "ADVICE_CHAT_ADVISER_CAPACITY": ("3", "default number of chats an adviser takes at once"),
    "ADVICE_CHAT_QUEUE_BROADCAST_SECONDS": (
        "1.0",
        "queue updates to waiting people are coalesced to at most one per this interval",
    ),
    "ADVICE_CHAT_DEFAULT_HANDLE_SECONDS": (
        "900",
        "handle time assumed for wait estimates until real chats have ended",
    ),
    "ADVICE_CHAT_ROUTING": (
        "auto",
        "auto: chats are given out in turn; manual: advisers take chats from the queue",
    ),
    "ADVICE_CHAT_OFFER_SECONDS": (
        "30",
        "how long an offered chat waits for the adviser to accept before it goes to the next",
    ),
    "ADVICE_CHAT_HOUSEKEEPING_SECONDS": ("5", "how often each worker runs its repair pass"),
    "ADVICE_CHAT_PROFESSIONAL_GRACE_SECONDS": (
        "60",
        "a waiting professional with no connection for this long has abandoned the chat",
    ),
    "ADVICE_CHAT_ADVISER_GRACE_SECONDS": (
        "120",
        "an adviser offline this long loses their chats back to the queue",
    ),
    "ADVICE_CHAT_METRICS_TOKEN": (
        "unset",
        "bearer token for /metrics; unset means /metrics answers loopback addresses only",
    ),
    "ADVICE_CHAT_SHUTDOWN_SECONDS": ("10", "longest a graceful shutdown may take"),
    "ADVICE_CHAT_LISTEN_BACKLOG": (
        "1024",
        "connections the kernel may hold for the server before it accepts them",
    ),
    "ADVICE_CHAT_LOG_LEVEL": ("INFO", "log level (DEBUG, INFO, WARNING, ERROR)"),
    "ADVICE_CHAT_KB_DIR": (
        "./knowledge_base (beside the code)",
        "folder of knowledge-base article files loaded at start and by `advice-chat kb reindex`",
    ),
    "ADVICE_CHAT_KB_REVIEW_MONTHS": (
        "12",
        "an article is overdue for review this many months after its reviewed date",
    ),
    "ADVICE_CHAT_RETENTION_DAYS": (
        "365",
        "redacted transcripts are deleted this many days after their chat ended",
    ),
    "ADVICE_CHAT_PURGE_SECONDS": ("3600", "how often each worker runs the retention purge"),
    "ADVICE_CHAT_STATS_THRESHOLD": (
        "4",
        "statistics hide every count from 1 to this number (shown as <5); statistics.md",
    ),
    "ADVICE_CHAT_SESSION_IDLE_MINUTES": (
        "30",
        "a staff sign-in with no request and no open console for this long ends",
    ),
    "ADVICE_CHAT_REQUIRE_TOTP": (
        "0",
        "1 to require a TOTP code at every staff sign-in (staff without one enrol first)",
    ),
    "ADVICE_CHAT_LOGIN_FAILURES_PER_ACCOUNT": (
        "10",
        "failed sign-ins to one account in 15 minutes before it is throttled",
    ),
    "ADVICE_CHAT_LOGIN_FAILURES_PER_ADDRESS": (
        "30",
        "failed sign-ins from one address in 15 minutes before it is throttled",
    ),
    "ADVICE_CHAT_CHATS_PER_ADDRESS_MINUTE": (
        "10",
        "chats one address may start in a minute; 0 turns the limit off",
    ),
    "ADVICE_CHAT_EVENTS_PER_CONNECTION": (
        "60",
        "events one socket connection may send in 10 seconds; 0 turns the limit off",
    ),
    "ADVICE_CHAT_CONNECTIONS_PER_ADDRESS": (
        "50",
        "open socket connections one address may hold on a worker; 0 turns the limit off",
    ),
    "ADVICE_CHAT_TRUST_FORWARDED_FOR": (
        "0",
        "1 to take the client address from the last X-Forwarded-For entry (behind your proxy)",
    ),
}


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    redis_url: str | None = None
    redis_prefix: str = "ac:"
    host: str = "127.0.0.1"
    port: int = 8080
    var_dir: Path = field(default_factory=lambda: Path("var"))
    secure_cookies: bool = False
    session_hours: float = 12.0
    adviser_capacity: int = 3
    queue_broadcast_seconds: float = 1.0
    default_handle_seconds: float = 900.0
    routing: str = "auto"
    offer_seconds: float = 30.0
    housekeeping_seconds: float = 5.0
    professional_grace_seconds: float = 60.0
    adviser_grace_seconds: float = 120.0
    log_level: str = "INFO"
    metrics_token: str | None = None
    shutdown_seconds: float = 10.0
    listen_backlog: int = 1024
    kb_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "knowledge_base")
    kb_review_months: int = 12
    retention_days: int = 365
    purge_seconds: float = 3600.0
    stats_threshold: int = 4
    session_idle_minutes: float = 30.0
    require_totp: bool = False
    login_failures_per_account: int = 10
    login_failures_per_address: int = 30
    chats_per_address_minute: int = 10
    events_per_connection: int = 60
    connections_per_address: int = 50
    trust_forwarded_for: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _routing(env: Mapping[str, str]) -> str:
    value = (env.get("ADVICE_CHAT_ROUTING") or "auto").lower()
    if value not in ("auto", "manual"):
        raise ConfigError("ADVICE_CHAT_ROUTING must be auto or manual")
    return value


def _secret_key(env: Mapping[str, str], var_dir: Path) -> str:
    """Use the configured key, else one generated once and kept under var/ (never a constant)."""
    configured = env.get("ADVICE_CHAT_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ConfigError("ADVICE_CHAT_SECRET_KEY must be at least 32 characters")
        return configured
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    var_dir = Path(env.get("ADVICE_CHAT_VAR_DIR") or "var")
    database_url = env.get("ADVICE_CHAT_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{(var_dir / 'advice_chat.db').as_posix()}"
    )
    if database_url.startswith("sqlite") and ":memory:" not in database_url:
        var_dir.mkdir(parents=True, exist_ok=True)
    if not (
        database_url.startswith("sqlite+aiosqlite") or database_url.startswith("postgresql+asyncpg")
    ):
        raise ConfigError(
            "ADVICE_CHAT_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    level = (env.get("ADVICE_CHAT_LOG_LEVEL") or "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("ADVICE_CHAT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    return Settings(
        database_url=database_url,
        secret_key=_secret_key(env, var_dir),
        redis_url=env.get("ADVICE_CHAT_REDIS_URL") or None,
        redis_prefix=env.get("ADVICE_CHAT_REDIS_PREFIX") or "ac:",
        host=env.get("ADVICE_CHAT_HOST") or "127.0.0.1",
        port=_int(env, "ADVICE_CHAT_PORT", 8080),
        var_dir=var_dir,
        secure_cookies=(env.get("ADVICE_CHAT_SECURE_COOKIES") or "0") == "1",
        session_hours=_float(env, "ADVICE_CHAT_SESSION_HOURS", 12.0),
        adviser_capacity=_int(env, "ADVICE_CHAT_ADVISER_CAPACITY", 3, minimum=1),
        queue_broadcast_seconds=_float(env, "ADVICE_CHAT_QUEUE_BROADCAST_SECONDS", 1.0),
        default_handle_seconds=_float(env, "ADVICE_CHAT_DEFAULT_HANDLE_SECONDS", 900.0),
        routing=_routing(env),
        offer_seconds=_float(env, "ADVICE_CHAT_OFFER_SECONDS", 30.0),
        housekeeping_seconds=_float(env, "ADVICE_CHAT_HOUSEKEEPING_SECONDS", 5.0),
        professional_grace_seconds=_float(env, "ADVICE_CHAT_PROFESSIONAL_GRACE_SECONDS", 60.0),
        adviser_grace_seconds=_float(env, "ADVICE_CHAT_ADVISER_GRACE_SECONDS", 120.0),
        log_level=level,
        metrics_token=env.get("ADVICE_CHAT_METRICS_TOKEN") or None,
        shutdown_seconds=_float(env, "ADVICE_CHAT_SHUTDOWN_SECONDS", 10.0),
        listen_backlog=_int(env, "ADVICE_CHAT_LISTEN_BACKLOG", 1024, minimum=1),
        kb_dir=Path(env.get("ADVICE_CHAT_KB_DIR") or PROJECT_ROOT / "knowledge_base"),
        kb_review_months=_int(env, "ADVICE_CHAT_KB_REVIEW_MONTHS", 12, minimum=1),
        retention_days=_int(env, "ADVICE_CHAT_RETENTION_DAYS", 365, minimum=1),
        purge_seconds=_float(env, "ADVICE_CHAT_PURGE_SECONDS", 3600.0),
        stats_threshold=_int(env, "ADVICE_CHAT_STATS_THRESHOLD", 4, minimum=1),
        session_idle_minutes=_float(env, "ADVICE_CHAT_SESSION_IDLE_MINUTES", 30.0),
        require_totp=(env.get("ADVICE_CHAT_REQUIRE_TOTP") or "0") == "1",
        login_failures_per_account=_int(
            env, "ADVICE_CHAT_LOGIN_FAILURES_PER_ACCOUNT", 10, minimum=1
        ),
        login_failures_per_address=_int(
            env, "ADVICE_CHAT_LOGIN_FAILURES_PER_ADDRESS", 30, minimum=1
        ),
        chats_per_address_minute=_int(env, "ADVICE_CHAT_CHATS_PER_ADDRESS_MINUTE", 10),
        events_per_connection=_int(env, "ADVICE_CHAT_EVENTS_PER_CONNECTION", 60),
        connections_per_address=_int(env, "ADVICE_CHAT_CONNECTIONS_PER_ADDRESS", 50),
        trust_forwarded_for=(env.get("ADVICE_CHAT_TRUST_FORWARDED_FOR") or "0") == "1",
    )
