"""Opening hours in London time, through the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from advice_chat.opening import Schedule, Window, parse_schedule
from advice_chat.validation import InvalidInput

WEEKDAYS_9_TO_5 = Schedule(tuple(Window(d, time(9), time(17)) for d in range(5)))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_no_schedule_means_always_open() -> None:
    status = Schedule().status(utc(2026, 12, 25, 3))
    assert status.open and status.closes_at is None and status.opens_at is None


def test_open_and_closed_in_winter_time() -> None:
    # Tuesday 24 November 2026: London is on GMT (UTC+0).
    status = WEEKDAYS_9_TO_5.status(utc(2026, 11, 24, 10))
    assert status.open and status.closes_at == utc(2026, 11, 24, 17)
    status = WEEKDAYS_9_TO_5.status(utc(2026, 11, 24, 18))
    assert not status.open and status.opens_at == utc(2026, 11, 25, 9)


def test_summer_time_shifts_utc_by_an_hour() -> None:
    # Wednesday 1 July 2026: London is on BST (UTC+1), so 09:00 local is 08:00 UTC.
    status = WEEKDAYS_9_TO_5.status(utc(2026, 7, 1, 8, 30))
    assert status.open and status.closes_at == utc(2026, 7, 1, 16)
    assert not WEEKDAYS_9_TO_5.status(utc(2026, 7, 1, 7, 59)).open


def test_weekend_and_closed_dates_skip_to_next_opening() -> None:
    # Friday 25 December 2026 is closed; Saturday and Sunday have no hours.
    schedule = Schedule(WEEKDAYS_9_TO_5.windows, frozenset({date(2026, 12, 25)}))
    status = schedule.status(utc(2026, 12, 24, 18))
    assert not status.open and status.opens_at == utc(2026, 12, 28, 9)
    # Across the clock change on Sunday 29 March 2026: Monday opens at 08:00 UTC.
    status = WEEKDAYS_9_TO_5.status(utc(2026, 3, 28, 12))
    assert status.opens_at == utc(2026, 3, 30, 8)


def test_adjoining_windows_are_one_opening() -> None:
    schedule = Schedule((Window(1, time(9), time(13)), Window(1, time(13), time(20))))
    status = schedule.status(utc(2026, 11, 24, 12))
    assert status.closes_at == utc(2026, 11, 24, 20)


@pytest.mark.parametrize(
    "body",
    [
        {"windows": [{"weekday": 7, "opens": "09:00", "closes": "17:00"}]},
        {"windows": [{"weekday": 0, "opens": "9am", "closes": "17:00"}]},
        {"windows": [{"weekday": 0, "opens": "17:00", "closes": "09:00"}]},
        {"windows": [{"weekday": True, "opens": "09:00", "closes": "17:00"}]},
        {"windows": "always"},
        {"closed_dates": ["25/12/2026"]},
        ["not", "an", "object"],
    ],
)
def test_bad_schedules_are_refused(body: object) -> None:
    with pytest.raises(InvalidInput):
        parse_schedule(body)


def test_schedule_round_trip() -> None:
    body = {
        "windows": [{"weekday": 0, "opens": "09:00", "closes": "17:00"}],
        "closed_dates": ["2026-12-25"],
    }
    assert parse_schedule(body).wire() == {"timezone": "Europe/London", **body}
