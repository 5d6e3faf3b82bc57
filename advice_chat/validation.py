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

# Control characters other than tab, line feed and carriage return (C0, DEL and C1), and
# lone surrogates (JSON can carry "\ud800", which no UTF-8 text can hold): refused.
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Invisible formatting characters that can reorder or hide text on screen (a "Trojan Source"
# bidi override makes a message read differently from what was sent): removed on input, so
# what is stored and shown is what the words are. Bidi embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069), bidi marks (U+200E, U+200F, U+061C), zero-width space
# (U+200B), word joiner and invisible operators (U+2060-U+2064), the byte-order mark (U+FEFF),
# the Mongolian vowel separator (U+180E), soft hyphen (U+00AD), and interlinear annotation
# marks (U+FFF9-U+FFFB). ZWJ and ZWNJ (U+200C, U+200D) stay: emoji and several scripts need
# them, and they cannot reorder text. Line and paragraph separators become line feeds.
INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_SEPARATORS = re.compile("[\u2028\u2029]")


def neutralise(text: str) -> str:
    """Text with invisible reordering and hiding characters removed (see INVISIBLE)."""
    return INVISIBLE.sub("", _SEPARATORS.sub("\n", text))


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
    # Optional routing answers (protocol v1, additive): they send the chat to Drive
    # (advice_chat/routing.py). Absent means "no" / "don't know".
    open_to_drive: bool = False
    high_risk: bool = False


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
    text = neutralise(value).strip()
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
    open_to_drive = _optional_bool(body, "open_to_drive")
    high_risk = _optional_bool(body, "high_risk")
    return PreChat(role, region, topic, immediate_risk, first_message, open_to_drive, high_risk)


def _optional_bool(body: dict[str, Any], field: str) -> bool:
    """An optional yes/no answer: absent or null is no."""
    value = body.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput("invalid", field, f"{field} must be true or false.")
    return value


def parse_after_id(value: Any) -> int:
    if value is None:
        return 0
    # Ids fit a 32-bit column; a larger number would overflow the database driver.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise InvalidInput("invalid", "after_id", "after_id must be a whole number, 0 or more.")
    return value
