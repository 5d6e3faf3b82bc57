"""Periodic repairs that keep the queue honest: liveness, reconciliation, people who left.

Runs on every worker; each step is idempotent and decided by conditional
database updates, so two workers doing the same pass cannot double-act.
"""

from __future__ import annotations

import logging

from advice_chat.services.chats import ChatService
from advice_chat.services.periodic import Periodic
from advice_chat.services.queue import WORKER_TTL_SECONDS, QueueService

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(
        self,
        queue: QueueService,
        chats: ChatService,
        *,
        interval_seconds: float,
        professional_grace_seconds: float,
        adviser_grace_seconds: float,
    ) -> None:
        self._queue = queue
        self._chats = chats
        self._interval = interval_seconds
        self._professional_grace = professional_grace_seconds
        self._adviser_grace = adviser_grace_seconds
        self._periodic = Periodic(self.run_once, interval_seconds, name="housekeeping")
        # Liveness on its own timer: a long pass (thousands waiting, a busy database) must not
        # let this worker's heartbeat lapse, or the others would take its people for gone.
        self._heartbeat = Periodic(
            self._queue.heartbeat,
            min(interval_seconds, WORKER_TTL_SECONDS / 5),
            name="heartbeat",
        )

    async def run_once(self) -> dict[str, int]:
        await self._queue.heartbeat()
        repaired = await self._queue.reconcile()
        expired = await self._queue.expire_offers()
        # Chats that have waited past their team's overflow threshold become answerable by
        # other teams with time, not with an event: look again on every pass.
        await self._queue.assign_overflow()
        abandoned = 0
        for chat_id in await self._queue.professionals_gone(self._professional_grace):
            if await self._chats.abandon_if_waiting(chat_id):
                abandoned += 1
        requeued = 0
        for adviser in await self._queue.advisers_gone(self._adviser_grace):
            requeued += await self._chats.requeue_from(adviser.adviser_id)
        if abandoned or requeued:
            log.info("housekeeping", extra={"count": abandoned + requeued})
        return {
            "repaired": repaired,
            "expired_offers": expired,
            "abandoned": abandoned,
            "requeued": requeued,
        }

    def start(self) -> None:
        self._heartbeat.start()
        self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()
        await self._heartbeat.close()
