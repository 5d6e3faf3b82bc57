"""The wait estimate: no adviser, no figure; free slots, no wait; beyond them, a fair rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from advice_chat.opening import ServiceStatus
from advice_chat.queueing.base import AVAILABLE, AWAY, OFFLINE, AdviserState
from advice_chat.services.queue import estimate_wait, queue_payload


def adviser(status: str, capacity: int = 3, active: int = 0) -> AdviserState:
    return AdviserState(
        adviser_id=1,
        status=status,
        capacity=capacity,
        active=frozenset(f"c{i}" for i in range(active)),
        connections=1,
        idle_since=0.0,
    )


def test_no_available_adviser_means_no_estimate() -> None:
    assert estimate_wait(1, [], 600) is None
    assert estimate_wait(1, [adviser(AWAY), adviser(OFFLINE)], 600) is None


def test_within_free_slots_the_wait_is_zero() -> None:
    assert estimate_wait(2, [adviser(AVAILABLE, active=1)], 600) == 0


def test_beyond_free_slots_slots_free_at_capacity_over_handle_time() -> None:
    full = [adviser(AVAILABLE, active=3), adviser(AVAILABLE, active=3)]
    # Six slots turn over every 600 s: the first in line waits 100 s, the sixth 600 s.
    assert estimate_wait(1, full, 600) == 100
    assert estimate_wait(6, full, 600) == 600
    assert estimate_wait(7, full, 600) == 700
    # An away adviser's capacity does not count.
    assert estimate_wait(1, [*full, adviser(AWAY)], 600) == 100


def test_payload_warns_when_closing_comes_first() -> None:
    soon = datetime.now(UTC) + timedelta(minutes=5)
    payload = queue_payload(3, 900, ServiceStatus(True, None, soon))
    assert payload["may_close_first"] is True
    assert payload["closes_at"].endswith("Z")
    assert queue_payload(3, 60, ServiceStatus(True, None, soon))["may_close_first"] is False
    assert queue_payload(3, None, ServiceStatus(True, None, None)) == {
        "position": 3,
        "estimated_wait_seconds": None,
        "closes_at": None,
        "may_close_first": False,
    }
