"""Refusals a service gives, each with the protocol's error code and a sentence for people."""

from __future__ import annotations

from typing import Any


class ChatRefused(Exception):
    """An action on a chat that is not allowed; `code` is the protocol error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


NOT_FOUND = ChatRefused("not_found", "No such chat.")
