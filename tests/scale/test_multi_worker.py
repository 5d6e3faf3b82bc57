"""Scale-out: two `advice-chat serve` processes on PostgreSQL + Redis act as one service."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from advice_chat.services.accounts import AccountService
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.sealing import Sealer
from advice_chat.storage.store import Store
from advice_chat.storage.team_store import TeamStore
from tests.conftest import REDIS_URL
from tests.support import PASSWORD, PRE_CHAT, Client, ReliableChat, free_port

pytestmark = pytest.mark.scale


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "advice_chat.cli", "serve", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("worker did not start")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_env(
    postgres_url: str, redis_prefix: str, tmp_path: Path, **settings: str
) -> dict[str, str]:
    """The environment of workers that share one PostgreSQL database and one Redis prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVICE_CHAT_")}
    env.update(
        ADVICE_CHAT_DATABASE_URL=postgres_url,
        ADVICE_CHAT_REDIS_URL=REDIS_URL,
        ADVICE_CHAT_REDIS_PREFIX=redis_prefix,
        ADVICE_CHAT_SECRET_KEY=secrets.token_urlsafe(48),
        # Hundreds of clients on one loopback address: the per-address limits are off.
        ADVICE_CHAT_CHATS_PER_ADDRESS_MINUTE="0",
        ADVICE_CHAT_CONNECTIONS_PER_ADDRESS="0",
        ADVICE_CHAT_EVENTS_PER_CONNECTION="0",
        ADVICE_CHAT_VAR_DIR=str(tmp_path),
        ADVICE_CHAT_QUEUE_BROADCAST_SECONDS="0.2",
        ADVICE_CHAT_LOG_LEVEL="WARNING",
    )
    env.update({f"ADVICE_CHAT_{k.upper()}": v for k, v in settings.items()})
    return env


@pytest.fixture
def cluster_env(postgres_url: str, redis_prefix: str, tmp_path: Path) -> dict[str, str]:
    return worker_env(postgres_url, redis_prefix, tmp_path)


async def _make_advisers(database_url: str, count: int) -> list[str]:
    await upgrade(database_url)
    store = Store(create_engine(database_url), Sealer(secrets.token_urlsafe(48)))
    accounts = AccountService(store, session_hours=1, default_capacity=3)
    names = [f"adviser{i:02}" for i in range(count)]
    try:
        for name in names:
            await accounts.create_user(
                username=name, display_name=name.title(), role="adviser", password=PASSWORD
            )
    finally:
        await store.close()
    return names


@pytest.fixture
def workers(cluster_env: dict[str, str], tmp_path: Path) -> Iterator[list[Worker]]:
    started = [Worker(cluster_env, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        for worker in started:
            worker.wait_healthy()
        yield started
    finally:
        for worker in started:
            worker.stop()


async def _login(url: str, username: str) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url + "/api/login", json={"username": username, "password": PASSWORD}) as resp,
    ):
        assert resp.status == 200
        return resp.cookies["advice_chat_session"].value


async def _adviser(url: str, username: str) -> Client:
    cookie = await _login(url, username)
    client = Client(url, headers={"Cookie": f"advice_chat_session={cookie}"})
    await client.connect()
    return client


async def _wait_until(predicate: Any, timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def advisers_made(postgres_url: str) -> AsyncIterator[list[str]]:
    yield await _make_advisers(postgres_url, 10)


async def test_two_workers_200_professionals_10_advisers(
    advisers_made: list[str],
    workers: list[Worker],
    postgres_url: str,
    cluster_env: dict[str, str],
) -> None:
    urls = [w.url for w in workers]
    advisers = [await _adviser(urls[i % 2], name) for i, name in enumerate(advisers_made)]

    # 200 chats, created one after another so arrival order is known; every 10th is urgent.
    chats: list[tuple[str, str, bool]] = []
    async with aiohttp.ClientSession() as http:
        for i in range(200):
            urgent = i % 10 == 5
            async with http.post(
                urls[i % 2] + "/api/chats", json={**PRE_CHAT, "immediate_risk": urgent}
            ) as resp:
                body = await resp.json()
                assert resp.status == 201, body
                chats.append((body["chat_id"], body["token"], urgent))
    expected = [c[0] for c in chats if c[2]] + [c[0] for c in chats if not c[2]]

    pros: dict[str, Client] = {}
    for i, (chat_id, token, _) in enumerate(chats):
        client = Client(urls[(i + 1) % 2], auth={"token": token})  # the other worker
        await client.connect()
        pros[chat_id] = client

    # Positions: every waiting professional holds a distinct position, in line order.
    def latest_positions() -> dict[str, int]:
        return {c: p.got("queue")[-1]["position"] for c, p in pros.items() if p.got("queue")}

    await _wait_until(lambda: len(latest_positions()) == 200, what="queue positions")
    assert latest_positions() == {chat_id: n + 1 for n, chat_id in enumerate(expected)}

    # Every adviser goes available at once: 10 x capacity 3 = 30 claims, raced by two workers.
    acks = await asyncio.gather(*(a.call("presence", {"status": "available"}) for a in advisers))
    assert all(a["status"] == "available" for a in acks)

    def assigned_ids() -> list[str]:
        return [e["chat_id"] for a in advisers for e in a.got("assigned")]

    await _wait_until(lambda: len(assigned_ids()) >= 30, what="first 30 assignments")
    await asyncio.sleep(0.5)
    assert len(assigned_ids()) == 30
    assert set(assigned_ids()) == set(expected[:30])

    # Positions stay consistent for those still waiting.
    await _wait_until(
        lambda: (
            sorted(pros[c].got("queue")[-1]["position"] for c in expected[30:])
            == list(range(1, 171))
        ),
        what="positions after the first assignments",
    )

    # A professional on one worker and an adviser on the other talk normally.
    first = expected[0]
    owner = next(a for a in advisers if first in [e["chat_id"] for e in a.got("assigned")])
    await pros[first].send("cross-worker hello")
    await owner.wait_for("message", lambda m: m["text"] == "cross-worker hello")
    await owner.send("cross-worker reply", chat_id=first)
    await pros[first].wait_for("message", lambda m: m["text"] == "cross-worker reply")

    # Free one slot at a time: each frees exactly one claim, which must be the next in line.
    max_active = {id(a): 0 for a in advisers}
    seen = set(assigned_ids())
    cursor = 30
    turn = 0
    while cursor < 200:
        adviser = advisers[turn % len(advisers)]
        turn += 1
        ended = {e["chat_id"] for e in adviser.got("ended")}
        open_chats = [e["chat_id"] for e in adviser.got("assigned") if e["chat_id"] not in ended]
        max_active[id(adviser)] = max(max_active[id(adviser)], len(open_chats))
        if not open_chats:
            continue
        before = len(assigned_ids())
        ack = await adviser.call("end", {"chat_id": open_chats[0], "outcome": "advice-given"})
        assert ack == {"ok": True}
        await _wait_until(lambda b=before: len(assigned_ids()) > b, what=f"assignment {cursor}")
        new = [c for c in assigned_ids() if c not in seen]
        assert new == [expected[cursor]], f"claim {cursor} broke arrival order"
        seen.update(new)
        cursor += 1

    assert max(max_active.values()) <= 3
    # Every chat assigned exactly once, to one adviser, as the database also says.
    assert sorted(assigned_ids()) == sorted(expected)
    # Each professional was told, and every `assigned` they got names one adviser: a client
    # that reconnected (a starved machine can drop a ping) is sent it again on connect.
    for p in pros.values():
        told = p.got("assigned")
        assert told and all(e == told[0] for e in told), told
    store = Store(create_engine(postgres_url), Sealer(cluster_env["ADVICE_CHAT_SECRET_KEY"]))
    try:
        for chat_id in expected[:5] + expected[-5:]:
            # Ended chats hold only their redacted transcript by now; open ones their messages.
            history = await store.history(chat_id, 0) or await store.transcript(chat_id)
            assert [m.code for m in history].count("adviser_joined") == 1
    finally:
        await store.close()
    for client in [*advisers, *pros.values()]:
        await client.disconnect()


async def test_killing_a_worker_mid_chat_loses_nothing(
    advisers_made: list[str], workers: list[Worker]
) -> None:
    a, b = workers
    adviser_cookie = await _login(a.url, advisers_made[0])
    adv = ReliableChat(
        a.url, headers={"Cookie": f"advice_chat_session={adviser_cookie}"}, adviser=True
    )
    await adv.open()
    await adv.client.call("presence", {"status": "available"})

    tokens = []
    async with aiohttp.ClientSession() as http:
        for _ in range(4):  # three chats for the adviser (capacity 3) and one left waiting
            async with http.post(a.url + "/api/chats", json=PRE_CHAT) as resp:
                assert resp.status == 201
                tokens.append(await resp.json())
    pros = [ReliableChat(a.url, auth={"token": t["token"]}, chat_id=t["chat_id"]) for t in tokens]
    for pro in pros:
        await pro.open()
    await _wait_until(lambda: len(adv.client.got("assigned")) == 3, what="three assignments")
    chat_ids = [t["chat_id"] for t in tokens[:3]]
    waiting = pros[3]
    assert (await waiting.client.wait_for("queue"))["position"] == 1
    assert not waiting.client.got("assigned")

    # Both sides keep talking while the worker they are all on is killed.
    async def talk(chat: ReliableChat, prefix: str, chat_id: str | None = None) -> None:
        for i in range(20):
            await chat.send(f"{prefix}-{i}", chat_id=chat_id)
            await asyncio.sleep(0.01)

    talkers = [asyncio.create_task(talk(p, f"pro{n}")) for n, p in enumerate(pros[:3])]
    talkers += [asyncio.create_task(talk(adv, f"adv{n}", c)) for n, c in enumerate(chat_ids)]
    await asyncio.sleep(0.1)
    a.kill()
    for chat in [adv, *pros]:
        await chat.move_to(b.url)
    await asyncio.gather(*talkers)

    # Everything sent is stored exactly once, in each sender's order.
    for n, (pro, chat_id) in enumerate(zip(pros, chat_ids, strict=False)):
        history = await pro.client.call("history", {"after_id": 0})
        texts = [m["text"] for m in history["messages"] if m["sender"] != "system"]
        ids = [m["id"] for m in history["messages"]]
        assert ids == list(range(1, len(ids) + 1))
        assert [t for t in texts if t.startswith(f"pro{n}-")] == [f"pro{n}-{i}" for i in range(20)]
        assert [t for t in texts if t.startswith(f"adv{n}-")] == [f"adv{n}-{i}" for i in range(20)]
        # And both parties, after resync, hold exactly that history.
        await pro.resync()
        await adv.resync(chat_id)
        assert [m["text"] for m in pro.held()] == [m["text"] for m in history["messages"]]
        assert [m["text"] for m in adv.held(chat_id)] == [m["text"] for m in history["messages"]]

    # The queue recovers on the surviving worker: ending a chat lets the waiting one in.
    await adv.client.call("end", {"chat_id": chat_ids[0], "outcome": "advice-given"})
    await waiting.client.wait_for("assigned", timeout=10)
    for chat in [adv, *pros]:
        await chat.client.disconnect()


async def _set_teams(database_url: str, teams: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Put advisers (by username) in teams, straight in the shared database."""
    store = Store(create_engine(database_url), Sealer(secrets.token_urlsafe(48)))
    team_store = TeamStore(store.engine)
    ids = {}
    try:
        for user in await store.users_with_role("adviser"):
            if user.username in teams:
                await team_store.set_teams_of(user.id, teams[user.username])
                ids[user.username] = user.id
    finally:
        await store.close()
    return ids


async def test_two_workers_two_teams_answer_only_what_is_routed_or_overflowed_to_them(
    advisers_made: list[str],
    workers: list[Worker],
    postgres_url: str,
    cluster_env: dict[str, str],
) -> None:
    """Respect and Drive advisers on two workers: every chat is answered by the team it was
    routed to, in that team's order (priority, then arrival), until the manager allows Drive
    chats to overflow; then only Drive chats go to Respect advisers, flagged as overflow."""
    urls = [w.url for w in workers]
    # Six Respect advisers, three Drive, one in both; capacity 3 each.
    membership: dict[str, tuple[str, ...]] = {name: ("respect",) for name in advisers_made[:6]}
    membership |= {name: ("drive",) for name in advisers_made[6:9]}
    membership[advisers_made[9]] = ("respect", "drive")
    await _set_teams(postgres_url, membership)
    store = Store(create_engine(postgres_url), Sealer(secrets.token_urlsafe(48)))
    try:
        await AccountService(store, session_hours=1, default_capacity=3).create_user(
            username="manager00", display_name="Manager", role="manager", password=PASSWORD
        )
    finally:
        await store.close()
    advisers = {name: await _adviser(urls[i % 2], name) for i, name in enumerate(advisers_made)}

    # 120 chats one after another: every third is for Drive, every tenth urgent.
    chats: dict[str, tuple[str, bool]] = {}  # chat id -> (team, urgent)
    chats_clients: dict[str, Client] = {}
    order: list[str] = []
    async with aiohttp.ClientSession() as http:
        for i in range(120):
            drive, urgent = i % 3 == 0, i % 10 == 5
            body_in = {**PRE_CHAT, "immediate_risk": urgent, "open_to_drive": drive}
            async with http.post(urls[i % 2] + "/api/chats", json=body_in) as resp:
                body = await resp.json()
                assert resp.status == 201, body
                assert body["team"] == ("drive" if drive else "respect")
                chats[body["chat_id"]] = (body["team"], urgent)
                order.append(body["chat_id"])
                token = body["token"]
            client = Client(urls[(i + 1) % 2], auth={"token": token})  # the other worker
            await client.connect()
            chats_clients[body["chat_id"]] = client
    lines = {
        team: [c for c in order if chats[c] == (team, True)]
        + [c for c in order if chats[c] == (team, False)]
        for team in ("respect", "drive")
    }

    # Positions are within each team's line.
    def latest(chat_id: str) -> Any:
        got = chats_clients[chat_id].got("queue")
        return got[-1] if got else None

    def positions_in_line() -> bool:
        # Updates are coalesced per refresh: an early chat's last event may still be from
        # before a later urgent chat joined ahead of it, so wait for the refresh that follows.
        return all(latest(c) for c in order) and all(
            [latest(c)["position"] for c in line] == list(range(1, len(line) + 1))
            for line in lines.values()
        )

    await _wait_until(positions_in_line, what="queue positions within each team's line")
    for team, line in lines.items():
        assert [latest(c)["position"] for c in line] == list(range(1, len(line) + 1)), team
        assert all(latest(c)["team"] == team for c in line)

    def assignments() -> list[tuple[str, str, bool]]:
        """(chat id, adviser name, overflow) of every assignment so far."""
        return [
            (e["chat_id"], name, e["overflow"])
            for name, a in advisers.items()
            for e in a.got("assigned")
        ]

    def check_routing(allow_overflow: bool) -> None:
        seen = assignments()
        assert len({c for c, _, _ in seen}) == len(seen), "a chat was given twice"
        for chat_id, name, overflow in seen:
            team = chats[chat_id][0]
            if team in membership[name]:
                assert not overflow
            else:  # only Drive chats, only once the manager allowed it, and flagged
                assert allow_overflow and team == "drive" and overflow, (chat_id, name)
        for team, line in lines.items():
            own = {c for c, name, over in seen if chats[c][0] == team and not over}
            # Within a team (own advisers), answered strictly in the team's order.
            answered = [c for c in line if c in own]
            assert answered == line[: len(answered)] or allow_overflow, team

    acks = await asyncio.gather(
        *(a.call("presence", {"status": "available"}) for a in advisers.values())
    )
    assert all(a["status"] == "available" for a in acks)
    # Respect: 7 advisers' worth of slots at most; Drive: 4 at most. 30 slots in all.
    await _wait_until(lambda: len(assignments()) >= 30, what="first 30 assignments")
    await asyncio.sleep(0.5)
    assert len(assignments()) == 30
    check_routing(allow_overflow=False)

    # End chats one at a time, round the advisers: each frees one slot, which goes to the
    # next chat in line of one of that adviser's teams.
    ended: set[str] = set()

    async def end_one(name: str) -> bool:
        mine = [c for c, n, _ in assignments() if n == name and c not in ended]
        if not mine:
            return False
        before = len(assignments())
        ack = await advisers[name].call("end", {"chat_id": mine[0], "outcome": "advice-given"})
        assert ack == {"ok": True}
        ended.add(mine[0])
        with contextlib.suppress(AssertionError):
            await _wait_until(lambda: len(assignments()) > before, timeout=3, what="next")
        return True

    for turn in range(40):
        await end_one(advisers_made[turn % 10])
        check_routing(allow_overflow=False)

    # Drive advisers go away; the manager allows Drive chats to overflow at once.
    for name in advisers_made[6:10]:
        await advisers[name].call("presence", {"status": "away"})
    cookie = await _login(urls[0], "manager00")
    async with (
        aiohttp.ClientSession(headers={"Cookie": f"advice_chat_session={cookie}"}) as http,
        http.patch(
            urls[0] + "/api/manager/teams/drive",
            json={"overflow_allowed": True, "overflow_after_seconds": 0},
        ) as resp,
    ):
        assert resp.status == 200
    waiting_drive = [c for c in lines["drive"] if c not in {x for x, _, _ in assignments()}]
    assert waiting_drive, "the test needs Drive chats still waiting"
    for turn in range(30):
        await end_one(advisers_made[turn % 6])
    await _wait_until(
        lambda: any(over for _, _, over in assignments()), what="an overflowed Drive chat"
    )
    check_routing(allow_overflow=True)

    # The database agrees: answered by the routed team, or by Respect for an overflowed
    # Drive chat, and never a Respect chat answered by Drive.
    store = Store(create_engine(postgres_url), Sealer(cluster_env["ADVICE_CHAT_SECRET_KEY"]))
    try:
        flagged = {c for c, _, over in assignments() if over}
        for chat in await store.chats_by_ids(order):
            if chat.answered_team is None:
                continue
            if chat.id in flagged:
                assert (chat.team, chat.answered_team) == ("drive", "respect")
            else:
                assert chat.answered_team == chat.team
    finally:
        await store.close()
    for client in [*advisers.values(), *chats_clients.values()]:
        await client.disconnect()
