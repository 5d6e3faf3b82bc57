"""bench/load.py runs end to end for a few seconds against the embedded server.

Only the shape of its report and the delivery promises are checked: no timing assertions,
since the figures depend on the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FIELDS = (
    "connections_held",
    "chats_started",
    "chats_completed",
    "messages_sent",
    "messages_delivered",
    "lost",
    "duplicated",
    "delivered_per_second",
    "delivery_latency_ms",
    "queue_assignment_ms",
    "errors",
    "server",
    "baseline",
    "ratio_to_baseline",
)


def test_load_benchmark_smoke() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            "--mode",
            "embedded",
            "--professionals",
            "4",
            "--advisers",
            "1",
            "--capacity",
            "3",
            "--messages",
            "3",
            "--rate",
            "5",
            "--duration",
            "2",
            "--drain-seconds",
            "10",
            "--setup-seconds",
            "60",
            "--client-procs",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    for name in FIELDS:
        assert name in report, name
    for name in ("p50", "p95", "p99"):
        assert name in report["delivery_latency_ms"]
        assert name in report["queue_assignment_ms"]
    for name in ("cpu_seconds", "peak_rss_mb"):
        assert name in report["server"]
    # The collector's passes in the window, read from the server's /metrics.
    assert set(report["server"]["gc"]) == {"0", "1", "2"}
    assert all(g["passes"] >= g["over_50ms"] >= 0 for g in report["server"]["gc"].values())
    assert report["chats_completed"] >= 1
    assert report["messages_sent"] >= 1
    assert report["messages_delivered"] + report["recovered_by_history"] == report["messages_sent"]
    assert report["lost"] == 0
    assert report["duplicated"] == 0
    assert report["baseline"]["lost"] == 0
    assert report["baseline"]["duplicated"] == 0
    assert set(report["ratio_to_baseline"]) >= {"delivered_per_second", "p99_latency"}


def test_baseline_runs_with_the_servers_collector_settings() -> None:
    """The ratios compare code, not runtime tuning: the baseline collects as the server does."""
    from advice_chat.cli import GC_THRESHOLDS as SERVER
    from bench.load_baseline import GC_THRESHOLDS as BASELINE

    assert SERVER == BASELINE
