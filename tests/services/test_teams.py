"""Teams over real sockets: routing by pre-chat answers, moving a chat, overflow, closed teams,
managers' team endpoints and statistics by team (issue 12)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from advice_chat.app import STORE
from advice_chat.config import Settings
from advice_chat.opening import LONDON
from advice_chat.records import utcnow
from advice_chat.web.keys import ACCOUNTS, QUEUE
from tests.support import PRE_CHAT, LiveServer, adviser, professional


@pytest.fixture
async def teams_server(deployment: Settings) -> AsyncIterator[LiveServer]:
    live = LiveServer(deployment.with_overrides(housekeeping_seconds=0.1))
    await live.start()
    await live.create_user("adviser", "ada", "Ada Respect")
    await live.create_user("adviser", "dan", "Dan Drive")
    await live.create_user("manager", "max", "Max Manager")
    yield live
    await live.stop()


async def _manager(live: LiveServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    cookie = await live.login_cookie("max")
    async with (
        aiohttp.ClientSession(headers={"Cookie": f"advice_chat_session={cookie}"}) as http,
        http.request(method, live.base_url + path, json=body) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


async def _adviser_id(live: LiveServer, username: str) -> int:
    for user in await live.app[ACCOUNTS].advisers():
        if user.username == username:
            return user.id
    raise AssertionError(username)


async def _make_dan_drive(live: LiveServer) -> None:
    dan = await _adviser_id(live, "dan")
    status, body = await _manager(
        live, "PUT", f"/api/manager/advisers/{dan}/teams", {"teams": ["drive"]}
    )
    assert status == 200 and body == {"id": dan, "teams": ["drive"]}


async def _chat_team(live: LiveServer, chat_id: str) -> tuple[str, str | None]:
    chat = await live.app[STORE].get_chat(chat_id)
    assert chat is not None
    return chat.team, chat.answered_team


async def test_answers_route_to_the_team_and_only_its_advisers_answer(
    teams_server: LiveServer,
) -> None:
    live = teams_server
    await _make_dan_drive(live)
    status, body = await live.post_json("/api/chats", {**PRE_CHAT, "open_to_drive": True})
    assert status == 201 and body["team"] == "drive"
    drive_chat = body["chat_id"]
    status, body = await live.post_json("/api/chats", {**PRE_CHAT, "high_risk": True})
    assert status == 201 and body["team"] == "drive"
    marac_chat = body["chat_id"]
    respect_chat, respect_token = await live.start_chat(open_to_drive=False, high_risk=None)
    assert (await _chat_team(live, respect_chat))[0] == "respect"
    pro = await professional(live, respect_token)
    # Position within the team that will answer: first in Respect's line, not third overall.
    queued = await pro.wait_for("queue")
    assert queued["position"] == 1 and queued["team"] == "respect"

    ada = await adviser(live, "ada")  # no team set: the default team, Respect
    assert (await ada.wait_for("assigned"))["chat_id"] == respect_chat
    dan = await adviser(live, "dan")
    await dan.wait_for("assigned", lambda a: a["chat_id"] == marac_chat)
    got = [a["chat_id"] for a in dan.got("assigned")]
    assert got == [drive_chat, marac_chat] and all(
        a["team"] == "drive" for a in dan.got("assigned")
    )
    assert [a["chat_id"] for a in ada.got("assigned")] == [respect_chat]
    assert await _chat_team(live, drive_chat) == ("drive", "drive")
    status, body = await live.post_json("/api/chats", {**PRE_CHAT, "high_risk": "yes"})
    assert status == 400 and body["field"] == "high_risk"
    for c in (pro, ada, dan):
        await c.disconnect()


async def test_moving_a_chat_keeps_its_place_and_passes_the_note(teams_server: LiveServer) -> None:
    live = teams_server
    await _make_dan_drive(live)
    ada = await adviser(live, "ada")
    chat_id, token = await live.start_chat()
    pro = await professional(live, token)
    await ada.wait_for("assigned")
    # A Drive chat arrives after it, and waits: Dan is away.
    later_id, later_token = await live.start_chat(open_to_drive=True)
    later = await professional(live, later_token)
    assert (await later.wait_for("queue"))["position"] == 1
    dan = await adviser(live, "dan", available=False)

    bad = await ada.call("move_team", {"chat_id": chat_id, "team": "nowhere"})
    assert bad["error"] == "invalid"
    same = await ada.call("move_team", {"chat_id": chat_id, "team": "respect"})
    assert same["error"] == "same_team"
    other = await dan.call("move_team", {"chat_id": chat_id, "team": "drive"})
    assert other["error"] == "not_found"  # not Dan's chat, and not waiting
    ack = await ada.call(
        "move_team", {"chat_id": chat_id, "team": "drive", "note": "Case open to Drive in Leeds"}
    )
    assert ack == {"ok": True, "team": "drive"}
    await ada.wait_for("unassigned", lambda u: u == {"chat_id": chat_id, "reason": "moved_team"})
    told = await pro.wait_for("message", lambda m: m.get("code") == "team_moved")
    assert "Drive" in told["text"] and told["sender"] == "system"
    # It first joined before the waiting Drive chat, so it goes ahead of it in Drive's line.
    await pro.wait_for("queue", lambda q: q["team"] == "drive" and q["position"] == 1)
    await later.wait_for("queue", lambda q: q["position"] == 2)
    assert await _chat_team(live, chat_id) == ("drive", None)

    assert (await dan.call("presence", {"status": "available"}))["status"] == "available"
    first = await dan.wait_for("assigned")
    assert first["chat_id"] == chat_id and first["team_note"] == "Case open to Drive in Leeds"
    await dan.wait_for("assigned", lambda a: a["chat_id"] == later_id)
    await pro.wait_for("assigned")
    # The history keeps the whole conversation, and Dan sees it.
    history = await dan.call("history", {"chat_id": chat_id, "after_id": 0})
    assert [m.get("code") for m in history["messages"]].count("team_moved") == 1
    # The waiting line can be moved too, by a member of the chat's team.
    await ada.call("presence", {"status": "away"})
    third_id, _ = await live.start_chat()
    back = await dan.call("move_team", {"chat_id": third_id, "team": "respect"})
    assert back["error"] == "same_team"
    ack = await dan.call("move_team", {"chat_id": third_id, "team": "drive"})
    assert ack == {"ok": True, "team": "drive"}
    assert await _chat_team(live, third_id) == ("drive", "drive")  # Dan had room: his now
    for c in (pro, later, ada, dan):
        await c.disconnect()


async def test_overflow_after_the_threshold_only_when_allowed(teams_server: LiveServer) -> None:
    live = teams_server
    await _make_dan_drive(live)
    ada = await adviser(live, "ada")
    drive_chat, token = await live.start_chat(open_to_drive=True)
    pro = await professional(live, token)
    await pro.wait_for("queue")
    status, body = await _manager(
        live, "PATCH", "/api/manager/teams/drive", {"overflow_after_seconds": 0}
    )
    assert status == 200 and body["overflow_allowed"] is False
    # Without the manager's consent nothing overflows, however long the chat has waited.
    assert await live.app[QUEUE].assign_overflow() == 0
    assert await live.app[QUEUE].try_assign() == 0
    assert not ada.got("assigned")
    status, body = await _manager(
        live, "PATCH", "/api/manager/teams/drive", {"overflow_allowed": True}
    )
    assert status == 200 and body["overflow_allowed"] is True
    assigned = await ada.wait_for("assigned", timeout=10)  # within the teams' cache time
    assert assigned["chat_id"] == drive_chat and assigned["overflow"] is True
    assert assigned["team"] == "drive"
    assert await _chat_team(live, drive_chat) == ("drive", "respect")
    for c in (pro, ada):
        await c.disconnect()


async def test_a_closed_team_redirects_or_says_who_to_contact(teams_server: LiveServer) -> None:
    live = teams_server
    today = utcnow().astimezone(LONDON).date()
    closed_now = {
        "windows": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(7)],
        "closed_dates": [(today + timedelta(days=i)).isoformat() for i in range(2)],
    }
    status, body = await _manager(live, "PUT", "/api/manager/teams/drive/hours", closed_now)
    assert status == 200 and body["hours"]["closed_dates"] == closed_now["closed_dates"]
    status, listing = await _manager(live, "GET", "/api/manager/teams")
    assert {t["slug"]: t["open"] for t in listing["teams"]} == {"respect": True, "drive": False}

    status, body = await live.post_json("/api/chats", {**PRE_CHAT, "open_to_drive": True})
    assert status == 201 and body["team"] == "respect"  # sent to the open team

    status, _ = await _manager(
        live,
        "PATCH",
        "/api/manager/teams/drive",
        {"redirect_when_closed": False, "contact": "Call the Drive office on 0800 000 0000."},
    )
    assert status == 200
    status, body = await live.post_json("/api/chats", {**PRE_CHAT, "high_risk": True})
    assert status == 503 and body["error"] == "closed"
    assert body["contact"] == "Call the Drive office on 0800 000 0000."
    assert "0800 000 0000" in body["message"] and body["opens_at"] is not None
    status, body = await live.post_json("/api/chats", PRE_CHAT)
    assert status == 201 and body["team"] == "respect"
    # Following the service's hours again (always open here).
    status, body = await _manager(live, "DELETE", "/api/manager/teams/drive/hours")
    assert status == 200 and body["hours"] is None
    status, body = await live.post_json("/api/chats", {**PRE_CHAT, "high_risk": True})
    assert status == 201 and body["team"] == "drive"


async def test_managers_keep_teams_and_memberships(teams_server: LiveServer) -> None:
    live = teams_server
    dan = await _adviser_id(live, "dan")
    status, listing = await _manager(live, "GET", "/api/manager/teams")
    assert status == 200
    assert [t["slug"] for t in listing["teams"]] == ["respect", "drive"]
    assert {a["display_name"]: a["teams"] for a in listing["advisers"]} == {
        "Ada Respect": ["respect"],
        "Dan Drive": ["respect"],
    }
    status, body = await _manager(
        live, "PUT", f"/api/manager/advisers/{dan}/teams", {"teams": ["drive", "respect"]}
    )
    assert status == 200 and body["teams"] == ["respect", "drive"]
    bad_bodies: list[Any] = [{"teams": []}, {"teams": ["nowhere"]}, {"teams": "drive"}, []]
    for bad in bad_bodies:
        status, body = await _manager(live, "PUT", f"/api/manager/advisers/{dan}/teams", bad)
        assert status == 400 and body["field"] == "teams", bad
    status, _ = await _manager(
        live, "PUT", "/api/manager/advisers/999999/teams", {"teams": ["drive"]}
    )
    assert status == 404
    status, body = await _manager(
        live, "POST", "/api/manager/teams", {"slug": "perpetrator-line", "name": "Evening line"}
    )
    assert status == 201 and body["slug"] == "perpetrator-line" and body["hours"] is None
    status, body = await _manager(
        live, "POST", "/api/manager/teams", {"slug": "drive", "name": "X"}
    )
    assert status == 409
    for bad_settings in (
        {"overflow_after_seconds": -1},
        {"overflow_allowed": "yes"},
        {"name": ""},
        {"contact": "x" * 301},
        {"slug": "renamed"},
    ):
        status, body = await _manager(live, "PATCH", "/api/manager/teams/drive", bad_settings)
        assert status == 400, bad_settings
    status, _ = await _manager(live, "PATCH", "/api/manager/teams/nowhere", {"name": "N"})
    assert status == 404
    # Advisers may not manage teams.
    cookie = await live.login_cookie("ada")
    async with (
        aiohttp.ClientSession(headers={"Cookie": f"advice_chat_session={cookie}"}) as http,
        http.get(live.base_url + "/api/manager/teams") as resp,
    ):
        assert resp.status == 403


async def test_statistics_by_team_with_suppression(teams_server: LiveServer) -> None:
    live = teams_server
    ada = await adviser(live, "ada")
    chat_id, token = await live.start_chat()
    pro = await professional(live, token)
    await ada.wait_for("assigned")
    assert await ada.call("end", {"chat_id": chat_id, "outcome": "advice-given"}) == {"ok": True}
    status, report = await _manager(live, "GET", "/api/stats")
    assert status == 200
    view = next(v for v in report["views"] if v["id"] == "team")
    rows = {r["key"]: r["cells"] for r in view["rows"]}
    assert set(rows) == {"respect", "drive"}
    # One chat: a small count, shown only as suppressed.
    assert rows["respect"]["answered"] == report["suppressed"]["primary"]
    assert rows["drive"]["answered"] == 0
    for c in (pro, ada):
        await c.disconnect()


async def test_reconciliation_puts_a_chat_in_the_line_of_its_team(
    teams_server: LiveServer,
) -> None:
    """A worker that died between committing a move and moving the line: the next
    reconciliation pass follows the database."""
    live = teams_server
    chat_id, token = await live.start_chat()
    pro = await professional(live, token)
    assert (await pro.wait_for("queue"))["team"] == "respect"
    moved = await live.app[STORE].move_waiting_chat(
        chat_id, "respect", "drive", utcnow(), "Your chat has been passed to the Drive team."
    )
    assert moved is not None and moved[0].team == "drive"
    queue = live.app[QUEUE]
    await queue.reconcile()
    status = await queue.status_for(chat_id)
    assert status is not None and status["team"] == "drive" and status["position"] == 1
    assert await queue.reconcile() == 0  # nothing left to repair
    await pro.disconnect()


async def test_manual_taking_is_limited_to_the_advisers_teams(deployment: Settings) -> None:
    live = LiveServer(deployment.with_overrides(routing="manual"))
    await live.start()
    try:
        await live.create_user("adviser", "ada", "Ada Respect")
        await live.create_user("adviser", "dan", "Dan Drive")
        await live.create_user("manager", "max", "Max Manager")
        await _make_dan_drive(live)
        respect_chat, _ = await live.start_chat()
        drive_chat, _ = await live.start_chat(high_risk=True)
        dan = await adviser(live, "dan")
        summary = await dan.wait_for("queue", lambda q: q["waiting"] == 2)
        assert {c["chat_id"]: c["team"] for c in summary["chats"]} == {
            respect_chat: "respect",
            drive_chat: "drive",
        }
        assert summary["waiting_by_team"] == {"respect": 1, "drive": 1}
        refused = await dan.call("take", {"chat_id": respect_chat})
        assert refused["error"] == "other_team" and "Respect Phoneline" in refused["message"]
        assert await dan.call("take", {"chat_id": drive_chat}) == {"ok": True}
        ada = await adviser(live, "ada")
        assert (await ada.call("take", {"chat_id": drive_chat}))["error"] == "not_waiting"
        assert await ada.call("take", {"chat_id": respect_chat}) == {"ok": True}
        for c in (ada, dan):
            await c.disconnect()
    finally:
        await live.stop()
