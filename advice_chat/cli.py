"""`advice-chat` command line: serve, demo, create-user, db upgrade, redact."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import secrets
import sys
from collections.abc import Sequence

from aiohttp import web

from advice_chat.config import ConfigError, Settings, load_settings
from advice_chat.logging_setup import configure_logging
from advice_chat.redaction import stream as redaction_stream
from advice_chat.services.accounts import AccountError, AccountService
from advice_chat.storage.engine import create_engine, upgrade, upgrade_sync
from advice_chat.storage.sealing import Sealer
from advice_chat.storage.store import Store

log = logging.getLogger("advice_chat.cli")


def _event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on POSIX
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _serve(settings: Settings) -> None:
    from advice_chat.app import create_app

    log.info("starting", extra={"host": settings.host, "port": settings.port})
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=lambda text: print(text, flush=True),
        access_log=None,
        shutdown_timeout=settings.shutdown_seconds,
        loop=_event_loop(),
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


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advice-chat", description=__doc__)
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
    sub.add_parser(
        "purge",
        help="redact closed chats still holding raw text; delete transcripts past retention",
    )
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
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
        _serve(settings)
        return 0
    if args.command == "create-user":
        try:
            password = _read_password(args)
        except AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return asyncio.run(_create_user(settings, args, password))
    if args.command == "purge":
        return asyncio.run(_purge(settings))
    if args.command == "db":
        upgrade_sync(settings.database_url)
        print("database is at the latest migration")
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
