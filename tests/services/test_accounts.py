"""Password hashing runs off the event loop, a bounded number at once: an Argon2 hash holds a
core for tens of milliseconds, and on the loop every chat on the worker would wait for it."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from argon2 import PasswordHasher

from advice_chat.app import STORE
from advice_chat.services.accounts import HASHES_AT_ONCE, AccountService
from tests.support import LiveServer

PASSWORD = "correct horse battery 42"


class RecordingHasher(PasswordHasher):
    """argon2's own hasher, noting which thread runs it and how many run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()
        self.running = 0
        self.peak = 0
        self.hold: threading.Event | None = None  # when set, verify waits for it
        self.entered = threading.Event()
        self.held_out = False
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            self.threads.add(threading.get_ident())
            self.running += 1
            self.peak = max(self.peak, self.running)

    def _leave(self) -> None:
        with self._lock:
            self.running -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._enter()
        try:
            return super().hash(password, salt=salt)
        finally:
            self._leave()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._enter()
        try:
            self.entered.set()
            if self.hold is not None and not self.hold.wait(10):
                self.held_out = True  # nobody released it: the loop itself was blocked
            time.sleep(0.02)  # long enough for concurrent verifies to overlap
            return super().verify(hash, password)
        finally:
            self._leave()


def _service(server: LiveServer, hasher: PasswordHasher) -> AccountService:
    return AccountService(
        server.app[STORE], session_hours=1, default_capacity=3, hasher=hasher
    )


async def test_hashing_and_verifying_run_on_other_threads(live_server: LiveServer) -> None:
    hasher = RecordingHasher()
    accounts = _service(live_server, hasher)
    hasher.threads.clear()  # the dummy hash made at construction, before any request
    user = await accounts.create_user(
        username="ada", display_name="Ada", role="adviser", password=PASSWORD
    )
    await accounts.set_password(user.id, PASSWORD + "!")
    assert await accounts.authenticate("ada", PASSWORD + "!") is not None
    assert await accounts.authenticate("ada", "wrong password 1234") is None
    assert await accounts.authenticate("nobody", PASSWORD) is None  # the dummy verify
    assert hasher.threads, "the hasher was never used"
    assert threading.get_ident() not in hasher.threads


async def test_the_loop_runs_while_a_password_is_checked(live_server: LiveServer) -> None:
    hasher = RecordingHasher()
    accounts = _service(live_server, hasher)
    await accounts.create_user(
        username="ada", display_name="Ada", role="adviser", password=PASSWORD
    )
    hasher.hold = threading.Event()
    sign_in = asyncio.create_task(accounts.sign_in("ada", PASSWORD, None, "127.0.0.1"))
    # Only a running loop gets here to release the check it is waiting for.
    assert await asyncio.to_thread(hasher.entered.wait, 10)
    hasher.hold.set()
    result = await asyncio.wait_for(sign_in, 30)
    assert result.user.username == "ada"
    assert not hasher.held_out


async def test_a_burst_of_sign_ins_hashes_a_bounded_number_at_once(
    live_server: LiveServer,
) -> None:
    hasher = RecordingHasher()
    accounts = _service(live_server, hasher)
    await accounts.create_user(
        username="ada", display_name="Ada", role="adviser", password=PASSWORD
    )
    attempts: list[Any] = [
        accounts.authenticate("ada", PASSWORD if i % 2 else "wrong password 1234")
        for i in range(4 * HASHES_AT_ONCE)
    ]
    results = await asyncio.gather(*attempts)
    assert [r is not None for r in results] == [bool(i % 2) for i in range(4 * HASHES_AT_ONCE)]
    assert hasher.peak == HASHES_AT_ONCE
