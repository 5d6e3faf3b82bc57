"""The span record shared by the detectors and the placeholder numbering."""

from __future__ import annotations

from dataclasses import dataclass

# Placeholder types, in the order they win when two detections overlap.
KINDS = (
    "EMAIL",
    "URL",
    "HANDLE",
    "IP",
    "NHS",
    "CARD",
    "NI",
    "BANK",
    "PHONE",
    "POSTCODE",
    "PLATE",
    "REF",
    "DATE",
    "ADDRESS",
    "SCHOOL",
    "NAME",
)
PRIORITY = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``text[start:end]`` identify someone; ``key`` groups repeats of one value."""

    start: int
    end: int
    kind: str
    key: str

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end
