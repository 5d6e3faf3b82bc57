"""`advice-chat` command line: serve, demo, create-user, purge, db, backup, restore, redact."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import logging
import os
import secrets
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from aiohttp import web

from advice_chat import __version__
from advice_chat.config import ConfigError, Settings, load_settings
from advice_chat.logging_setup import configure_logging
from advice_chat.redaction import stream as redaction_stream
from advice_chat.services.accounts import AccountError, AccountService
from advice_chat.storage import backup as db_backup
from advice_chat.storage.engine import create_engine, dispose, upgrade, upgrade_sync
from advice_chat.storage.sealing import Sealer
from advice_chat.storage.store import Store

log = logging.getLogger("advice_chat.cli")


def _event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on POSIX
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


# Young-generation sizes for a long-running server: fewer, larger young collections, and full
# collections only after many of them (measured in docs/performance.md, "Garbage collection").
GC_THRESHOLDS = (10_000, 50, 100)


async def _settle_heap(_app: web.Application) -> None:
    """After start-up, hide what it built from the collector and collect less often.

    A full collection walks every tracked object. With the knowledge base, the redaction word
    list and thousands of connections, one paused the event loop for 100-300 ms on the 2-core
    machine, and those pauses were the p99 delivery latency. Start-up objects live as long as
    the process, so freezing them loses nothing; cycles made later are still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _exit_deadline(seconds: float) -> Callable[[web.Application], Awaitable[None]]:
    """An on_shutdown hook that ends the process if a graceful shutdown overruns its bound.

    The shutdown steps each have their own timeouts; this is the backstop that makes
    ADVICE_CHAT_SHUTDOWN_SECONDS a promise to the orchestrator, whatever hangs.
    """

    def overrun() -> None:
        log.error("shutdown overran its bound; exiting now", extra={"count": int(seconds)})
        logging.shutdown()
        os._exit(1)

    async def start(_app: web.Application) -> None:
        timer = threading.Timer(seconds, overrun)
        timer.daemon = True
        timer.start()

    return start


def _serve(settings: Settings) -> int:
    """Run the server; on SQLite hold the database lock so no restore can run underneath it."""
    from advice_chat.app import create_app

    db_path = db_backup.sqlite_path(settings.database_url)
    try:
        lock = db_backup.database_lock(db_path) if db_path else contextlib.nullcontext()
        with lock:
            log.info("starting", extra={"host": settings.host, "port": settings.port})
            app = create_app(settings)
            app.on_shutdown.insert(0, _exit_deadline(settings.shutdown_seconds))
            app.on_startup.append(_settle_heap)  # after the app's own start-up (ready)
            # SIGTERM: stop listening, drain sockets (half the bound, app.py), let open
            # requests finish (a quarter), then clean up (the rest).
            web.run_app(
                app,
                host=settings.host,
                port=settings.port,
                # aiohttp's default of 128 reset connections when many clients arrived at once
                # (a reconnect storm after a restart); the kernel caps it at net.core.somaxconn.
                backlog=settings.listen_backlog,
                print=lambda text: print(text, flush=True),
                access_log=None,
                shutdown_timeout=settings.shutdown_seconds / 4,
                loop=_event_loop(),
            )
    except db_backup.DatabaseInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _backup(settings: Settings, dest: str, force: bool) -> int:
    db_path = db_backup.sqlite_path(settings.database_url)
    if db_path is None:
        print(POSTGRES_BACKUP_ADVICE, file=sys.stderr)
        return 2
    try:
        info = db_backup.backup(db_path, Path(dest), force=force)
    except db_backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"backed up {db_path} to {dest} (migration {info.revision}, {info.users} users, "
        f"{info.chats} chats). Keep ADVICE_CHAT_SECRET_KEY apart from it: open chats' "
        "messages in it open only with that key."
    )
    return 0


def _restore(settings: Settings, source: str, force: bool) -> int:
    db_path = db_backup.sqlite_path(settings.database_url)
    if db_path is None:
        print(POSTGRES_BACKUP_ADVICE, file=sys.stderr)
        return 2
    try:
        info = db_backup.restore(Path(source), db_path, force=force)
    except db_backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"restored {source} into {db_path} (migration {info.revision}, {info.users} users, "
        f"{info.chats} chats); the next start applies any newer migrations"
    )
    if db_backup.key_opens(db_path, Sealer(settings.secret_key)) is False:
        print(
            f"warning: the secret key in use does not open the {info.open_chat_keys} open "
            "chats' keys in this backup, so their messages are unreadable. Set "
            "ADVICE_CHAT_SECRET_KEY (or var/secret_key) to the key the backup was made "
            "under before starting the server.",
            file=sys.stderr,
        )
    return 0


POSTGRES_BACKUP_ADVICE = (
    "error: backup and restore here are for the embedded SQLite database. On PostgreSQL use "
    "pg_dump --format=custom and pg_restore (see docs/deployment.md, 'Backup and restore')."
)


async def _with_accounts(settings: Settings) -> tuple[Store, AccountService]:
    await upgrade(settings.database_url)
    store = Store(create_engine(settings.database_url), Sealer(settings.secret_key))
    accounts = AccountService(
        store, session_hours=settings.session_hours, default_capacity=settings.adviser_capacity
    )
    return store, accounts


async def _create_user(settings: Settings, args: argparse.Namespace, password: str) -> int:
    store, accounts = await _with_accounts(settings)
    try:
        user = await accounts.create_user(
            username=args.username,
            display_name=args.display_name,
            role=args.role,
            password=password,
        )
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await store.close()
    print(f"created {user.role} {user.username!r} (id {user.id})")
    return 0


async def _reset_totp(settings: Settings, username: str) -> int:
    """Turn TOTP off for one account and end its sessions (audited)."""
    store, accounts = await _with_accounts(settings)
    try:
        found = await store.user_with_hash(username.strip().lower())
        if found is None:
            print(f"error: no user {username!r}", file=sys.stderr)
            return 2
        await accounts.reset_totp(found[0].id)
    finally:
        await store.close()
    print(f"TOTP turned off for {found[0].username!r}; they set it up again at the next sign-in")
    return 0


async def _demo_users(settings: Settings) -> list[tuple[str, str, str]]:
    """Create (or re-key) one adviser and one manager with fresh random passwords."""
    store, accounts = await _with_accounts(settings)
    created = []
    try:
        for role, username, name in (
            ("adviser", "demo-adviser", "Demo Adviser"),
            ("manager", "demo-manager", "Demo Manager"),
        ):
            password = secrets.token_urlsafe(12)
            found = await store.user_with_hash(username)
            if found is None:
                await accounts.create_user(
                    username=username, display_name=name, role=role, password=password
                )
            else:
                await accounts.set_password(found[0].id, password)
            created.append((role, username, password))
    finally:
        await store.close()
    return created


async def _purge(settings: Settings) -> int:
    """Redact any closed chat still holding raw text, then apply retention."""
    from advice_chat.redaction import Redactor
    from advice_chat.services.transcripts import TranscriptService

    await upgrade(settings.database_url)
    store = Store(create_engine(settings.database_url), Sealer(settings.secret_key))
    service = TranscriptService(
        store,
        Redactor(),
        retention_days=settings.retention_days,
        interval_seconds=settings.housekeeping_seconds,
        purge_interval_seconds=settings.purge_seconds,
    )
    try:
        redacted = await service.redact_pending()
        deleted = await service.purge()
    finally:
        await store.close()
    print(
        f"redacted {redacted} closed chats; deleted {deleted} transcripts older than "
        f"{settings.retention_days} days"
    )
    return 0


async def _stats(settings: Settings, args: argparse.Namespace) -> int:
    """The managers' statistics for a range, with the same disclosure control as the page."""
    import json

    from advice_chat.redaction import Redactor
    from advice_chat.services.stats import (
        StatsService,
        parse_range,
        summary_rows,
        today_london,
        view_rows,
    )
    from advice_chat.storage.stats_store import StatsStore
    from advice_chat.validation import InvalidInput

    try:
        day_from, day_to = parse_range(args.date_from, args.date_to, today_london())
    except InvalidInput as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        service = StatsService(StatsStore(engine), Redactor(), threshold=settings.stats_threshold)
        report = await service.report(day_from, day_to)
    finally:
        await dispose(engine)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for table in [summary_rows(report), *(view_rows(v) for v in report["views"])]:
        for row in table:
            print("\t".join(row))
        print()
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advice-chat", description=__doc__)
    parser.add_argument("--version", action="version", version=f"advice-chat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("serve", "run the service"),
        ("demo", "run the service with a demo adviser and manager"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--host", help="address to listen on (ADVICE_CHAT_HOST)")
        p.add_argument("--port", type=int, help="port to listen on (ADVICE_CHAT_PORT)")
    p = sub.add_parser("create-user", help="create an adviser or manager account")
    p.add_argument("--role", choices=("adviser", "manager"), required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--display-name", required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p = sub.add_parser(
        "reset-totp", help="turn off a staff member's TOTP (a lost phone); they set it up again"
    )
    p.add_argument("--username", required=True)
    sub.add_parser(
        "purge",
        help="redact closed chats still holding raw text; delete transcripts past retention",
    )
    kb = sub.add_parser("kb", help="knowledge base: search and reindex")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_search = kb_sub.add_parser("search", help="search the articles (staff view: all of them)")
    kb_search.add_argument("query")
    kb_search.add_argument("--limit", type=int, default=10)
    kb_search.add_argument("--json", action="store_true", help="print JSON")
    kb_sub.add_parser("reindex", help="load new and changed article files, rebuild the index")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    p = sub.add_parser(
        "backup", help="copy the SQLite database to PATH (online: safe while serving)"
    )
    p.add_argument("path")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p = sub.add_parser(
        "restore", help="replace the SQLite database with the backup at PATH (server stopped)"
    )
    p.add_argument("path")
    p.add_argument("--force", action="store_true", help="replace an existing database")
    p = sub.add_parser(
        "stats", help="statistics for a date range, with the dashboard's disclosure control"
    )
    p.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (default: 30 days ago)")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (default: today, UK time)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p = sub.add_parser("redact", help="redact JSON strings, one a line, from stdin to stdout")
    p.add_argument("--per-line", action="store_true", help="a fresh placeholder numbering per line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "redact":
        return redaction_stream.run(sys.stdin, sys.stdout, sys.stderr, per_line=args.per_line)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command in ("serve", "demo"):
        overrides: dict[str, object] = {}
        if args.host:
            overrides["host"] = args.host
        if args.port is not None:
            overrides["port"] = args.port
        settings = settings.with_overrides(**overrides)
        if args.command == "demo":
            users = asyncio.run(_demo_users(settings))
            print("Demo accounts (passwords are shown once):")
            for role, username, password in users:
                print(f"  {role:8} username: {username}  password: {password}")
            print(
                f"Open http://{settings.host}:{settings.port}/ (professional) and "
                f"http://{settings.host}:{settings.port}/login (staff)",
                flush=True,
            )
        return _serve(settings)
    if args.command == "create-user":
        try:
            password = _read_password(args)
        except AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return asyncio.run(_create_user(settings, args, password))
    if args.command == "reset-totp":
        return asyncio.run(_reset_totp(settings, args.username))
    if args.command == "purge":
        return asyncio.run(_purge(settings))
    if args.command == "stats":
        return asyncio.run(_stats(settings, args))
    if args.command == "backup":
        return _backup(settings, args.path, args.force)
    if args.command == "restore":
        return _restore(settings, args.path, args.force)
    if args.command == "kb":
        from advice_chat.kb_cli import run_kb

        return asyncio.run(run_kb(settings, args))
    if args.command == "db":
        upgrade_sync(settings.database_url)
        print("database is at the latest migration")
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
