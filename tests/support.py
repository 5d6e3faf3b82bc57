"""Shared test helpers: a live server on a loopback port and real socket.io clients."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio
from aiohttp import web

from advice_chat.app import create_app
from advice_chat.config import Settings
from advice_chat.web.keys import ACCOUNTS

PASSWORD = "correct horse battery staple"

PRE_CHAT = {"role": "probation", "region": "london", "topic": "risk", "consent": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The real application on a loopback port, inside the test's event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.runner = web.AppRunner(self.app, access_log=None)
        self.base_url = ""

    async def start(self) -> None:
        await self.runner.setup()
        port = free_port()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Stop the server; if it hangs, fail with the stacks of the tasks still running."""
        try:
            await asyncio.wait_for(asyncio.shield(self._cleanup()), 30)
        except TimeoutError:
            stacks = io.StringIO()
            for task in asyncio.all_tasks():
                task.print_stack(file=stacks)
            raise AssertionError("server did not stop in 30 s:\n" + stacks.getvalue()) from None

    async def _cleanup(self) -> None:
        await self.runner.cleanup()

    async def create_user(
        self, role: str, username: str, display_name: str, password: str = PASSWORD
    ) -> None:
        await self.app[ACCOUNTS].create_user(
            username=username, display_name=display_name, role=role, password=password
        )

    async def post_json(self, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.base_url + path, json=body, **kwargs) as resp,
        ):
            try:
                data = await resp.json(content_type=None)
            except ValueError:
                data = None
            return resp.status, data

    async def start_chat(self, **fields: Any) -> tuple[str, str]:
        status, body = await self.post_json("/api/chats", {**PRE_CHAT, **fields})
        assert status == 201, body
        return body["chat_id"], body["token"]

    async def login_cookie(self, username: str, password: str = PASSWORD) -> str:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                self.base_url + "/api/login", json={"username": username, "password": password}
            ) as resp,
        ):
            assert resp.status == 200, await resp.text()
            return resp.cookies["advice_chat_session"].value


@dataclass
class Client:
    """A real python-socketio client that records every event it receives."""

    base_url: str
    auth: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    transports: list[str] = field(default_factory=lambda: ["websocket"])
    events: dict[str, list[Any]] = field(default_factory=dict)
    sio: socketio.AsyncClient = field(init=False)
    _changed: asyncio.Event = field(init=False, default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        for name in (
            "queue",
            "assigned",
            "message",
            "ended",
            "connect_error",
            "offer",
            "offer_expired",
            "unassigned",
            # adviser console (issue #7)
            "typing",
            "receipt",
            "note",
            "flag",
            "flags",
            "flag_acknowledged",
        ):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any = None) -> None:
            self.events.setdefault(name, []).append(data)
            self._changed.set()

        return record

    async def connect(self) -> None:
        try:
            await self.sio.connect(
                self.base_url,
                auth=dict(self.auth) if self.auth is not None else None,
                headers=dict(self.headers or {}),  # the client empties the dict it is given
                transports=self.transports,
                wait_timeout=5,
            )
        except Exception:
            # A handshake the server refuses outright (a foreign Origin, a limit) leaves the
            # engine.io client's HTTP session open; close it, or it is reported at exit.
            http = getattr(self.sio.eio, "http", None)
            if http is not None and not http.closed:
                await http.close()
            raise

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()

    async def call(self, event: str, data: Any = None, timeout: float = 5) -> Any:
        return await self.sio.call(event, data, timeout=timeout)

    def refusal(self) -> str:
        """The message of the last connect_error the server sent."""
        errors = self.got("connect_error")
        assert errors, "the server sent no connect_error"
        last = errors[-1]
        return str(last.get("message") if isinstance(last, dict) else last)

    def got(self, name: str) -> list[Any]:
        return self.events.get(name, [])

    async def wait_for(self, name: str, predicate: Any = None, timeout: float = 5) -> Any:
        """Wait until an event `name` matching `predicate` has arrived; return it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for item in self.got(name):
                if predicate is None or predicate(item):
                    return item
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no {name!r} event matching; got {self.events!r}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def send(
        self, text: str, chat_id: str | None = None, client_id: str | None = None
    ) -> Any:
        payload: dict[str, Any] = {"text": text, "client_id": client_id or uuid.uuid4().hex}
        if chat_id is not None:
            payload["chat_id"] = chat_id
        return await self.call("message", payload)


async def professional(server: LiveServer, token: str, **kw: Any) -> Client:
    client = Client(server.base_url, auth={"token": token}, **kw)
    await client.connect()
    return client


async def adviser(
    server: LiveServer, username: str, *, available: bool = True, **kw: Any
) -> Client:
    cookie = await server.login_cookie(username)
    client = Client(server.base_url, headers={"Cookie": f"advice_chat_session={cookie}"}, **kw)
    await client.connect()
    if available:
        ack = await client.call("presence", {"status": "available"})
        assert ack["status"] == "available", ack
    return client


class ReliableChat:
    """A client that behaves as the protocol asks: outbox with client_ids, resync by history.

    It can be moved to another worker (after the one it was on dies) and
    carries on with nothing lost or shown twice.
    """

    def __init__(
        self,
        url: str,
        *,
        auth: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        chat_id: str | None = None,
        adviser: bool = False,
    ) -> None:
        self.url = url
        self.auth = auth
        self.headers = headers
        self.adviser = adviser
        self.chat_ids: set[str] = {chat_id} if chat_id else set()
        self.messages: dict[str, dict[int, dict[str, Any]]] = {}
        self.client = Client(url, auth=auth, headers=headers)

    async def open(self) -> None:
        self.client.sio.on("message", self._on_message)
        self.client.sio.on("assigned", self._on_assigned)
        await self.client.connect()

    async def _on_message(self, data: dict[str, Any]) -> None:
        self.client.events.setdefault("message", []).append(data)
        self._hold([data])

    async def _on_assigned(self, data: dict[str, Any]) -> None:
        self.client.events.setdefault("assigned", []).append(data)
        self.client._changed.set()
        self.chat_ids.add(data["chat_id"])

    def _hold(self, messages: list[dict[str, Any]]) -> None:
        for m in messages:
            self.messages.setdefault(m["chat_id"], {})[m["id"]] = m

    def held(self, chat_id: str | None = None) -> list[dict[str, Any]]:
        key = chat_id or next(iter(self.chat_ids))
        return [m for _, m in sorted(self.messages.get(key, {}).items())]

    def contiguous(self, chat_id: str) -> int:
        held = self.messages.get(chat_id, {})
        n = 0
        while n + 1 in held:
            n += 1
        return n

    async def resync(self, chat_id: str | None = None) -> None:
        for cid in [chat_id] if chat_id else sorted(self.chat_ids):
            payload: dict[str, Any] = {"after_id": self.contiguous(cid)}
            if self.adviser:
                payload["chat_id"] = cid
            ack = await self.client.call("history", payload)
            self._hold(ack["messages"])

    async def move_to(self, url: str) -> None:
        await self.client.disconnect()
        old = self.client
        self.url = url
        self.client = Client(url, auth=self.auth, headers=self.headers)
        self.client.events = old.events
        try:
            await self.open()
        except Exception as exc:
            raise AssertionError(
                f"reconnect refused: {self.client.got('connect_error')} {self.auth} {self.headers}"
            ) from exc
        await self.resync()

    async def send(self, text: str, chat_id: str | None = None) -> int:
        """Send until acked, resending with the same client_id across reconnects."""
        client_id = uuid.uuid4().hex
        payload: dict[str, Any] = {"text": text, "client_id": client_id}
        if chat_id is not None:
            payload["chat_id"] = chat_id
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            try:
                ack = await self.client.sio.call("message", payload, timeout=2)
            except Exception:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)
                continue
            assert "id" in ack, ack
            cid = chat_id or next(iter(self.chat_ids))
            sender = "adviser" if self.adviser else "professional"
            self._hold(
                [
                    {
                        "id": ack["id"],
                        "chat_id": cid,
                        "text": text,
                        "sender": sender,
                        "client_id": client_id,
                    }
                ]
            )
            return int(ack["id"])
