"""Whether the service is open: the schedule managers set, read with a short cache."""

from __future__ import annotations

import time
from datetime import datetime

from advice_chat.opening import Schedule, ServiceStatus
from advice_chat.records import utcnow
from advice_chat.storage.store import Store

CACHE_SECONDS = 5.0


class HoursService:
    def __init__(self, store: Store, cache_seconds: float = CACHE_SECONDS) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._cached: Schedule | None = None
        self._loaded_at = 0.0
        self._changes = 0

    async def schedule(self) -> Schedule:
        # Several workers each cache for a few seconds; a change reaches all within that.
        if self._cached is None or time.monotonic() - self._loaded_at > self._cache_seconds:
            changes = self._changes
            loaded = await self._store.load_schedule()
            # A read that began before this worker's own change must not put the old hours back.
            if changes == self._changes:
                self._cached = loaded
                self._loaded_at = time.monotonic()
            else:
                return self._cached or loaded
        return self._cached

    async def status(self, now: datetime | None = None) -> ServiceStatus:
        return (await self.schedule()).status(now or utcnow())

    async def set_schedule(self, schedule: Schedule) -> None:
        await self._store.save_schedule(schedule)
        self._changes += 1
        self._cached = schedule
        self._loaded_at = time.monotonic()
