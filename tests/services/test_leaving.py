"""People who leave: abandoned waits leave the line; an absent adviser's chats go back in it."""

from __future__ import annotations

import asyncio

from advice_chat.web.keys import CHATS
from tests.support import Client, LiveServer, adviser, professional


async def test_waiting_professional_who_leaves_is_abandoned(quick_server: LiveServer) -> None:
    first_id, first_token = await quick_server.start_chat()
    second_id, second_token = await quick_server.start_chat()
    first = await professional(quick_server, first_token)
    second = await professional(quick_server, second_token)
    assert (await second.wait_for("queue"))["position"] == 2
    await first.disconnect()
    # After the grace period the first chat is closed and the second moves up.
    await second.wait_for("queue", lambda q: q["position"] == 1, timeout=5)
    again = Client(quick_server.base_url, auth={"token": first_token})
    try:
        await again.connect()
        raise AssertionError("an abandoned chat's token still works")
    except Exception:
        assert again.refusal() == "chat_ended"
    ada = await adviser(quick_server, "ada")
    assigned = await ada.wait_for("assigned")
    assert assigned["chat_id"] == second_id  # the abandoned chat is never offered
    await asyncio.sleep(0.3)
    assert [a["chat_id"] for a in ada.got("assigned")] == [second_id]
    assert first_id != second_id
    await second.disconnect()
    await ada.disconnect()


async def test_professional_back_within_grace_keeps_place(quick_server: LiveServer) -> None:
    _, token = await quick_server.start_chat()
    pro = await professional(quick_server, token)
    await pro.wait_for("queue")
    await pro.disconnect()
    await asyncio.sleep(0.2)
    back = await professional(quick_server, token)
    assert (await back.wait_for("queue"))["position"] == 1
    await asyncio.sleep(1.0)  # well past the grace period, while connected
    assert (await back.call("history", {"after_id": 0}))["status"] == "waiting"
    await back.disconnect()


async def test_chat_never_opened_is_abandoned(quick_server: LiveServer) -> None:
    await quick_server.start_chat()
    watcher_id, watcher_token = await quick_server.start_chat()
    watcher = await professional(quick_server, watcher_token)
    await watcher.wait_for("queue", lambda q: q["position"] == 1, timeout=5)
    assert watcher_id
    await watcher.disconnect()


async def test_absent_adviser_chats_go_back_to_the_head(quick_server: LiveServer) -> None:
    early_id, early_token = await quick_server.start_chat()
    early = await professional(quick_server, early_token)
    ada = await adviser(quick_server, "ada")
    await early.wait_for("assigned")
    await ada.call("presence", {"status": "away"})
    late_id, late_token = await quick_server.start_chat()  # arrives after, waits
    late = await professional(quick_server, late_token)
    await late.wait_for("queue")
    await early.send("before the adviser vanished")
    await ada.disconnect()
    # Past the adviser grace period the early chat is back in line, ahead of the late one.
    requeued = await early.wait_for("message", lambda m: m.get("code") == "requeued", timeout=5)
    assert "back in the queue" in requeued["text"]
    assert await early.wait_for("queue", lambda q: q["position"] == 1, timeout=5)
    await late.wait_for("queue", lambda q: q["position"] == 2, timeout=5)
    bea = await adviser(quick_server, "bea")
    got = await bea.wait_for("assigned")
    assert got["chat_id"] == early_id
    history = await bea.call("history", {"chat_id": early_id, "after_id": 0})
    texts = [m["text"] for m in history["messages"]]
    assert "before the adviser vanished" in texts  # nothing lost on the way
    ids = [m["id"] for m in history["messages"]]
    assert ids == list(range(1, len(ids) + 1))
    assert late_id != early_id
    for c in (early, late, bea):
        await c.disconnect()


async def test_chat_both_parties_left_is_requeued_then_closed(quick_server: LiveServer) -> None:
    """Nobody is left in it: the adviser's grace ends, then the professional's, and it closes."""
    chat_id, token = await quick_server.start_chat()
    pro = await professional(quick_server, token)
    ada = await adviser(quick_server, "ada")
    await pro.wait_for("assigned")
    await pro.disconnect()
    await ada.disconnect()
    store = quick_server.app[CHATS]._store
    deadline = asyncio.get_running_loop().time() + 10
    while (chat := await store.get_chat(chat_id)) is not None and chat.status != "ended":
        assert asyncio.get_running_loop().time() < deadline, f"still {chat.status}"
        await asyncio.sleep(0.05)
    assert chat is not None and chat.ended_by == "system"
    # Raw messages until the redaction pass, the transcript after it (shredding is atomic).
    lines = await store.history(chat_id, 0) or await store.transcript(chat_id)
    codes = [m.code for m in lines]
    assert codes[-2:] == ["requeued", "ended"]
