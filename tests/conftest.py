"""Fixtures: database backends (SQLite and PostgreSQL), the live server, users."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

from advice_chat.config import Settings
from tests.support import LiveServer

POSTGRES_ADMIN_URL = os.environ.get(
    "ADVICE_CHAT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


REDIS_URL = os.environ.get("ADVICE_CHAT_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _settings(tmp_path: Path, database_url: str, redis_prefix: str | None = None) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        var_dir=tmp_path,
        queue_broadcast_seconds=0.05,
        redis_url=REDIS_URL if redis_prefix else None,
        redis_prefix=redis_prefix or "ac:",
    )


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A Redis key prefix of one test's own; its keys are deleted afterwards."""
    prefix = f"actest:{secrets.token_hex(4)}:"
    yield prefix
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [k async for k in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = "ac_test_" + secrets.token_hex(6)
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that uses it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'advice_chat.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", "postgres", "postgres+redis"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The embedded default, PostgreSQL in one process, and the scale-out backends."""
    if request.param == "sqlite":
        return _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'advice_chat.db'}")
    url = str(request.getfixturevalue("postgres_url"))
    if request.param == "postgres":
        return _settings(tmp_path, url)
    return _settings(tmp_path, url, str(request.getfixturevalue("redis_prefix")))


@pytest.fixture
async def server(deployment: Settings) -> AsyncIterator[LiveServer]:
    """The real server on a loopback port, once per deployment shape."""
    live = LiveServer(deployment)
    await live.start()
    await live.create_user("adviser", "ada", "Ada Adviser")
    await live.create_user("adviser", "bea", "Bea Adviser")
    await live.create_user("manager", "max", "Max Manager")
    yield live
    await live.stop()


@pytest.fixture
async def quick_server(deployment: Settings) -> AsyncIterator[LiveServer]:
    """Like `server`, with grace periods and housekeeping short enough to watch."""
    live = LiveServer(
        deployment.with_overrides(
            housekeeping_seconds=0.1,
            professional_grace_seconds=0.6,
            adviser_grace_seconds=0.6,
        )
    )
    await live.start()
    await live.create_user("adviser", "ada", "Ada Adviser")
    await live.create_user("adviser", "bea", "Bea Adviser")
    yield live
    await live.stop()


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """The real server on SQLite (the embedded default), with no users."""
    live = LiveServer(_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"))
    await live.start()
    yield live
    await live.stop()
