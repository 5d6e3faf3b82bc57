"""How services reach people: the one interface through which events leave the domain.

Services decide who receives what; the socket layer only delivers. `skip`
is the opaque id of the connection that caused the event, which already
knows (it gets an ack).
"""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    """`local=True` reaches only this worker's connections (no cross-worker publish)."""

    async def to_professional(
        self,
        chat_id: str,
        event: str,
        data: dict[str, Any],
        *,
        skip: str | None = None,
        local: bool = False,
    ) -> None: ...

    async def to_adviser(
        self, adviser_id: int, event: str, data: dict[str, Any], *, skip: str | None = None
    ) -> None: ...

    async def to_all_advisers(
        self, event: str, data: dict[str, Any], *, local: bool = False
    ) -> None: ...

    def local_professionals(self) -> set[str]:
        """Chat ids whose professional has a connection on this worker."""
        ...


class NullNotifier:
    """For CLI commands that change state with nobody connected."""

    async def to_professional(
        self,
        chat_id: str,
        event: str,
        data: dict[str, Any],
        *,
        skip: str | None = None,
        local: bool = False,
    ) -> None:
        return None

    async def to_adviser(
        self, adviser_id: int, event: str, data: dict[str, Any], *, skip: str | None = None
    ) -> None:
        return None

    async def to_all_advisers(
        self, event: str, data: dict[str, Any], *, local: bool = False
    ) -> None:
        return None

    def local_professionals(self) -> set[str]:
        return set()
