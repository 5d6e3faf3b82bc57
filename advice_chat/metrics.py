"""Prometheus metrics. Labels carry only fixed, non-personal values (states, roles of sender,
route templates), never ids, names or text.

Each worker keeps its own registry; Prometheus scrapes every worker.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.queue_waiting = Gauge(
            "advice_chat_queue_waiting", "Chats waiting in the queue", registry=r
        )
        self.advisers = Gauge(
            "advice_chat_advisers", "Advisers by presence", ["status"], registry=r
        )
        self.chats = Gauge("advice_chat_chats", "Chats by state", ["state"], registry=r)
        self.chat_events = Counter(
            "advice_chat_chat_events_total",
            "Chat lifecycle events handled by this worker",
            ["event"],
            registry=r,
        )
        self.wait_seconds = Histogram(
            "advice_chat_wait_seconds",
            "Time from a chat's creation to its assignment",
            buckets=(5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600),
            registry=r,
        )
        self.messages = Counter(
            "advice_chat_messages_total", "Messages stored", ["sender"], registry=r
        )
        self.connections = Gauge(
            "advice_chat_socket_connections", "Open socket connections", ["kind"], registry=r
        )
        self.http_seconds = Histogram(
            "advice_chat_http_request_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=r,
        )
        self.redaction_seconds = Histogram(
            "advice_chat_redaction_seconds",
            "Time to redact one closed chat",
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
            registry=r,
        )
        self.redaction_failures = Counter(
            "advice_chat_redaction_failures_total",
            "Closed chats whose redaction failed (retried on the next pass)",
            registry=r,
        )
        self.gc_pause_seconds = Histogram(
            "advice_chat_gc_pause_seconds",
            "Garbage-collector passes by generation: each one holds the event loop",
            ["generation"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=r,
        )
        self._gc_started = 0.0

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pause_seconds.labels(str(info["generation"])).observe(
                time.perf_counter() - self._gc_started
            )

    def watch_gc(self) -> None:
        """Time the collector's passes: the pauses a 60-second benchmark rarely meets (an older
        generation's pass every quarter of an hour or so under load) show here."""
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def unwatch_gc(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
