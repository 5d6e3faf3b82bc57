"""Fixtures for the storage tests: a migrated store on each backend."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.sealing import Sealer
from advice_chat.storage.store import Store


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    await upgrade(database_url)
    s = Store(create_engine(database_url), Sealer(secrets.token_urlsafe(48)))
    yield s
    await s.close()


@pytest.fixture
async def two_stores(database_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database with one service key: two workers of one deployment."""
    await upgrade(database_url)
    secret = secrets.token_urlsafe(48)
    one = Store(create_engine(database_url), Sealer(secret))
    two = Store(create_engine(database_url), Sealer(secret))
    yield one, two
    await one.close()
    await two.close()
