"""The whole journey over real sockets, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.support import LiveServer, adviser, professional


class _AnyToken:
    def __eq__(self, other: Any) -> bool:
        return isinstance(other, str) and len(other) >= 24

    __hash__ = None  # type: ignore[assignment]


ANY_TOKEN: Any = _AnyToken()


async def test_full_journey(server: LiveServer) -> None:
    chat_id, token = await server.start_chat(message="Hello, I need advice")
    pro = await professional(server, token)
    queue = await pro.wait_for("queue")
    assert queue["position"] == 1
    assert queue["estimated_wait_seconds"] is None  # nobody signed in yet

    adv = await adviser(server, "ada")
    assigned = await adv.wait_for("assigned")
    assert assigned["chat_id"] == chat_id
    assert assigned["pre_chat"] == {
        "role": "probation",
        "region": "london",
        "topic": "risk",
        "immediate_risk": False,
    }
    joined = await pro.wait_for("assigned")
    assert joined["adviser"]["display_name"] == "Ada Adviser"

    history = await adv.call("history", {"chat_id": chat_id, "after_id": 0})
    assert [m["text"] for m in history["messages"]] == [
        "Hello, I need advice",
        "An adviser has joined the chat.",
    ]
    assert [m["id"] for m in history["messages"]] == [1, 2]
    assert history["status"] == "assigned"

    ack = await adv.send("Hello, how can I help?", chat_id=chat_id)
    assert ack["id"] == 3
    msg = await pro.wait_for("message", lambda m: m["sender"] == "adviser")
    assert msg["text"] == "Hello, how can I help?" and msg["id"] == 3

    ack = await pro.send("He denies everything")
    assert ack["id"] == 4
    got = await adv.wait_for("message", lambda m: m["sender"] == "professional")
    assert got["text"] == "He denies everything"
    assert got["chat_id"] == chat_id and got["sent_at"].endswith("Z")

    assert await adv.call("end", {"chat_id": chat_id, "outcome": "advice-given"}) == {"ok": True}
    ended = await pro.wait_for("ended")
    # An answered chat's professional also gets a one-time survey token (added to v1).
    assert ended == {"chat_id": chat_id, "ended_by": "adviser", "survey_token": ANY_TOKEN}
    assert (await adv.wait_for("ended")) == {"chat_id": chat_id, "ended_by": "adviser"}
    refused = await pro.send("one more thing")
    assert refused["error"] == "chat_ended"
    await pro.disconnect()
    await adv.disconnect()
