"""What the adviser console adds to a message, measured over real sockets on loopback.

    .venv/bin/python -m bench.console_speed [--messages 500]

One server on SQLite in a temporary directory (the embedded default), one professional and one
adviser. Reports the mean and p95 round trip (send → ack) of: a professional's message with
nobody watching; the same while a manager watches the chat (each message is then also sent to
the watcher); a `typing` event; a `receipt` event. Typing and receipts are relayed, never
written: compare their cost with a message's, which includes its commit. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from advice_chat.config import Settings
from tests.support import Client, LiveServer, adviser, professional


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
    }


async def _timed(client: Client, event: str, payloads: list[Any]) -> list[float]:
    out = []
    for payload in payloads:
        started = time.perf_counter()
        ack = await client.call(event, payload)
        out.append(time.perf_counter() - started)
        assert "error" not in ack, ack
    return out


async def main(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            secret_key=secrets.token_urlsafe(48),
            var_dir=Path(tmp),
            events_per_connection=0,
        )
        server = LiveServer(settings)
        await server.start()
        try:
            await server.create_user("adviser", "ada", "Ada Adviser")
            await server.create_user("manager", "max", "Max Manager")
            chat_id, token = await server.start_chat()
            pro = await professional(server, token)
            adv = await adviser(server, "ada")
            await pro.wait_for("assigned")

            def messages() -> list[Any]:
                return [{"text": "a message", "client_id": uuid.uuid4().hex} for _ in range(n)]

            await _timed(pro, "message", messages()[:50])  # warm up
            plain = await _timed(pro, "message", messages())
            cookie = await server.login_cookie("max")
            mgr = Client(server.base_url, headers={"Cookie": f"advice_chat_session={cookie}"})
            await mgr.connect()
            await mgr.call("watch", {"chat_id": chat_id})
            watched = await _timed(pro, "message", messages())
            await mgr.call("unwatch", {"chat_id": chat_id})
            typing = await _timed(pro, "typing", [{"typing": i % 2 == 0} for i in range(n)])
            receipts = await _timed(pro, "receipt", [{"delivered": i, "read": i} for i in range(n)])
            for c in (pro, adv, mgr):
                await c.disconnect()
        finally:
            await server.stop()
    return {
        "samples": n,
        "message": _summary(plain),
        "message_while_watched": _summary(watched),
        "typing": _summary(typing),
        "receipt": _summary(receipts),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.messages)), indent=2))
