"""Group commit: requests that arrive while one transaction is being written share the next.

A commit costs far more than a row on both backends (on SQLite through aiosqlite, each
statement is also a hop to the connection's thread), so under load writing many messages in
one transaction is what keeps the cost per message low. Nobody is answered before the
transaction holding their request has committed, so an ack still means "stored".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

R = TypeVar("R")
T = TypeVar("T")

# A bound on one transaction, so one batch never holds the writer for long.
DEFAULT_MAX_BATCH = 200


class GroupCommit(Generic[R, T]):
    """Feeds submitted requests to `write_batch` in batches, one batch at a time.

    `write_batch` gets the requests in arrival order and returns one result per request in
    the same order; if it raises, every request of that batch gets the exception.
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[R]], Awaitable[Sequence[T]]],
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._pending: list[tuple[R, asyncio.Future[T]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self.batches = 0
        self.requests = 0

    async def submit(self, request: R) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append((request, future))
        if self._drainer is None:
            self._drainer = loop.create_task(self._drain())
        return await future

    async def wait_idle(self) -> None:
        """Returns once every submitted request has been written (or has failed)."""
        while self._drainer is not None:
            await asyncio.shield(self._drainer)

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                self.batches += 1
                self.requests += len(batch)
                try:
                    results = await self._write_batch([request for request, _ in batch])
                except asyncio.CancelledError:
                    _fail(batch, asyncio.CancelledError())
                    raise
                except Exception as exc:  # each waiter gets the batch's failure
                    _fail(batch, exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        except asyncio.CancelledError:
            _fail(self._pending, asyncio.CancelledError())
            self._pending.clear()
            raise
        finally:
            self._drainer = None


def _fail(batch: Sequence[tuple[object, asyncio.Future[T]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
