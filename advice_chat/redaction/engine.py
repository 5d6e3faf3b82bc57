"""Redactor (word lists, built once per process) and RedactionContext (one per chat)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from advice_chat.redaction.lexicon import Lexicon, load_lexicon
from advice_chat.redaction.names import NameFinder, caps_informative, tokenize
from advice_chat.redaction.patterns import find_structured
from advice_chat.redaction.spans import PRIORITY, Span


@dataclass(frozen=True, slots=True)
class Redaction:
    """One replaced stretch of a message and the placeholder that replaced it."""

    start: int
    end: int
    kind: str
    placeholder: str


def _resolve(spans: list[Span]) -> list[Span]:
    """Keep the highest-priority (then longest) detection where detections overlap."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (PRIORITY[s.kind], s.start - s.end, s.start)):
        if span.end > span.start and not any(c.overlaps(span.start, span.end) for c in chosen):
            chosen.append(span)
    chosen.sort(key=lambda s: s.start)
    return chosen


class Redactor:
    """Loads the word lists once; immutable afterwards, so one instance serves every thread."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._lex = lexicon or load_lexicon()
        self._names = NameFinder(self._lex)
        phrases = "|".join(re.escape(p) for p in self._lex.keep_phrases)
        self._keep = re.compile(rf"(?<![\w])(?:{phrases})(?![\w])", re.IGNORECASE)

    def context(self) -> RedactionContext:
        """A fresh placeholder numbering: one per chat."""
        return RedactionContext(self)

    def redact_one(self, text: str) -> str:
        """Redact a text on its own, numbering placeholders from 1."""
        return self.context().redact(text)

    def _detect(self, text: str, known: set[str]) -> tuple[list[Span], list[list[str]]]:
        structured = _resolve(find_structured(text))
        kept = [Span(m.start(), m.end(), "KEEP", "") for m in self._keep.finditer(text)]
        toks = tokenize(text, structured + kept, caps_informative(text))
        self._names.mark_places(text, toks)
        places = self._names.addresses(text, toks) + self._names.schools(text, toks)
        chosen = _resolve(structured + places)
        self._names.mark_places_after_addresses(text, toks, chosen)
        if places:
            for tok in toks:
                tok.blocked = tok.blocked or any(s.overlaps(tok.start, tok.end) for s in chosen)
        people: list[list[str]] = []
        for group in self._names.people(text, toks, known):
            start, end = group[0].start, group[-1].end
            if any(c.overlaps(start, end) for c in chosen):
                continue
            lowers = [t.lower for t in group]
            chosen.append(Span(start, end, "NAME", " ".join(lowers)))
            people.append(lowers)
        chosen.sort(key=lambda s: s.start)
        return chosen, people


class RedactionContext:
    """Placeholder numbering for one chat: the same person is [NAME-1] in every message.

    Safe to share between threads (a lock serialises calls), though a chat normally uses one.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._lock = threading.Lock()
        self._numbers: dict[str, dict[str, int]] = {}
        self._people: dict[str, int] = {}
        self._person_count = 0
        self._known: set[str] = set()

    def redactions(self, text: str) -> list[Redaction]:
        """What `redact` would replace, with offsets into ``text``."""
        with self._lock:
            spans, _ = self._redactor._detect(text, self._known)
            out: list[Redaction] = []
            for span in spans:
                if span.kind == "NAME":
                    number = self._person(span.key.split(" "))
                else:
                    table = self._numbers.setdefault(span.kind, {})
                    number = table.setdefault(span.key, len(table) + 1)
                out.append(Redaction(span.start, span.end, span.kind, f"[{span.kind}-{number}]"))
            return out

    def redact(self, text: str) -> str:
        """The message with every identifier replaced by its typed, numbered placeholder."""
        parts: list[str] = []
        pos = 0
        for r in self.redactions(text):
            parts.append(text[pos : r.start])
            parts.append(r.placeholder)
            pos = r.end
        parts.append(text[pos:])
        return "".join(parts)

    def _person(self, lowers: list[str]) -> int:
        """One number per person: a full name, then its first name or surname alone, match."""
        full = " ".join(lowers)
        number = self._people.get(full)
        if number is None and len(lowers) > 1:
            number = self._people.get(lowers[0]) or self._people.get(lowers[-1])
        if number is None:
            self._person_count += 1
            number = self._person_count
        self._people[full] = number
        for part in (lowers[0], lowers[-1]):
            self._people.setdefault(part, number)
        self._known.update(lowers)
        return number
