"""Load benchmark: whole journeys of professionals and advisers over real Socket.IO connections.

    .venv/bin/python -m bench.load [--mode embedded|scaleout] [--professionals 40]
        [--advisers 12] [--capacity 3] [--idle 0] [--rate 1.0] [--messages 10]
        [--duration 20] [--client-procs 2] [--no-baseline] [--url URL ...]

It starts the server under test as subprocesses (`python -m advice_chat.cli serve`): one on
SQLite in a temporary directory (`embedded`), or two workers on a throwaway PostgreSQL
database and Redis under a fresh key prefix (`scaleout`; both are removed afterwards). Or, with
`--url`, it targets servers already running on this machine (loopback only; see --help).

Only what docs/protocol.md documents is used. Advisers sign in (`POST /api/login`), connect
with their session cookie, and go `available`; a manager raises their capacity with
`PATCH /api/manager/advisers/{id}` when `--capacity` is not the default. Each active
professional then repeats journeys until `--duration` has passed: `POST /api/chats` (with
`immediate_risk`, so they are answered before the idle waiters), connect with the token, wait
for `assigned`, send `--messages` messages at `--rate` per second (0 = closed loop: the next one
when the adviser's reply has arrived), while the adviser replies to each as it arrives; then
queue its next chat (so one is always waiting when a slot frees), `end`, and `history` from 0
to resync. The adviser resyncs with `history` when it gets `ended`. Each professional's first
chat is cut to a random 1..`--messages` messages (unless `--no-stagger`), so the run is in a
steady state from the start: chats end, and successors are queued and answered, at spread-out
times, as they do when people started at different times, rather than all in one second.
`--idle` professionals start routine chats, connect and wait without a word: they are the
people in the queue, and make the connection counts of the growth table.

Sizing: advisers × capacity are the chat slots. With `--professionals` equal to the slots every
chat is answered as soon as its predecessor ends, and the assignment latency is the queue's own
machinery; above the slots the extra chats wait for a whole chat to end. Below the slots, the
spare slots go to idle waiters (counted as `idle_assigned`).

Every message carries its sender's send time (wall clock, nanoseconds, same machine), so the
receiving process, whichever it is, measures send → `message` event. Lost = acked to its sender
but held by the receiver neither from an event nor from the final `history`; duplicated = a
message id received twice as an event.

The clients are split over `--client-procs` processes (multiprocessing, spawn): professionals,
idle waiters and advisers are dealt round-robin to them, and with several workers each client
picks its worker by its number, so half the chats cross workers. Each process runs on uvloop.

The baseline (bench/load_baseline.py: a bare python-socketio relay on aiohttp, in memory)
is driven by the same client code with as many chatting pairs as there are slots, the same
idle connections, rate, messages and duration; the output gives our delivered throughput and
p99 latency as ratios to it.

Bounds: every call has a timeout; setup phases are bounded (`--setup-seconds`); journeys stop
at duration + `--drain-seconds`; client processes that overrun are terminated. Prints one JSON
object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import ipaddress
import json
import multiprocessing
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from prometheus_client.parser import text_string_to_metric_families

from bench.load_baseline import GC_THRESHOLDS

PASSWORD = "bench password, not a secret"  # noqa: S105 - throwaway accounts on loopback
PRE_CHAT = {"role": "probation", "region": "london", "topic": "risk", "consent": True}
POSTGRES_ADMIN_URL = os.environ.get(
    "ADVICE_CHAT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ADVICE_CHAT_TEST_REDIS", "redis://127.0.0.1:6379/0")
CONNECT_CONCURRENCY = 64
BENCH_ROOT = Path(__file__).resolve().parent.parent
PY_SPY = str(Path(sys.executable).parent / "py-spy")
Key = tuple[str, int, str]  # (chat_id, message id, sender)


def log(text: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50": None, "p95": None, "p99": None, "max": None, "count": 0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return round(ordered[index], 2)

    return {
        "p50": at(50),
        "p95": at(95),
        "p99": at(99),
        "max": round(ordered[-1], 2),
        "count": len(ordered),
    }


def loopback_only(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError
        except ValueError:
            raise SystemExit(f"refusing {url}: the benchmark runs on loopback only") from None
    return url.rstrip("/")


# -- the client side (runs in each client process) ------------------------------------------


@dataclass
class Plan:
    """What one client process does; picklable, so it can cross to a spawned process."""

    urls: list[str]
    baseline: bool
    professionals: list[int]
    idle: list[int]
    advisers: list[int]
    adviser_names: list[str]
    password: str
    rate: float
    messages: int
    duration: float
    drain_seconds: float
    setup_seconds: float
    size: int
    call_timeout: float
    outcome: str
    stagger: bool = True


@dataclass
class Tally:
    """What one client process saw; summed by the parent."""

    sent: list[Key] = field(default_factory=list)
    events: Counter[Key] = field(default_factory=Counter)
    held_by_history: set[Key] = field(default_factory=set)
    latencies_ms: list[float] = field(default_factory=list)
    queue_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    chats_started: int = 0
    chats_completed: int = 0
    chats_abandoned: int = 0
    idle_assigned: int = 0
    queue_events: int = 0
    resends: int = 0
    connections: int = 0
    peak_connections: int = 0
    cpu_seconds: float = 0.0
    load_end: float = 0.0

    def connected(self) -> None:
        self.connections += 1
        self.peak_connections = max(self.peak_connections, self.connections)

    def disconnected(self) -> None:
        self.connections -= 1

    def wire(self) -> dict[str, Any]:
        """Plain containers for the trip to the parent (dataclasses.asdict mangles Counters)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["events"] = dict(self.events)
        out["errors"] = dict(self.errors)
        out["held_by_history"] = list(self.held_by_history)
        return out


@dataclass
class Professional:
    """One professional's connection during a journey."""

    sio: socketio.AsyncClient
    assigned: asyncio.Event = field(default_factory=asyncio.Event)
    assigned_at: float = 0.0
    replies: int = 0
    reply: asyncio.Event = field(default_factory=asyncio.Event)


def _stamp_text(size: int) -> str:
    head = f"b:{time.time_ns()}:"
    return head + "x" * max(0, size - len(head))


class Clients:
    def __init__(self, plan: Plan, tally: Tally, http: aiohttp.ClientSession) -> None:
        self.plan = plan
        self.tally = tally
        self.http = http
        self.t0 = 0.0
        self.connect_gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        self.tasks: set[asyncio.Task[Any]] = set()
        self.sockets: list[socketio.AsyncClient] = []

    def url_for(self, index: int) -> str:
        return self.plan.urls[index % len(self.plan.urls)]

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def new_socket(self, *, own_session: bool = False) -> socketio.AsyncClient:
        # engine.io moves a Cookie header into its session's cookie jar, so each adviser
        # needs a session of its own; professionals share one without cookies.
        sio = socketio.AsyncClient(
            reconnection=False, http_session=None if own_session else self.http
        )
        self.sockets.append(sio)
        return sio

    async def connect(
        self,
        sio: socketio.AsyncClient,
        url: str,
        *,
        auth: Any = None,
        headers: dict[str, str] | None = None,
    ) -> bool:
        async with self.connect_gate:
            try:
                await sio.connect(
                    url,
                    auth=auth,
                    headers=headers or {},
                    transports=["websocket"],
                    wait_timeout=self.plan.call_timeout,
                )
            except Exception as exc:
                self.tally.errors[f"connect:{type(exc).__name__}:{exc}"[:80]] += 1
                return False
        self.tally.connected()
        return True

    async def disconnect(self, sio: socketio.AsyncClient) -> None:
        if sio.connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sio.disconnect(), self.plan.call_timeout)
            self.tally.disconnected()

    async def call(self, sio: socketio.AsyncClient, event: str, data: Any) -> dict[str, Any]:
        try:
            ack = await sio.call(event, data, timeout=self.plan.call_timeout)
        except Exception as exc:
            self.tally.errors[f"{event}:{type(exc).__name__}"] += 1
            return {"error": type(exc).__name__}
        if not isinstance(ack, dict):
            self.tally.errors[f"{event}:bad_ack"] += 1
            return {"error": "bad_ack"}
        if "error" in ack:
            self.tally.errors[f"{event}:{ack['error']}"] += 1
        return ack

    async def send(
        self, sio: socketio.AsyncClient, chat_id: str, sender: str, *, adviser: bool
    ) -> bool:
        """Send one stamped message; resend with the same client_id if the ack times out."""
        payload: dict[str, Any] = {
            "text": _stamp_text(self.plan.size),
            "client_id": uuid.uuid4().hex,
        }
        if adviser:
            payload["chat_id"] = chat_id
        for _attempt in range(3):
            try:
                ack = await sio.call("message", payload, timeout=self.plan.call_timeout)
            except TimeoutError:
                self.tally.resends += 1
                continue
            except Exception as exc:
                self.tally.errors[f"message:{type(exc).__name__}"] += 1
                return False
            if isinstance(ack, dict) and isinstance(ack.get("id"), int):
                self.tally.sent.append((chat_id, ack["id"], sender))
                return True
            self.tally.errors[f"message:{(ack or {}).get('error', 'bad_ack')}"] += 1
            return False
        self.tally.errors["message:no_ack"] += 1
        return False

    def received(self, data: Any, expect_sender: str) -> bool:
        """Record a `message` event; True when it is a benchmark message from the other party."""
        if not isinstance(data, dict) or data.get("sender") != expect_sender:
            return False
        text = data.get("text")
        if not isinstance(text, str) or not text.startswith("b:"):
            return False
        key = (str(data.get("chat_id")), int(data["id"]), expect_sender)
        self.tally.events[key] += 1
        if self.tally.events[key] == 1:
            sent_ns = int(text.split(":", 2)[1])
            self.tally.latencies_ms.append((time.time_ns() - sent_ns) / 1e6)
        return True

    async def resync(
        self, sio: socketio.AsyncClient, chat_id: str, expect_sender: str, *, adviser: bool
    ) -> None:
        payload: dict[str, Any] = {"after_id": 0}
        if adviser:
            payload["chat_id"] = chat_id
        for _attempt in range(3):  # the protocol: after `internal` the client may retry
            ack = await self.call(sio, "history", payload)
            if ack.get("error") != "internal":
                break
            await asyncio.sleep(0.2)
        for m in ack.get("messages", []):
            if m.get("sender") == expect_sender:
                self.tally.held_by_history.add((chat_id, int(m["id"]), expect_sender))

    # -- advisers ---------------------------------------------------------------------------

    async def open_adviser(self, index: int) -> socketio.AsyncClient | None:
        name = self.plan.adviser_names[index]
        url = self.url_for(index)
        sio = self.new_socket(own_session=not self.plan.baseline)
        chats: dict[str, asyncio.Event] = {}

        async def on_assigned(data: Any) -> None:
            chat_id = data["chat_id"]
            chats.setdefault(chat_id, asyncio.Event())
            # An idle waiter answered while journeys still start means a slot went spare.
            late = time.time() >= self.t0 + self.plan.duration
            if not data.get("pre_chat", {}).get("immediate_risk") and not late:
                self.tally.idle_assigned += 1

        async def on_message(data: Any) -> None:
            if self.received(data, "professional"):
                self.spawn(self.send(sio, data["chat_id"], "adviser", adviser=True))

        async def on_ended(data: Any) -> None:
            chat_id = data.get("chat_id")
            if chat_id in chats:
                chats.pop(chat_id)
                self.spawn(self.resync(sio, chat_id, "professional", adviser=True))

        sio.on("assigned", on_assigned)
        sio.on("message", on_message)
        sio.on("ended", on_ended)
        if self.plan.baseline:
            ok = await self.connect(sio, url, auth={"adviser": name})
        else:
            async with self.http.post(
                url + "/api/login", json={"username": name, "password": self.plan.password}
            ) as resp:
                if resp.status != 200:
                    self.tally.errors[f"login:{resp.status}"] += 1
                    return None
                cookie = resp.cookies["advice_chat_session"].value
            ok = await self.connect(sio, url, headers={"Cookie": f"advice_chat_session={cookie}"})
        return sio if ok else None

    # -- professionals ----------------------------------------------------------------------

    async def create_chat(self, index: int, urgent: bool) -> tuple[str, dict[str, Any]] | None:
        url = self.url_for(index)
        if self.plan.baseline:
            if not urgent:
                return "", {"adviser": "", "idle": True}
            chat_id = f"b_{index}_{uuid.uuid4().hex[:12]}"
            adviser = self.plan.adviser_names[index % len(self.plan.adviser_names)]
            return chat_id, {"chat_id": chat_id, "adviser": adviser}
        try:
            async with self.http.post(
                url + "/api/chats", json={**PRE_CHAT, "immediate_risk": urgent}
            ) as resp:
                body = await resp.json()
                if resp.status != 201:
                    self.tally.errors[f"create:{resp.status}:{body.get('error')}"] += 1
                    return None
        except Exception as exc:
            self.tally.errors[f"create:{type(exc).__name__}"] += 1
            return None
        return body["chat_id"], {"token": body["token"]}

    async def open_idle(self, index: int) -> None:
        created = await self.create_chat(index, urgent=False)
        if created is None:
            return
        sio = self.new_socket()

        async def on_queue(_data: Any) -> None:
            self.tally.queue_events += 1

        sio.on("queue", on_queue)
        await self.connect(sio, self.url_for(index), auth=created[1])

    async def professional(self, index: int, first: tuple[str, Any] | None) -> None:
        """Journeys one after another until the duration has passed.

        Each journey queues its successor before it ends, so a chat is waiting whenever a
        slot frees; otherwise journeys that started together end together and the freed
        slots go to the idle waiters.
        """
        stop_new = self.t0 + self.plan.duration
        current = first
        # Steady state from the start: the first chat is cut to a random length, so chats end
        # (and successors start) at spread-out times, as with people who began at other times,
        # instead of every chat ending in the same second.
        count = random.randint(1, self.plan.messages) if self.plan.stagger else None
        while current is not None:
            current = await self.journey(index, *current, count=count)
            count = None
        while time.time() < stop_new:  # a successor could not be made: start afresh
            current = await self.next_chat(index)
            while current is not None:
                current = await self.journey(index, *current)
            await asyncio.sleep(0.5)

    async def next_chat(self, index: int) -> tuple[str, tuple[Professional, float]] | None:
        if time.time() >= self.t0 + self.plan.duration:
            return None
        t_create = time.time()
        created = await self.create_chat(index, urgent=True)
        if created is None:
            return None
        state = await self.prepare_professional(index, *created)
        return None if state is None else (created[0], (state, t_create))

    async def prepare_professional(
        self, index: int, chat_id: str, auth: dict[str, Any]
    ) -> Professional | None:
        sio = self.new_socket()
        state = Professional(sio)

        async def on_assigned(_data: Any) -> None:
            if not state.assigned.is_set():
                state.assigned_at = time.time()
                state.assigned.set()

        async def on_message(data: Any) -> None:
            if self.received(data, "adviser"):
                state.replies += 1
                state.reply.set()

        async def on_queue(_data: Any) -> None:
            self.tally.queue_events += 1

        sio.on("assigned", on_assigned)
        sio.on("message", on_message)
        sio.on("queue", on_queue)
        self.tally.chats_started += 1
        if not await self.connect(sio, self.url_for(index), auth=auth):
            return None
        return state

    async def journey(
        self,
        index: int,
        chat_id: str,
        opened: tuple[Professional, float],
        count: int | None = None,
    ) -> tuple[str, tuple[Professional, float]] | None:
        """One chat from assignment to end; returns its successor, queued before the end."""
        state, t_create = opened
        sio = state.sio
        hard_stop = self.t0 + self.plan.duration + self.plan.drain_seconds
        try:
            await asyncio.wait_for(state.assigned.wait(), max(0.1, hard_stop - time.time()))
        except TimeoutError:
            self.tally.chats_abandoned += 1
            await self.call(sio, "end", {})
            await self.disconnect(sio)
            return None
        waited = state.assigned_at - max(t_create, self.t0)
        self.tally.queue_ms.append(max(0.0, waited) * 1000)
        sent = 0
        messages = count or self.plan.messages
        if self.plan.rate > 0:
            # A random phase, as independent people have: chats assigned in the same burst
            # would otherwise all send in the same instant every second.
            start = time.monotonic() + random.uniform(0, 1 / self.plan.rate)
            pending = []
            for i in range(messages):
                delay = start + i / self.plan.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(
                    asyncio.ensure_future(self.send(sio, chat_id, "professional", adviser=False))
                )
            sent = sum(await asyncio.gather(*pending))
        else:
            for _ in range(messages):
                if not await self.send(sio, chat_id, "professional", adviser=False):
                    continue
                sent += 1
                deadline = time.monotonic() + self.plan.call_timeout
                while state.replies < sent and time.monotonic() < deadline:
                    state.reply.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(state.reply.wait(), deadline - time.monotonic())
        deadline = time.monotonic() + self.plan.call_timeout
        while state.replies < sent and time.monotonic() < deadline:
            state.reply.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.reply.wait(), deadline - time.monotonic())
        successor = await self.next_chat(index)
        ack = await self.call(sio, "end", {})
        if ack.get("ok"):
            self.tally.chats_completed += 1
        await self.resync(sio, chat_id, "adviser", adviser=False)
        await self.disconnect(sio)
        return successor


async def _gather_bounded(coros: list[Any], seconds: float) -> None:
    tasks = [asyncio.ensure_future(c) for c in coros]
    if not tasks:
        return
    _done, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)


async def run_clients(plan: Plan, barrier: Any) -> Tally:
    tally = Tally()
    cpu0 = time.process_time()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        clients = Clients(plan, tally, http)

        async def phase() -> None:
            await asyncio.to_thread(barrier.wait, plan.setup_seconds)

        # 1. advisers sign in and connect (away); idle waiters queue up
        opened = await asyncio.gather(*(clients.open_adviser(i) for i in plan.advisers))
        advisers = [s for s in opened if s is not None]
        await _gather_bounded([clients.open_idle(i) for i in plan.idle], plan.setup_seconds)
        await phase()
        # 2. the first chat of every active professional
        firsts: dict[int, tuple[str, Any]] = {}

        async def first(index: int) -> None:
            t_create = time.time()
            created = await clients.create_chat(index, urgent=True)
            if created is not None:
                state = await clients.prepare_professional(index, *created)
                if state is not None:
                    firsts[index] = (created[0], (state, t_create))

        await _gather_bounded([first(i) for i in plan.professionals], plan.setup_seconds)
        await phase()
        # The connections will last the run: out of the collector's sight, as the server does.
        gc.collect()
        gc.freeze()
        # 3. go: advisers available, journeys run
        clients.t0 = time.time()
        await asyncio.gather(
            *(clients.call(s, "presence", {"status": "available"}) for s in advisers)
        )
        bound = plan.duration + plan.drain_seconds + 2 * plan.call_timeout + 5

        async def pro(index: int) -> None:
            f = firsts.get(index)
            await clients.professional(index, (f[0], f[1]) if f else None)

        await _gather_bounded([pro(i) for i in plan.professionals if i in firsts], bound)
        await asyncio.sleep(min(2.0, plan.call_timeout))  # advisers' last resyncs
        await _gather_bounded(list(clients.tasks), plan.call_timeout + 1)
        tally.load_end = time.time()
        await phase()  # the parent reads the server's CPU here
        await _gather_bounded([clients.disconnect(s) for s in clients.sockets], 30)
    tally.cpu_seconds = time.process_time() - cpu0
    return tally


def client_process(plan: Plan, barrier: Any, results: Any) -> None:
    raise_fd_limit()
    gc.set_threshold(*GC_THRESHOLDS)  # the server's collector settings (advice_chat/cli.py)
    try:
        import uvloop

        factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = asyncio.new_event_loop
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            tally = runner.run(run_clients(plan, barrier))
        results.put(tally.wire())
    except Exception as exc:
        barrier.abort()
        results.put({"failed": f"{type(exc).__name__}: {exc}"})


# -- the server side ------------------------------------------------------------------------


class ProcStats:
    """CPU time and memory of one server process, from /proc."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu(self) -> float:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.TICK

    def memory_kb(self, name: str) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
        return 0


GcTotals = dict[str, dict[str, float]]  # generation -> passes, seconds, over_50ms


def gc_totals(url: str) -> GcTotals | None:
    """Per collector generation: passes, seconds, and passes over 50 ms, from /metrics so far.

    None when the server does not answer it (another build, or a metrics token set).
    """
    try:
        with urllib.request.urlopen(url + "/metrics", timeout=5) as r:  # noqa: S310
            text = r.read().decode()
    except OSError:
        return None
    found: GcTotals = {}
    for family in text_string_to_metric_families(text):
        if family.name != "advice_chat_gc_pause_seconds":
            continue
        for sample in family.samples:
            totals = found.setdefault(
                sample.labels["generation"], {"passes": 0.0, "seconds": 0.0, "over_50ms": 0.0}
            )
            if sample.name.endswith("_count"):
                totals["passes"] = sample.value
                totals["over_50ms"] += sample.value
            elif sample.name.endswith("_sum"):
                totals["seconds"] = sample.value
            elif sample.labels.get("le") == "0.05":
                totals["over_50ms"] -= sample.value
    return found


def gc_during(before: list[GcTotals | None], after: list[GcTotals | None]) -> GcTotals | None:
    """The collector's passes in the load window, all servers together."""
    if not after or any(t is None for t in (*before, *after)):
        return None
    out: GcTotals = {}
    for start_of, end_of in zip(before, after, strict=True):
        assert start_of is not None and end_of is not None
        for generation, end in end_of.items():
            start = start_of.get(generation, {})
            o = out.setdefault(generation, {"passes": 0, "seconds": 0.0, "over_50ms": 0})
            for field_name in o:
                o[field_name] += end[field_name] - start.get(field_name, 0.0)
    return {
        g: {
            "passes": int(o["passes"]),
            "seconds": round(o["seconds"], 3),
            "over_50ms": int(o["over_50ms"]),
        }
        for g, o in out.items()
    }


class Server:
    def __init__(
        self, argv: list[str], env: dict[str, str], log_path: Path, port: int, cwd: Path
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        with log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
            )
        self.stats = ProcStats(self.proc.pid)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("server exited:\n" + self.log_path.read_text()[-3000:])
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("server did not become healthy")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(
    var_dir: Path, database_url: str, redis_prefix: str | None, root: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVICE_CHAT_")}
    env.update(
        # The caller's PYTHONPATH stays behind the server's root (e.g. for a probe's sitecustomize).
        PYTHONPATH=os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p),
        ADVICE_CHAT_VAR_DIR=str(var_dir),
        ADVICE_CHAT_DATABASE_URL=database_url,
        ADVICE_CHAT_SECRET_KEY=secrets.token_urlsafe(48),
        ADVICE_CHAT_LOG_LEVEL="WARNING",
        # Every client here shares 127.0.0.1, so the per-address limits are raised out of
        # reach (not turned off: their bookkeeping is part of what is measured).
        ADVICE_CHAT_CHATS_PER_ADDRESS_MINUTE="1000000",
        ADVICE_CHAT_CONNECTIONS_PER_ADDRESS="1000000",
        ADVICE_CHAT_EVENTS_PER_CONNECTION="1000000",
    )
    if redis_prefix is not None:
        env.update(ADVICE_CHAT_REDIS_URL=REDIS_URL, ADVICE_CHAT_REDIS_PREFIX=redis_prefix)
    return env


ACCOUNTS_SCRIPT = """
import asyncio, secrets, sys
from advice_chat.services.accounts import AccountService
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.sealing import Sealer
from advice_chat.storage.store import Store

async def main(url, password, manager, advisers):
    await upgrade(url)
    store = Store(create_engine(url), Sealer(secrets.token_urlsafe(48)))
    accounts = AccountService(store, session_hours=4, default_capacity=3)
    try:
        for name in advisers:
            await accounts.create_user(username=name, display_name=name.title(),
                                       role="adviser", password=password)
        await accounts.create_user(username=manager, display_name="Bench Manager",
                                   role="manager", password=password)
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], sys.stdin.readline().rstrip("\\n"), sys.argv[2], sys.argv[3:]))
"""


def _create_accounts(
    root: Path, env: dict[str, str], database_url: str, advisers: list[str], manager: str
) -> None:
    """Adviser and manager accounts, through the service layer, before the server starts.

    Run in a subprocess of the server's own code (`--server-root`), like the server.
    """
    subprocess.run(
        [sys.executable, "-c", ACCOUNTS_SCRIPT, database_url, manager, *advisers],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        cwd=root,
        check=True,
        timeout=300,
    )


async def _set_capacity(url: str, manager: str, password: str, capacity: int) -> None:
    """The documented way: a manager PATCHes each adviser's capacity."""
    # unsafe: the cookie jar keeps cookies set by an IP address (the server is on 127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(
            url + "/api/login", json={"username": manager, "password": password}
        ) as resp:
            if resp.status != 200:
                raise SystemExit(f"manager sign-in failed: {resp.status}")
        async with http.get(url + "/api/manager/advisers") as resp:
            body = await resp.json()
            if resp.status != 200:
                raise SystemExit(f"adviser list refused: {resp.status} {body}")
            advisers = body["advisers"]
        for a in advisers:
            if a["capacity"] != capacity:
                async with http.patch(
                    url + f"/api/manager/advisers/{a['id']}", json={"capacity": capacity}
                ) as resp:
                    if resp.status != 200:
                        raise SystemExit(f"capacity change refused: {resp.status}")


async def _outcome(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url + "/api/options") as resp:
        return str((await resp.json())["outcomes"][0]["id"])


class Deployment:
    """The servers under test and what they stand on; removed again by close()."""

    def __init__(self, mode: str, args: argparse.Namespace, work: Path) -> None:
        self.mode = mode
        self.work = work
        self.servers: list[Server] = []
        self.pg_name: str | None = None
        self.redis_prefix: str | None = None
        self.adviser_names = [f"bench-adviser-{i:03}" for i in range(args.advisers)]
        self.manager = "bench-manager"
        self.password = PASSWORD
        self.outcome = "advice-given"
        self.log_errors: list[str] = []

    def start(self, args: argparse.Namespace) -> None:
        if self.mode == "baseline":
            port = free_port()
            argv = [sys.executable, "-m", "bench.load_baseline", "--port", str(port)]
            self.servers.append(
                Server(argv, dict(os.environ), self.work / "baseline.log", port, BENCH_ROOT)
            )
            self.servers[0].wait_healthy()
            return
        if self.mode == "target":
            self.password = os.environ.get("ADVICE_CHAT_BENCH_PASSWORD", "")
            prefix = args.adviser_prefix
            self.adviser_names = [f"{prefix}{i:03}" for i in range(args.advisers)]
            self.manager = os.environ.get("ADVICE_CHAT_BENCH_MANAGER", "")
            return
        redis_prefix = None
        workers = 1
        if self.mode == "embedded":
            database_url = f"sqlite+aiosqlite:///{self.work / 'advice_chat.db'}"
        else:
            self.pg_name = "ac_bench_" + secrets.token_hex(6)
            asyncio.run(self._pg("CREATE DATABASE"))
            base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
            database_url = (
                f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{self.pg_name}"
            )
            self.redis_prefix = redis_prefix = f"acbench:{secrets.token_hex(4)}:"
            workers = args.workers
        root = Path(args.server_root).resolve()
        env = _server_env(self.work, database_url, redis_prefix, root)
        _create_accounts(root, env, database_url, self.adviser_names, self.manager)
        for w in range(workers):
            port = free_port()
            argv = [sys.executable, "-m", "advice_chat.cli", "serve", "--port", str(port)]
            self.servers.append(Server(argv, env, self.work / f"server{w}.log", port, root))
        for server in self.servers:
            server.wait_healthy()

    async def _pg(self, verb: str) -> None:
        import asyncpg

        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            if verb == "CREATE DATABASE":
                await admin.execute(f'CREATE DATABASE "{self.pg_name}"')
            else:
                await admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        finally:
            await admin.close()

    async def _pg_cpu(self) -> float | None:
        """CPU of the PostgreSQL backends serving our database (they live as long as the pool)."""
        import asyncpg

        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            rows = await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.pg_name
            )
        finally:
            await admin.close()
        total = 0.0
        for row in rows:
            with contextlib.suppress(OSError):
                total += ProcStats(int(row["pid"])).cpu()
        return round(total, 2)

    def pg_cpu(self) -> float | None:
        if self.pg_name is None:
            return None
        try:
            return asyncio.run(self._pg_cpu())
        except Exception:
            return None

    def redis_cpu(self) -> float | None:
        if self.redis_prefix is None:
            return None
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        try:
            info = client.info("cpu")
            return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
        finally:
            client.close()

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def close(self) -> None:
        for server in self.servers:
            server.stop()
            with contextlib.suppress(OSError):
                for line in server.log_path.read_text(errors="replace").splitlines():
                    if '"ERROR"' in line or "Traceback" in line:
                        self.log_errors.append(line[:300])
        if self.log_errors:
            log(
                f"{self.mode}: {len(self.log_errors)} error lines in the server logs, e.g. "
                + "; ".join(self.log_errors[:3])
            )
        if self.pg_name is not None:
            with contextlib.suppress(Exception):
                asyncio.run(self._pg("DROP DATABASE"))
        if self.redis_prefix is not None:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            try:
                keys = list(client.scan_iter(match=self.redis_prefix + "*", count=1000))
                for start in range(0, len(keys), 500):
                    client.delete(*keys[start : start + 500])
            finally:
                client.close()


def run_once(mode: str, args: argparse.Namespace, urls: list[str] | None = None) -> dict[str, Any]:
    """One measured run against one deployment (ours, or the baseline)."""
    with tempfile.TemporaryDirectory(prefix="advice-chat-load-") as tmp:
        deployment = Deployment(mode, args, Path(tmp))
        try:
            deployment.start(args)
            target_urls = urls if urls else deployment.urls
            result = _drive(mode, args, deployment, target_urls)
        finally:
            deployment.close()
        result["server"]["log_errors"] = deployment.log_errors
        return result


def _drive(
    mode: str, args: argparse.Namespace, deployment: Deployment, urls: list[str]
) -> dict[str, Any]:
    baseline = mode == "baseline"
    slots = args.advisers * args.capacity
    professionals = min(args.professionals, slots) if baseline else args.professionals
    if not baseline:
        if args.capacity != 3 and deployment.manager:
            asyncio.run(
                _set_capacity(urls[0], deployment.manager, deployment.password, args.capacity)
            )
        deployment.outcome = asyncio.run(_outcome(urls[0]))
    procs = max(1, args.client_procs)
    plans = [
        Plan(
            urls=urls,
            baseline=baseline,
            professionals=list(range(p, professionals, procs)),
            idle=list(range(professionals + p, professionals + args.idle, procs)),
            advisers=list(range(p, args.advisers, procs)),
            adviser_names=deployment.adviser_names,
            password=deployment.password,
            rate=args.rate,
            messages=args.messages,
            duration=args.duration,
            drain_seconds=args.drain_seconds,
            setup_seconds=args.setup_seconds,
            size=args.size,
            call_timeout=args.call_timeout,
            outcome=deployment.outcome,
            stagger=not args.no_stagger,
        )
        for p in range(procs)
    ]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(procs + 1)
    results = ctx.Queue()
    children = [
        ctx.Process(target=client_process, args=(plan, barrier, results), daemon=True)
        for plan in plans
    ]
    stats = [s.stats for s in deployment.servers]
    rss_idle = sum(s.memory_kb("VmRSS") for s in stats)
    for child in children:
        child.start()
    log(f"{mode}: {procs} client processes; setting up connections")
    bound = args.setup_seconds
    barrier.wait(bound)  # advisers and idle waiters connected
    barrier.wait(bound)  # first chats created
    gc0 = [gc_totals(s.url) for s in deployment.servers] if mode != "baseline" else [None]
    t0 = time.time()
    cpu0 = [s.cpu() for s in stats]
    redis0 = deployment.redis_cpu()
    rss_loaded = sum(s.memory_kb("VmRSS") for s in stats)
    log(f"{mode}: load running")
    spies = []
    if args.profile and mode != "baseline":
        for i, s in enumerate(stats):
            out = f"{args.profile}.{mode}.{i}.txt"
            spies.append(
                subprocess.Popen(
                    [
                        PY_SPY,
                        "record",
                        "--pid",
                        str(s.pid),
                        "--format",
                        "raw",
                        "--nonblocking",
                        "--duration",
                        str(int(args.duration)),
                        "--output",
                        out,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    barrier.wait(args.duration + args.drain_seconds + 3 * args.call_timeout + 30)  # load done
    t1 = time.time()
    cpu1 = [s.cpu() for s in stats]
    redis1 = deployment.redis_cpu()
    pg_cpu = deployment.pg_cpu()
    hwm = [s.memory_kb("VmHWM") for s in stats]
    gc1 = [gc_totals(s.url) for s in deployment.servers] if mode != "baseline" else [None]
    for spy in spies:
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
    tallies = []
    for _ in children:
        try:
            tallies.append(results.get(timeout=60))
        except Exception:
            tallies.append({"failed": "no result from client process"})
    for child in children:
        child.join(timeout=30)
        if child.is_alive():
            child.terminate()
    failed = [t["failed"] for t in tallies if "failed" in t]
    if failed:
        raise SystemExit(f"client process failed: {failed}")
    load_end = max(t["load_end"] for t in tallies)
    window = max(0.001, load_end - t0)
    cpu = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
    return summarise(
        tallies,
        window,
        {
            "cpu_seconds": round(sum(cpu), 2),
            "cpu_percent_of_one_core": round(100 * sum(cpu) / max(0.001, t1 - t0), 1),
            "peak_rss_mb": round(sum(hwm) / 1024, 1),
            "rss_before_clients_mb": round(rss_idle / 1024, 1),
            "rss_with_connections_mb": round(rss_loaded / 1024, 1),
            "processes": len(stats),
            "per_process_cpu_seconds": [round(c, 2) for c in cpu],
            "per_process_peak_rss_mb": [round(h / 1024, 1) for h in hwm],
            "redis_cpu_seconds": None
            if redis0 is None or redis1 is None
            else round(redis1 - redis0, 2),
            "postgres_cpu_seconds": pg_cpu,
            # The collector's passes in the window, by generation (from /metrics).
            "gc": gc_during(gc0, gc1),
        },
        procs,
        professionals,
    )


def summarise(
    tallies: list[dict[str, Any]],
    window: float,
    server: dict[str, Any],
    procs: int,
    professionals: int,
) -> dict[str, Any]:
    sent: set[Key] = set()
    events: Counter[Key] = Counter()
    history: set[Key] = set()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    queue: list[float] = []
    totals: Counter[str] = Counter()
    for t in tallies:
        sent.update(tuple(k) for k in t["sent"])
        events.update(t["events"])
        history.update(tuple(k) for k in t["held_by_history"])
        errors.update(t["errors"])
        latencies += t["latencies_ms"]
        queue += t["queue_ms"]
        for name in (
            "chats_started",
            "chats_completed",
            "chats_abandoned",
            "idle_assigned",
            "queue_events",
            "resends",
            "peak_connections",
            "cpu_seconds",
        ):
            totals[name] += t[name]
    delivered = sum(1 for k in sent if events[k] > 0)
    lost = [k for k in sent if events[k] == 0 and k not in history]
    return {
        "connections_held": totals["peak_connections"],
        "active_professionals": professionals,
        "chats_started": totals["chats_started"],
        "chats_completed": totals["chats_completed"],
        "chats_abandoned": totals["chats_abandoned"],
        "idle_assigned": totals["idle_assigned"],
        "messages_sent": len(sent),
        "messages_delivered": delivered,
        "recovered_by_history": sum(1 for k in sent if events[k] == 0 and k in history),
        "lost": len(lost),
        "duplicated": sum(1 for n in events.values() if n > 1),
        "resends": totals["resends"],
        "load_seconds": round(window, 2),
        "delivered_per_second": round(delivered / window, 1),
        "delivery_latency_ms": percentiles(latencies),
        "queue_assignment_ms": percentiles(queue),
        "queue_events_received": totals["queue_events"],
        "errors": dict(errors),
        "server": server,
        "clients": {"processes": procs, "cpu_seconds": round(totals["cpu_seconds"], 2)},
    }


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_mb": mem_kb // 1024,
        "python": sys.version.split()[0],
    }


def ratio(ours: float | None, base: float | None) -> float | None:
    if ours is None or not base:
        return None
    return round(ours / base, 3)


def one_round(mode: str, args: argparse.Namespace, urls: list[str]) -> dict[str, Any]:
    """The baseline, then ours, on the same settings; ours with ratios to the baseline."""
    baseline = None
    if not args.no_baseline:
        log("baseline: bare python-socketio relay")
        baseline = run_once("baseline", args)
    log(f"{mode}: starting")
    ours = run_once(mode, args, urls or None)
    if baseline is not None:
        ours["baseline"] = baseline
        ours["ratio_to_baseline"] = {
            "delivered_per_second": ratio(
                ours["delivered_per_second"], baseline["delivered_per_second"]
            ),
            "p99_latency": ratio(
                ours["delivery_latency_ms"]["p99"], baseline["delivery_latency_ms"]["p99"]
            ),
            "server_cpu_per_message": ratio(
                ours["server"]["cpu_seconds"] / max(1, ours["messages_delivered"]),
                baseline["server"]["cpu_seconds"] / max(1, baseline["messages_delivered"]),
            ),
        }
    return ours


MEDIAN_FIELDS = (
    ("delivered_per_second",),
    ("delivery_latency_ms", "p50"),
    ("delivery_latency_ms", "p95"),
    ("delivery_latency_ms", "p99"),
    ("queue_assignment_ms", "p50"),
    ("queue_assignment_ms", "p95"),
    ("queue_assignment_ms", "p99"),
    ("connections_held",),
    ("chats_completed",),
    ("messages_delivered",),
    ("server", "cpu_percent_of_one_core"),
    ("server", "peak_rss_mb"),
    ("server", "rss_before_clients_mb"),
    ("server", "rss_with_connections_mb"),
    ("server", "redis_cpu_seconds"),
    ("server", "postgres_cpu_seconds"),
    ("clients", "cpu_seconds"),
    ("baseline", "delivered_per_second"),
    ("baseline", "delivery_latency_ms", "p99"),
    ("baseline", "server", "cpu_percent_of_one_core"),
    ("ratio_to_baseline", "delivered_per_second"),
    ("ratio_to_baseline", "p99_latency"),
    ("ratio_to_baseline", "server_cpu_per_message"),
)


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the main figures over several runs; lost, duplicated and errors summed."""
    out: dict[str, Any] = {}
    for path in MEDIAN_FIELDS:
        values = []
        for run in runs:
            value: Any = run
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, int | float):
                values.append(float(value))
        if values:
            out[".".join(path)] = round(statistics.median(values), 3)
    out["server_cpu_ms_per_delivered_message"] = round(
        statistics.median(
            1000 * r["server"]["cpu_seconds"] / max(1, r["messages_delivered"]) for r in runs
        ),
        3,
    )
    out["lost_total"] = sum(r["lost"] for r in runs)
    out["duplicated_total"] = sum(r["duplicated"] for r in runs)
    out["errors_total"] = sum(sum(r["errors"].values()) for r in runs)
    out["runs"] = len(runs)
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--mode", choices=("embedded", "scaleout"), default="embedded")
    p.add_argument("--workers", type=int, default=2, help="scale-out workers (default 2)")
    p.add_argument(
        "--url",
        action="append",
        default=[],
        help="target a running server (loopback only; repeat for several workers); "
        "advisers <prefix>000… must exist with the password in "
        "ADVICE_CHAT_BENCH_PASSWORD; a manager named in "
        "ADVICE_CHAT_BENCH_MANAGER (same password) sets --capacity",
    )
    p.add_argument("--adviser-prefix", default="bench-adviser-")
    p.add_argument(
        "--server-root",
        default=str(BENCH_ROOT),
        help="checkout whose advice_chat the servers run (default: this one); "
        "e.g. a `git worktree` of an older commit for before/after figures",
    )
    p.add_argument(
        "--professionals",
        type=int,
        default=40,
        help="active professionals, each doing journeys one after another",
    )
    p.add_argument("--idle", type=int, default=0, help="professionals who wait without a word")
    p.add_argument("--advisers", type=int, default=12)
    p.add_argument("--capacity", type=int, default=3, help="chats per adviser (1-10)")
    p.add_argument(
        "--rate",
        type=float,
        default=1.0,
        help="messages per second each way in each chat; 0 = closed loop",
    )
    p.add_argument("--messages", type=int, default=10, help="professional's messages per chat")
    p.add_argument("--size", type=int, default=100, help="characters per message")
    p.add_argument(
        "--duration", type=float, default=20.0, help="seconds during which new chats start"
    )
    p.add_argument(
        "--drain-seconds",
        type=float,
        default=30.0,
        help="after the duration, how long chats still waiting may wait",
    )
    p.add_argument(
        "--setup-seconds",
        type=float,
        default=180.0,
        help="bound on each setup phase (sign-ins, connections)",
    )
    p.add_argument("--call-timeout", type=float, default=10.0)
    p.add_argument("--client-procs", type=int, default=2)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument(
        "--no-stagger",
        action="store_true",
        help="every first chat runs the full --messages (default: a random 1..--messages, "
        "so chats end at spread-out times as in steady traffic)",
    )
    p.add_argument(
        "--runs",
        type=int,
        default=1,
        help="repeat baseline + ours this many times; print medians and every run",
    )
    p.add_argument(
        "--profile",
        metavar="PREFIX",
        help="record each server with py-spy for --duration seconds of the load "
        "(collapsed stacks in PREFIX.<mode>.<n>.txt; py-spy must be installed)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 1 <= args.capacity <= 10:
        raise SystemExit("--capacity must be 1 to 10")
    if args.advisers < 1 or args.professionals < 1 or args.messages < 1:
        raise SystemExit("need at least one adviser, professional and message")
    fd_limit = raise_fd_limit()
    urls = [loopback_only(u) for u in args.url]
    mode = "target" if urls else args.mode
    out: dict[str, Any] = {
        "mode": mode if mode != "scaleout" else f"scaleout-{args.workers}-workers",
        "machine": machine(),
        "params": {k: v for k, v in vars(args).items() if k not in ("url", "no_baseline")},
        "fd_limit": fd_limit,
    }
    runs = []
    for n in range(max(1, args.runs)):
        runs.append(one_round(mode, args, urls))
        log(f"run {n + 1} of {args.runs} done")
    if len(runs) == 1:
        out.update(runs[0])
    else:
        out["median"] = medians(runs)
        out["runs"] = runs
    print(json.dumps(out, indent=2, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
