"""The periodic runner keeps going after a failing step, and a wake-up runs the step soon."""

from __future__ import annotations

import asyncio

from advice_chat.services.periodic import Periodic


async def test_a_failing_step_is_retried_and_wake_runs_it_before_the_tick() -> None:
    calls: list[int] = []
    ran = asyncio.Event()

    async def step() -> None:
        calls.append(len(calls))
        ran.set()
        if len(calls) == 1:
            raise RuntimeError("a bad pass")

    periodic = Periodic(step, 3600, name="test", run_at_start=True)
    periodic.start()
    try:
        await asyncio.wait_for(ran.wait(), 5)  # ran at start, and failed
        ran.clear()
        periodic.wake()  # the tick is an hour away: only the wake-up can run it now
        await asyncio.wait_for(ran.wait(), 5)
        assert calls == [0, 1]
    finally:
        await periodic.close()
    periodic.wake()
    await asyncio.sleep(0.05)
    assert calls == [0, 1]  # closed: nothing runs any more
