"""Socket.IO edge: authenticate connections, check payload shape, call services, deliver events.

Handlers are thin: which kind of connection may send which event is the table in
`web/access.py`; which chat a connection may touch is decided in the services.
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
from advice_chat.queueing.ratelimit import MemoryRateLimiter
from advice_chat.services.accounts import AccountService, hash_token
from advice_chat.services.chats import Actor, ChatRefused, ChatService
from advice_chat.services.console import ConsoleService
from advice_chat.services.kb import KnowledgeBase
from advice_chat.services.queue import QueueService
from advice_chat.validation import InvalidInput, parse_after_id
from advice_chat.web.access import SOCKET_CONNECT, SOCKET_RULES
from advice_chat.web.middleware import client_address
from advice_chat.web.session_cookie import SESSION_COOKIE

log = logging.getLogger(__name__)

Handler = Callable[[Actor, dict[str, Any]], Awaitable[dict[str, Any]]]


def professional_room(chat_id: str) -> str:
    return f"p:{chat_id}"


def adviser_room(adviser_id: int) -> str:
    return f"a:{adviser_id}"


ADVISERS_ROOM = "advisers"
MANAGERS_ROOM = "managers"


def watch_room(chat_id: str) -> str:
    return f"w:{chat_id}"


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

    async def to_chat(
        self,
        chat_id: str,
        adviser_id: int | None,
        event: str,
        data: dict[str, Any],
        *,
        skip: str | None = None,
    ) -> None:
        rooms = [professional_room(chat_id)]
        if adviser_id is not None:
            rooms.append(adviser_room(adviser_id))
        await self._sio.emit(event, data, room=rooms, skip_sid=skip)

    async def to_all_advisers(
        self, event: str, data: dict[str, Any], *, local: bool = False
    ) -> None:
        await self._sio.emit(event, data, room=ADVISERS_ROOM, ignore_queue=local)

    def local_professionals(self) -> set[str]:
        return set(self.professional_sids)

    async def to_managers(self, event: str, data: dict[str, Any]) -> None:
        await self._sio.emit(event, data, room=MANAGERS_ROOM)

    async def to_watchers(self, chat_id: str, event: str, data: dict[str, Any]) -> None:
        await self._sio.emit(event, data, room=watch_room(chat_id))

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
# Fields that name something (not free text): a NUL in one is refused before any lookup.
_ID_FIELDS = ("chat_id", "slug", "outcome", "client_id", "status", "reason")
# Events a connection may send per window (ADVICE_CHAT_EVENTS_PER_CONNECTION per 10 s).
EVENT_WINDOW_SECONDS = 10.0


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
        console: ConsoleService | None = None,
        *,
        events_per_connection: int = 0,
        connections_per_address: int = 0,
    ) -> None:
        self._sio = sio
        self._events_limit = events_per_connection
        self._connections_limit = connections_per_address
        self._event_counts = MemoryRateLimiter()
        self._addresses: dict[str, str] = {}  # sid -> client address
        self._per_address: dict[str, int] = {}
        self._sessions: dict[str, str] = {}  # adviser sid -> hash of their session cookie
        self._sweeper: asyncio.Task[None] | None = None
        self._kb = kb
        self._console = console
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
        self.routed: dict[str, set[str]] = {}
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        self._route("message", professional=self._pro_message, adviser=self._adv_message)
        self._route("history", professional=self._history, adviser=self._history)
        self._route("end", professional=self._end, adviser=self._end)
        self._route("presence", adviser=self._presence)
        self._route("accept", adviser=self._accept)
        self._route("decline", adviser=self._decline)
        self._route("take", adviser=self._take)
        self._route("move_team", adviser=self._move_team)
        if kb is not None:
            self._route("share_article", adviser=self._share_article)
        if console is not None:
            self._route("typing", professional=self._typing, adviser=self._typing)
            self._route("receipt", professional=self._receipt, adviser=self._receipt)
            self._route("note", adviser=self._note)
            self._route("notes", adviser=self._notes)
            self._route("advisers", adviser=self._advisers)
            self._route("transfer", adviser=self._transfer)
            self._route("flag", adviser=self._flag)
            self._route("acknowledge_flag", manager=self._acknowledge_flag)
            self._route("flags", manager=self._flags)
            self._route("live_chats", adviser=self._live_chats, manager=self._live_chats)
            self._route("watch", adviser=self._watch, manager=self._watch)
            self._route("unwatch", adviser=self._unwatch, manager=self._unwatch)
            self._route("watch_history", adviser=self._watch_history, manager=self._watch_history)

    def _route(
        self,
        event: str,
        *,
        professional: Handler | None = None,
        adviser: Handler | None = None,
        manager: Handler | None = None,
    ) -> None:
        handlers = {"professional": professional, "adviser": adviser, "manager": manager}
        allowed = SOCKET_RULES[event]  # an event missing from the table cannot be routed
        self.routed[event] = {kind for kind, h in handlers.items() if h is not None}

        async def dispatch(sid: str, data: Any = None, *extra: Any) -> dict[str, Any]:
            actor = self._actors.get(sid)
            handler = handlers.get(actor.kind) if actor else None
            if actor is None or handler is None or actor.kind not in allowed:
                return FORBIDDEN
            if self._events_limit:
                wait = await self._event_counts.hit(sid, self._events_limit, EVENT_WINDOW_SECONDS)
                if wait is not None:
                    return {
                        "error": "rate_limited",
                        "message": "You are sending too fast. Please wait a moment.",
                        "retry_after": max(1, int(wait + 0.999)),
                    }
            if data is None:
                data = {}
            if not isinstance(data, dict) or extra:
                return INVALID
            # Ids and choices never hold NUL; PostgreSQL cannot even compare text holding one.
            if any(isinstance(data.get(f), str) and "\x00" in data[f] for f in _ID_FIELDS):
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
        address = client_address(request)
        if self._connections_limit and self._per_address.get(address, 0) >= (
            self._connections_limit
        ):
            raise socketio.exceptions.ConnectionRefusedError("rate_limited")
        token = auth.get("token") if isinstance(auth, dict) else None
        if token is not None:
            if not isinstance(token, str) or len(token) > 200:
                raise socketio.exceptions.ConnectionRefusedError("unauthorized")
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
            cookie = request.cookies.get(SESSION_COOKIE)
            user = await self._accounts.session_user(cookie)
            if user is None or user.role not in SOCKET_CONNECT or not cookie:
                raise socketio.exceptions.ConnectionRefusedError("unauthorized")
            self._sessions[sid] = hash_token(cookie)
            if user.role == "manager":
                # Managers connect for safeguarding alerts and supervision only: they take
                # no chats and are never in the routing roster.
                self._actors[sid] = Actor(kind="manager", user=user, conn_id=sid)
                self._metrics.connections.labels("manager").inc()
                await self._sio.enter_room(sid, MANAGERS_ROOM)
                events = []
                if self._console is not None:
                    events.append(("flags", {"flags": await self._console.open_flags()}))
                log.info("manager connected", extra={"user_id": user.id, "sid": sid})
            else:
                self._actors[sid] = Actor(kind="adviser", user=user, conn_id=sid)
                self._metrics.connections.labels("adviser").inc()
                await self._sio.enter_room(sid, adviser_room(user.id))
                await self._sio.enter_room(sid, ADVISERS_ROOM)
                await self._queue.adviser_connected(user.id, user.capacity, sid)
                events = await self._chats.adviser_welcome(user)
                log.info("adviser connected", extra={"user_id": user.id, "sid": sid})
        self._addresses[sid] = address
        self._per_address[address] = self._per_address.get(address, 0) + 1
        # Sent after the handshake completes, so clients see them as connected events.
        task = asyncio.get_running_loop().create_task(self._send_all(sid, events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_all(self, sid: str, events: list[tuple[str, dict[str, Any]]]) -> None:
        for event, data in events:
            await self._sio.emit(event, data, to=sid)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        address = self._addresses.pop(sid, None)
        if address is not None:
            left = self._per_address.get(address, 1) - 1
            if left > 0:
                self._per_address[address] = left
            else:
                self._per_address.pop(address, None)
        self._sessions.pop(sid, None)
        await self._event_counts.reset(sid)
        actor = self._actors.pop(sid, None)
        if actor is not None:
            self._metrics.connections.labels(actor.kind).dec()
        if actor is not None and actor.kind != "professional" and self._console is not None:
            await self._console.connection_closed(sid)
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
        if state is None and actor.conn_id is not None:
            # The queue lost this connection (other workers took this one for dead while it was
            # stalled, or Redis restarted empty): announce it again, as a reconnect would.
            await self._queue.adviser_connected(actor.user.id, actor.user.capacity, actor.conn_id)
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

    async def _move_team(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert actor.user is not None
        chat = await self._queue.move_team(
            actor.user.id, _chat_id(data), data.get("team"), data.get("note")
        )
        return {"ok": True, "team": chat.team}

    async def _share_article(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._kb is not None
        message = await self._kb.share(
            actor, data.get("chat_id"), data.get("slug"), data.get("client_id")
        )
        return {"id": message.seq, "sent_at": message.wire()["sent_at"]}

    # -- adviser console (services/console.py) ----------------------------------

    async def _typing(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        await self._console.typing(actor, data.get("chat_id"), data.get("typing"))
        return {"ok": True}

    async def _receipt(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        await self._console.receipt(
            actor, data.get("chat_id"), data.get("delivered"), data.get("read")
        )
        return {"ok": True}

    async def _note(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return await self._console.add_note(
            actor, data.get("chat_id"), data.get("text"), data.get("client_id")
        )

    async def _notes(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return await self._console.notes(actor, data.get("chat_id"))

    async def _advisers(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return {"advisers": await self._console.available_advisers(actor)}

    async def _transfer(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return await self._console.transfer(
            actor, data.get("chat_id"), data.get("to"), data.get("note")
        )

    async def _flag(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return await self._console.raise_flag(actor, data.get("chat_id"), data.get("reason"))

    async def _acknowledge_flag(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return await self._console.acknowledge_flag(actor, data.get("flag_id"))

    async def _flags(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return {"flags": await self._console.open_flags()}

    async def _live_chats(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return {"chats": await self._console.live_chats(actor)}

    async def _watch(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None and actor.conn_id is not None
        state = await self._console.watch(actor, data.get("chat_id"))
        await self._sio.enter_room(actor.conn_id, watch_room(state["chat_id"]))
        return state

    async def _unwatch(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None and actor.conn_id is not None
        chat_id = data.get("chat_id")
        if await self._console.unwatch(actor, chat_id):
            await self._sio.leave_room(actor.conn_id, watch_room(str(chat_id)))
        return {"ok": True}

    async def _watch_history(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        assert self._console is not None
        return await self._console.watch_history(
            actor, data.get("chat_id"), parse_after_id(data.get("after_id"))
        )

    # -- ending sign-ins ---------------------------------------------------------

    async def end_user(self, user_id: int) -> None:
        """Close this worker's connections of a staff member (their account was disabled)."""
        for sid, actor in list(self._actors.items()):
            if actor.user is not None and actor.user.id == user_id:
                await self._sio.disconnect(sid)

    async def sweep(self) -> None:
        """Close adviser connections whose sign-in has ended (disabled, signed out, expired,
        or signed out on another worker); keep the others' sessions from going idle."""
        if not self._sessions:
            return
        # Only the connections looked up: one that connects during the lookup is not closed.
        sessions = dict(self._sessions)
        live = await self._accounts.live_sessions(sorted(set(sessions.values())))
        for sid, token_hash in sessions.items():
            if token_hash not in live and sid in self._sessions:
                log.info("closing a connection whose sign-in ended", extra={"sid": sid})
                await self._sio.disconnect(sid)

    def start(self, interval_seconds: float) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(interval_seconds)
                try:
                    await self.sweep()
                except Exception:
                    log.exception("session sweep failed")

        self._sweeper = asyncio.get_running_loop().create_task(loop())

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
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()
