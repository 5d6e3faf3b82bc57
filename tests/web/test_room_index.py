"""The indexed socket.io manager leaves rooms exactly as python-socketio's own manager does."""

from __future__ import annotations

from typing import Any

import socketio

from advice_chat.web.room_index import IndexedManager


def _script(manager: Any) -> dict[Any, Any]:
    """The same enters, leaves, closes and disconnects on a manager; its rooms afterwards."""
    for sid, eio in (("s1", "e1"), ("s2", "e2"), ("s3", "e3")):
        manager.basic_enter_room(sid, "/", None, eio_sid=eio)
        manager.basic_enter_room(sid, "/", sid, eio_sid=eio)
        manager.basic_enter_room(sid, "/", "advisers", eio_sid=eio)
    manager.basic_enter_room("s1", "/", "chat:a", eio_sid="e1")
    manager.basic_enter_room("s2", "/", "chat:a", eio_sid="e2")
    manager.basic_enter_room("s1", "/", "chat:b", eio_sid="e1")
    manager.basic_enter_room("s3", "/", "watch:a", eio_sid="e3")
    manager.basic_leave_room("s2", "/", "advisers")
    manager.basic_close_room("watch:a", "/")
    manager.basic_disconnect("s1", "/")
    manager.basic_disconnect("s3", "/")
    return {room: dict(members) for room, members in manager.rooms["/"].items()}


def test_disconnect_leaves_the_same_rooms_as_the_stock_manager() -> None:
    indexed = IndexedManager()
    after = _script(indexed)
    assert after == _script(socketio.AsyncManager())
    assert after == {None: {"s2": "e2"}, "s2": {"s2": "e2"}, "chat:a": {"s2": "e2"}}
    # The index holds only the connection still there, in the rooms it is still in.
    assert indexed._sid_rooms == {("/", "s2"): {None, "s2", "chat:a"}}
