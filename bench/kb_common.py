"""Throwaway databases for the knowledge-base benchmarks: SQLite in a temporary directory,
PostgreSQL as a fresh database on the local server (as tests/conftest.py makes them)."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from advice_chat.services.kb import KnowledgeBase
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.kb_store import KbStore

POSTGRES_ADMIN_URL = os.environ.get(
    "ADVICE_CHAT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
KB_DIR = Path(__file__).resolve().parent.parent / "knowledge_base"


@contextlib.asynccontextmanager
async def database(backend: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/kb.db"
        return
    name = "ac_bench_" + secrets.token_hex(6)
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def knowledge_base(backend: str) -> AsyncIterator[KnowledgeBase]:
    """A knowledge base on a fresh database of this backend, migrated and empty."""
    async with database(backend) as url:
        await upgrade(url)
        store = KbStore(create_engine(url))
        try:
            yield KnowledgeBase(store, directory=KB_DIR)
        finally:
            await store.close()
