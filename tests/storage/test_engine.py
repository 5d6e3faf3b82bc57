"""SQLite engine: writes never run a checkpoint themselves; a thread beside them does."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import text

from advice_chat.storage.engine import create_engine, dispose, write_transaction

MARKER = b"CHECKPOINT-MARKER-7f3a"


async def test_written_pages_reach_the_database_file_without_a_checkpointing_writer(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ckpt.db"
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with write_transaction(engine) as conn:
            await conn.execute(text("CREATE TABLE t (x BLOB)"))
        async with write_transaction(engine) as conn:
            await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": MARKER})
        # The writer itself does not checkpoint (wal_autocheckpoint=0) ...
        async with write_transaction(engine) as conn:
            setting = (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar()
        assert setting == 0
        # ... the checkpointer copies the page into the database file within a few seconds.
        deadline = time.monotonic() + 5
        while MARKER not in db.read_bytes():
            assert time.monotonic() < deadline, "the WAL was never checkpointed"
            await asyncio.sleep(0.1)
    finally:
        await dispose(engine)
