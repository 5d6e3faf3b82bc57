"""A step run on a timer (or sooner when woken) for as long as the worker runs.

Why one helper: every periodic duty (housekeeping, redaction and retention)
needs the same three properties — a failing pass is logged and retried on
the next tick rather than ending the loop, a close waits for the task to
stop, and a wake-up between ticks is never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self,
        step: Callable[[], Awaitable[object]],
        interval_seconds: float,
        *,
        name: str,
        run_at_start: bool = False,
    ) -> None:
        self._step = step
        self._interval = interval_seconds
        self._name = name
        self._run_at_start = run_at_start
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def wake(self) -> None:
        """Run the step soon instead of at the next tick."""
        self._wake.set()

    async def _loop(self) -> None:
        if not self._run_at_start:
            await self._sleep()
        while not self._closed:
            self._wake.clear()
            try:
                await self._step()
            except Exception:
                log.exception("periodic step failed", extra={"event": self._name})
            await self._sleep()

    async def _sleep(self) -> None:
        # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that arrives
        # as the wait ends, and the loop would then outlive close(). asyncio.wait never does.
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=self._interval)
        finally:
            waiter.cancel()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
