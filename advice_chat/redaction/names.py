"""Names, street addresses and school names: found word by word, by lists and by context.

Chat text is often all lower case, so capitals are a hint, never a requirement. A word is taken
as a name when it is a known first name that is not also a common word; when it follows a title
("Mr", "DS"), a relationship word ("her son", "his partner") or "called"/"named"; when it is
capitalised mid-sentence and is a surname or no dictionary word; or when this chat has already
named it. Towns, agencies, legal terms and job titles are kept by list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advice_chat.redaction.lexicon import (
    CALLED,
    LOCATION_PREPS,
    NAME_VERBS,
    PLACE_ENDINGS,
    RELATIONS,
    STOP,
    SUBJECTS,
    SURNAME_WORDS,
    TITLES,
    VERB_FOLLOWERS,
    WEAK_TITLES,
    Lexicon,
)
from advice_chat.redaction.spans import Span

TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
_SENTENCE_END = frozenset(".!?\n")
CONTRACTION = re.compile(r"['’](?:re|ll|ve|d|m|t)$|n['’]t$", re.IGNORECASE)

STREET_CORE = frozenset(
    """road rd street st avenue ave lane ln close drive way crescent cres grove gardens gdns
    terrace mews place rise walk row square sq boulevard court ct""".split()
)
STREET_OTHER = frozenset(
    """hill park green parade vale croft fold gate wharf yard house lodge cottages villas
    heights meadows bank view brow chase fields end side""".split()
)
NOT_STREET_NAME = frozenset(
    """high main the a an this that same busy local car his her their my our your crown
    magistrates family county youth civil combined appeal supreme district royal courts
    open back one two three council old""".split()
)
SCHOOL_TYPES = frozenset(
    """primary secondary junior juniors infant infants nursery academy school college grammar
    high""".split()
)
NOT_SCHOOL_NAME = frozenset(
    """the his her their my our your a an local new same special state private boarding village
    faith year at to from in primary secondary another different previous old current mainstream
    pru sixth form community free further higher catholic church any good bad nearest big small
    secure residential day grammar high""".split()
)
HOUSE_NUMBER = re.compile(
    r"(?:(?:flat|apartment|apt|unit|no\.?|number|house)\s*\d+[a-z]?\s*,?\s*)?"
    r"(?:\d{1,4}[a-z]?(?:\s*-\s*\d{1,4})?\s*,?\s*)?$",
    re.IGNORECASE,
)
FLAT_PREFIX = re.compile(r"(?:flat|apartment|apt|unit)\s*\d+[a-z]?\s*,?\s*$", re.IGNORECASE)


@dataclass(slots=True)
class Tok:
    start: int
    end: int
    text: str
    lower: str
    cap: bool
    sent_start: bool
    blocked: bool
    acronym: bool


def tokenize(text: str, blocked: list[Span], caps_informative: bool) -> list[Tok]:
    toks: list[Tok] = []
    for m in TOKEN.finditer(text):
        word = m.group(0)
        start = m.start()
        if word[-2:].lower() in ("'s", "’s"):
            word = word[:-2]
        elif word[-1] in "'’":
            word = word[:-1]
        end = start + len(word)
        j = start - 1
        while j >= 0 and text[j] in " \t\"'(“‘-*":
            j -= 1
        sent_start = j < 0 or text[j] in _SENTENCE_END
        acronym = caps_informative and len(word) > 1 and word.isupper()
        cap = caps_informative and word[0].isupper() and not acronym
        is_blocked = any(s.overlaps(start, end) for s in blocked)
        toks.append(Tok(start, end, word, word.lower(), cap, sent_start, is_blocked, acronym))
    return toks


def caps_informative(text: str) -> bool:
    """Capitals carry meaning unless the message is mostly upper case."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return sum(c.isupper() for c in letters) <= 0.6 * len(letters)


def _gap(text: str, a: Tok, b: Tok) -> str:
    return text[a.end : b.start]


def _adjacent(text: str, a: Tok, b: Tok) -> bool:
    return (
        a.end == a.start + len(a.text)
        and _gap(text, a, b).isspace()
        and (text[a.end : a.end + 1] not in ("'", "’"))
    )


def _placey(lex: Lexicon, lower: str) -> bool:
    return lower not in lex.common_words or lower.endswith(PLACE_ENDINGS)


class NameFinder:
    """Stateless apart from the word lists; the per-chat memory is passed in."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex

    # ---- addresses and schools -------------------------------------------------------------
    def addresses(self, text: str, toks: list[Tok]) -> list[Span]:
        out: list[Span] = []
        for k, tok in enumerate(toks):
            if tok.lower not in STREET_CORE and tok.lower not in STREET_OTHER:
                continue
            if tok.blocked:
                continue
            names: list[Tok] = []
            j = k - 1
            while j >= 0 and len(names) < 3:
                prev = toks[j]
                nxt = names[0] if names else tok
                gap = _gap(text, prev, nxt)
                if prev.blocked or not (gap.isspace() or (prev.lower == "st" and gap == ". ")):
                    break
                if prev.lower in NOT_STREET_NAME or (prev.lower in STOP and prev.lower != "st"):
                    break
                if prev.lower in self.lex.keep_terms:
                    break
                names.insert(0, prev)
                j -= 1
            if not names:
                continue
            before = text[max(0, names[0].start - 40) : names[0].start]
            m = HOUSE_NUMBER.search(before)
            numbered = m is not None and any(ch.isdigit() for ch in m.group(0))
            start = names[0].start - (len(m.group(0)) if m and numbered else 0)
            if not numbered:
                if tok.lower not in STREET_CORE:
                    continue
                if not all(
                    n.cap or (not n.text[0].isupper() and _placey(self.lex, n.lower)) for n in names
                ):
                    continue
                if tok.lower in ("st", "court", "ct", "way", "place", "walk", "row", "close"):
                    if not all(n.cap for n in names):
                        continue
            if tok.lower in ("court", "ct") and any(n.lower in self.lex.places for n in names):
                continue
            end = tok.end
            out.append(Span(start, end, "ADDRESS", _key(text[start:end])))
        return out

    def schools(self, text: str, toks: list[Tok]) -> list[Span]:
        out: list[Span] = []
        k = 0
        while k < len(toks):
            tok = toks[k]
            if tok.lower not in SCHOOL_TYPES or tok.blocked:
                k += 1
                continue
            end_k = k
            while (
                end_k + 1 < len(toks)
                and toks[end_k + 1].lower in SCHOOL_TYPES
                and _adjacent(text, toks[end_k], toks[end_k + 1])
            ):
                end_k += 1
            names: list[Tok] = []
            j = k - 1
            while j >= 0 and len(names) < 4:
                prev = toks[j]
                nxt = names[0] if names else tok
                gap = _gap(text, prev, nxt)
                if prev.blocked or not (gap.isspace() or gap in (". ", "'s ", "’s ", "s ")):
                    break
                low = prev.lower
                if low in ("st", "saint", "c", "e", "rc", "ce", "of", "and", "the") and names:
                    if (
                        low in ("the", "and", "of")
                        and j > 0
                        and toks[j - 1].lower not in ("c", "st")
                    ):
                        break
                    names.insert(0, prev)
                    j -= 1
                    continue
                if low in STOP or low in NOT_SCHOOL_NAME or low in self.lex.keep_terms:
                    if low not in ("st", "saint"):
                        break
                if not (
                    prev.cap
                    or low in ("st", "saint")
                    or (not prev.text[0].isupper() and _placey(self.lex, low))
                ):
                    break
                names.insert(0, prev)
                j -= 1
            while names and names[0].lower in ("the", "and", "of", "c", "e"):
                names.pop(0)
            if names and not (len(names) == 1 and names[0].lower in ("st", "saint")):
                start, end = names[0].start, toks[end_k].end
                out.append(Span(start, end, "SCHOOL", _key(text[start:end])))
            k = end_k + 1
        return out

    # ---- people ------------------------------------------------------------------------------
    def people(self, text: str, toks: list[Tok], known: set[str]) -> list[list[Tok]]:
        """Groups of tokens, one group per mention of a person ("Jade Wilkins" is one group)."""
        groups: list[list[Tok]] = []
        used: set[int] = set()
        i = 0
        n = len(toks)
        while i < n:
            if not toks[i].blocked and self._starts_name(text, toks, i, known=None):
                group = [toks[i]]
                used.add(i)
                # "delroy higginbottom": an unlisted first name before a listed surname.
                if (
                    i > 0
                    and (i - 1) not in used
                    and _adjacent(text, toks[i - 1], toks[i])
                    and (
                        self._extends(toks[i - 1])
                        and not toks[i - 1].cap
                        and toks[i - 1].lower not in self.lex.words
                    )
                ):
                    group.insert(0, toks[i - 1])
                    used.add(i - 1)
                j = i + 1
                while (
                    j < n
                    and len(group) < 3
                    and _adjacent(text, toks[j - 1], toks[j])
                    and self._extends(toks[j])
                ):
                    group.append(toks[j])
                    used.add(j)
                    j += 1
                groups.append(group)
                i = j
            else:
                i += 1
        seen = known | {t.lower for g in groups for t in g}
        for i, tok in enumerate(toks):
            if i in used or tok.blocked or tok.lower not in seen:
                continue
            if self._known_again(toks, i):
                groups.append([tok])
        groups.sort(key=lambda g: g[0].start)
        return groups

    def _extends(self, tok: Tok) -> bool:
        low = tok.lower
        lex = self.lex
        if tok.blocked or low in STOP or low in lex.keep_terms or low in RELATIONS:
            return False
        if CONTRACTION.search(tok.text):
            return False
        if low in TITLES or not tok.text.replace("-", "").replace("'", "").isalpha():
            return False
        if tok.cap:
            return True
        if tok.acronym and not (len(low) >= 4 and low in lex.surnames):
            return False
        if low in SURNAME_WORDS:
            return True
        if low in lex.surnames and low not in lex.common_words:
            return True
        return (
            low not in lex.words
            and low not in lex.places
            and len(low) >= 2
            and (low not in lex.proper_nouns)
        )

    def _starts_name(self, text: str, toks: list[Tok], i: int, known: set[str] | None) -> bool:
        lex = self.lex
        tok = toks[i]
        low = tok.lower
        if low in lex.keep_terms or low in TITLES or low in RELATIONS:
            return False
        if low in STOP and low not in ("will", "may"):
            return False
        if not tok.text.replace("-", "").replace("'", "").replace("’", "").isalpha():
            return False
        acronym = tok.acronym
        prev = toks[i - 1] if i > 0 else None
        prev2 = toks[i - 2] if i > 1 else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        gap = _gap(text, prev, tok) if prev else ""
        near = (
            prev is not None
            and not prev.blocked
            and (gap.isspace() or gap.strip() in (".", ",", ":", "-", "–"))
            and len(gap) <= 4
        )
        first = low in lex.first_names
        ambiguous = low in lex.ambiguous_first
        # After a title: Mr Smith, DS Khan, mrs jones.
        if near and prev is not None and prev.lower in TITLES:
            weak = prev.lower in WEAK_TITLES and not prev.text.isupper()
            if not weak or tok.cap or first or low in lex.surnames:
                return low not in lex.common_words or tok.cap or low in SURNAME_WORDS
        # After a relationship word or "called"/"named": his partner jade, her son Tyler.
        trigger = (
            near
            and prev is not None
            and (
                prev.lower in RELATIONS
                or prev.lower in CALLED
                or (
                    prev.lower in ("is", "was")
                    and prev2 is not None
                    and prev2.lower in ("name", "names", "called")
                )
                or (prev.lower == "as" and prev2 is not None and prev2.lower == "known")
            )
        )
        if trigger:
            if low in lex.places and not tok.cap:
                return False
            if first:
                if (
                    ambiguous
                    and not tok.cap
                    and nxt is not None
                    and (nxt.lower in VERB_FOLLOWERS and _adjacent(text, tok, nxt))
                ):
                    return False
                return True
            if tok.cap and low not in lex.proper_nouns and not acronym:
                return True
            if low not in lex.words and len(low) >= 3 and low not in lex.proper_nouns:
                return True
            return low in lex.surnames and low not in lex.common_words
        if low in lex.places:
            return False
        if first and not ambiguous:
            return True
        if ambiguous:
            if tok.cap and not tok.sent_start:
                return True
            if (
                nxt is not None
                and _adjacent(text, tok, nxt)
                and self._extends(nxt)
                and (nxt.cap or (nxt.lower in lex.surnames and nxt.lower not in lex.words))
            ):
                return True
            if tok.cap and nxt is not None and nxt.lower in NAME_VERBS:
                return True
            return False
        plain = low not in lex.words and low not in lex.proper_nouns and len(low) >= 3
        if plain and not acronym and low in lex.surnames:
            return True
        if (
            plain
            and not acronym
            and nxt is not None
            and nxt.lower in NAME_VERBS
            and (_adjacent(text, tok, nxt))
        ):
            return True
        if tok.cap and not tok.sent_start and not acronym:
            if low in lex.proper_nouns:
                return False
            if low in lex.surnames and low not in lex.words:
                return True
            return low not in lex.words and len(low) >= 3
        return False

    def _known_again(self, toks: list[Tok], i: int) -> bool:
        """A name this chat already used, seen again; word-names only where they act as names."""
        lex = self.lex
        tok = toks[i]
        low = tok.lower
        prev = toks[i - 1] if i > 0 else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if low in lex.keep_terms or low in TITLES:
            return False
        if low in lex.places and prev is not None and prev.lower in LOCATION_PREPS:
            return False
        if low in lex.common_words or low in STOP:
            if tok.cap and not tok.sent_start:
                return True
            if prev is not None and prev.lower in SUBJECTS:
                return False
            if nxt is not None and nxt.lower in VERB_FOLLOWERS:
                return False
            return (nxt is not None and nxt.lower in NAME_VERBS) or (
                prev is not None and prev.lower in RELATIONS | CALLED
            )
        return True


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())
