"""Word lists the name finder decides with, loaded once per process from ``data/``.

Generated lists (``words.txt``, ``*_census.txt``, ``proper_nouns.txt``) come from
``bench/redaction_build_lists.py``; the ``*_uk.txt``, ``places.txt`` and ``keep_*.txt`` files are
curated by hand. Small closed sets (titles, relationship words, stop words) live here as code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

TITLES = frozenset(
    "mr mrs ms miss mx dr sir dame pc dc ds di dci det sgt insp supt prof rev cllr".split()
)
# Police ranks are also everyday abbreviations in lower case (pc = computer): they count as a
# title only when written in capitals or followed by a known or capitalised name.
WEAK_TITLES = frozenset("pc dc ds di dci det sir dame".split())

RELATIONS = frozenset(
    """partner partners ex expartner ex-partner girlfriend boyfriend gf bf wife husband spouse
    fiance fiancee fiancé fiancée son sons daughter daughters child kid baby stepson stepdaughter
    step-son step-daughter stepdad stepmum step-dad step-mum mum mam mom mother dad father
    brother sister bro sis nan nana gran grandma grandad grandmother grandfather uncle aunt auntie
    cousin nephew niece friend mate neighbour colleague victim client perpetrator perp offender
    suspect survivor boy girl lad man woman youngest eldest oldest twin twins sibling
    bloke fella fellah
    """.split()
)
CALLED = frozenset("called named name's names nicknamed alias aka".split())

# Words that never start or extend a name: function words, pronouns, frequent chat verbs.
STOP = frozenset(
    """a an the and or but if so as at by for from in into of off on onto out over to up with
    without about after before since until till via per than then that this these those there
    here where when what which who whom whose why how not no yes yeah yep nope all any some
    each every both either neither few many much more most less least other another such own
    same very just only also too again still even ever never always often now soon later today
    tonight tomorrow yesterday back away around down i me my mine we us our you your he him his
    she her hers they them their it its one ones im i'm i've i'd i'll he's she's they're it's
    is am are was were be been being do does did done have has had having will would shall
    should can could may might must need needs ought get gets got go goes going gone went come
    comes came say says said tell tells told ask asks asked call calls called ring rang phone
    rung text texts texted know knows knew think thinks thought want wants wanted see saw seen
    make made take took give gave keep kept let left put feel felt try tried use used like
    likes liked love loves hate hates hit hits push pushed lives lived live living works worked
    work working stays stayed staying moved moving visits visited contact contacted
    please thanks thank sorry hi hello ok okay well really actually maybe probably
    """.split()
)
# After one of these a lower-case word-name ("will", "may") is a verb, not a name.
VERB_FOLLOWERS = frozenset(
    """be been being have has had not never go going get getting come do did need probably
    definitely also still always just now then try call ring phone text tell say ask see make
    take give keep let stay move visit contact you i he she we they it this that the a an to
    there be able look know think want feel find help put bring send start stop""".split()
)
# Word-names that are also modal verbs: after a relationship word, "will"/"may" followed by a
# verb-ish word are the verb ("her partner will be there").
MODALS = frozenset("will may might can must shall".split())
# After a non-modal word-name, these make it a verb ("the victim rose to her feet").
OBJECT_WORDS = frozenset("the a an to her him them it me us up down out off into".split())
SUBJECTS = frozenset(
    """i you he she we they it who that which this there what mum dad one someone he'll she'll
    police probation court worker officer services""".split()
)
NAME_VERBS = frozenset(
    """said says told tells rang rings called calls has had is was went came wants wanted
    hit hits left lives lived stays stayed texted texts messaged admitted denied disclosed
    reported attended missed refused threatened punched pushed shouted denies admits claims
    claimed keeps kept refuses threatens drinks uses smokes works attends misses knows thinks
    feels believes agrees agreed blames blamed accuses accused grabbed strangled kicked slapped
    followed breached assaulted harassed stalked turned turns""".split()
)
LOCATION_PREPS = frozenset("in from at to near around outside inside via towards into".split())

# Names that are English words too rarely to matter in this domain: treated as plain names.
RARE_WORD_NAMES = frozenset(
    """jade harry peter maria martin derrick sally victor mike eddy matt garret marina sierra
    warren jasmine jasper billy bobby tommy jimmy terry tony tom john josh brad chad dirk dick
    hector homer noel roger rick troy rhea phoebe colleen beryl bonnie""".split()
)
# Census "first names" that are too common as words to treat as names at all.
NOT_NAMES = frozenset(
    """an in ma my pa so son soon see man many miss numbers era else ha hang lean loan long
    carry marry manual dung desire conception brain spring season sun moon queen lady numbers
    sang sung yen wan hue hung shin chin chi dot ok mi nu yon yuk bong ping lien min page
    case will's aide alpha angle beau bee blanch christen echo genesis golden joy's lore
    many marine maxima noble omega prince princess royal spring temple junior major""".split()
)
# Common words that are also common surnames: a surname after a first name ("jade smith").
SURNAME_WORDS = frozenset(
    """smith brown green white wood hall hill young king baker cook walker wright turner parker
    taylor clarke clark cooper ward moore price bell shaw hunt fox rose mason marsh lane long
    west black gray grey stone little knight page mills chambers banks booth bird nash short
    frost burns sharp lamb fisher potter palmer hunter archer butler carter fletcher weaver
    webb barber skinner miller porter day may hope will chapman mann field fields holmes
    house lord noble pearce pearson penny rich rice rivers sands savage small spencer steel
    stevens swift waters wells wise woods golding goodman hardy""".split()
)
# Street and school name words are often place-like: these endings make a lower-case word
# plausible as part of a proper name even when it is also in the dictionary.
PLACE_ENDINGS = (
    "field",
    "wood",
    "side",
    "dale",
    "ton",
    "ham",
    "ley",
    "bury",
    "brook",
    "lands",
    "mount",
    "hurst",
    "croft",
    "bridge",
    "stone",
    "well",
    "moor",
    "bank",
    "gate",
    "thorpe",
    "by",
    "worth",
    "stead",
    "combe",
    "ford",
    "land",
    "view",
    "mere",
    "holme",
    "wick",
    "church",
    "minster",
)


@dataclass(frozen=True)
class Lexicon:
    """Everything the name finder looks words up in; immutable, so shared across threads."""

    words: frozenset[str]
    common_words: frozenset[str]
    first_names: frozenset[str]
    ambiguous_first: frozenset[str]
    surnames: frozenset[str]
    places: frozenset[str]
    proper_nouns: frozenset[str]
    keep_terms: frozenset[str]
    keep_phrases: tuple[str, ...]
    # GeoNames towns that are also names or words ("leigh", "stanley"): kept only where the text
    # reads as a place ("in Leigh", "Wigan and Leigh"). Unambiguous ones are in ``places``.
    context_places: frozenset[str] = frozenset()
    # Multi-word towns ("ebbw vale", "milford haven"), by first word: the following words.
    place_tails: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def is_word(self, lower: str) -> bool:
        return lower in self.words

    def is_first(self, lower: str) -> bool:
        return lower in self.first_names

    def is_surname(self, lower: str) -> bool:
        return lower in self.surnames

    def is_kept(self, lower: str) -> bool:
        return lower in self.keep_terms or lower in self.places


# "Ashton-under-Lyne", "Stratford-upon-Avon", "Ashton in Makerfield": the first word alone is
# how people write them, so it is a place where the text reads as one.
_SHORT_FORM = re.compile(r"^([a-z']{3,})(?:[ -](?:under|upon|on|in|le|by|super|next|the)[ -].+)$")


def _geo_places(
    firsts: set[str], surnames: set[str], words: set[str]
) -> tuple[set[str], set[str], dict[str, set[tuple[str, ...]]]]:
    """Split the GeoNames towns into always-kept words, context-kept words and phrases."""
    plain: set[str] = set()
    context: set[str] = set()
    phrases: dict[str, set[tuple[str, ...]]] = {}
    for name in _lines("places_gb.txt"):
        short = _SHORT_FORM.match(name)
        if short:
            context.add(short.group(1))
        parts = name.split()
        if len(parts) == 1:
            if name in firsts or name in surnames or name in words or name in STOP:
                context.add(name)
            else:
                plain.add(name)
            continue
        # A "place" made only of names ("kirk ella") is more likely a person: left out.
        if all(p in firsts or p in surnames for p in parts):
            continue
        phrases.setdefault(parts[0], set()).add(tuple(parts[1:]))
    return plain, context - plain, phrases


def _lines(name: str) -> list[str]:
    data = resources.files("advice_chat.redaction").joinpath("data")
    text = data.joinpath(name).read_text("utf-8")
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _tokens(name: str) -> list[str]:
    return [tok for line in _lines(name) for tok in line.split()]


@cache
def load_lexicon() -> Lexicon:
    """Read the lists once: about 0.1 s and 20 MB, so build one Redactor per process."""
    words: set[str] = set()
    common: set[str] = set()
    for line in _lines("words.txt"):
        word, _, flag = line.partition("\t")
        words.add(word)
        if flag == "1":
            common.add(word)
    firsts = set(_lines("first_names_census.txt")) | set(_tokens("first_names_uk.txt"))
    firsts -= NOT_NAMES
    firsts -= STOP - {"will", "may"}
    ambiguous = {n for n in firsts if n in common and n not in RARE_WORD_NAMES}
    ambiguous |= {"max", "karma", "dale", "ed", "al", "jo", "bo", "sol", "deb", "meg", "tad"}
    ambiguous &= firsts
    surnames = set(_lines("surnames_census.txt")) | set(_tokens("surnames_uk.txt"))
    surnames -= STOP
    places_raw = _tokens("places.txt")
    places = {p for p in places_raw if "-" not in p}
    phrases = _lines("keep_phrases.txt") + [p.replace("-", " ") for p in places_raw if "-" in p]
    keep = set(_tokens("keep_terms.txt"))
    geo_plain, geo_context, geo_phrases = _geo_places(firsts, surnames, words)
    places |= geo_plain
    geo_context -= places | keep
    return Lexicon(
        words=frozenset(words),
        common_words=frozenset(common),
        first_names=frozenset(firsts),
        ambiguous_first=frozenset(ambiguous),
        surnames=frozenset(surnames),
        places=frozenset(places),
        proper_nouns=frozenset(set(_lines("proper_nouns.txt")) - firsts - surnames),
        keep_terms=frozenset(keep),
        keep_phrases=tuple(sorted(set(phrases), key=len, reverse=True)),
        context_places=frozenset(geo_context),
        place_tails=MappingProxyType(
            {first: tuple(sorted(t, key=len, reverse=True)) for first, t in geo_phrases.items()}
        ),
    )
