"""The baseline for bench/load.py: a bare python-socketio relay on aiohttp, nothing of ours.

    .venv/bin/python -m bench.load_baseline --port 8099

It speaks the same event names as docs/protocol.md so that bench/load.py drives it with the
same client code, but keeps everything in memory: no database, no queue, no sign-in, no
sealing, no logging. A professional connects with `auth: {"chat_id", "adviser"}` (the pairing
is fixed by the client), an adviser with `auth: {"adviser": name}`; `message` is acked with the
next id and relayed to the other party's room; `history` and `end` work as in the protocol.
What is left is the cost of socket.io itself on this machine, which is what the ratios in
bench/load.py's output divide by. Runs on uvloop, as `advice-chat serve` does.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

import socketio
from aiohttp import web


def create_app() -> web.Application:
    app = web.Application()
    sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False)
    sio.attach(app)
    who: dict[str, tuple[str, str]] = {}  # sid -> (kind, chat_id or adviser name)
    chats: dict[str, dict[str, Any]] = {}  # chat_id -> {"adviser", "messages"}

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)

    async def connect(sid: str, _environ: dict[str, Any], auth: Any = None) -> None:
        if not isinstance(auth, dict) or not isinstance(auth.get("adviser"), str):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        adviser = auth["adviser"]
        chat_id = auth.get("chat_id")
        if isinstance(chat_id, str):
            who[sid] = ("professional", chat_id)
            chat = chats.setdefault(chat_id, {"adviser": adviser, "messages": []})
            await sio.enter_room(sid, "p:" + chat_id)
            # Sent after the handshake completes, as advice_chat does.
            sio.start_background_task(_assigned, chat_id, chat["adviser"])
        elif auth.get("idle"):
            who[sid] = ("idle", "")
        else:
            who[sid] = ("adviser", adviser)
            await sio.enter_room(sid, "a:" + adviser)

    async def _assigned(chat_id: str, adviser: str) -> None:
        await sio.sleep(0)
        assigned = {"chat_id": chat_id, "adviser": {"display_name": adviser}}
        await sio.emit("assigned", assigned, room="p:" + chat_id)
        pre_chat = {"role": "probation", "region": "london", "topic": "risk"}
        await sio.emit(
            "assigned",
            {"chat_id": chat_id, "pre_chat": {**pre_chat, "immediate_risk": True}},
            room="a:" + adviser,
        )

    async def disconnect(sid: str, _reason: Any = None) -> None:
        who.pop(sid, None)

    def _chat(sid: str, data: Any) -> tuple[str, str, dict[str, Any]] | None:
        kind, ref = who.get(sid, ("", ""))
        chat_id = ref if kind == "professional" else (data or {}).get("chat_id")
        chat = chats.get(chat_id) if isinstance(chat_id, str) else None
        return None if chat is None else (kind, str(chat_id), chat)

    async def message(sid: str, data: Any) -> dict[str, Any]:
        found = _chat(sid, data)
        if found is None:
            return {"error": "not_found", "message": "No such chat."}
        kind, chat_id, chat = found
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        wire = {
            "id": len(chat["messages"]) + 1,
            "chat_id": chat_id,
            "sender": kind,
            "text": data.get("text"),
            "sent_at": stamp,
            "client_id": data.get("client_id"),
        }
        chat["messages"].append(wire)
        room = "a:" + chat["adviser"] if kind == "professional" else "p:" + chat_id
        await sio.emit("message", wire, room=room, skip_sid=sid)
        return {"id": wire["id"], "sent_at": stamp}

    async def history(sid: str, data: Any) -> dict[str, Any]:
        found = _chat(sid, data)
        if found is None:
            return {"error": "not_found", "message": "No such chat."}
        after = int((data or {}).get("after_id", 0))
        return {"messages": found[2]["messages"][after:], "status": "assigned"}

    async def end(sid: str, data: Any = None) -> dict[str, Any]:
        found = _chat(sid, data)
        if found is None:
            return {"error": "not_found", "message": "No such chat."}
        kind, chat_id, chat = found
        payload = {"chat_id": chat_id, "ended_by": kind}
        await sio.emit("ended", payload, room="p:" + chat_id)
        await sio.emit("ended", payload, room="a:" + chat["adviser"])
        return {"ok": True}

    async def presence(_sid: str, data: Any = None) -> dict[str, Any]:
        return {"status": (data or {}).get("status", "away"), "capacity": 10, "active": 0}

    for name, handler in (
        ("connect", connect),
        ("disconnect", disconnect),
        ("message", message),
        ("history", history),
        ("end", end),
        ("presence", presence),
    ):
        sio.on(name, handler)
    return app


# The collector settings of `advice-chat serve` (advice_chat/cli.py), kept equal by a test.
GC_THRESHOLDS = (10_000, 50, 100)


async def _settle_heap(_app: web.Application) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on POSIX
        loop = asyncio.new_event_loop()
    else:
        loop = uvloop.new_event_loop()
    app = create_app()
    app.on_startup.append(_settle_heap)
    # The same listen backlog and collector settings as `advice-chat serve`, so the ratios
    # compare our code and not the runtime's tuning.
    web.run_app(
        app,
        host="127.0.0.1",
        port=args.port,
        print=None,
        access_log=None,
        loop=loop,
        backlog=1024,
    )


if __name__ == "__main__":
    main()
