"""Checks on what people send. Pure functions: no web, no storage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from advice_chat.options import (
    CLIENT_ID_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    REGION_IDS,
    ROLE_IDS,
    TOPIC_IDS,
)

# Control characters other than tab, line feed and carriage return.
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(ValueError):
    """Bad input, with a machine code, the field at fault and a sentence for people."""

    def __init__(self, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class PreChat:
    role: str
    region: str
    topic: str
    immediate_risk: bool
    first_message: str | None


def clean_text(value: Any, field: str = "text", *, required: bool = True) -> str | None:
    """Return the text to store, or raise InvalidInput. Blank counts as absent."""
    if value is None:
        if required:
            raise InvalidInput("text_required", field, "Please write a message.")
        return None
    if not isinstance(value, str):
        raise InvalidInput("invalid", field, "The message must be text.")
    if _BAD_CONTROL.search(value):
        raise InvalidInput(
            "invalid_text", field, "The message contains characters that cannot be sent."
        )
    text = value.strip()
    if not text:
        if required:
            raise InvalidInput("text_required", field, "Please write a message.")
        return None
    if len(text) > MESSAGE_MAX_CHARS:
        raise InvalidInput(
            "too_long", field, f"Messages can be at most {MESSAGE_MAX_CHARS} characters long."
        )
    return text


def clean_client_id(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > CLIENT_ID_MAX_CHARS:
        raise InvalidInput(
            "client_id_required",
            "client_id",
            f"Each message needs a client_id of 1 to {CLIENT_ID_MAX_CHARS} characters.",
        )
    if _BAD_CONTROL.search(value):
        raise InvalidInput("client_id_required", "client_id", "The client_id is not valid.")
    return value


def _choice(body: dict[str, Any], field: str, allowed: frozenset[str], label: str) -> str:
    value = body.get(field)
    if value is None:
        raise InvalidInput("missing", field, f"Please choose your {label}.")
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput("invalid", field, f"Please choose your {label} from the list.")
    return value


def parse_prechat(body: Any) -> PreChat:
    """Validate the body of `POST /api/chats`."""
    if not isinstance(body, dict):
        raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
    role = _choice(body, "role", ROLE_IDS, "role")
    region = _choice(body, "region", REGION_IDS, "region")
    topic = _choice(body, "topic", TOPIC_IDS, "topic")
    consent = body.get("consent")
    if consent is None:
        raise InvalidInput("missing", "consent", "Please agree to the privacy notice to continue.")
    if consent is not True:
        if not isinstance(consent, bool):
            raise InvalidInput("invalid", "consent", "Consent must be true or false.")
        raise InvalidInput(
            "consent_required", "consent", "Please agree to the privacy notice to continue."
        )
    immediate_risk = body.get("immediate_risk", False)
    if immediate_risk is None:
        immediate_risk = False
    if not isinstance(immediate_risk, bool):
        raise InvalidInput("invalid", "immediate_risk", "immediate_risk must be true or false.")
    first_message = clean_text(body.get("message"), "message", required=False)
    return PreChat(role, region, topic, immediate_risk, first_message)


def parse_after_id(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("invalid", "after_id", "after_id must be a whole number, 0 or more.")
    return value
