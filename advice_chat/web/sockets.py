"""Socket.IO edge: authenticate connections, check payload shape, call services, deliver events.

Handlers are thin: every rule about who may do what lives in the services.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from aiohttp import web

from advice_chat.metrics import Metrics
from advice_chat.queueing.base import PRESENCE_STATES
from advice_chat.services.accounts import AccountService
from advice_chat.services.chats import Actor, ChatRefused, ChatService
from advice_chat.services.kb import KnowledgeBase
from advice_chat.services.queue import QueueService
from advice_chat.validation import InvalidInput, parse_after_id
from advice_chat.web.session_cookie import SESSION_COOKIE

log = logging.getLogger(__name__)

Handler = Callable[[Actor, dict[str, Any]], Awaitable[dict[str, Any]]]


def professional_room(chat_id: str) -> str:
    return f"p:{chat_id}"


def adviser_room(adviser_id: int) -> str:
    return f"a:{adviser_id}"


ADVISERS_ROOM = "advisers"


class SocketNotifier:
    """Delivers service events to rooms. With the Redis manager, rooms span workers."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio
        self.professional_sids: dict[str, set[str]] = {}

    async def to_professional(
        self,
        chat_id: str,
        event: str,
        data: dict[str, Any],
        *,
        skip: str | None = None,
        local: bool = False,
    ) -> None:
        await self._sio.emit(
            event, data, room=professional_room(chat_id), skip_sid=skip, ignore_queue=local
        )

    async def to_adviser(
        self, adviser_id: int, event: str, data: dict[str, Any], *, skip: str | None = None
    ) -> None:
        await self._sio.emit(event, data, room=adviser_room(adviser_id), skip_sid=skip)

    async def to_all_advisers(
        self, event: str, data: dict[str, Any], *, local: bool = False
    ) -> None:
        await self._sio.emit(event, data, room=ADVISERS_ROOM, ignore_queue=local)

    def local_professionals(self) -> set[str]:
        return set(self.professional_sids)

    def professional_joined(self, chat_id: str, sid: str) -> None:
        self.professional_sids.setdefault(chat_id, set()).add(sid)

    def professional_left(self, chat_id: str, sid: str) -> None:
        sids = self.professional_sids.get(chat_id)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self.professional_sids[chat_id]


FORBIDDEN = {"error": "forbidden", "message": "This action is not open to you."}
INVALID = {"error": "invalid", "message": "The payload must be a JSON object."}
INTERNAL = {"error": "internal", "message": "Something went wrong; please try again."}


def _chat_id(data: dict[str, Any]) -> str:
    chat_id = data.get("chat_id")
    if not isinstance(chat_id, str) or not chat_id or len(chat_id) > 64:
        raise ChatRefused("not_found", "No such chat.")
    return chat_id


class SocketEdge:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        notifier: SocketNotifier,
        accounts: AccountService,
        chats: ChatService,
        queue: QueueService,
        metrics: Metrics,
        kb: KnowledgeBase | None = None,
    ) -> None:
        self._sio = sio
        self._kb = kb
        self._metrics = metrics
        self._notifier = notifier
        self._accounts = accounts
        self._chats = chats
        self._queue = queue
        self._actors: dict[str, Actor] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        self._route("message", professional=self._pro_message, adviser=self._adv_message)
        self._route("history", professional=self._history, adviser=self._history)
        self._route("end", professional=self._end, adviser=self._end)
        self._route("presence", adviser=self._presence)
        self._route("accept", adviser=self._accept)
        self._route("decline", adviser=self._decline)
        self._route("take", adviser=self._take)
        if kb is not None:
            self._route("share_article", adviser=self._share_article)

    def _route(
        self, event: str, *, professional: Handler | None = None, adviser: Handler | None = None
    ) -> None:
        handlers = {"professional": professional, "adviser": adviser}

        async def dispatch(sid: str, data: Any = None) -> dict[str, Any]:
            actor = self._actors.get(sid)
            handler = handlers.get(actor.kind) if actor else None
            if actor is None or handler is None:
                return FORBIDDEN
            if data is None:
                data = {}
            if not isinstance(data, dict):
                return INVALID
            self._in_flight += 1
            self._idle.clear()
            try:
                return await handler(actor, data)
            except (InvalidInput, ChatRefused) as exc:
                return {"error": exc.code, "message": exc.message}
            except Exception:
                log.exception("socket event failed", extra={"event": event, "sid": sid})
                return INTERNAL
            finally:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.set()

        self._sio.on(event, dispatch)

    # -- connection -----------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        request: web.Request = environ["aiohttp.request"]
        token = auth.get("token") if isinstance(auth, dict) else None
        if token is not None:
            chat = await self._chats.chat_for_token(token)
            if chat is None:
                raise socketio.exceptions.ConnectionRefusedError("unauthorized")
            if chat.status == "ended":
                raise socketio.exceptions.ConnectionRefusedError("chat_ended")
            self._actors[sid] = Actor(kind="professional", chat_id=chat.id, conn_id=sid)
            self._metrics.connections.labels("professional").inc()
            await self._sio.enter_room(sid, professional_room(chat.id))
            self._notifier.professional_joined(chat.id, sid)
            await self._queue.professional_connected(chat.id, sid)
            events = await self._chats.professional_welcome(chat)
            log.info("professional connected", extra={"chat_id": chat.id, "sid": sid})
        else:
            user = await self._accounts.session_user(request.cookies.get(SESSION_COOKIE))
            if user is None or user.role != "adviser":
                raise socketio.exceptions.ConnectionRefusedError("unauthorized")
            self._actors[sid] = Actor(kind="adviser", user=user, conn_id=sid)
            self._metrics.connections.labels("adviser").inc()
            await self._sio.enter_room(sid, adviser_room(user.id))
            await self._sio.enter_room(sid, ADVISERS_ROOM)
            await self._queue.adviser_connected(user.id, user.capacity, sid)
            events = await self._chats.adviser_welcome(user)
            log.info("adviser connected", extra={"user_id": user.id, "sid": sid})
        # Sent after the handshake completes, so clients see them as connected events.
        task = asyncio.get_running_loop().create_task(self._send_all(sid, events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_all(self, sid: str, events: list[tuple[str, dict[str, Any]]]) -> None:
        for event, data in events:
            await self._sio.emit(event, data, to=sid)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        actor = self._actors.pop(sid, None)
        if actor is not None:
            self._metrics.connections.labels(actor.kind).dec()
        if actor is not None and actor.kind == "adviser" and actor.user is not None:
            await self._queue.adviser_disconnected(actor.user.id, sid)
        elif actor is not None and actor.chat_id is not None:
            self._notifier.professional_left(actor.chat_id, sid)
            await self._queue.professional_disconnected(actor.chat_id, sid)

    # -- events ---------------------------------------------------------------

    async def _pro_message(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        message = await self._chats.post_message(
            actor, None, data.get("text"), data.get("client_id")
        )
        return {"id": message.seq, "sent_at": message.wire()["sent_at"]}

    async def _adv_message(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        message = await self._chats.post_message(
            actor, data.get("chat_id"), data.get("text"), data.get("client_id")
        )
        return {"id": message.seq, "sent_at": message.wire()["sent_at"]}

    async def _history(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        return await self._chats.history(
            actor, data.get("chat_id"), parse_after_id(data.get("after_id"))
        )

    async def _end(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        await self._chats.end_chat(
            actor, data.get("chat_id"), data.get("outcome"), data.get("wrap_up")
        )
        return {"ok": True}

    async def _presence(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        status = data.get("status")
        if status not in PRESENCE_STATES:
            return {"error": "invalid_status", "message": "Status must be available or away."}
        offers = data.get("offers", False)
        if not isinstance(offers, bool):
            return INVALID
        assert actor.user is not None
        await self._queue.set_offers(actor.user.id, offers)
        state = await self._queue.set_presence(actor.user.id, status)
        if state is None:
            return INTERNAL
        return {"status": state.status, "capacity": state.capacity, "active": len(state.active)}

    async def _accept(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert actor.user is not None
        await self._queue.accept(actor.user.id, _chat_id(data))
        return {"ok": True}

    async def _decline(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert actor.user is not None
        await self._queue.decline(actor.user.id, _chat_id(data))
        return {"ok": True}

    async def _take(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert actor.user is not None
        await self._queue.take(actor.user.id, _chat_id(data))
        return {"ok": True}

    async def _share_article(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._kb is not None
        message = await self._kb.share(
            actor, data.get("chat_id"), data.get("slug"), data.get("client_id")
        )
        return {"id": message.seq, "sent_at": message.wire()["sent_at"]}

    async def drain(self, wait_seconds: float) -> None:
        """Shutting down: close every connection (clients reconnect to another worker), then
        wait for events already being handled, so their writes finish and are committed.

        An event still in flight when its connection closes cannot be acked; its client
        resends it with the same client_id on the next worker, which finds it stored.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        try:
            await asyncio.wait_for(self._close_connections(), wait_seconds)
        except TimeoutError:
            log.warning("shutdown could not close every connection in time")
        try:
            await asyncio.wait_for(self._idle.wait(), max(0.0, deadline - loop.time()))
        except TimeoutError:
            log.warning("shutdown drain timed out", extra={"count": self._in_flight})

    async def _close_connections(self) -> None:
        eio = self._sio.eio
        sockets = list(eio.sockets.values())
        if not sockets:  # engineio cannot close an empty set
            return
        log.info("closing connections for shutdown", extra={"count": len(sockets)})
        await eio.disconnect()
        # Engine.IO's close sends a CLOSE packet but leaves a websocket open until the client
        # closes it, and browsers' engine.io-client ignores CLOSE on a websocket. Ending the
        # socket's writer closes the websocket itself: the client sees "transport close" and
        # reconnects at once (to another worker), instead of when the shutdown timeout
        # cancels the handler. (Polling clients act on the CLOSE packet in their next poll.)
        for socket in sockets:
            if getattr(socket, "upgraded", False):
                await socket.queue.put(None)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
