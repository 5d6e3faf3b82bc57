"""Statistics service pieces: what one chat adds, wrap-up rules, samples once per minute,
month rows, and the report's figures from known aggregates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from advice_chat.records import ChatRecord
from advice_chat.redaction import Redactor
from advice_chat.services.errors import ChatRefused
from advice_chat.services.stats import (
    WAIT_EDGES,
    StatsService,
    WrapUp,
    build_report,
    chat_counts,
    parse_wrap_up,
)
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.stats_store import StatsStore


def chat(created: datetime, wait: float | None, handle: float = 600, **kw: Any) -> ChatRecord:
    assigned = created + timedelta(seconds=wait) if wait is not None else None
    return ChatRecord(
        id="c_1",
        status="ended",
        role=kw.get("role", "probation"),
        region="wales",
        topic="risk",
        immediate_risk=False,
        priority=0,
        created_at=created,
        assigned_at=assigned,
        ended_at=(assigned or created) + timedelta(seconds=handle),
        adviser_id=1 if assigned else None,
        ended_by="adviser" if assigned else "professional",
        outcome=kw.get("outcome"),
        redacted_at=None,
        purged_at=None,
    )


def test_one_answered_chat_counts_under_its_london_day_and_hour() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): the London day counts.
    created = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    wrap = WrapUp("children", ("risk-assessment",), ("drive", "marac"), True)
    c = chat_counts(chat(created, 75, outcome="advice-given"), wrap)
    day = "2026-07-01"
    assert c[(day, "total", "", "requested")] == 1 and c[(day, "total", "", "answered")] == 1
    assert c[(day, "hour", "2-0", "requested")] == 1  # Wednesday, 00:00-01:00
    assert c[(day, "role", "probation", "answered")] == 1
    assert c[(day, "wait", str(WAIT_EDGES.index(90)), "answered")] == 1  # 75 s: up to 90 s
    assert c[(day, "referral", "marac", "answered")] == 1
    assert c[(day, "safeguarding", "yes", "answered")] == 1
    assert c[(day, "outcome", "advice-given", "answered")] == 1


def test_an_abandoned_chat_has_no_wait_outcome_or_wrap_up() -> None:
    created = datetime(2026, 1, 5, 10, tzinfo=UTC)
    c = chat_counts(chat(created, None), WrapUp("risk", (), (), False))
    assert c[("2026-01-05", "total", "", "abandoned")] == 1
    assert not any(dim in ("wait", "outcome", "discussed", "safeguarding") for _, dim, _, _ in c)


def test_wrap_up_rules() -> None:
    assert parse_wrap_up(None) is None
    w = parse_wrap_up({"topic": "risk", "advice": ["other", "other"], "referrals": ["idva"]})
    assert w == WrapUp("risk", ("other",), ("idva",), False)
    for bad in ([], {"topic": 1}, {"topic": "risk", "referrals": "idva"}):
        with pytest.raises(ChatRefused) as refused:
            parse_wrap_up(bad)
        assert refused.value.code == "invalid_wrap_up"


async def test_samples_once_a_minute_and_month_rows_agree_with_day_rows(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}"
    await upgrade(url)
    engine = create_engine(url)
    store = StatsStore(engine)

    async def live() -> dict[str, int]:
        return {"advisers_online": 2, "capacity_online": 6, "chats_in_progress": 3}

    service = StatsService(store, Redactor(), live=live)
    at = datetime(2026, 3, 10, 12, 0, 30, tzinfo=UTC)
    assert await service.sample(at) is True
    assert await service.sample(at + timedelta(seconds=20)) is False  # same minute: once
    assert await service.sample(at + timedelta(minutes=1)) is True
    report = await service.report(date(2026, 3, 1), date(2026, 3, 31))  # a whole month
    assert report["summary"]["occupancy"] == pytest.approx(0.5)
    assert report["summary"]["adviser_hours_online"] == pytest.approx(round(4 / 60, 1))
    # Chats over two months: whole months from month rows, the ends from day rows.
    for d in range(1, 61):
        created = datetime(2026, 4, 1, 9, tzinfo=UTC) + timedelta(days=d)
        await store.add_counts(chat_counts(chat(created, 30), None))
    for a, b in ((date(2026, 4, 1), date(2026, 5, 31)), (date(2026, 4, 10), date(2026, 5, 20))):
        got = (await service.report(a, b))["summary"]["requested"]
        expected = sum(1 for d in range(1, 61) if a <= date(2026, 4, 1) + timedelta(days=d) <= b)
        assert got == expected, (a, b)
    await engine.dispose()


def test_report_figures_from_known_aggregates() -> None:
    rows = [("total", "", "requested", 40), ("total", "", "answered", 30)]
    rows += [("total", "", "abandoned", 10), ("total", "", "refused", 3)]
    # 30 answered: 12 within 30 s, 10 within 60 s, 8 at up to 420 s.
    rows += [("wait", str(WAIT_EDGES.index(30)), "answered", 12)]
    rows += [("wait", str(WAIT_EDGES.index(60)), "answered", 10)]
    rows += [("wait", str(WAIT_EDGES.index(420)), "answered", 8)]
    rows += [("rating", "5", "responses", 6), ("rating", "2", "responses", 1)]
    rows += [("role", "probation", "answered", 20), ("role", "probation", "abandoned", 5)]
    rows += [("role", "probation", "within_5_min", 15), ("role", "police", "answered", 6)]
    rows += [("role", "police", "within_5_min", 2)]
    report = build_report(rows, [], date(2026, 1, 1), date(2026, 1, 31), 4)
    role = next(v for v in report["views"] if v["id"] == "role")
    shares = {r["key"]: r["cells"]["within_5_min"] for r in role["rows"]}
    assert shares["probation"] == pytest.approx(15 / 25)
    assert shares["police"] is None  # 2 of 6 would give a count of 2 away
    s = report["summary"]
    assert (s["requested"], s["answered"], s["abandoned"], s["refused_closed"]) == (
        40,
        30,
        10,
        "<5",
    )
    assert s["wait_median_seconds"] == 60  # the 15th of 30 is in the bucket up to 60 s
    assert s["wait_p90_seconds"] == 420
    assert s["answered_within_1_min"] == pytest.approx(22 / 40)
    assert s["answered_within_5_min"] == pytest.approx(22 / 40)
    assert s["survey_mean"] == pytest.approx((6 * 5 + 2) / 7)
    waits = next(v for v in report["views"] if v["id"] == "waits")
    assert [r["cells"]["answered"] for r in waits["rows"]] == [22, 0, 8, 0, 0, 0]
    time_view = next(v for v in report["views"] if v["id"] == "time")
    assert len(time_view["rows"]) == 31  # a month: day by day
    long = build_report(rows, [], date(2025, 1, 1), date(2026, 1, 31), 4)
    assert next(v for v in long["views"] if v["id"] == "time")["rows"][0]["key"] == "2025-01"


async def test_long_ranges_go_month_by_month_from_month_and_day_rows(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}"
    await upgrade(url)
    engine = create_engine(url)
    store = StatsStore(engine)
    service = StatsService(store, Redactor())
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    made: dict[str, int] = {}
    for d in range(0, 500, 3):  # a chat every third day, January 2025 to mid-May 2026
        created = start + timedelta(days=d)
        await store.add_counts(chat_counts(chat(created, 30), None))
        month = created.date().isoformat()[:7]
        if date(2025, 1, 20) <= created.date() <= date(2026, 4, 10):
            made[month] = made.get(month, 0) + 1
    report = await service.report(date(2025, 1, 20), date(2026, 4, 10))  # ragged both ends
    time_view = next(v for v in report["views"] if v["id"] == "time")
    got = {r["key"]: r["cells"]["requested"] for r in time_view["rows"]}
    assert list(got) == sorted(made)  # months, in order, none missing
    assert got == {m: n if n > 4 or n == 0 else "<5" for m, n in made.items()} or all(
        got[m] in (made[m], "[c]", "<5") for m in made
    )
    assert report["summary"]["requested"] == sum(made.values())
    await engine.dispose()
