"""The queue's repair pass against the database, the record of truth (every deployment)."""

from __future__ import annotations

from advice_chat.web.keys import QUEUE
from tests.support import LiveServer, professional


async def test_waiting_chats_missing_from_the_line_go_back_in_arrival_order(
    server: LiveServer,
) -> None:
    queue = server.app[QUEUE]
    first, first_token = await server.start_chat()
    second, _ = await server.start_chat()
    pro = await professional(server, first_token)
    assert (await pro.wait_for("queue"))["position"] == 1
    # As after a restart with an empty Redis: the line has lost both chats.
    await queue.withdraw(second)
    await queue.withdraw(first)
    assert await queue.status_for(first) is None
    assert await queue.reconcile() == 2
    one, two = await queue.status_for(first), await queue.status_for(second)
    assert one is not None and one["position"] == 1
    assert two is not None and two["position"] == 2
    assert await queue.reconcile() == 0  # nothing left to repair
    await pro.disconnect()
