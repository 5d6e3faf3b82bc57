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

    async def to_chat(
        self,
        chat_id: str,
        adviser_id: int | None,
        event: str,
        data: dict[str, Any],
        *,
        skip: str | None = None,
    ) -> None:
        """Both parties of a chat at once: one encoding, and one publish across workers."""
        ...

    async def to_all_advisers(
        self, event: str, data: dict[str, Any], *, local: bool = False
    ) -> None: ...

    def local_professionals(self) -> set[str]:
        """Chat ids whose professional has a connection on this worker."""
        ...

    async def to_managers(self, event: str, data: dict[str, Any]) -> None:
        """Every signed-in manager's connections (safeguarding alerts)."""

    async def to_watchers(self, chat_id: str, event: str, data: dict[str, Any]) -> None:
        """Supervisors watching this chat (read only)."""


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

    async def to_chat(
        self,
        chat_id: str,
        adviser_id: int | None,
        event: str,
        data: dict[str, Any],
        *,
        skip: str | None = None,
    ) -> None:
        return None

    async def to_all_advisers(
        self, event: str, data: dict[str, Any], *, local: bool = False
    ) -> None:
        return None

    def local_professionals(self) -> set[str]:
        return set()

    async def to_managers(self, event: str, data: dict[str, Any]) -> None:
        return None

    async def to_watchers(self, chat_id: str, event: str, data: dict[str, Any]) -> None:
        return None
