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
    MODALS,
    NAME_VERBS,
    OBJECT_WORDS,
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

# Letters include accented ones ("Wójcik", "Lôn"); digits and underscores never.
TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*[^\W\d_]|[^\W\d_]")
# Plural acronyms ("DVPOs", "IDVAs") are acronyms too.
PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
_SENTENCE_END = frozenset(".!?\n")
# Has a vowel and no letter three times running: "Olumide" yes; "Nvm", "Aaand" no.
LIKE_A_NAME = re.compile(r"^(?!.*(.)\1\1).*[aeiouy]")
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
    high pre-school preschool""".split()
)
NOT_SCHOOL_NAME = frozenset(
    """the his her their my our your a an local new same special state private boarding village
    faith year at to from in primary secondary another different previous old current mainstream
    pru sixth form community free further higher catholic church any good bad nearest big small
    secure residential day grammar high""".split()
)
# Words that name places ("kings park", "church lane", "st helens"): plausible inside a lower-case
# street or school name although they are everyday words.
TOPONYMS = frozenset(
    """park hill green kings queens princes church abbey castle bridge valley vale heath moor
    manor mill forest meadow meadows oak oaks elm ash beech cedar willow rowan birch holly
    north south east west upper lower""".split()
)
# Words between a school's name and its type: "Parkside Community Primary", "St Joseph's RC
# Primary", "St Anne's C of E Junior". Part of the school name, never a name on their own.
SCHOOL_QUALIFIERS = frozenset(
    """community catholic rc ce cofe c e of methodist church free voluntary roman england
    foundation cp cath cw wales""".split()
)
# Welsh-medium schools put the type first: "Ysgol Gymraeg Bro Taf", "ysgol y cwm".
WELSH_SCHOOL_HEADS = frozenset("ysgol coleg cylch meithrinfa".split())
WELSH_SCHOOL_WORDS = frozenset(
    """gymraeg gynradd uwchradd gyfun feithrin babanod iau y yr bro fro sant santes pen bryn cwm
    glan nant maes llan tref dref coed pont bont aber bod ty hen meithrin""".split()
)
# "17 kingsway", "3 Northgate": a one-word street name after a house number.
ONE_WORD_STREET = re.compile(
    r"(?<![\w/.:£$-])(?:(?:flat|apartment|apt|unit)\s*\d+[a-z]?\s*,?\s*)?\d{1,4}[a-z]?,?\s+"
    r"(?P<w>[a-z]{3,}(?:way|gate))\b",
    re.IGNORECASE,
)
HOUSE_NUMBER = re.compile(
    r"(?:(?:flat|apartment|apt|unit|no\.?|number|house)\s*\d+[a-z]?\s*,?\s*)?"
    r"(?:\d{1,4}[a-z]?(?:\s*-\s*\d{1,4})?\s*,?\s*)?$",
    re.IGNORECASE,
)
# Welsh street names put the street word first: "27 Heol y Parc", "3 Maes y Coed", "Stryd Fawr".
WELSH_STREET_HEADS = frozenset(
    """heol hewl ffordd stryd lôn lon rhodfa cilgant clos llwyn maes llys rhes teras cwrt
    tan bryn pen plas ael allt""".split()
)
# Heads that are also first names or everyday words: a street only after a house number.
WELSH_STREET_NUMBERED_ONLY = frozenset("tan bryn pen plas ael allt maes rhes teras".split())
WELSH_ARTICLES = frozenset("y yr r'".split())
# "moved to Leigh", "came from Stanley": movement before "to"/"from"/"at" makes a place.
MOVEMENT = frozenset(
    """moved move moves moving went go goes going gone back relocated relocating travelled
    traveled travels drove driving drive came come comes coming returned returning fled
    originally based""".split()
)
# Months and weekdays that are also first names: names right after a relationship word.
CALENDAR_NAMES = frozenset("jan jun may june april august sun".split())
VEHICLE_WORDS = frozenset(
    "car van vehicle motor bike motorbike lorry taxi the his her their".split()
)
PLACE_PREPS = frozenset("in near nr towards around outside across through".split())
PLACE_LIST_GAPS = frozenset({", ", " and ", " or ", " & ", "/", " / ", ",", " or in ", " and in "})
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
    # Blocked only by a kept phrase ("St Helens", "Clare's Law"), not by a structured identifier.
    kept: bool = False


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
        acronym = (
            caps_informative
            and len(word) > 1
            and (word.isupper() or PLURAL_ACRONYM.fullmatch(word) is not None)
        )
        cap = caps_informative and word[0].isupper() and not acronym
        hits = [s for s in blocked if s.overlaps(start, end)]
        kept = bool(hits) and all(s.kind == "KEEP" for s in hits)
        toks.append(Tok(start, end, word, word.lower(), cap, sent_start, bool(hits), acronym, kept))
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
    return lower not in lex.common_words or lower.endswith(PLACE_ENDINGS) or lower in TOPONYMS


class NameFinder:
    """Stateless apart from the word lists; the per-chat memory is passed in."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex

    # ---- places ------------------------------------------------------------------------------
    def mark_places(self, text: str, toks: list[Tok]) -> None:
        """Keep towns the word lists cannot keep on their own: multi-word towns ("Ebbw Vale")
        and towns that are also names or words ("in Leigh", "Wigan and Leigh")."""
        lex = self.lex
        n = len(toks)
        i = 0
        while i < n:
            tok = toks[i]
            tails = lex.place_tails.get(tok.lower)
            if tails and not tok.blocked and (tok.cap or tok.lower not in lex.common_words):
                for tail in tails:
                    k = len(tail)
                    if tail[-1] in STREET_CORE or i + k >= n:
                        continue
                    if all(
                        toks[i + 1 + x].lower == tail[x]
                        and not toks[i + 1 + x].blocked
                        and _gap(text, toks[i + x], toks[i + 1 + x]) in (" ", "-")
                        for x in range(k)
                    ):
                        for t in toks[i : i + k + 1]:
                            t.blocked = t.kept = True
                        i += k
                        break
            i += 1
        pending: list[int] = []
        for i, tok in enumerate(toks):
            if tok.blocked or tok.lower not in lex.context_places:
                continue
            if text[tok.end : tok.end + 2] in ("'s", "’s"):
                continue
            if self._place_context(text, toks, i):
                tok.blocked = tok.kept = True
            else:
                pending.append(i)
        # A list of towns: "Boston and Spalding", "Hartlepool, Redcar and Guisborough".
        changed = True
        while changed and pending:
            changed = False
            for i in list(pending):
                for j in (i - 2, i - 1, i + 1, i + 2):
                    if not 0 <= j < n:
                        continue
                    a, b = (toks[j], toks[i]) if j < i else (toks[i], toks[j])
                    other = toks[j]
                    placey = (other.kept and other.blocked) or other.lower in lex.places
                    if j in pending and j != i:
                        placey = True
                    if placey and _gap(text, a, b) in PLACE_LIST_GAPS:
                        toks[i].blocked = toks[i].kept = True
                        pending.remove(i)
                        changed = True
                        break

    def _place_context(self, text: str, toks: list[Tok], i: int) -> bool:
        prev = toks[i - 1] if i > 0 else None
        if prev is None or prev.blocked or not _gap(text, prev, toks[i]).isspace():
            return False
        if prev.lower in PLACE_PREPS:
            return True
        if prev.lower in ("to", "from", "at", "into") and i > 1:
            before = toks[i - 2].lower
            if prev.lower == "from" and before in ("is", "was", "are", "were", "be", "comes"):
                return True  # "he is from Stanley"
            return before in MOVEMENT or before in ("live", "lives")
        return False

    def mark_places_after_addresses(self, text: str, toks: list[Tok], spans: list[Span]) -> None:
        """The town after a street or postcode ("12 Stryd Fawr, Pwllheli") is kept."""
        ends = {s.end for s in spans if s.kind in ("ADDRESS", "POSTCODE")}
        if not ends:
            return
        for tok in toks:
            if tok.blocked or tok.lower not in self.lex.context_places:
                continue
            before = text[max(0, tok.start - 2) : tok.start]
            if (tok.start - 2 in ends and before == ", ") or (
                tok.start - 1 in ends and before.endswith(" ")
            ):
                tok.blocked = tok.kept = True

    # ---- addresses and schools -------------------------------------------------------------
    def addresses(self, text: str, toks: list[Tok]) -> list[Span]:
        out: list[Span] = []
        for k, tok in enumerate(toks):
            if tok.lower not in STREET_CORE and tok.lower not in STREET_OTHER:
                continue
            if tok.blocked and not tok.kept:
                continue
            names: list[Tok] = []
            j = k - 1
            while j >= 0 and len(names) < 3:
                prev = toks[j]
                nxt = names[0] if names else tok
                gap = _gap(text, prev, nxt)
                if (prev.blocked and not prev.kept) or not (
                    gap.isspace() or (prev.lower == "st" and gap == ". ")
                ):
                    break
                if prev.lower in NOT_STREET_NAME or (prev.lower in STOP and prev.lower != "st"):
                    break
                if prev.lower in LOCATION_PREPS:
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
            if tok.kept and not numbered:
                continue  # the "St" of "Bury St Edmunds", the "Vale" of "Ebbw Vale"
            if not numbered:
                # A kept place ("St Helens") names a street after a house number, or when
                # written with capitals before a street word ("St Helens Road", not "... Court").
                capital_street = tok.lower not in ("court", "ct") and all(
                    n.cap or n.lower == "st" for n in names
                )
                while not capital_street and names and any(n.kept for n in names):
                    names.pop(0)
                if not names:
                    continue
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
            # "Harrow Court" alone may be a law court; "flat 11 Harrow Court" is a home.
            if (
                not numbered
                and tok.lower in ("court", "ct")
                and any(n.lower in self.lex.places or n.kept for n in names)
            ):
                continue
            end = tok.end
            out.append(Span(start, end, "ADDRESS", _key(text[start:end])))
        out.extend(self._welsh_streets(text, toks))
        for m in ONE_WORD_STREET.finditer(text):
            word = m.group("w")
            if word.lower() in self.lex.common_words and not word[0].isupper():
                continue
            if any(t.blocked and not t.kept for t in toks if m.start() <= t.start < m.end()):
                continue
            out.append(Span(m.start(), m.end(), "ADDRESS", _key(m.group(0))))
        return out

    def _welsh_streets(self, text: str, toks: list[Tok]) -> list[Span]:
        """Street word first: "27 Heol y Parc", "3 Maes y Coed", "Stryd Fawr", "9 Lôn Goed"."""
        out: list[Span] = []
        for k, tok in enumerate(toks):
            if tok.lower not in WELSH_STREET_HEADS or (tok.blocked and not tok.kept):
                continue
            before = text[max(0, tok.start - 40) : tok.start]
            m = HOUSE_NUMBER.search(before)
            numbered = m is not None and any(ch.isdigit() for ch in m.group(0))
            if not numbered and (tok.lower in WELSH_STREET_NUMBERED_ONLY or not tok.cap):
                continue
            last = k
            named = False
            j = k + 1
            while j < len(toks) and j - k <= 4:
                nxt = toks[j]
                low = nxt.lower
                if (nxt.blocked and not nxt.kept) or not _adjacent(text, toks[j - 1], nxt):
                    break
                if low in WELSH_ARTICLES:
                    j += 1
                    continue
                if low in STOP or low in self.lex.keep_terms:
                    break
                if low in self.lex.places and not (nxt.cap and numbered):
                    break
                if not numbered and not nxt.cap:
                    break
                if not (nxt.cap or low not in self.lex.common_words or low in WELSH_SCHOOL_WORDS):
                    break
                named = True
                last = j
                j += 1
            if not named:
                continue
            start = tok.start - (len(m.group(0)) if m and numbered else 0)
            end = toks[last].end
            out.append(Span(start, end, "ADDRESS", _key(text[start:end])))
        return out

    def schools(self, text: str, toks: list[Tok]) -> list[Span]:
        out: list[Span] = []
        k = 0
        while k < len(toks):
            tok = toks[k]
            if tok.lower in WELSH_SCHOOL_HEADS and not tok.blocked:
                span = self._welsh_school(text, toks, k)
                if span is not None:
                    out.append(span)
                k += 1
                continue
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
            proper = 0  # names that are not qualifiers ("RC", "C of E", "Community")
            j = k - 1
            # "Acorn Tree Day Nursery": "day" is part of the type, not the end of the name.
            if (
                tok.lower == "nursery"
                and j >= 1
                and toks[j].lower == "day"
                and _adjacent(text, toks[j], tok)
                and not toks[j].blocked
            ):
                names.insert(0, toks[j])
                j -= 1
            while j >= 0 and proper < 4:
                prev = toks[j]
                nxt = names[0] if names else tok
                gap = _gap(text, prev, nxt)
                if (prev.blocked and not prev.kept) or not (
                    gap.isspace() or gap in (". ", "'s ", "’s ", "s ")
                ):
                    break
                low = prev.lower
                if (
                    low == "in"
                    and names
                    and names[0].lower == "wales"
                    and j > 0
                    and toks[j - 1].lower == "church"
                ):
                    names.insert(0, prev)  # "Church in Wales": a qualifier like "C of E"
                    j -= 1
                    continue
                if low in LOCATION_PREPS:
                    break
                if low in ("st", "saint", "the", "and") and names:
                    if low in ("the", "and") and j > 0 and toks[j - 1].lower not in ("c", "st"):
                        break
                    names.insert(0, prev)
                    j -= 1
                    continue
                if low in SCHOOL_QUALIFIERS:
                    if low == "of" and not (names and names[0].lower in ("e", "england")):
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
                proper += 1
                j -= 1
            while names and (
                names[0].lower in ("the", "and", "day") or names[0].lower in SCHOOL_QUALIFIERS
            ):
                names.pop(0)
            if names and not (len(names) == 1 and names[0].lower in ("st", "saint")):
                start, end = names[0].start, toks[end_k].end
                out.append(Span(start, end, "SCHOOL", _key(text[start:end])))
            k = end_k + 1
        return out

    def _welsh_school(self, text: str, toks: list[Tok], k: int) -> Span | None:
        """Welsh-medium: the name follows the word for school ("Ysgol Gymraeg Bro Taf")."""
        last = k
        named = False
        j = k + 1
        while j < len(toks) and j - k <= 4:
            tok = toks[j]
            low = tok.lower
            if tok.blocked or not _adjacent(text, toks[j - 1], tok):
                break
            if low in WELSH_SCHOOL_WORDS:
                pass
            elif low in STOP or low in self.lex.keep_terms or low in self.lex.places:
                break
            elif not (tok.cap or low not in self.lex.common_words):
                break
            else:
                named = True
            last = j
            j += 1
        if not named and last - k < 2:
            return None
        start, end = toks[k].start, toks[last].end
        return Span(start, end, "SCHOOL", _key(text[start:end]))

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
        if (
            low in CALENDAR_NAMES
            and tok.cap
            and i > 0
            and toks[i - 1].lower in RELATIONS
            and _adjacent(text, toks[i - 1], tok)
        ):
            return True  # "her son Jan", "his partner May": a name, not a month
        if low in lex.keep_terms or low in TITLES or low in RELATIONS:
            return False
        if low in STOP and low not in ("will", "may"):
            return False
        if CONTRACTION.search(tok.text):  # "We've", "She'll": never a name
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
                    and (
                        prev2.lower in ("name", "names", "called", "hers", "his")
                        or prev2.lower in RELATIONS
                    )
                )
                or (prev.lower == "as" and prev2 is not None and prev2.lower == "known")
            )
        )
        if trigger:
            if low in lex.places and not tok.cap:
                return False
            if first:
                # "his partner will be", "her ex may have": a modal, not a name. A word-name
                # that is not a modal ("his ex grace has") is a verb only before an object.
                followers = VERB_FOLLOWERS if low in MODALS else OBJECT_WORDS
                if (
                    ambiguous
                    and not tok.cap
                    and nxt is not None
                    and (nxt.lower in followers and _adjacent(text, tok, nxt))
                ):
                    return False
                return True
            if tok.cap and low not in lex.proper_nouns and not acronym:
                return True
            if low not in lex.words and len(low) >= 3 and low not in lex.proper_nouns:
                return True
            return low in lex.surnames and low not in lex.common_words
        if (
            tok.cap
            and tok.sent_start
            and not acronym
            and text[tok.end : tok.end + 2] in ("'s", "’s")
            and nxt is not None
            and nxt.lower in RELATIONS
            and (first or low in lex.surnames or low not in lex.words)
            and low not in lex.keep_terms
        ):
            return True  # "Sian's dad rang", "Barry's mum": a possessive before a relation
        if low in lex.places:
            return False
        if acronym and (len(low) <= 3 or (prev is not None and prev.lower in ("the", "a", "an"))):
            return False  # "the TA", "the SARA": an acronym, even when a name is spelt the same
        if low == "reg" and (
            (prev is not None and prev.lower in VEHICLE_WORDS)
            or (nxt is not None and (nxt.blocked or nxt.lower in ("is", "no", "number")))
        ):
            return False  # "her car reg is": a registration, not Reg
        if (
            tok.cap
            and tok.sent_start
            and not acronym
            and (first or (low not in lex.words and low not in lex.proper_nouns))
            and nxt is not None
            # "Dawn, the grandmother, ...", "Dawn the grandmother is ...".
            and nxt.lower == "the"
            and text[tok.end : nxt.start].strip() in ("", ",")
            and i + 2 < len(toks)
            and toks[i + 2].lower in RELATIONS
        ):
            return True
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
        if (
            plain
            and tok.cap
            and tok.sent_start
            and not acronym
            and low not in lex.places
            and LIKE_A_NAME.search(low)
            and text[tok.end : tok.end + 2] in (", ", ",\n")
            and nxt is not None
        ):
            # "Olumide, the perp, ...": an unknown capitalised word set off by a comma at the
            # start of a sentence is a person being introduced.
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
