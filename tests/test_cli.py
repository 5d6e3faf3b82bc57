"""The `advice-chat` command as an operator uses it, in a subprocess on a fresh var dir."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.support import PRE_CHAT, Client, free_port

CLI = [sys.executable, "-m", "advice_chat.cli"]


def _env(var: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVICE_CHAT_")}
    env.update(ADVICE_CHAT_VAR_DIR=str(var), ADVICE_CHAT_PORT=str(port))
    return env


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not become healthy")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    port = free_port()
    env = _env(tmp_path, port)
    created = subprocess.run(
        [
            *CLI,
            "create-user",
            "--role",
            "adviser",
            "--username",
            "ada",
            "--display-name",
            "Ada",
            "--password-stdin",
        ],
        input=b"a long enough password\n",
        env=env,
        capture_output=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([*CLI, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        yield base, log_path, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_fresh_var_dir_gets_database_and_secret(tmp_path: Path) -> None:
    env = _env(tmp_path, free_port())
    result = subprocess.run([*CLI, "db", "upgrade"], env=env, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "advice_chat.db").exists()
    secret = tmp_path / "secret_key"
    assert len(secret.read_text()) >= 32
    assert secret.stat().st_mode & 0o077 == 0  # readable by the owner only
    first = secret.read_text()
    subprocess.run([*CLI, "db", "upgrade"], env=env, capture_output=True, check=True)
    assert secret.read_text() == first  # generated once, then kept


def test_create_user_rejects_short_password_and_duplicates(tmp_path: Path) -> None:
    env = _env(tmp_path, free_port())
    args = [
        *CLI,
        "create-user",
        "--role",
        "manager",
        "--username",
        "max",
        "--display-name",
        "Max",
        "--password-stdin",
    ]
    short = subprocess.run(args, input=b"short\n", env=env, capture_output=True, check=False)
    assert short.returncode == 2 and b"at least" in short.stderr
    ok = subprocess.run(
        args, input=b"long enough password\n", env=env, capture_output=True, check=False
    )
    assert ok.returncode == 0
    again = subprocess.run(
        args, input=b"long enough password\n", env=env, capture_output=True, check=False
    )
    assert again.returncode == 2 and b"taken" in again.stderr


async def test_served_journey_keeps_message_text_out_of_the_log(
    served: tuple[str, Path, subprocess.Popen[bytes]],
) -> None:
    base, log_path, proc = served
    marker_first = "FIRSTMSG-" + uuid.uuid4().hex
    marker_pro = "PROMSG-" + uuid.uuid4().hex
    marker_adv = "ADVMSG-" + uuid.uuid4().hex
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/chats", json={**PRE_CHAT, "message": marker_first}) as r:
            assert r.status == 201
            token = (await r.json())["token"]
        async with http.post(
            base + "/api/login", json={"username": "ada", "password": "a long enough password"}
        ) as r:
            assert r.status == 200
            cookie = r.cookies["advice_chat_session"].value
    pro = Client(base, auth={"token": token})
    await pro.connect()
    adv = Client(base, headers={"Cookie": f"advice_chat_session={cookie}"})
    await adv.connect()
    await adv.call("presence", {"status": "available"})
    chat_id = (await adv.wait_for("assigned"))["chat_id"]
    await pro.send(marker_pro)
    await adv.send(marker_adv, chat_id=chat_id)
    await adv.wait_for("message", lambda m: m["text"] == marker_pro)
    await pro.wait_for("message", lambda m: m["text"] == marker_adv)
    await adv.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
    await pro.wait_for("ended")
    await pro.disconnect()
    await adv.disconnect()
    await asyncio.sleep(0.3)
    proc.terminate()
    proc.wait(timeout=10)
    log = log_path.read_text()
    assert chat_id in log  # the log does record what happened, by id
    for marker in (marker_first, marker_pro, marker_adv, token, cookie):
        assert marker not in log


def test_demo_prints_passwords_that_work(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "demo"], env=_env(tmp_path, port), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().decode() for _ in range(3)]
        found = dict(re.findall(r"username: (\S+)\s+password: (\S+)", "".join(lines)))
        assert set(found) == {"demo-adviser", "demo-manager"}
        _wait_healthy(f"http://127.0.0.1:{port}", proc)

        async def login() -> int:
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"http://127.0.0.1:{port}/api/login",
                    json={"username": "demo-adviser", "password": found["demo-adviser"]},
                ) as r,
            ):
                return r.status

        assert asyncio.run(login()) == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_create_user_refuses_common_passwords_and_reset_totp(tmp_path: Path) -> None:
    env = _env(tmp_path, free_port())
    args = [*CLI, "create-user", "--role", "adviser", "--username", "ada",
            "--display-name", "Ada", "--password-stdin"]  # fmt: skip
    common = subprocess.run(args, input=b"Password1234!\n", env=env, capture_output=True)
    assert common.returncode == 2 and b"too common" in common.stderr
    ok = subprocess.run(args, input=b"a long enough password\n", env=env, capture_output=True)
    assert ok.returncode == 0, ok.stderr
    reset = [*CLI, "reset-totp", "--username"]
    assert subprocess.run([*reset, "ada"], env=env, capture_output=True).returncode == 0
    assert subprocess.run([*reset, "nobody"], env=env, capture_output=True).returncode == 2


def _listen_backlog(port: int) -> int:
    """The listening socket's backlog as the kernel holds it (`ss`'s Send-Q for a listener)."""
    out = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split()[2])


def test_serve_listens_with_the_configured_backlog(tmp_path: Path) -> None:
    """Many clients arriving at once (a reconnect storm) are queued, not reset (issue 9)."""
    for configured, expected in ((None, 1024), ("2000", 2000)):
        port = free_port()
        env = _env(tmp_path, port)
        if configured:
            env["ADVICE_CHAT_LISTEN_BACKLOG"] = configured
        with (tmp_path / "server.log").open("wb") as log:
            proc = subprocess.Popen([*CLI, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", proc)
            assert _listen_backlog(port) == expected
        finally:
            proc.terminate()
            proc.wait(timeout=10)
