"""Raw message text is sealed with a per-chat key, and shredding leaves only the transcript."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from advice_chat.records import MessageRecord, utcnow
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.models import ChatKey, Message
from advice_chat.storage.sealing import Sealer, SealError
from advice_chat.storage.store import Shredded, Store
from tests.storage.helpers import open_chat


def test_sealed_text_opens_only_with_its_key_and_place() -> None:
    sealer = Sealer(secrets.token_urlsafe(48))
    key, wrapped = sealer.new_chat_key("c_1")
    sealed = sealer.seal(key, "c_1", 3, "Jade Okafor, 07700 900123")
    assert "Jade" not in sealed and "07700" not in sealed
    assert sealer.open(key, "c_1", 3, sealed) == "Jade Okafor, 07700 900123"
    assert sealer.unwrap("c_1", wrapped) == key
    with pytest.raises(SealError):
        sealer.open(key, "c_1", 4, sealed)  # moved to another place in the chat
    with pytest.raises(SealError):
        sealer.unwrap("c_2", wrapped)  # another chat's key slot
    with pytest.raises(SealError):
        Sealer(secrets.token_urlsafe(48)).unwrap("c_1", wrapped)  # another service key


async def test_messages_are_stored_sealed_and_read_back_in_clear(store: Store) -> None:
    await open_chat(store, "c_sealed", "first words")
    await store.add_message(
        "c_sealed", sender="professional", text="second words", client_id="x", now=utcnow()
    )
    async with store.engine.connect() as conn:
        stored = (await conn.execute(select(Message.text, Message.sealed))).all()
    assert len(stored) == 2
    assert all(row.sealed for row in stored)
    assert not any("words" in row.text for row in stored)
    assert [m.text for m in await store.history("c_sealed", 0)] == ["first words", "second words"]


async def test_a_second_store_with_the_same_service_key_reads_the_chat(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    await open_chat(first, "c_shared", "hello from worker one")
    assert [m.text for m in await second.history("c_shared", 0)] == ["hello from worker one"]


async def test_shredding_replaces_raw_messages_and_key_with_the_transcript(store: Store) -> None:
    await open_chat(store, "c_shred", "my colleague Priya Shah")
    ended = await store.end_chat(
        "c_shred", ended_by="professional", outcome=None, now=utcnow(), notice="The chat has ended."
    )
    assert ended is not None
    assert await store.chats_to_redact() == ["c_shred"]
    raw = await store.history("c_shred", 0)
    lines = [
        MessageRecord(
            m.chat_id,
            m.seq,
            m.sender,
            m.text.replace("Priya Shah", "[NAME-1]"),
            None,
            m.code,
            m.sent_at,
        )
        for m in raw
    ]
    assert await store.shred_to_transcript("c_shred", lines, utcnow())
    assert not await store.shred_to_transcript("c_shred", lines, utcnow())  # only once
    assert await store.chats_to_redact() == []
    assert await store.history("c_shred", 0) == []
    async with store.engine.connect() as conn:
        assert (await conn.execute(select(ChatKey.chat_id))).all() == []
    transcript = await store.transcript("c_shred")
    assert [m.text for m in transcript] == ["my colleague [NAME-1]", "The chat has ended."]
    assert await store.scrub()


async def test_an_open_chat_cannot_be_shredded(store: Store) -> None:
    await open_chat(store, "c_open", "still talking")
    assert not await store.shred_to_transcript("c_open", [], utcnow())
    assert [m.text for m in await store.history("c_open", 0)] == ["still talking"]


async def test_history_read_as_the_chat_is_shredded_answers_with_the_transcript(
    database_url: str,
) -> None:
    """A reader that got the rows before the shred and looks for the key after it."""
    await upgrade(database_url)
    secret = secrets.token_urlsafe(48)
    writer = Store(create_engine(database_url), Sealer(secret))
    reader = Store(create_engine(database_url), Sealer(secret))  # its own (empty) key cache
    try:
        await open_chat(writer, "c_race", "words about Priya Shah")
        await writer.end_chat(
            "c_race", ended_by="adviser", outcome=None, now=utcnow(), notice="The chat has ended."
        )
        raw = await writer.history("c_race", 0)
        async with reader.engine.connect() as conn:
            rows = (await conn.execute(select(Message).where(Message.chat_id == "c_race"))).all()
        redacted = [
            MessageRecord(
                m.chat_id,
                m.seq,
                m.sender,
                m.text.replace("Priya Shah", "[NAME-1]"),
                None,
                m.code,
                m.sent_at,
            )
            for m in raw
        ]
        assert await writer.shred_to_transcript("c_race", redacted, utcnow())
        async with reader.engine.connect() as conn:
            with pytest.raises(Shredded):
                await reader._open_rows(conn, rows)  # the rows it read before the shred
        # history() catches Shredded and answers with the transcript the shred wrote.
        assert await reader.history("c_race", 0) == []  # no raw rows are left to read
        texts = [m.text for m in await reader.transcript("c_race")]
        assert texts == ["words about [NAME-1]", "The chat has ended."]
        async with reader.engine.connect() as conn:
            assert (await conn.execute(select(ChatKey.chat_id))).all() == []  # no stray key
    finally:
        await writer.close()
        await reader.close()
