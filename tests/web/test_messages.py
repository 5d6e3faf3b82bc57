"""Promise 1: no message lost or duplicated, in order, across reconnects."""

from __future__ import annotations

import asyncio
import uuid

from tests.support import LiveServer, adviser, professional


async def _assigned_pair(server: LiveServer, username: str = "ada"):  # type: ignore[no-untyped-def]
    chat_id, token = await server.start_chat()
    pro = await professional(server, token)
    adv = await adviser(server, username)
    await adv.wait_for("assigned", lambda a: a["chat_id"] == chat_id)
    await pro.wait_for("assigned")
    return chat_id, token, pro, adv


async def test_thirty_messages_each_way_arrive_in_order(server: LiveServer) -> None:
    chat_id, _, pro, adv = await _assigned_pair(server)

    async def talk(client, prefix, **kw):  # type: ignore[no-untyped-def]
        return [(await client.send(f"{prefix}{i}", **kw))["id"] for i in range(30)]

    # Both sides talk at once; each side sends in order, as a person types.
    pro_ids, adv_ids = await asyncio.gather(talk(pro, "p"), talk(adv, "a", chat_id=chat_id))
    assert pro_ids == sorted(pro_ids) and adv_ids == sorted(adv_ids)
    assert len(set(pro_ids + adv_ids)) == 60  # every message got its own id

    await adv.wait_for("message", lambda m: m["text"] == "p29")
    await pro.wait_for("message", lambda m: m["text"] == "a29")
    from_pro = [m["text"] for m in adv.got("message") if m["sender"] == "professional"]
    from_adv = [m["text"] for m in pro.got("message") if m["sender"] == "adviser"]
    assert from_pro == [f"p{i}" for i in range(30)]
    assert from_adv == [f"a{i}" for i in range(30)]

    history = await pro.call("history", {"after_id": 0})
    seqs = [m["id"] for m in history["messages"]]
    assert seqs == list(range(1, len(seqs) + 1))  # contiguous, no gap, no repeat
    assert len(seqs) == 61  # 60 messages and the "adviser joined" notice
    await pro.disconnect()
    await adv.disconnect()


async def test_resend_with_same_client_id_stores_once(server: LiveServer) -> None:
    chat_id, _, pro, adv = await _assigned_pair(server)
    client_id = uuid.uuid4().hex
    first, second, third = await asyncio.gather(
        pro.send("only once", client_id=client_id),
        pro.send("only once", client_id=client_id),
        pro.send("only once", client_id=client_id),
    )
    assert first["id"] == second["id"] == third["id"]
    history = await adv.call("history", {"chat_id": chat_id, "after_id": 0})
    assert [m["text"] for m in history["messages"]].count("only once") == 1
    await asyncio.sleep(0.2)
    assert [m["text"] for m in adv.got("message")].count("only once") == 1
    await pro.disconnect()
    await adv.disconnect()


async def test_professional_drops_misses_messages_and_resyncs(server: LiveServer) -> None:
    chat_id, token, pro, adv = await _assigned_pair(server)
    for i in range(3):
        await pro.send(f"before {i}")
    held = (await pro.call("history", {"after_id": 0}))["messages"]
    last_held = held[-1]["id"]
    await pro.disconnect()

    for i in range(5):
        assert "id" in await adv.send(f"while away {i}", chat_id=chat_id)

    back = await professional(server, token)
    assert (await back.wait_for("assigned"))["chat_id"] == chat_id
    missed = await back.call("history", {"after_id": last_held})
    assert [m["text"] for m in missed["messages"]] == [f"while away {i}" for i in range(5)]
    assert [m["id"] for m in missed["messages"]] == list(range(last_held + 1, last_held + 6))

    # A message the client sent but whose ack was lost is resent with its client_id: one copy.
    client_id = uuid.uuid4().hex
    first = await back.send("ack lost", client_id=client_id)
    again = await back.send("ack lost", client_id=client_id)
    assert first["id"] == again["id"]
    full = await back.call("history", {"after_id": 0})
    texts = [m["text"] for m in full["messages"]]
    assert texts.count("ack lost") == 1
    assert len(texts) == len(set(m["id"] for m in full["messages"]))
    await back.disconnect()
    await adv.disconnect()


async def test_adviser_reconnect_gets_open_chats_again(server: LiveServer) -> None:
    chat_id, _, pro, adv = await _assigned_pair(server)
    await adv.disconnect()
    await pro.send("are you there?")
    again = await adviser(server, "ada", available=False)
    assigned = await again.wait_for("assigned")
    assert assigned["chat_id"] == chat_id
    history = await again.call("history", {"chat_id": chat_id, "after_id": 0})
    assert history["messages"][-1]["text"] == "are you there?"
    await pro.disconnect()
    await again.disconnect()


async def test_messages_sent_while_waiting_reach_the_adviser(server: LiveServer) -> None:
    chat_id, token = await server.start_chat(message="first")
    pro = await professional(server, token)
    await pro.wait_for("queue")
    assert (await pro.send("second"))["id"] == 2
    adv = await adviser(server, "ada")
    await adv.wait_for("assigned")
    history = await adv.call("history", {"chat_id": chat_id, "after_id": 0})
    assert [m["text"] for m in history["messages"]][:2] == ["first", "second"]
    await pro.disconnect()
    await adv.disconnect()
