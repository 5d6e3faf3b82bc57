"""The adviser console over real sockets (issue #7): typing and read marks, private notes,
transfer, safeguarding flags, supervision, canned replies and presence.

Each test runs on SQLite, PostgreSQL and PostgreSQL + Redis (the `server` fixture).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from advice_chat.config import Settings
from advice_chat.services.console import CANNED_MAX
from advice_chat.web.keys import CHATS, TRANSCRIPTS
from tests.conftest import _settings
from tests.support import Client, LiveServer, adviser, professional
from tests.web.test_transcripts import (  # the privacy checks, shared
    _files_of,
    _needles,
    _wait_redacted,
    planted,
)


async def _assigned_chat(
    server: LiveServer, username: str = "ada", **fields: Any
) -> tuple[str, Client, Client]:
    chat_id, token = await server.start_chat(**fields)
    pro = await professional(server, token)
    adv = await adviser(server, username)
    await adv.wait_for("assigned", lambda a: a["chat_id"] == chat_id)
    await pro.wait_for("assigned")
    return chat_id, pro, adv


async def _manager(server: LiveServer) -> Client:
    cookie = await server.login_cookie("max")
    client = Client(server.base_url, headers={"Cookie": f"advice_chat_session={cookie}"})
    await client.connect()
    return client


async def _api(
    server: LiveServer, username: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    cookie = await server.login_cookie(username)
    async with (
        aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http,
        http.request(method, server.base_url + path, json=body) as resp,
    ):
        data = await resp.json(content_type=None) if resp.status != 204 else None
        return resp.status, data


async def _audit(server: LiveServer) -> list[dict[str, Any]]:
    status, body = await _api(server, "max", "GET", "/api/manager/audit")
    assert status == 200
    return list(body["events"])


# -- typing and read marks ---------------------------------------------------------------


async def test_typing_and_read_marks_go_both_ways_and_are_not_stored(server: LiveServer) -> None:
    chat_id, pro, adv = await _assigned_chat(server, message="Hello")
    assert await pro.call("typing", {"typing": True}) == {"ok": True}
    got = await adv.wait_for("typing")
    assert got == {"chat_id": chat_id, "typing": True, "by": "professional"}
    assert await adv.call("typing", {"chat_id": chat_id, "typing": True}) == {"ok": True}
    assert await pro.wait_for("typing") == {"chat_id": chat_id, "typing": True, "by": "adviser"}

    ack = await adv.send("How can I help?", chat_id=chat_id)
    await pro.wait_for("message", lambda m: m["id"] == ack["id"])
    assert await pro.call("receipt", {"delivered": ack["id"]}) == {"ok": True}
    assert await pro.call("receipt", {"delivered": ack["id"], "read": ack["id"]}) == {"ok": True}
    marks = await adv.wait_for("receipt", lambda r: "read" in r)
    assert marks == {
        "chat_id": chat_id,
        "delivered": ack["id"],
        "read": ack["id"],
        "by": "professional",
    }
    assert await adv.call("receipt", {"chat_id": chat_id, "read": 1}) == {"ok": True}
    assert (await pro.wait_for("receipt"))["by"] == "adviser"
    # Marks and typing leave no message behind: ids stay contiguous.
    history = await pro.call("history", {"after_id": 0})
    assert [m["id"] for m in history["messages"]] == list(range(1, ack["id"] + 1))
    # Bad payloads are refused clearly; someone else's chat is not found.
    assert (await pro.call("typing", {"typing": "yes"}))["error"] == "invalid"
    assert (await pro.call("receipt", {"read": -1}))["error"] == "invalid"
    assert (await pro.call("receipt", {}))["error"] == "invalid"
    await adv.call("presence", {"status": "away"})
    other, _ = await server.start_chat()  # waiting: not Ada's
    assert (await adv.call("typing", {"chat_id": other, "typing": True}))["error"] == "not_found"
    for c in (pro, adv):
        await c.disconnect()


# -- private notes -----------------------------------------------------------------------


async def test_private_notes_never_reach_the_professional_and_are_redacted_at_close(
    server: LiveServer,
) -> None:
    ids = planted()
    chat_id, pro, adv = await _assigned_chat(server, message="I need advice")
    second = await adviser(server, "ada", available=False)  # the same adviser's other tab
    note = f"Caller may be {ids['name']}; mentioned {ids['email']} and {ids['phone']}."
    stored = await adv.call("note", {"chat_id": chat_id, "text": note, "client_id": "n1"})
    assert stored["id"] == 1 and stored["text"] == note
    assert stored["author"]["display_name"] == "Ada Adviser"
    # The adviser's other connection sees it; a resend is stored once.
    assert (await second.wait_for("note"))["id"] == 1
    again = await adv.call("note", {"chat_id": chat_id, "text": note, "client_id": "n1"})
    assert again["id"] == 1
    listed = await adv.call("notes", {"chat_id": chat_id})
    assert [n["text"] for n in listed["notes"]] == [note]
    await pro.send(f"His name is {ids['name']}.")
    # The professional never gets a note, nor a gap in message ids.
    history = await pro.call("history", {"after_id": 0})
    assert all(note not in m["text"] for m in history["messages"])
    assert [m["id"] for m in history["messages"]] == list(range(1, len(history["messages"]) + 1))
    assert not pro.got("note")
    assert (await pro.call("note", {"text": "x", "client_id": "p"}))["error"] == "forbidden"
    assert (await adv.call("note", {"chat_id": chat_id, "text": " ", "client_id": "n2"}))[
        "error"
    ] == "text_required"

    await adv.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
    await _wait_redacted(server, chat_id)
    status, transcript = await _api(server, "max", "GET", f"/api/transcripts/{chat_id}")
    assert status == 200
    [kept] = transcript["notes"]
    # Redacted in the chat's context: the same person has the same placeholder.
    assert kept["text"] == "Caller may be [NAME-1]; mentioned [EMAIL-1] and [PHONE-1]."
    assert any("[NAME-1]" in m["text"] for m in transcript["messages"])
    files = await _files_of(server.settings)
    for path in files:
        data = path.read_bytes()
        for needle in _needles(ids):
            assert needle not in data, f"{needle!r} found in {path}"
    # Retention deletes the notes with the transcript.
    store = server.app[TRANSCRIPTS]._store
    ended = await store.get_chat(chat_id)
    assert ended is not None and ended.ended_at is not None
    assert await server.app[TRANSCRIPTS].purge(ended.ended_at + timedelta(days=400)) == 1
    assert await store.notes(chat_id) == []
    for c in (pro, adv, second):
        await c.disconnect()


# -- transfer ----------------------------------------------------------------------------


async def test_transfer_to_another_adviser_loses_nothing(server: LiveServer) -> None:
    chat_id, pro, ada = await _assigned_chat(server, message="First question")
    await ada.send("First answer", chat_id=chat_id)
    await ada.call("note", {"chat_id": chat_id, "text": "Earlier note", "client_id": "e1"})
    bea = await adviser(server, "bea", available=False)
    # Bea is away: not offered as a target, and a transfer to her is refused.
    assert (await ada.call("advisers", {}))["advisers"] == []
    refused = await ada.call("transfer", {"chat_id": chat_id, "to": 2, "note": "x"})
    assert refused["error"] in ("not_available", "invalid_adviser")
    await bea.call("presence", {"status": "available"})
    [target] = (await ada.call("advisers", {}))["advisers"]
    assert target["display_name"] == "Bea Adviser" and target["free"] == 3
    assert (await ada.call("transfer", {"chat_id": chat_id, "to": target["id"] + 99}))[
        "error"
    ] == "invalid_adviser"

    ack = await ada.call(
        "transfer", {"chat_id": chat_id, "to": target["id"], "note": "Needs Drive advice"}
    )
    assert ack == {"ok": True, "to": {"id": target["id"], "display_name": "Bea Adviser"}}
    moved = await bea.wait_for("assigned", lambda a: a["chat_id"] == chat_id)
    assert moved["transfer"]["from"]["display_name"] == "Ada Adviser"
    assert moved["transfer"]["note"] == "Needs Drive advice"
    gone = await ada.wait_for("unassigned")
    assert gone["reason"] == "transferred" and gone["to"]["display_name"] == "Bea Adviser"
    told = await pro.wait_for("assigned", lambda a: a["adviser"]["display_name"] == "Bea Adviser")
    assert told["chat_id"] == chat_id
    notice = await pro.wait_for("message", lambda m: m.get("code") == "transferred")
    assert notice["sender"] == "system"

    # Bea sees everything said so far, and the notes (the hand-over note last).
    history = await bea.call("history", {"chat_id": chat_id, "after_id": 0})
    texts = [m["text"] for m in history["messages"]]
    assert texts[0] == "First question" and "First answer" in texts
    assert [m["id"] for m in history["messages"]] == list(range(1, len(texts) + 1))
    notes = await bea.call("notes", {"chat_id": chat_id})
    assert [n["text"] for n in notes["notes"]] == ["Earlier note", "Needs Drive advice"]
    # The chat is Bea's now: Ada cannot write to it, Bea can, the professional hears her.
    assert (await ada.send("still here?", chat_id=chat_id))["error"] == "not_found"
    sent = await bea.send("Hello, I am taking over", chat_id=chat_id)
    got = await pro.wait_for("message", lambda m: m["id"] == sent["id"])
    assert got["sender"] == "adviser"
    # Presence load moved with it.
    assert (await ada.call("presence", {"status": "available"}))["active"] == 0
    assert (await bea.call("presence", {"status": "available"}))["active"] == 1
    assert any(
        e["action"] == "chat_transferred" and e["subject"].startswith(chat_id)
        for e in await _audit(server)
    )
    # A second transfer of the same chat by Ada is refused.
    again = await ada.call("transfer", {"chat_id": chat_id, "to": target["id"]})
    assert again["error"] == "not_found"
    for c in (pro, ada, bea):
        await c.disconnect()


# -- safeguarding flags ------------------------------------------------------------------


async def test_a_flag_alerts_every_manager_is_acknowledged_once_and_audited(
    server: LiveServer,
) -> None:
    await server.create_user("manager", "mo", "Mo Manager")
    max_ = await _manager(server)
    cookie = await server.login_cookie("mo")
    mo = Client(server.base_url, headers={"Cookie": f"advice_chat_session={cookie}"})
    await mo.connect()
    assert (await max_.wait_for("flags"))["flags"] == []
    chat_id, pro, ada = await _assigned_chat(server)
    assert (await ada.call("flag", {"chat_id": chat_id, "reason": "nope"}))[
        "error"
    ] == "invalid_reason"
    raised = await ada.call("flag", {"chat_id": chat_id, "reason": "risk-to-child"})
    assert raised["reason"] == "risk-to-child" and raised["acknowledged_by"] is None
    assert raised["already"] is False
    # Pressed twice (or raised again before anyone answered): one flag, one alert.
    again = await ada.call("flag", {"chat_id": chat_id, "reason": "risk-to-child"})
    assert again["flag_id"] == raised["flag_id"] and again["already"] is True
    for manager in (max_, mo):
        alert = await manager.wait_for("flag")
        assert len(manager.got("flag")) == 1
        assert alert["flag_id"] == raised["flag_id"] and alert["chat_id"] == chat_id
        assert alert["raised_by"]["display_name"] == "Ada Adviser"
        assert alert["pre_chat"]["topic"] == "risk"
    # Managers cannot raise flags; advisers cannot acknowledge them; professionals neither.
    assert (await max_.call("flag", {"chat_id": chat_id, "reason": "marac-mappa"}))[
        "error"
    ] == "forbidden"
    assert (await ada.call("acknowledge_flag", {"flag_id": raised["flag_id"]}))[
        "error"
    ] == "forbidden"
    # A manager who signs in later is told of it.
    late = await _manager(server)
    assert [f["flag_id"] for f in (await late.wait_for("flags"))["flags"]] == [raised["flag_id"]]

    ack = await mo.call("acknowledge_flag", {"flag_id": raised["flag_id"]})
    assert ack["acknowledged_by"]["display_name"] == "Mo Manager" and ack["already"] is False
    done = await ada.wait_for("flag_acknowledged")
    assert done["acknowledged_by"]["display_name"] == "Mo Manager"
    assert (await max_.wait_for("flag_acknowledged"))["flag_id"] == raised["flag_id"]
    second = await max_.call("acknowledge_flag", {"flag_id": raised["flag_id"]})
    assert second["already"] is True
    assert second["acknowledged_by"]["display_name"] == "Mo Manager"
    assert (await max_.call("flags", {}))["flags"] == []
    assert (await max_.call("acknowledge_flag", {"flag_id": 999}))["error"] == "not_found"
    events = await _audit(server)
    raised_ev = [e for e in events if e["action"] == "flag_raised"]
    acked_ev = [e for e in events if e["action"] == "flag_acknowledged"]
    assert len(raised_ev) == 1 and len(acked_ev) == 1
    assert raised_ev[0]["subject"] == f"{chat_id}:risk-to-child"
    assert raised_ev[0]["username"] == "ada" and acked_ev[0]["username"] == "mo"
    # Counted in statistics, under the small-count rule.
    status, report = await _api(server, "max", "GET", "/api/stats")
    assert status == 200
    flags = next(v for v in report["views"] if v["id"] == "flags")
    row = next(r for r in flags["rows"] if r["key"] == "risk-to-child")
    assert row["cells"]["raised"] == report["suppressed"]["primary"]
    for c in (pro, ada, max_, mo, late):
        await c.disconnect()


# -- supervision -------------------------------------------------------------------------


async def test_senior_adviser_or_manager_watches_a_live_chat_read_only(
    server: LiveServer,
) -> None:
    chat_id, pro, ada = await _assigned_chat(server, message="Hello")
    await ada.call("note", {"chat_id": chat_id, "text": "Watch this one", "client_id": "w1"})
    bea = await adviser(server, "bea", available=False)
    # Not senior yet: refused, and nothing is recorded.
    assert (await bea.call("watch", {"chat_id": chat_id}))["error"] == "forbidden"
    status, users = await _api(server, "max", "GET", "/api/manager/advisers")
    bea_id = next(a["id"] for a in users["advisers"] if a["username"] == "bea")
    status, body = await _api(
        server, "max", "PATCH", f"/api/manager/advisers/{bea_id}", {"senior": True}
    )
    assert status == 200 and body["senior"] is True
    await bea.disconnect()
    bea = await adviser(server, "bea", available=False)
    assert (await ada.call("live_chats", {}))["error"] == "forbidden"  # Ada is not senior
    [live] = (await bea.call("live_chats", {}))["chats"]
    assert live["chat_id"] == chat_id and live["adviser"]["display_name"] == "Ada Adviser"
    assert "text" not in str(live)  # the list carries no words
    state = await bea.call("watch", {"chat_id": chat_id})
    assert state["chat_id"] == chat_id and state["adviser"]["display_name"] == "Ada Adviser"
    assert state["messages"][0]["text"] == "Hello"
    assert [n["text"] for n in state["notes"]] == ["Watch this one"]
    manager = await _manager(server)
    assert (await manager.call("watch", {"chat_id": chat_id}))["chat_id"] == chat_id

    # Live: both watchers get the next messages from either side.
    sent = await pro.send("Are you there?")
    for watcher in (bea, manager):
        got = await watcher.wait_for("message", lambda m: m["id"] == sent["id"])
        assert got["chat_id"] == chat_id
    reply = await ada.send("Yes", chat_id=chat_id)
    await bea.wait_for("message", lambda m: m["id"] == reply["id"])
    # Read only: the watcher cannot write, note or end.
    assert (await bea.send("hi", chat_id=chat_id))["error"] == "not_found"
    assert (await manager.send("hi", chat_id=chat_id))["error"] == "forbidden"
    assert (await bea.call("end", {"chat_id": chat_id, "outcome": "advice-given"}))[
        "error"
    ] == "not_found"
    gap = await bea.call("watch_history", {"chat_id": chat_id, "after_id": sent["id"] - 1})
    assert [m["id"] for m in gap["messages"]] == [sent["id"], reply["id"]]
    # Recorded in the audit trail, with who.
    watched = [e for e in await _audit(server) if e["action"] == "chat_watched"]
    assert {e["username"] for e in watched} == {"bea", "max"}
    assert {e["subject"] for e in watched} == {chat_id}
    # After unwatch, nothing more arrives; watch_history is closed to them.
    assert await bea.call("unwatch", {"chat_id": chat_id}) == {"ok": True}
    assert (await bea.call("watch_history", {"chat_id": chat_id, "after_id": 0}))[
        "error"
    ] == "not_found"
    await ada.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
    await manager.wait_for("ended")
    await asyncio.sleep(0.2)
    assert not bea.got("ended")
    for c in (pro, ada, bea, manager):
        await c.disconnect()


# -- presence ----------------------------------------------------------------------------


async def test_away_keeps_current_chats_and_stops_new_ones(server: LiveServer) -> None:
    chat_id, pro, ada = await _assigned_chat(server)
    state = await ada.call("presence", {"status": "away"})
    assert state == {"status": "away", "capacity": 3, "active": 1}
    second, token = await server.start_chat()
    pro2 = await professional(server, token)
    assert (await pro2.wait_for("queue"))["position"] == 1
    sent = await ada.send("Still with you", chat_id=chat_id)
    assert (await pro.wait_for("message", lambda m: m["id"] == sent["id"]))["text"]
    await asyncio.sleep(0.2)
    assert not ada.got("assigned") or all(a["chat_id"] != second for a in ada.got("assigned"))
    await ada.call("presence", {"status": "available"})
    await ada.wait_for("assigned", lambda a: a["chat_id"] == second)
    for c in (pro, pro2, ada):
        await c.disconnect()


# -- canned replies ----------------------------------------------------------------------


async def test_canned_replies_shared_by_managers_and_personal_to_advisers(
    server: LiveServer,
) -> None:
    status, shared = await _api(
        server,
        "max",
        "POST",
        "/api/canned",
        {"title": "Greeting", "shortcut": "hello", "text": "Hello, thank you for contacting us."},
    )
    assert status == 201 and shared["shared"] is True
    status, mine = await _api(
        server, "ada", "POST", "/api/canned", {"title": "MARAC", "text": "Have you referred?"}
    )
    assert status == 201 and mine["shared"] is False and mine["shortcut"] is None
    status, listed = await _api(server, "ada", "GET", "/api/canned")
    assert [r["title"] for r in listed["replies"]] == ["Greeting", "MARAC"]
    status, listed = await _api(server, "bea", "GET", "/api/canned")
    assert [r["title"] for r in listed["replies"]] == ["Greeting"]  # not Ada's own
    # An adviser cannot change the shared set, nor see another's reply.
    status, body = await _api(
        server, "ada", "PUT", f"/api/canned/{shared['id']}", {"title": "x", "text": "y"}
    )
    assert status == 403 and body["error"] == "forbidden"
    status, _ = await _api(server, "bea", "DELETE", f"/api/canned/{mine['id']}")
    assert status == 404
    status, edited = await _api(
        server,
        "ada",
        "PUT",
        f"/api/canned/{mine['id']}",
        {"title": "MARAC", "shortcut": "marac", "text": "Has a MARAC referral been made?"},
    )
    assert status == 200 and edited["shortcut"] == "marac"
    # Bad input: a clear error naming the field.
    for body, field in (
        ({"title": "", "text": "x"}, "title"),
        ({"title": "T", "text": "x", "shortcut": "Not Valid"}, "shortcut"),
        ({"title": "T"}, "text"),
        ({"title": "T", "text": "x" * 4001}, "text"),
        ({"title": "T" * 81, "text": "x"}, "title"),
    ):
        status, err = await _api(server, "ada", "POST", "/api/canned", body)
        assert status == 400 and err["field"] == field, (body, err)
    # A flood stops at the cap with a clear error.
    cookie = await server.login_cookie("bea")
    async with aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http:
        statuses = []
        for n in range(CANNED_MAX + 1):
            async with http.post(
                server.base_url + "/api/canned", json={"title": f"R{n}", "text": "x"}
            ) as resp:
                statuses.append(resp.status)
                last = await resp.json()
    assert statuses[:CANNED_MAX] == [201] * CANNED_MAX
    assert statuses[-1] == 400 and last["error"] == "too_many"
    status, _ = await _api(server, "ada", "DELETE", f"/api/canned/{mine['id']}")
    assert status == 204
    status, _ = await _api(server, "max", "DELETE", f"/api/canned/{shared['id']}")
    assert status == 204
    assert any(e["action"] == "canned_reply_deleted" for e in await _audit(server))
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.base_url + "/api/canned") as resp,
    ):
        assert resp.status == 401


def test_every_socket_event_is_documented_in_the_protocol() -> None:
    """Integrators build clients from docs/protocol.md alone: each event must be there."""
    from advice_chat.config import PROJECT_ROOT
    from advice_chat.web.access import SOCKET_RULES

    doc = (PROJECT_ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    missing = [e for e in SOCKET_RULES if f"`{e}`" not in doc]
    assert missing == []


async def test_two_workers_flags_transfer_and_watching_cross_workers(
    postgres_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Scale-out (PostgreSQL + Redis, two app instances): a flag raised on one worker alerts a
    manager on the other; a transfer reaches an adviser on the other; a supervisor on one
    worker watches a chat whose people are on the other (its worker learns of the watch from
    the database within its refresh interval)."""
    settings = _settings(tmp_path, postgres_url, redis_prefix)
    one, two = LiveServer(settings), LiveServer(settings)
    await one.start()
    await two.start()
    try:
        await one.create_user("adviser", "ada", "Ada Adviser")
        await one.create_user("adviser", "bea", "Bea Adviser")
        await one.create_user("manager", "max", "Max Manager")
        manager = await _manager(one)
        await manager.wait_for("flags")
        chat_id, token = await two.start_chat(message="Hello")
        pro = await professional(two, token)
        ada = await adviser(two, "ada")
        await ada.wait_for("assigned", lambda a: a["chat_id"] == chat_id)

        flag = await ada.call("flag", {"chat_id": chat_id, "reason": "needs-senior"})
        assert (await manager.wait_for("flag"))["flag_id"] == flag["flag_id"]
        await manager.call("acknowledge_flag", {"flag_id": flag["flag_id"]})
        assert (await ada.wait_for("flag_acknowledged"))["flag_id"] == flag["flag_id"]

        state = await manager.call("watch", {"chat_id": chat_id})
        assert state["messages"][0]["text"] == "Hello"
        # Worker two copies the chat's messages to watchers once it has seen the watch.
        for _ in range(100):
            if chat_id in two.app[CHATS].watched:
                break
            await asyncio.sleep(0.05)
        sent = await pro.send("Anyone there?")
        got = await manager.wait_for("message", lambda m: m["id"] == sent["id"])
        assert got["text"] == "Anyone there?"

        bea = await adviser(one, "bea")
        bea_id = (await ada.call("advisers", {}))["advisers"][0]["id"]
        assert (await ada.call("transfer", {"chat_id": chat_id, "to": bea_id}))["ok"] is True
        moved = await bea.wait_for("assigned", lambda a: a["chat_id"] == chat_id)
        assert moved["transfer"]["from"]["display_name"] == "Ada Adviser"
        reply = await bea.send("Bea here", chat_id=chat_id)
        assert (await pro.wait_for("message", lambda m: m["id"] == reply["id"]))["sender"] == (
            "adviser"
        )
        await manager.wait_for("message", lambda m: m["id"] == reply["id"])
        for c in (pro, ada, bea, manager):
            await c.disconnect()
    finally:
        await two.stop()
        await one.stop()


HOSTILE_VALUES: list[Any] = [
    None,
    "",
    "c_\x00",
    ["x"],
    {"nested": [[[[["deep"]]]]]},
    True,
    -1,
    2**70,
    1.5,
    "x" * 5000,
    "<script>alert(1)</script>",
]


async def test_console_events_answer_hostile_payloads_with_clear_errors(
    deployment: Settings,
) -> None:
    """Malformed, oversized and hostile payloads on every console event: an error ack that
    is never `internal` (nor a rate limit: it is off here, so each payload is really tried),
    nothing stored, and the chat goes on."""
    server = LiveServer(deployment.with_overrides(events_per_connection=0))
    await server.start()
    try:
        await server.create_user("adviser", "ada", "Ada Adviser")
        await server.create_user("manager", "max", "Max Manager")
        chat_id, pro, ada = await _assigned_chat(server, message="Hello")
        manager = await _manager(server)
        events = [
            (ada, ("typing", "receipt", "note", "notes", "transfer", "flag", "watch")),
            (ada, ("watch_history", "advisers", "live_chats")),
            (pro, ("typing", "receipt")),
            (manager, ("acknowledge_flag", "watch", "watch_history", "unwatch", "flags")),
        ]
        fields = ("chat_id", "typing", "delivered", "read", "text", "client_id", "to", "note")
        fields += ("reason", "flag_id", "after_id")
        tried = 0
        for client, names in events:
            for event in names:
                for value in HOSTILE_VALUES:
                    for field in fields:
                        payload: dict[str, Any] = {field: value}
                        if client is not pro and field != "chat_id":
                            payload["chat_id"] = chat_id
                        ack = await client.call(event, payload)
                        assert isinstance(ack, dict), (event, payload, ack)
                        assert ack.get("error") not in ("internal", "rate_limited"), (
                            event,
                            field,
                            value,
                            ack,
                        )
                        tried += 1
                ack = await client.call(event, ["not", "an", "object"])
                assert ack["error"] == "invalid"
        assert tried > 1500
        # Nothing was stored by any of it, and the chat still works both ways.
        assert (await ada.call("notes", {"chat_id": chat_id}))["notes"] == []
        assert (await manager.call("flags", {}))["flags"] == []
        sent = await pro.send("still here")
        got = await ada.wait_for("message", lambda m: m["id"] == sent["id"])
        assert got["text"] == "still here"
        for c in (pro, ada, manager):
            await c.disconnect()
    finally:
        await server.stop()
