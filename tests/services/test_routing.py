"""Routing over real sockets: offers, declines, expiry, manual taking, capacity."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from advice_chat.config import Settings
from tests.support import LiveServer, adviser, professional


@pytest.fixture
async def offer_server(deployment: Settings) -> AsyncIterator[LiveServer]:
    live = LiveServer(deployment.with_overrides(offer_seconds=0.6, housekeeping_seconds=0.1))
    await live.start()
    for name in ("ada", "bea"):
        await live.create_user("adviser", name, name.title())
    yield live
    await live.stop()


@pytest.fixture
async def manual_server(deployment: Settings) -> AsyncIterator[LiveServer]:
    live = LiveServer(deployment.with_overrides(routing="manual"))
    await live.start()
    await live.create_user("adviser", "ada", "Ada")
    await live.create_user("manager", "max", "Max")
    yield live
    await live.stop()


async def test_offer_accept(offer_server: LiveServer) -> None:
    ada = await adviser(offer_server, "ada", available=False)
    ack = await ada.call("presence", {"status": "available", "offers": True})
    assert ack["status"] == "available"
    chat_id, token = await offer_server.start_chat()
    pro = await professional(offer_server, token)
    offer = await ada.wait_for("offer")
    assert offer["chat_id"] == chat_id and offer["expires_at"].endswith("Z")
    assert offer["pre_chat"]["role"] == "probation"
    assert not ada.got("assigned") and not pro.got("assigned")
    assert await ada.call("accept", {"chat_id": chat_id}) == {"ok": True}
    assert (await ada.wait_for("assigned"))["chat_id"] == chat_id
    await pro.wait_for("assigned")
    again = await ada.call("accept", {"chat_id": chat_id})
    assert again["error"] == "offer_gone"
    await pro.disconnect()
    await ada.disconnect()


async def test_declined_offer_goes_to_the_next_adviser(offer_server: LiveServer) -> None:
    ada = await adviser(offer_server, "ada", available=False)
    await ada.call("presence", {"status": "available", "offers": True})
    bea = await adviser(offer_server, "bea", available=False)
    await bea.call("presence", {"status": "available", "offers": True})
    chat_id, token = await offer_server.start_chat()
    pro = await professional(offer_server, token)
    # Ada went available first, so she has been idle longest and is offered it first.
    offer = await ada.wait_for("offer")
    assert offer["chat_id"] == chat_id and not bea.got("offer")
    assert await ada.call("decline", {"chat_id": chat_id}) == {"ok": True}
    assert (await bea.wait_for("offer"))["chat_id"] == chat_id
    assert (await ada.call("accept", {"chat_id": chat_id}))["error"] == "offer_gone"
    await bea.call("accept", {"chat_id": chat_id})
    await pro.wait_for("assigned")
    for c in (pro, ada, bea):
        await c.disconnect()


async def test_unanswered_offer_expires_and_adviser_is_set_away(offer_server: LiveServer) -> None:
    ada = await adviser(offer_server, "ada", available=False)
    await ada.call("presence", {"status": "available", "offers": True})
    chat_id, token = await offer_server.start_chat()
    pro = await professional(offer_server, token)
    await ada.wait_for("offer")
    expired = await ada.wait_for("offer_expired", timeout=5)
    assert expired == {"chat_id": chat_id}
    bea = await adviser(offer_server, "bea")  # direct assignment: no offers flag
    assert (await bea.wait_for("assigned"))["chat_id"] == chat_id
    assert (await pro.wait_for("queue"))["position"] == 1  # it was back in line meanwhile
    await asyncio.sleep(0.3)
    assert len(ada.got("offer")) == 1  # ada was set away: no second offer
    for c in (pro, ada, bea):
        await c.disconnect()


async def test_manual_mode_advisers_take_from_the_queue(manual_server: LiveServer) -> None:
    ada = await adviser(manual_server, "ada")
    first_id, first_token = await manual_server.start_chat()
    second_id, second_token = await manual_server.start_chat()
    first = await professional(manual_server, first_token)
    second = await professional(manual_server, second_token)
    summary = await ada.wait_for("queue", lambda q: q["waiting"] == 2)
    assert [c["chat_id"] for c in summary["chats"]] == [first_id, second_id]
    await asyncio.sleep(0.2)
    assert not ada.got("assigned")  # nothing is given out in manual mode
    assert await ada.call("take", {"chat_id": second_id}) == {"ok": True}
    assert (await ada.wait_for("assigned"))["chat_id"] == second_id
    await second.wait_for("assigned")
    taken = await ada.call("take", {"chat_id": second_id})
    assert taken["error"] == "not_waiting"
    # A manager lowers Ada's capacity to 1: she cannot take another.
    cookie = await manual_server.login_cookie("max")
    async with aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http:
        async with http.get(manual_server.base_url + "/api/manager/advisers") as resp:
            listed = (await resp.json())["advisers"]
            ada_row = next(a for a in listed if a["username"] == "ada")
            assert ada_row["capacity"] == 3 and ada_row["active"] == 1
        async with http.patch(
            manual_server.base_url + f"/api/manager/advisers/{ada_row['id']}",
            json={"capacity": 1},
        ) as resp:
            assert resp.status == 200 and (await resp.json())["capacity"] == 1
        async with http.patch(
            manual_server.base_url + f"/api/manager/advisers/{ada_row['id']}",
            json={"capacity": 99},
        ) as resp:
            assert resp.status == 400
    refused = await ada.call("take", {"chat_id": first_id})
    assert refused["error"] == "at_capacity"
    for c in (first, second, ada):
        await c.disconnect()


async def test_take_is_refused_in_auto_mode(server: LiveServer) -> None:
    chat_id, _ = await server.start_chat()
    ada = await adviser(server, "ada", available=False)
    assert (await ada.call("take", {"chat_id": chat_id}))["error"] == "forbidden"
    await ada.disconnect()
