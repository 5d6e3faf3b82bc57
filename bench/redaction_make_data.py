"""Write the labelled synthetic chat sets for the redaction benchmark.

Every person, number and place of residence here is invented: phone numbers come from Ofcom's
drama ranges, emails use example.com/example.org, IPs the documentation ranges, NHS numbers are
random digits given a valid check digit. Spans are recorded while the text is assembled, so the
offsets are right by construction (tests/redaction/test_dataset.py checks them anyway).

The dev set and the held-out set use different templates, different name pools and different
writing styles; the engine was tuned on the dev set only.

Usage: python bench/redaction_make_data.py   (rewrites bench/data/redaction_{dev,holdout}.jsonl)
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from advice_chat.redaction.checksums import luhn_valid, nhs_check_digit  # noqa: E402

SLOT = re.compile(r"\{(\w+)\}")


class Pools:
    def __init__(
        self, firsts: str, surnames: str, word_names: str, streets: str, schools: str, towns: str
    ) -> None:
        self.firsts = firsts.split()
        self.surnames = surnames.split()
        self.word_names = word_names.split()
        self.streets = streets.split()
        self.schools = schools.split()
        self.towns = towns.split()


DEV = Pools(
    firsts="""Jade Tyler Kayden Chloe Liam Jordan Shannon Kieran Leanne Callum Aisha Imran Piotr
    Agnieszka Reece Stacey Craig Gemma Darren Kirsty Mohammed Priya Connor Chantelle Ryan Megan
    Jake Niamh Declan Bethany Lewis Jason Natalie Shaun Keeley Andrei Fatima Tomasz Dylan Ellie""",
    surnames="""Wilkins Smith Hargreaves Khan Patel Kowalski Brierley Sutcliffe O'Brien Jenkins
    Haworth Ashworth Begum Okafor Fairclough Thackeray Holroyd Pickles Marsden Doherty Nowak
    Armitage Kershaw Whiteley Popescu Hussain Gallagher Crabtree Illingworth Pritchard""",
    word_names="Rose Mark Hope Will Grace Faith Dawn Holly Amber Joy Frank Rob Bill Pat Sue Drew",
    streets="Acacia Beech Elm Kings Victoria Mill Oak Station Church Ash Meadow Hawthorn Willow",
    schools="Oakfield Greenwood Hillside Brookfield Moorside Parkwood Ashgrove Lindley",
    towns="""Leeds Bradford Preston Lincoln Bolton Chester Wakefield Hull Derby Sheffield Crawley
    Kendal Halifax Rochdale Blackburn Manchester Cardiff Swansea Wigan Oldham""",
)
HOLD = Pools(
    firsts="""Reuben Maisie Jaxon Tiegan Oakley Raheem Yousef Delroy Precious Bogdan Radu Kacey
    Demi Corey Brooke Lacey Ashton Harley Tanisha Zak Mason Mollie Kane Shelby Bradley Nadia
    Levi Sophie Aaron Jessica""",
    surnames="""Featherstone Ramsbottom Greenhalgh Ormerod Nawaz Chowdhury Wisniewski Adeyemi
    Mensah Llewellyn Prosser Fitzgerald Kavanagh Heseltine Higginbottom Dewhurst Barraclough
    Lumb Sugden Rushworth""",
    word_names="Grace Will Mark Rose Hope Robin Ivy Faith Ray Penny",
    streets="Sycamore Laburnum Chapel Alma Cemetery Princess Queens Manor Albert Orchard",
    schools="Thornhill Eastbrook Westfield Fernside Highcliffe Rowley Ashbourne",
    towns="""Bolton Preston Barnsley Rotherham Doncaster Stockport Lincoln Luton Crewe Hull
    Chester Newport Wrexham Bury Burnley Warrington""",
)

TOWNS_PREFIXES = "LS6 LS9 BD5 BD3 M14 L8 S2 B12 NE4 CF10 SA1 NG7 LE3 HU3 WF1 HX1 BS5 PL4".split()
INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def _nhs(rng: random.Random) -> str:
    while True:
        first = str(rng.choice([4, 6, 7])) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        check = nhs_check_digit(first)
        if check is not None:
            d = first + str(check)
            return rng.choice([f"{d[:3]} {d[3:6]} {d[6:]}", d, f"{d[:3]}-{d[3:6]}-{d[6:]}"])


def _card(rng: random.Random) -> str:
    while True:
        d = rng.choice("45") + "".join(str(rng.randint(0, 9)) for _ in range(15))
        if luhn_valid(d):
            return rng.choice([" ".join(d[i : i + 4] for i in range(0, 16, 4)), d])


def _phone(rng: random.Random) -> str:
    n = rng.randint(0, 999)
    m = rng.randint(0, 999)
    return rng.choice(
        [
            f"07700 900{n:03d}",
            f"07700900{n:03d}",
            f"+44 7700 900{n:03d}",
            f"0113 496 0{n:03d}",
            f"0161 496 0{m:03d}",
            f"020 7946 0{n:03d}",
            f"(0114) 496 0{m:03d}",
            f"+447700900{n:03d}",
            f"07700-900-{n:03d}",
            f"0117 496 0{m:03d}",
            f"+1 202 555 01{n % 100:02d}",
        ]
    )


def _postcode(rng: random.Random) -> str:
    pc = f"{rng.choice(TOWNS_PREFIXES)} {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
    return rng.choice([pc, pc, pc.lower(), pc.replace(" ", "")])


def _dob(rng: random.Random) -> str:
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1965, 2005)
    months = "January February March April May June July August September October November December"
    month = months.split()[m - 1]
    return rng.choice(
        [
            f"{d:02d}/{m:02d}/{y}",
            f"{d}/{m}/{y}",
            f"{d:02d}.{m:02d}.{y % 100:02d}",
            f"{d}{_ord(d)} {month} {y}",
            f"{d} {month[:3]} {y}",
            f"{d:02d}-{m:02d}-{y}",
        ]
    )


def _ord(d: int) -> str:
    return "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")


def _date(rng: random.Random) -> str:
    d, m = rng.randint(1, 28), rng.randint(1, 12)
    months = "January February March April May June July August September October November December"
    month = months.split()[m - 1]
    return rng.choice(
        [
            f"{d}{_ord(d)} {month}",
            f"{d} {month}",
            f"{d:02d}/{m:02d}/2023",
            f"{d}{_ord(d)} of {month.lower()}",
            f"{month} {d}{_ord(d)}",
        ]
    )


def _plate(rng: random.Random) -> str:
    a = rng.choice("ABCDEFGHKLMNOPRSVWY") + rng.choice("ABCDEFGHJKLMNOPRSTUVWXY")
    p = f"{a}{rng.choice(['19', '67', '21', '70', '15', '68'])} " + "".join(
        rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3)
    )
    return rng.choice([p, p, p.lower(), p.replace(" ", "")])


def _ni(rng: random.Random) -> str:
    pre = rng.choice(["AB", "JR", "NP", "TW", "KL", "CE", "PX", "SH"])
    digits = "".join(str(rng.randint(0, 9)) for _ in range(6))
    suf = rng.choice("ABCD")
    ni = rng.choice([f"{pre} {digits[:2]} {digits[2:4]} {digits[4:]} {suf}", f"{pre}{digits}{suf}"])
    return rng.choice([ni, ni, ni.lower()])


def _crime(rng: random.Random) -> str:
    return rng.choice(
        [
            f"{rng.randint(10, 99)}/{rng.randint(10000, 99999)}/{rng.randint(19, 24)}",
            f"CR/{rng.randint(10000, 99999)}/{rng.randint(19, 24)}",
            f"{rng.randint(10, 99)}{rng.randint(100000000, 999999999)}",
            f"{rng.randint(13, 99)}0{rng.randint(100000, 999999)}",
        ]
    )


def _case(rng: random.Random) -> str:
    return rng.choice(
        [
            f"LS{rng.randint(19, 24)}P{rng.randint(100, 999):05d}",
            f"BD{rng.randint(19, 24)}C{rng.randint(100, 999):05d}",
            f"T{rng.randint(2019, 2024)}{rng.randint(1000, 9999)}",
            f"{rng.randint(10, 99)}{rng.choice(['AB', 'YK', 'WF'])}{rng.randint(1000000, 9999999)}",
        ]
    )


class Message:
    """A template filled in: text and spans built together."""

    def __init__(self, pools: Pools, rng: random.Random) -> None:
        self.pools = pools
        self.rng = rng
        self.values: dict[str, str] = {}

    def person(self, n: str) -> tuple[str, str]:
        if f"first{n}" not in self.values:
            used = {v for k, v in self.values.items() if k.startswith("first")}
            first = self.rng.choice([f for f in self.pools.firsts if f not in used])
            self.values[f"first{n}"] = first
            self.values[f"sur{n}"] = self.rng.choice(self.pools.surnames)
        return self.values[f"first{n}"], self.values[f"sur{n}"]

    def fill(self, slot: str) -> tuple[str, str | None]:
        """The text for a slot and its span type (None for text that must be kept)."""
        lower = slot.endswith("_l")
        base = slot[:-2] if lower else slot
        value, kind = self._value(base)
        return (value.lower() if lower else value), kind

    def _value(self, base: str) -> tuple[str, str | None]:
        rng = self.rng
        m = re.fullmatch(r"(first|sur|full)(\d)", base)
        if m:
            first, sur = self.person(m.group(2))
            return {"first": first, "sur": sur, "full": f"{first} {sur}"}[m.group(1)], "NAME"
        m = re.fullmatch(r"wname(\d)", base)
        if m:
            key = f"wname{m.group(1)}"
            if key not in self.values:
                self.values[key] = rng.choice(self.pools.word_names)
            return self.values[key], "NAME"
        if base in self.values:
            return self.values[base], _KINDS.get(base.rstrip("0123456789"))
        makers: dict[str, Callable[[], str]] = {
            "phone": lambda: _phone(rng),
            "email": lambda: self._email(),
            "postcode": lambda: _postcode(rng),
            "address": lambda: self._address(),
            "dob": lambda: _dob(rng),
            "date": lambda: _date(rng),
            "nhs": lambda: _nhs(rng),
            "ni": lambda: _ni(rng),
            "crime": lambda: _crime(rng),
            "pnc": lambda: (
                f"{rng.randint(0, 24):02d}/{rng.randint(10000, 999999)}"
                f"{rng.choice('ABCDEFGHJKLMNPQRTUVWXY')}"
            ),
            "case": lambda: _case(rng),
            "crn": lambda: f"{rng.choice('ABCDEX')}{rng.randint(100000, 999999)}",
            "cad": lambda: (
                f"{rng.randint(100, 9999)} of {rng.randint(1, 28)}/{rng.randint(1, 12):02d}"
            ),
            "plate": lambda: _plate(rng),
            "card": lambda: _card(rng),
            "sort": lambda: f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
            "acc": lambda: f"{rng.randint(10000000, 99999999)}",
            "ip": lambda: rng.choice(
                [
                    f"192.0.2.{rng.randint(1, 254)}",
                    f"203.0.113.{rng.randint(1, 254)}",
                    "2001:db8::7a1",
                ]
            ),
            "url": lambda: self._url(),
            "handle": lambda: self._handle(),
            "school": lambda: self._school(),
            "town": lambda: rng.choice(self.pools.towns),
            "age": lambda: str(rng.randint(19, 58)),
            "kidage": lambda: str(rng.randint(1, 15)),
            "score": lambda: str(rng.randint(3, 24)),
            "count": lambda: str(rng.randint(2, 12)),
            "year": lambda: str(rng.randint(2012, 2024)),
            "time": lambda: rng.choice(["14:30", "9am", "2pm", "10:15", "half 3", "17:00"]),
            "day": lambda: rng.choice(["Monday", "tuesday", "Wednesday", "friday", "Saturday"]),
        }
        stem = base.rstrip("0123456789")
        value = makers[stem]()
        self.values[base] = value
        return value, _KINDS.get(stem)

    def _email(self) -> str:
        first, sur = self.person("1")
        n = self.rng.randint(1, 99)
        return (
            self.rng.choice(
                [
                    f"{first}.{sur}{n}@example.com",
                    f"{first}{n}@example.org",
                    f"{sur}.{first[0]}@example.co.uk",
                ]
            )
            .lower()
            .replace("'", "")
        )

    def _url(self) -> str:
        first, sur = self.person("1")
        n = self.rng.randint(1, 999)
        return self.rng.choice(
            [
                f"facebook.com/{first}.{sur}.{n}",
                f"https://www.example.com/profile/{n}",
                f"www.example.org/{first.lower()}{n}",
                f"https://www.facebook.com/{first}{sur}{n}",
            ]
        ).replace("'", "")

    def _handle(self) -> str:
        first, sur = self.person("1")
        n = self.rng.randint(1, 99)
        return self.rng.choice(
            [f"@{first.lower()}_{sur.lower()}{n}", f"@{first}{n}", f"@{first.lower()}.{n}x"]
        ).replace("'", "")

    def _address(self) -> str:
        rng = self.rng
        street = rng.choice(self.pools.streets)
        suffix = rng.choice(
            [
                "Road",
                "Street",
                "Avenue",
                "Close",
                "Lane",
                "Drive",
                "Grove",
                "Terrace",
                "Crescent",
                "Way",
            ]
        )
        n = rng.randint(1, 180)
        addr = rng.choice(
            [
                f"{n} {street} {suffix}",
                f"flat {rng.randint(1, 12)}, {n} {street} {suffix}",
                f"{n}{rng.choice('ab')} {street} {suffix}",
                f"{n} {street} {suffix}",
            ]
        )
        return addr.lower() if rng.random() < 0.35 else addr

    def _school(self) -> str:
        rng = self.rng
        name = rng.choice(self.pools.schools)
        school = rng.choice(
            [
                f"{name} Primary",
                f"{name} Academy",
                f"{name} Primary School",
                f"{name} High",
                f"St {rng.choice(['Mary', 'Joseph', 'Anne'])}'s RC Primary",
                f"{name} Juniors",
            ]
        )
        return school.lower() if rng.random() < 0.3 else school


_KINDS = {
    "phone": "PHONE",
    "email": "EMAIL",
    "postcode": "POSTCODE",
    "address": "ADDRESS",
    "dob": "DATE",
    "date": "DATE",
    "nhs": "NHS",
    "ni": "NI",
    "crime": "REF",
    "pnc": "REF",
    "case": "REF",
    "crn": "REF",
    "cad": "REF",
    "plate": "PLATE",
    "card": "CARD",
    "sort": "BANK",
    "acc": "BANK",
    "ip": "IP",
    "url": "URL",
    "handle": "HANDLE",
    "school": "SCHOOL",
}


def render(template: str, pools: Pools, rng: random.Random) -> dict[str, object]:
    msg = Message(pools, rng)
    text = ""
    spans: list[dict[str, object]] = []
    pos = 0
    for m in SLOT.finditer(template):
        text += template[pos : m.start()]
        value, kind = msg.fill(m.group(1))
        if kind is not None:
            spans.append({"start": len(text), "end": len(text) + len(value), "type": kind})
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "spans": spans}


def build(templates: list[str], pools: Pools, copies: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [render(t, pools, rng) for _ in range(copies) for t in templates]


def main() -> int:
    from bench.redaction_templates import DEV_TEMPLATES, HAND_WRITTEN, HOLDOUT_TEMPLATES

    out = ROOT / "data"
    out.mkdir(exist_ok=True)
    for name, templates, pools, copies, seed in (
        ("redaction_dev.jsonl", DEV_TEMPLATES, DEV, 3, 20240501),
        ("redaction_holdout.jsonl", HOLDOUT_TEMPLATES, HOLD, 2, 777),
    ):
        rows = build(templates, pools, copies, seed)
        with (out / name).open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} messages")
    with (out / "redaction_holdout_hand.jsonl").open("w", encoding="utf-8") as fh:
        for line in HAND_WRITTEN:
            fh.write(json.dumps(parse_markup(line), ensure_ascii=False) + "\n")
    print(f"redaction_holdout_hand.jsonl: {len(HAND_WRITTEN)} messages")
    return 0


MARKUP = re.compile(r"\[\[([A-Z]+)\|(.+?)\]\]")


def parse_markup(line: str) -> dict[str, object]:
    """``[[NAME|jade]]`` marks a span; the text keeps only ``jade``."""
    text = ""
    spans: list[dict[str, object]] = []
    pos = 0
    for m in MARKUP.finditer(line):
        text += line[pos : m.start()]
        spans.append({"start": len(text), "end": len(text) + len(m.group(2)), "type": m.group(1)})
        text += m.group(2)
        pos = m.end()
    return {"text": text + line[pos:], "spans": spans}


if __name__ == "__main__":
    sys.exit(main())
