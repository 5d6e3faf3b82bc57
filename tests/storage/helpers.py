"""Helpers shared by the storage tests."""

from __future__ import annotations

import secrets

from advice_chat.records import utcnow
from advice_chat.storage.store import Store


async def open_chat(store: Store, chat_id: str, first: str | None = None) -> None:
    """A routine waiting chat, as a professional's pre-chat form makes one."""
    await store.create_chat(
        chat_id=chat_id,
        token_hash=secrets.token_hex(32),
        role="probation",
        region="london",
        topic="risk",
        immediate_risk=False,
        priority=0,
        now=utcnow(),
        first_message=first,
    )
