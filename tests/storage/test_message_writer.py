"""The message write path on both backends: batches, resends, refusals and two writers.

Messages submitted together share a transaction (group commit). These tests submit many at
once so that batches really form, and check what each sender gets back and what is stored.
"""

from __future__ import annotations

import asyncio

from advice_chat.records import utcnow
from advice_chat.storage.message_writer import Posted
from advice_chat.storage.store import ChatClosed, Store
from tests.storage.helpers import open_chat


async def _send(store: Store, chat_id: str, text: str, client_id: str) -> Posted | str:
    try:
        return await store.add_message(
            chat_id, sender="professional", text=text, client_id=client_id, now=utcnow()
        )
    except ChatClosed:
        return "closed"


async def test_a_batch_with_resends_and_refusals_answers_each_sender(store: Store) -> None:
    chats = [f"c_batch_{i}" for i in range(3)]
    for chat_id in chats:
        await open_chat(store, chat_id)
    first = await _send(store, chats[0], "already stored", "m-first")
    assert isinstance(first, Posted) and first.message.seq == 1
    # One chat's messages go in order (as the per-chat lock sends them); the chats at once.
    sends: list[tuple[str, str, str]] = []
    for i in range(8):
        sends.extend((chat_id, f"message {i}", f"m{i}") for chat_id in chats)
    sends.insert(5, (chats[0], "already stored", "m-first"))  # a resend inside a batch
    sends.insert(9, ("c_no_such_chat", "lost?", "m-x"))  # refused inside a batch

    async def one_chat(chat_id: str) -> list[Posted | str]:
        return [await _send(store, c, text, cid) for c, text, cid in sends if c == chat_id]

    results = await asyncio.gather(*(one_chat(c) for c in [*chats, "c_no_such_chat"]))
    by_chat = dict(zip([*chats, "c_no_such_chat"], results, strict=True))
    assert by_chat["c_no_such_chat"] == ["closed"]
    resent = by_chat[chats[0]][2]  # the resend was the chat's third send
    assert isinstance(resent, Posted)
    assert (resent.created, resent.message.seq, resent.message.text) == (False, 1, "already stored")
    for chat_id in chats:
        posted = [r for r in by_chat[chat_id] if isinstance(r, Posted) and r.created]
        assert len(posted) == 8
        start = 2 if chat_id == chats[0] else 1
        assert [p.message.seq for p in posted] == list(range(start, start + 8))
        stored = await store.history(chat_id, 0)
        expected = (["already stored"] if chat_id == chats[0] else []) + [
            f"message {i}" for i in range(8)
        ]
        assert [m.text for m in stored] == expected
        assert [m.seq for m in stored] == list(range(1, len(expected) + 1))
    # The point of the test: messages did share transactions (the resend and the refusal
    # were written in a batch with others), not one transaction each.
    commit = store._messages._commit
    assert commit.batches < commit.requests


async def test_two_writers_on_one_chat_get_contiguous_ids(
    two_stores: tuple[Store, Store],
) -> None:
    """Two stores (two workers) write to the same chat at once: no id twice, no gap."""
    one, two = two_stores
    await open_chat(one, "c_two_writers")

    async def writer(store: Store, name: str) -> list[int]:
        seqs = []
        for i in range(15):
            posted = await _send(store, "c_two_writers", f"{name} {i}", f"{name}-{i}")
            assert isinstance(posted, Posted)
            seqs.append(posted.message.seq)
        return seqs

    a, b = await asyncio.gather(writer(one, "one"), writer(two, "two"))
    assert a == sorted(a) and b == sorted(b)
    assert sorted(a + b) == list(range(1, 31))
    stored = await two.history("c_two_writers", 0)
    assert [m.seq for m in stored] == list(range(1, 31))
    assert sorted(m.text for m in stored) == sorted(
        [f"one {i}" for i in range(15)] + [f"two {i}" for i in range(15)]
    )
