"""Opening hours in Europe/London time: a weekly schedule and closed dates.

Pure logic (no storage, no web) so the rules can be tested exhaustively,
including the clock changes in March and October.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from advice_chat.validation import InvalidInput

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
LOOKAHEAD_DAYS = 21


@dataclass(frozen=True, order=True)
class Window:
    weekday: int  # 0 = Monday, as datetime.weekday()
    opens: time
    closes: time

    def wire(self) -> dict[str, Any]:
        return {
            "weekday": self.weekday,
            "opens": self.opens.strftime("%H:%M"),
            "closes": self.closes.strftime("%H:%M"),
        }


@dataclass(frozen=True)
class ServiceStatus:
    open: bool
    opens_at: datetime | None  # next opening, when closed
    closes_at: datetime | None  # end of the current opening, when open (None: always open)


@dataclass(frozen=True)
class Schedule:
    """No windows at all means the service has no hours set and is always open."""

    windows: tuple[Window, ...] = ()
    closed_dates: frozenset[date] = frozenset()

    def _openings(self, start: date) -> list[tuple[datetime, datetime]]:
        spans = []
        for offset in range(LOOKAHEAD_DAYS):
            day = start + timedelta(days=offset)
            if day in self.closed_dates:
                continue
            for window in sorted(self.windows):
                if window.weekday == day.weekday():
                    opens = datetime.combine(day, window.opens, LONDON)
                    closes = datetime.combine(day, window.closes, LONDON)
                    spans.append((opens.astimezone(UTC), closes.astimezone(UTC)))
        return spans

    def status(self, now: datetime) -> ServiceStatus:
        if not self.windows:
            return ServiceStatus(open=True, opens_at=None, closes_at=None)
        local_today = now.astimezone(LONDON).date()
        spans = self._openings(local_today - timedelta(days=1))
        for opens, closes in spans:
            if opens <= now < closes:
                # Adjoining windows (e.g. 09:00-13:00 and 13:00-17:00) are one opening.
                end = closes
                for o2, c2 in spans:
                    if o2 == end:
                        end = c2
                return ServiceStatus(open=True, opens_at=None, closes_at=end)
        upcoming = [opens for opens, _ in spans if opens > now]
        return ServiceStatus(
            open=False, opens_at=min(upcoming) if upcoming else None, closes_at=None
        )

    def wire(self) -> dict[str, Any]:
        return {
            "timezone": "Europe/London",
            "windows": [w.wire() for w in sorted(self.windows)],
            "closed_dates": sorted(d.isoformat() for d in self.closed_dates),
        }


def parse_schedule(body: Any) -> Schedule:
    """Validate a manager's schedule: {"windows": [{weekday, opens, closes}], "closed_dates"}."""
    if not isinstance(body, dict):
        raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
    raw_windows = body.get("windows", [])
    raw_dates = body.get("closed_dates", [])
    if not isinstance(raw_windows, list) or len(raw_windows) > 7 * 4:
        raise InvalidInput("invalid", "windows", "windows must be a list of at most 28 items.")
    if not isinstance(raw_dates, list) or len(raw_dates) > 366:
        raise InvalidInput("invalid", "closed_dates", "closed_dates must be a list of dates.")
    windows = []
    for item in raw_windows:
        if not isinstance(item, dict):
            raise InvalidInput("invalid", "windows", "Each window must be an object.")
        weekday = item.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise InvalidInput("invalid", "windows", "weekday must be 0 (Monday) to 6 (Sunday).")
        times = []
        for key in ("opens", "closes"):
            value = item.get(key)
            match = _HHMM.match(value) if isinstance(value, str) else None
            if match is None:
                raise InvalidInput("invalid", "windows", f"{key} must be a time like 09:00.")
            times.append(time(int(match[1]), int(match[2])))
        if times[0] >= times[1]:
            raise InvalidInput(
                "invalid", "windows", "Each window must close after it opens, on the same day."
            )
        windows.append(Window(weekday, times[0], times[1]))
    closed = set()
    for value in raw_dates:
        try:
            closed.add(date.fromisoformat(value))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                "invalid", "closed_dates", "Closed dates must look like 2026-12-25."
            ) from exc
    return Schedule(tuple(sorted(set(windows))), frozenset(closed))
