"""python-socketio managers that know which rooms each connection is in.

The stock manager finds a leaving connection's rooms by testing every room there is: every
waiting professional and every chat has rooms of its own, so at 2,000 connections one
disconnect tested about 4,000 rooms and held the event loop for about 10 ms (py-spy, under
the load benchmark; docs/performance.md). Keeping the reverse index as rooms are entered and
left makes a disconnect touch only that connection's few rooms.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import socketio

from advice_chat.web.redis_manager import PooledRedisManager


class _RoomIndex:
    """Mixed in before a python-socketio manager class; keeps `_sid_rooms` beside `rooms`."""

    rooms: dict[Any, dict[Any, Any]]
    callbacks: dict[Any, Any]
    pending_connect: dict[Any, set[Any]]
    pending_disconnect: dict[Any, set[Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sid_rooms: dict[tuple[Any, str], set[Hashable]] = {}

    def basic_enter_room(
        self, sid: str, namespace: Any, room: Hashable, eio_sid: Any = None
    ) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid)  # type: ignore[misc]
        self._sid_rooms.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: Any, room: Hashable) -> None:
        super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        self._forget(sid, namespace, room)

    def basic_close_room(self, room: Hashable, namespace: Any) -> None:
        for sid in list(self.rooms.get(namespace, {}).get(room, {})):
            self._forget(sid, namespace, room)
        super().basic_close_room(room, namespace)  # type: ignore[misc]

    def basic_disconnect(self, sid: str, namespace: Any, **kwargs: Any) -> None:
        # The stock method with the scan of every room replaced by the index.
        if namespace not in self.rooms:
            return
        for room in self._sid_rooms.pop((namespace, sid), set()):
            super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def _forget(self, sid: str, namespace: Any, room: Hashable) -> None:
        rooms = self._sid_rooms.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._sid_rooms[(namespace, sid)]


class IndexedManager(_RoomIndex, socketio.AsyncManager):  # type: ignore[misc]
    """The in-process manager (embedded default)."""


class IndexedRedisManager(_RoomIndex, PooledRedisManager):
    """The Redis manager (scale-out), with its bounded connection pool."""
