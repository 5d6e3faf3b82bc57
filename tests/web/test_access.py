"""Nobody sees or writes to a chat that is not theirs; bad credentials are refused."""

from __future__ import annotations

import pytest
import socketio

from tests.support import Client, LiveServer, adviser, professional


async def test_professional_cannot_reach_another_chat(server: LiveServer) -> None:
    _, token_a = await server.start_chat(message="secret A")
    chat_b, token_b = await server.start_chat(message="secret B")
    pro_a = await professional(server, token_a)
    # The professional's own chat is implied; naming another one is refused.
    other = await pro_a.call("history", {"chat_id": chat_b, "after_id": 0})
    assert other["error"] == "not_found"
    own = await pro_a.call("history", {"after_id": 0})
    assert [m["text"] for m in own["messages"]] == ["secret A"]
    # Adviser-only events are refused to professionals.
    assert (await pro_a.call("presence", {"status": "available"}))["error"] == "forbidden"
    pro_b = await professional(server, token_b)
    await pro_a.send("for A only")
    history_b = await pro_b.call("history", {"after_id": 0})
    assert [m["text"] for m in history_b["messages"]] == ["secret B"]
    assert pro_b.got("message") == []
    await pro_a.disconnect()
    await pro_b.disconnect()


async def test_adviser_cannot_reach_chat_assigned_to_another(server: LiveServer) -> None:
    chat_id, token = await server.start_chat(message="for ada")
    pro = await professional(server, token)
    ada = await adviser(server, "ada")
    await ada.wait_for("assigned")
    bea = await adviser(server, "bea")
    assert (await bea.call("history", {"chat_id": chat_id, "after_id": 0}))["error"] == "not_found"
    assert (await bea.send("intrusion", chat_id=chat_id))["error"] == "not_found"
    refused = await bea.call("end", {"chat_id": chat_id, "outcome": "other"})
    assert refused["error"] == "not_found"
    await pro.send("hello ada")
    await ada.wait_for("message", lambda m: m["text"] == "hello ada")
    assert all(m.get("chat_id") != chat_id for m in bea.got("message"))
    history = await ada.call("history", {"chat_id": chat_id, "after_id": 0})
    assert "intrusion" not in [m["text"] for m in history["messages"]]
    # A chat still waiting is not the adviser's either.
    waiting_id, _ = await server.start_chat()
    assert (await bea.call("history", {"chat_id": waiting_id, "after_id": 0}))["error"] in {
        "not_found"
    }
    for c in (pro, ada, bea):
        await c.disconnect()


async def test_connections_without_credentials_are_refused(server: LiveServer) -> None:
    for auth, headers in (
        (None, None),
        ({"token": "not-a-real-token"}, None),
        ({"token": 12345}, None),
        (None, {"Cookie": "advice_chat_session=forged"}),
    ):
        client = Client(server.base_url, auth=auth, headers=headers)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect()
        assert client.refusal() == "unauthorized"


async def test_manager_connects_for_alerts_but_never_as_an_adviser(server: LiveServer) -> None:
    """Managers connect (safeguarding alerts, supervision) but take no chats (issue #7)."""
    cookie = await server.login_cookie("max")
    client = Client(server.base_url, headers={"Cookie": f"advice_chat_session={cookie}"})
    await client.connect()
    assert (await client.wait_for("flags")) == {"flags": []}
    assert (await client.call("presence", {"status": "available"}))["error"] == "forbidden"
    chat_id, _ = await server.start_chat()
    assert (await client.send("hello", chat_id=chat_id))["error"] == "forbidden"
    assert (await client.call("take", {"chat_id": chat_id}))["error"] == "forbidden"
    assert not client.got("assigned") and not client.got("queue")
    await client.disconnect()


async def test_token_stops_working_when_chat_ends(server: LiveServer) -> None:
    _, token = await server.start_chat()
    pro = await professional(server, token)
    assert await pro.call("end") == {"ok": True}
    await pro.wait_for("ended")
    await pro.disconnect()
    again = Client(server.base_url, auth={"token": token})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect()
    assert again.refusal() == "chat_ended"


async def test_wrong_password_and_unknown_user_get_401(server: LiveServer) -> None:
    for body in (
        {"username": "ada", "password": "wrong password!"},
        {"username": "nobody", "password": "whatever-it-is"},
    ):
        status, data = await server.post_json("/api/login", body)
        assert status == 401
        assert data["error"] == "invalid_credentials"


async def test_foreign_origin_refused(server: LiveServer) -> None:
    status, data = await server.post_json(
        "/api/login",
        {"username": "ada", "password": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert status == 403 and data["error"] == "forbidden_origin"
    client = Client(server.base_url, headers={"Origin": "https://evil.example"})
    client.auth = {"token": "whatever"}
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect()
