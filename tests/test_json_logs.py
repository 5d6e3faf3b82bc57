"""The log of a served journey: one JSON object a line on standard error, each carrying its
request id or chat id, at the configured level, never what anyone wrote."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from tests.support import PRE_CHAT, Client, free_port

CLI = [sys.executable, "-m", "advice_chat.cli"]
PASSWORD = "a long enough password"
LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


class Serving:
    """`advice-chat serve` in a subprocess, its stdout and stderr kept apart."""

    def __init__(self, var: Path, level: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ADVICE_CHAT_")}
        self.env.update(
            ADVICE_CHAT_VAR_DIR=str(var),
            ADVICE_CHAT_PORT=str(self.port),
            ADVICE_CHAT_SECRET_KEY=secrets.token_urlsafe(48),
            ADVICE_CHAT_LOG_LEVEL=level,
        )
        self.out = var / "stdout.txt"
        self.err = var / "stderr.txt"
        var.mkdir(parents=True, exist_ok=True)

    def create_adviser(self, username: str) -> None:
        made = subprocess.run(
            [
                *CLI,
                *("create-user", "--role", "adviser", "--username", username),
                *("--display-name", "Ada", "--password-stdin"),
            ],
            input=PASSWORD.encode() + b"\n",
            env=self.env,
            capture_output=True,
            check=False,
        )
        assert made.returncode == 0, made.stderr

    def start(self) -> None:
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen([*CLI, "serve"], env=self.env, stdout=out, stderr=err)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.err.read_text()[-2000:]
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("server did not start")

    def stop(self) -> list[dict[str, Any]]:
        """Stop the server (SIGTERM) and return its log, checking every line is JSON."""
        self.proc.terminate()
        self.proc.wait(timeout=20)
        records = []
        for line in self.err.read_text().splitlines():
            record = json.loads(line)  # every line of stderr is one JSON object
            assert isinstance(record, dict), line
            assert {"ts", "level", "logger", "msg"} <= record.keys(), line
            assert record["level"] in LEVELS
            assert datetime.fromisoformat(record["ts"]).utcoffset() is not None
            records.append(record)
        return records


async def test_log_lines_are_json_with_ids_and_no_text(tmp_path: Path) -> None:
    serving = Serving(tmp_path / "var", "INFO")
    serving.create_adviser("ada")
    serving.start()
    try:
        said = {k: f"{k}-{uuid.uuid4().hex}" for k in ("prechat", "pro", "adv")}
        request_id = "req-" + uuid.uuid4().hex[:12]
        async with aiohttp.ClientSession() as http:
            async with http.post(
                serving.base + "/api/chats",
                json={**PRE_CHAT, "message": said["prechat"]},
                headers={"X-Request-Id": request_id},
            ) as resp:
                assert resp.status == 201
                assert resp.headers["X-Request-Id"] == request_id
                chat_id = (await resp.json())["chat_id"]
                token = (await resp.json())["token"]
            async with http.post(
                serving.base + "/api/login", json={"username": "ada", "password": PASSWORD}
            ) as resp:
                cookie = resp.cookies["advice_chat_session"].value
            async with http.get(serving.base + "/api/options") as resp:
                generated_id = resp.headers["X-Request-Id"]
        pro = Client(serving.base, auth={"token": token})
        adv = Client(serving.base, headers={"Cookie": f"advice_chat_session={cookie}"})
        await pro.connect()
        await adv.connect()
        await adv.call("presence", {"status": "available"})
        await adv.wait_for("assigned")
        await pro.send(said["pro"])
        await adv.send(said["adv"], chat_id=chat_id)
        await pro.wait_for("message", lambda m: m["text"] == said["adv"])
        await adv.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
        await pro.wait_for("ended")
        await pro.disconnect()
        await adv.disconnect()
    finally:
        records = serving.stop()

    http_lines = [r for r in records if r["msg"] == "http request"]
    assert http_lines and all(r.get("request_id") for r in http_lines)
    by_id = {r["request_id"]: r for r in http_lines}
    assert by_id[request_id]["route"] == "/api/chats"
    assert by_id[request_id]["status_code"] == 201
    assert by_id[generated_id]["route"] == "/api/options"

    chat_lines = {r["msg"]: r for r in records if r.get("chat_id") == chat_id}
    for event in ("chat started", "chat queued", "chat assigned", "message stored", "chat ended"):
        assert event in chat_lines, f"no {event!r} line with the chat id"

    everything = serving.err.read_text() + serving.out.read_text()
    for secret in (*said.values(), token, cookie, PASSWORD):
        assert secret not in everything


def test_log_level_comes_from_config(tmp_path: Path) -> None:
    serving = Serving(tmp_path / "var", "WARNING")
    serving.start()
    with urllib.request.urlopen(serving.base + "/api/options", timeout=5):  # noqa: S310
        pass
    records = serving.stop()
    assert all(r["level"] in {"WARNING", "ERROR", "CRITICAL"} for r in records), records
