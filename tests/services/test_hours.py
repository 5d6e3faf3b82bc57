"""Opening hours: a manager's change is what the next status shows on that worker, even when a
cache refresh was already reading the old hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from advice_chat.app import STORE
from advice_chat.opening import LONDON, Schedule, Window
from advice_chat.services.hours import HoursService
from tests.support import LiveServer


def _closed_today() -> Schedule:
    other_day = (datetime.now(UTC).astimezone(LONDON).weekday() + 3) % 7
    return Schedule((Window(other_day, time(9), time(10)),))


async def test_a_refresh_in_flight_does_not_undo_a_change(server: LiveServer) -> None:
    store = server.app[STORE]
    await store.save_schedule(Schedule())  # no hours: always open
    stale = 0
    for attempt in range(100):
        hours = HoursService(store, cache_seconds=3600)
        refresh = asyncio.create_task(hours.status())  # reads the old (open) hours
        for _ in range(attempt % 10):  # the change lands at a different point of that read
            await asyncio.sleep(0)
        await hours.set_schedule(_closed_today())
        await refresh
        stale += (await hours.status()).open
        await store.save_schedule(Schedule())
    assert stale == 0
