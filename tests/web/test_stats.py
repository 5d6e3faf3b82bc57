"""Managers' statistics through the real server: a known history, every figure, suppression.

The history is made the way people make it: professionals start chats over HTTP, advisers
answer and end them with a wrap-up over sockets, some professionals leave before an answer,
one is refused while the service is closed, and professionals answer the survey.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import secrets
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from advice_chat.config import Settings
from advice_chat.opening import LONDON
from advice_chat.services.stats import cell_text
from advice_chat.web.stats import STATS
from tests.conftest import _settings
from tests.support import LiveServer, adviser, professional

THRESHOLD = 2  # small, so a short history shows both shown and hidden counts
HIDDEN = "<3"
STATS_URLS = [
    "/api/stats",
    "/api/stats/live",
    "/manager/stats.csv?view=role",
    "/manager/stats.csv?view=summary",
]


@pytest.fixture(params=["sqlite", "postgres"])
def stats_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'advice_chat.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    # More chats than one address may start in a minute by default: no rate limit here.
    return _settings(tmp_path, url).with_overrides(
        stats_threshold=THRESHOLD, chats_per_address_minute=0
    )


@pytest.fixture
async def stats_server(stats_settings: Settings) -> AsyncIterator[LiveServer]:
    live = LiveServer(stats_settings)
    await live.start()
    await live.create_user("adviser", "ada", "Ada Adviser")
    await live.create_user("manager", "max", "Max Manager")
    yield live
    await live.stop()


async def get(server: LiveServer, path: str, cookie: str | None) -> tuple[int, str, Any]:
    cookies = {"advice_chat_session": cookie} if cookie else {}
    async with (
        aiohttp.ClientSession(cookies=cookies) as http,
        http.get(server.base_url + path, allow_redirects=False) as resp,
    ):
        text = await resp.text()
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        return resp.status, text, body


async def put_hours(server: LiveServer, cookie: str, body: Any) -> None:
    async with (
        aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http,
        http.put(server.base_url + "/api/manager/hours", json=body) as resp,
    ):
        assert resp.status == 200, await resp.text()


WRAP = {
    "topic": "risk",
    "advice": ["risk-assessment"],
    "referrals": [],
    "safeguarding_concern": False,
}


async def answered_chat(
    server: LiveServer, ada: Any, role: str, outcome: str, wrap_up: dict[str, Any]
) -> str:
    """A chat answered by Ada and ended by her with a wrap-up; returns its survey token."""
    chat_id, token = await server.start_chat(role=role)
    pro = await professional(server, token)
    await ada.wait_for("assigned", lambda e: e["chat_id"] == chat_id)
    ack = await ada.call("end", {"chat_id": chat_id, "outcome": outcome, "wrap_up": wrap_up})
    assert ack == {"ok": True}, ack
    ended = await pro.wait_for("ended")
    await pro.disconnect()
    assert isinstance(ended.get("survey_token"), str)
    adviser_ended = await ada.wait_for("ended", lambda e: e["chat_id"] == chat_id)
    assert "survey_token" not in adviser_ended  # for the professional only
    return str(ended["survey_token"])


async def abandoned_chat(server: LiveServer, role: str) -> None:
    _chat_id, token = await server.start_chat(role=role)
    pro = await professional(server, token)
    assert await pro.call("end", {}) == {"ok": True}
    ended = await pro.wait_for("ended")
    assert "survey_token" not in ended  # nobody answered, so no survey
    await pro.disconnect()


async def build_history(server: LiveServer) -> dict[str, Any]:
    """9 requested (6 answered, 3 abandoned), 1 refused, 5 survey answers."""
    ada = await adviser(server, "ada")
    tokens = []
    plan = [
        ("probation", "advice-given", {**WRAP, "referrals": ["drive"]}),
        ("probation", "advice-given", {**WRAP, "referrals": ["drive", "marac"]}),
        ("probation", "advice-given", {**WRAP, "referrals": ["drive"]}),
        ("probation", "referral-suggested", WRAP),
        ("probation", "referral-suggested", {**WRAP, "safeguarding_concern": True}),
        ("police", "advice-given", {**WRAP, "topic": "children"}),
    ]
    for role, outcome, wrap in plan:
        tokens.append(await answered_chat(server, ada, role, outcome, wrap))
    await ada.call("presence", {"status": "away"})
    for role in ("probation", "housing", "housing"):
        await abandoned_chat(server, role)
    manager = await server.login_cookie("max")
    elsewhere = (datetime.now(UTC).astimezone(LONDON).weekday() + 3) % 7
    await put_hours(
        server,
        manager,
        {"windows": [{"weekday": elsewhere, "opens": "09:00", "closes": "10:00"}]},
    )
    status, body = await server.post_json("/api/chats", {**PRE_CHAT_PROBATION})
    assert status == 503 and body["error"] == "closed"
    await put_hours(server, manager, {"windows": []})
    for token, rating in zip(tokens, [5, 5, 4, 4, 3], strict=False):
        status, body = await server.post_json(
            "/api/survey", {"survey_token": token, "rating": rating}
        )
        assert status == 200, body
    await ada.disconnect()
    return {"manager": manager, "spare_token": tokens[5]}


PRE_CHAT_PROBATION = {"role": "probation", "region": "london", "topic": "risk", "consent": True}


def today() -> str:
    return datetime.now(UTC).astimezone(LONDON).date().isoformat()


def view(report: dict[str, Any], view_id: str) -> dict[str, Any]:
    return next(v for v in report["views"] if v["id"] == view_id)


def row(v: dict[str, Any], key: str) -> dict[str, Any]:
    return next(r["cells"] for r in v["rows"] if r["key"] == key)


async def test_known_history_every_figure_and_its_suppression(stats_server: LiveServer) -> None:
    server = stats_server
    made = await build_history(server)
    day = today()
    status, _, report = await get(server, f"/api/stats?from={day}&to={day}", made["manager"])
    assert status == 200, report
    assert report["threshold"] == THRESHOLD
    assert report["suppressed"] == {"primary": HIDDEN, "secondary": "[c]"}
    s = report["summary"]
    assert (s["requested"], s["answered"], s["abandoned"]) == (9, 6, 3)
    assert s["refused_closed"] == HIDDEN  # one refusal: a count of 1 is never shown
    # Every chat was answered within seconds: the first wait bucket (up to 5 s).
    assert s["wait_median_seconds"] == 5 and s["wait_p90_seconds"] == 5
    assert s["answered_within_1_min"] == pytest.approx(6 / 9)
    assert s["answered_within_5_min"] == pytest.approx(6 / 9)
    assert s["handle_median_seconds"] == 60
    assert s["survey_mean"] == pytest.approx((5 + 5 + 4 + 4 + 3) / 5)
    assert report["live"]["waiting"] == 0

    # By role: probation 5 answered + 1 abandoned; police 1 + 0; housing 0 + 2; refused 1.
    role = view(report, "role")
    # Police's hidden 1 in the answered column (total 6) would be 6 - 5: so probation's 5,
    # the only other count in that column, is hidden too (secondary suppression).
    assert row(role, "probation") == {
        "answered": "[c]",
        "abandoned": "<3",
        "requested": 6,
        "refused": "<3",
        "within_5_min": None,
    }
    police, housing = row(role, "police"), row(role, "housing")
    assert police["answered"] == HIDDEN and police["requested"] == HIDDEN
    assert housing["abandoned"] == HIDDEN and housing["requested"] == HIDDEN
    # Secondary: with police's 1 hidden, the answered column (total 6) must not give it away.
    answered_hidden = [r["cells"]["answered"] for r in role["rows"]]
    assert sum(1 for c in answered_hidden if not isinstance(c, int)) >= 2
    assert "[c]" in json.dumps(role)
    assert role["totals"]["requested"] == 9
    assert_no_line_discloses(role, THRESHOLD)
    # Shares by group: probation 5 of 6 within 5 minutes (the other 1 would show): left out;
    # groups of 2 or fewer are left out too.
    assert row(role, "probation")["within_5_min"] is None
    assert row(role, "police")["within_5_min"] is None
    assert row(role, "social-worker-children") == {
        "answered": 0,
        "abandoned": 0,
        "requested": 0,
        "refused": 0,
        "within_5_min": None,
    }

    outcome = view(report, "outcome")
    assert row(outcome, "advice-given")["answered"] == "[c]"  # 6 - 4 would give the 2 away
    assert row(outcome, "referral-suggested")["answered"] == HIDDEN
    assert_no_line_discloses(outcome, THRESHOLD)
    referral = view(report, "referral")  # several per chat: no totals, primary only
    assert row(referral, "drive")["answered"] == 3
    assert row(referral, "marac")["answered"] == HIDDEN
    assert referral["totals"] is None
    advice = view(report, "advice")
    assert row(advice, "risk-assessment")["answered"] == 6
    discussed = view(report, "discussed")
    assert row(discussed, "risk")["answered"] == "[c]"
    assert row(discussed, "children")["answered"] == HIDDEN
    safeguarding = view(report, "safeguarding")
    assert row(safeguarding, "yes")["answered"] == HIDDEN
    assert row(safeguarding, "no")["answered"] != 5  # would give the 1 away: hidden too
    survey = view(report, "survey")
    assert [r["cells"]["responses"] for r in survey["rows"]] == [0, 0, HIDDEN, HIDDEN, HIDDEN]
    assert survey["totals"]["responses"] == 5
    waits = view(report, "waits")
    assert row(waits, "60")["answered"] == 6
    hours = view(report, "hours")
    now = datetime.now(UTC).astimezone(LONDON)
    assert hours["totals"]["requested"] == 9
    assert row(hours, str(now.weekday()))["requested"] == 9
    daily = view(report, "time")
    assert [r["key"] for r in daily["rows"]] == [day]
    assert row(daily, day) == {"answered": 6, "abandoned": 3, "requested": 9, "refused": HIDDEN}

    # A range of whole months is read from the month rows: the same figures.
    first = datetime.fromisoformat(day).date().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    status, _, monthly = await get(
        server, f"/api/stats?from={first - timedelta(days=3)}&to={last}", made["manager"]
    )
    assert monthly["summary"] == report["summary"]
    assert [v for v in monthly["views"] if v["id"] == "role"] == [role]

    # The page shows the same figures, with the same cells hidden.
    status, html, _ = await get(server, f"/manager?from={day}&to={day}", made["manager"])
    assert status == 200
    for v in report["views"]:
        assert table_cells(html, v["id"]) == csv_like(v), v["id"]
    assert "&lt;3" in html and "[c]" in html
    summary_items = dict(
        (unescape(k), unescape(v))
        for k, v in re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", html)
    )
    assert summary_items["Chats requested"] == "9"
    assert summary_items["Refused because the service was closed"] == HIDDEN
    assert summary_items["Median wait"] == "up to 5 s"
    assert summary_items["Answered within 1 minute"] == "67%"
    assert summary_items["Median handle time"] == "up to 1 min"
    assert summary_items["Average usefulness (1 to 5)"] == "4.2"

    # The CSV of every view holds the same.
    for v in report["views"]:
        status, text, _ = await get(
            server, f"/manager/stats.csv?view={v['id']}&from={day}&to={day}", made["manager"]
        )
        assert status == 200
        assert list(csv.reader(io.StringIO(text))) == csv_like(v, header=True, totals=True)
    status, text, _ = await get(
        server, f"/manager/stats.csv?view=summary&from={day}&to={day}", made["manager"]
    )
    summary_csv = dict(list(csv.reader(io.StringIO(text)))[1:])
    assert summary_csv["requested"] == "9" and summary_csv["refused_closed"] == HIDDEN

    # A survey token works once.
    status, body = await server.post_json(
        "/api/survey", {"survey_token": made["spare_token"], "rating": 2}
    )
    assert status == 200
    status, body = await server.post_json(
        "/api/survey", {"survey_token": made["spare_token"], "rating": 2}
    )
    assert status == 404 and body["error"] == "not_found"

    # The CLI prints the same figures (SQLite: it reads the same database file).
    if server.settings.is_sqlite:
        _, _, report = await get(server, f"/api/stats?from={day}&to={day}", made["manager"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("ADVICE_CHAT_")}
        env.update(
            ADVICE_CHAT_DATABASE_URL=server.settings.database_url,
            ADVICE_CHAT_SECRET_KEY=server.settings.secret_key,
            ADVICE_CHAT_STATS_THRESHOLD=str(THRESHOLD),
            ADVICE_CHAT_VAR_DIR=str(server.settings.var_dir),
        )
        proc = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "advice_chat.cli", "stats", "--from", day, "--to", day],
            "--json",
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        stdout, _ = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0
        printed = json.loads(stdout)
        report.pop("live")
        assert printed == report


def csv_like(v: dict[str, Any], header: bool = False, totals: bool = False) -> list[list[str]]:
    out = []
    if header:
        out.append([v["row_header"], *(c["label"] for c in v["columns"])])
    for r in v["rows"]:
        out.append([r["label"], *(cell_text(c, r["cells"][c["id"]]) for c in v["columns"])])
    if totals and v["totals"]:
        out.append(["Total", *(str(v["totals"].get(c["id"], "")) for c in v["columns"])])
    return out


def table_cells(html: str, view_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="table-{view_id}".*?</table>', html, re.S)
    assert table, view_id
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S)
    assert body
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        rows.append([unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)])
    return rows


def assert_no_line_discloses(v: dict[str, Any], t: int) -> None:
    """Per line (a row with its total, a column with its total), every hidden cell has at least
    two values consistent with what is shown and with the markers' meaning."""
    import itertools

    cols = [c["id"] for c in v["columns"]]
    cols = [c["id"] for c in v["columns"] if c.get("kind") != "share"]  # shares are not counts
    parts = [c for c in cols if c not in ("requested", "refused")]
    lines: list[tuple[list[Any], Any]] = []
    if "requested" in cols:
        lines += [([r["cells"][c] for c in parts], r["cells"]["requested"]) for r in v["rows"]]
    if v["totals"]:
        for c in cols:
            lines.append(([r["cells"][c] for r in v["rows"]], v["totals"][c]))
    for members, total in lines:
        cells = [*members, total]
        hidden = [i for i, c in enumerate(cells) if not isinstance(c, int)]
        if not hidden:
            continue
        biggest = sum(c for c in cells if isinstance(c, int)) + 20
        ranges = [
            range(1, t + 1) if cells[i] == f"<{t + 1}" else [0, *range(t + 1, biggest)]
            for i in hidden
        ]
        seen: dict[int, set[int]] = {i: set() for i in hidden}
        for combo in itertools.product(*ranges):
            guess = list(cells)
            for i, value in zip(hidden, combo, strict=True):
                guess[i] = value
            if sum(guess[:-1]) == guess[-1]:
                for i, value in zip(hidden, combo, strict=True):
                    seen[i].add(value)
        for i in hidden:
            assert len(seen[i]) >= 2 or 0 in seen[i], (members, total, i, seen[i])


async def test_statistics_urls_are_for_managers_only(live_server: LiveServer) -> None:
    server = live_server
    await server.create_user("adviser", "ada", "Ada Adviser")
    await server.create_user("manager", "max", "Max Manager")
    ada = await server.login_cookie("ada")
    for path in STATS_URLS:
        status, _, body = await get(server, path, None)
        assert status == 401, path
        status, _, body = await get(server, path, ada)
        assert status == 403 and body["error"] == "forbidden", path
        # A professional has no account: a chat token is no key to statistics.
        _chat_id, token = await server.start_chat()
        async with (
            aiohttp.ClientSession() as http,
            http.get(server.base_url + path, headers={"Authorization": f"Bearer {token}"}) as r,
        ):
            assert r.status == 401, path
    status, _, _ = await get(server, "/manager", None)
    assert status == 302
    status, html, _ = await get(server, "/manager", ada)
    assert status == 403 and "Statistics" not in html
    manager = await server.login_cookie("max")
    for path in [*STATS_URLS, "/manager"]:
        status, _, _ = await get(server, path, manager)
        assert status == 200, path


async def test_range_and_view_are_checked(live_server: LiveServer) -> None:
    server = live_server
    await server.create_user("manager", "max", "Max Manager")
    manager = await server.login_cookie("max")
    for query in (
        "from=2026-13-01",
        "from=2026-02-01&to=2026-01-01",
        "from=1990-01-01&to=2026-01-01",
    ):
        status, _, body = await get(server, f"/api/stats?{query}", manager)
        assert status == 400 and body["error"] == "invalid", query
    status, _, body = await get(server, "/manager/stats.csv?view=nope", manager)
    assert status == 400 and body["field"] == "view"
    status, html, _ = await get(server, "/manager?from=bad", manager)
    assert status == 200 and "Showing the last 30 days" in html
    status, _, body = await get(server, "/api/stats", manager)
    day = today()
    assert body["to"] == day
    assert body["from"] == (datetime.fromisoformat(day) - timedelta(days=29)).date().isoformat()


async def test_wrap_up_is_validated_and_the_survey_comment_redacted(
    live_server: LiveServer, tmp_path: Path
) -> None:
    server = live_server
    await server.create_user("adviser", "ada", "Ada Adviser")
    await server.create_user("manager", "max", "Max Manager")
    ada = await adviser(server, "ada")
    chat_id, token = await server.start_chat()
    pro = await professional(server, token)
    await ada.wait_for("assigned", lambda e: e["chat_id"] == chat_id)
    for bad in (
        "risk",
        {"topic": "nope"},
        {"topic": "risk", "referrals": ["nope"]},
        {"topic": "risk", "advice": "risk-assessment"},
        {"topic": "risk", "safeguarding_concern": "yes"},
    ):
        ack = await ada.call("end", {"chat_id": chat_id, "outcome": "advice-given", "wrap_up": bad})
        assert ack["error"] == "invalid_wrap_up", (bad, ack)
    assert not pro.got("ended")  # a refused wrap-up ends nothing
    ack = await ada.call("end", {"chat_id": chat_id, "outcome": "advice-given"})  # optional
    assert ack == {"ok": True}
    survey_token = (await pro.wait_for("ended"))["survey_token"]
    for bad_body, field in (
        ({"survey_token": survey_token}, "rating"),
        ({"survey_token": survey_token, "rating": 6}, "rating"),
        ({"survey_token": survey_token, "rating": True}, "rating"),
        ({"rating": 3}, "survey_token"),
        ({"survey_token": survey_token, "rating": 3, "comment": "x" * 2001}, "comment"),
    ):
        status, body = await server.post_json("/api/survey", bad_body)
        assert status == 400 and body["field"] == field, (bad_body, body)
    phone = "07700 900" + str(secrets.randbelow(900) + 100)
    email = f"jo.{secrets.token_hex(3)}@example.org"
    comment = f"Really useful. Ring me on {phone} or write to {email} if needed."
    status, body = await server.post_json(
        "/api/survey", {"survey_token": survey_token, "rating": 4, "comment": comment}
    )
    assert status == 200, body
    manager = await server.login_cookie("max")
    status, html, _ = await get(server, "/manager", manager)
    assert "Really useful." in html
    assert phone not in html and email not in html
    # The raw comment was never written: not in the database file, its WAL or journal.
    files = await asyncio.to_thread(
        lambda: [(p, p.read_bytes()) for p in tmp_path.glob("live.db*")]
    )
    assert files
    for path, data in files:
        assert phone.encode() not in data and email.encode() not in data, path
    await pro.disconnect()
    await ada.disconnect()


async def test_a_chat_ended_by_both_sides_at_once_is_counted_once(
    stats_server: LiveServer,
) -> None:
    server = stats_server
    ada = await adviser(server, "ada")
    for _ in range(3):
        chat_id, token = await server.start_chat()
        pro = await professional(server, token)
        await ada.wait_for("assigned", lambda e, c=chat_id: e["chat_id"] == c)
        acks = await asyncio.gather(
            pro.call("end", {}),
            ada.call("end", {"chat_id": chat_id, "outcome": "advice-given", "wrap_up": WRAP}),
        )
        assert all(a == {"ok": True} for a in acks), acks
        await pro.disconnect()
    await ada.disconnect()
    day = today()
    raw = {
        (dim, key, metric): n
        for dim, key, metric, n in await server.app[STATS]._store.totals(day, day)
    }
    assert raw[("total", "", "requested")] == 3
    assert raw[("total", "", "answered")] == 3
    assert sum(n for (dim, _, _), n in raw.items() if dim == "outcome") == 3
