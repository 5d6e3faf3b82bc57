"""A rolling restart of two workers (SIGTERM one, start its replacement, SIGTERM the other)
while a professional and an adviser talk across them loses and repeats no message."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from tests.scale.test_multi_worker import Worker, _login, _make_advisers, _wait_until, worker_env
from tests.support import PRE_CHAT, ReliableChat

pytestmark = pytest.mark.scale

SHUTDOWN_SECONDS = 6.0
# Signal delivery and interpreter exit on a loaded two-core machine; the bound is the setting.
EXIT_SLACK_SECONDS = 3.0


@pytest.fixture
def restart_env(postgres_url: str, redis_prefix: str, tmp_path: Path) -> dict[str, str]:
    return worker_env(
        postgres_url,
        redis_prefix,
        tmp_path,
        shutdown_seconds=str(SHUTDOWN_SECONDS),
        log_level="INFO",
    )


def _terminate(worker: Worker) -> float:
    """Send SIGTERM; return when it was sent (the worker's exit is awaited separately)."""
    worker.proc.send_signal(signal.SIGTERM)
    return time.monotonic()


async def _exited(worker: Worker, since: float) -> float:
    """Wait for the worker to exit on its own; return how long it took after SIGTERM."""
    await _wait_until(
        lambda: worker.proc.poll() is not None,
        timeout=SHUTDOWN_SECONDS * 3,
        what="worker exit after SIGTERM",
    )
    return time.monotonic() - since


class Talker:
    """Sends numbered messages one after another (each until acked) until told to stop."""

    def __init__(self, chat: ReliableChat, prefix: str, chat_id: str | None = None) -> None:
        self.chat = chat
        self.prefix = prefix
        self.chat_id = chat_id
        self.sent: list[str] = []
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            text = f"{self.prefix}-{n}"
            await self.chat.send(text, chat_id=self.chat_id)
            self.sent.append(text)
            n += 1
            await asyncio.sleep(0.02)

    async def sent_more(self, than: int, what: str) -> None:
        await _wait_until(lambda: len(self.sent) >= than, timeout=30, what=what)


async def test_rolling_restart_loses_no_message(
    restart_env: dict[str, str], postgres_url: str, tmp_path: Path
) -> None:
    [adviser_name] = await _make_advisers(postgres_url, 1)
    a = Worker(restart_env, tmp_path / "a.log")
    b = Worker(restart_env, tmp_path / "b.log")
    replacement: Worker | None = None
    try:
        a.wait_healthy()
        b.wait_healthy()

        # The adviser works on B; two professionals are on A: every message crosses workers.
        cookie = await _login(b.url, adviser_name)
        adv = ReliableChat(b.url, headers={"Cookie": f"advice_chat_session={cookie}"}, adviser=True)
        await adv.open()
        await adv.client.call("presence", {"status": "available"})
        chat_ids: list[str] = []
        pros: list[ReliableChat] = []
        async with aiohttp.ClientSession() as http:
            for _ in range(2):
                async with http.post(a.url + "/api/chats", json=PRE_CHAT) as resp:
                    assert resp.status == 201
                    body = await resp.json()
                chat_ids.append(body["chat_id"])
                pros.append(
                    ReliableChat(a.url, auth={"token": body["token"]}, chat_id=body["chat_id"])
                )
        for pro in pros:
            await pro.open()
        await _wait_until(lambda: len(adv.chat_ids) == 2, what="both chats assigned")
        assert adv.chat_ids == set(chat_ids)

        talkers = [Talker(pro, f"pro{n}") for n, pro in enumerate(pros)]
        talkers += [Talker(adv, f"adv{n}", chat_id) for n, chat_id in enumerate(chat_ids)]
        for t in talkers:
            await t.sent_more(5, "talk before the restart")

        # 1. SIGTERM A mid-conversation: its clients are told to go, and go to B.
        since = _terminate(a)
        await _wait_until(
            lambda: not any(p.client.sio.connected for p in pros),
            timeout=SHUTDOWN_SECONDS,
            what="A closing its connections",
        )
        for pro in pros:
            await pro.move_to(b.url)
        took_a = await _exited(a, since)
        assert a.proc.returncode == 0, a.log.read_text()[-3000:]
        assert took_a < SHUTDOWN_SECONDS + EXIT_SLACK_SECONDS
        counts = [len(t.sent) for t in talkers]
        for t, n in zip(talkers, counts, strict=True):
            await t.sent_more(n + 5, "talk after A stopped")

        # 2. A replacement for A starts; then B is stopped: everyone moves to the replacement.
        replacement = Worker(restart_env, tmp_path / "a2.log")
        replacement.wait_healthy()
        since = _terminate(b)
        everyone = [adv, *pros]
        await _wait_until(
            lambda: not any(c.client.sio.connected for c in everyone),
            timeout=SHUTDOWN_SECONDS,
            what="B closing its connections",
        )
        for chat in everyone:
            await chat.move_to(replacement.url)
        took_b = await _exited(b, since)
        assert b.proc.returncode == 0, b.log.read_text()[-3000:]
        assert took_b < SHUTDOWN_SECONDS + EXIT_SLACK_SECONDS
        counts = [len(t.sent) for t in talkers]
        for t, n in zip(talkers, counts, strict=True):
            await t.sent_more(n + 5, "talk after B stopped")
        for t in talkers:
            t.stop.set()
        await asyncio.gather(*(t.task for t in talkers))

        # Every message sent is stored once, in each sender's order, ids without gaps; and
        # both parties, after a resync, hold exactly that history.
        for n, (pro, chat_id) in enumerate(zip(pros, chat_ids, strict=True)):
            history = (await pro.client.call("history", {"after_id": 0}))["messages"]
            ids = [m["id"] for m in history]
            assert ids == list(range(1, len(ids) + 1))
            texts = [m["text"] for m in history if m["sender"] != "system"]
            for talker in (talkers[n], talkers[2 + n]):
                mine = [t for t in texts if t.startswith(talker.prefix + "-")]
                assert mine == talker.sent, f"{talker.prefix}: {len(mine)} of {len(talker.sent)}"
            await pro.resync()
            await adv.resync(chat_id)
            assert [(m["id"], m["text"]) for m in pro.held()] == [
                (m["id"], m["text"]) for m in history
            ]
            assert [(m["id"], m["text"]) for m in adv.held(chat_id)] == [
                (m["id"], m["text"]) for m in history
            ]
        print("sent", [len(t.sent) for t in talkers], "exit", took_a, took_b)
        for chat in everyone:
            await chat.client.disconnect()
        # The graceful path was taken (not the overrun backstop), and it closed connections.
        for worker in (a, b):
            log = worker.log.read_text()
            assert "closing connections for shutdown" in log
            assert "shutdown overran" not in log
    finally:
        for worker in (a, b, replacement):
            if worker is not None:
                worker.stop()
