"""Structured identifiers found by regular expressions, checked by check digits or context."""

from __future__ import annotations

import re
from collections.abc import Iterator

from advice_chat.redaction.checksums import digits_of, luhn_valid, nhs_number_valid
from advice_chat.redaction.spans import Span

_I = re.IGNORECASE
_X = re.VERBOSE

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
URL = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|co\.uk|org\.uk|org|net|uk|io|me|info|ly|gl)"
    r"(?:/[^\s<>\"']*)?(?![\w@])",
    _I,
)
# Public sites an adviser points people to: not a person's identifier.
KEPT_HOSTS = (
    "gov.uk",
    "nhs.uk",
    "police.uk",
    "safelives.org.uk",
    "respect.uk.net",
    "womensaid.org.uk",
    "refuge.org.uk",
    "mensadviceline.org.uk",
    "legislation.gov.uk",
    "cafcass.gov.uk",
)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
PLATFORM_HANDLE = re.compile(
    r"\b(?:insta(?:gram)?|ig|snap(?:chat)?|tiktok|twitter|fb|facebook|telegram|x)"
    r"(?:\s+(?:handle|name|username|user\s?name|account|acc|profile|is|as|under|on|=|:|-))*"
    r"\s*[:=-]?\s+(?P<h>[A-Za-z0-9_.]*[0-9_.][A-Za-z0-9_.]*[A-Za-z0-9_])",
    _I,
)
IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]|\.\d)"
)
IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}:?[0-9a-f]{1,4}(?![\w:])", _I)
NUMBERISH = re.compile(r"(?<![\w+/.-])(?:\+|\(\+?)?\d[\d\s().-]{7,24}\d(?![\w/]|\.\d)")
NI = re.compile(
    r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)"
    r"[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?[A-D]\b",
    _I,
)
POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])\s?[0-9][ABD-HJLNP-UW-Z]{2}\b",
    _I,
)
PLATE_CURRENT = re.compile(r"\b[A-Z]{2}[0-9]{2}\s?[A-Z]{3}\b", _I)
_PLATE_OLD = r"\b(?:[A-Z][0-9]{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?[0-9]{1,3}[A-Z])\b"
PLATE_OLD = re.compile(_PLATE_OLD)
PLATE_OLD_ANY_CASE = re.compile(_PLATE_OLD, _I)
PLATE_CONTEXT = re.compile(
    r"\b(?:reg|registration|plate|plates|vrm|vehicle|car|van|motor|drives|"
    r"driving|index)\b",
    _I,
)
SORT_CODE = re.compile(r"(?<![\d-])\d{2}[-\s]\d{2}[-\s]\d{2}(?![\d-])")
BANK_CONTEXT = re.compile(r"\b(?:sort|s/c|sc|bank|acc|account|a/c|acct)\b", _I)
ACCOUNT = re.compile(
    r"\b(?:acc(?:ount)?|a/c|acct)\.?(?:\s+(?:no|number|num|#))?\.?\s*[:#]?\s*(?P<n>\d{6,10})\b",
    _I,
)
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
ORD = r"(?:st|nd|rd|th)?"
DATE_NUMERIC = re.compile(r"(?<![\d/.-])\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/.-]|\.\d)")
# Year first (ISO 8601 and forms copied from systems): 1990-08-17, 2024/03/12.
DATE_YEAR_FIRST = re.compile(
    r"(?<![\d/.-])(?:19|20)\d{2}([/.-])(?P<m>\d{1,2})\1(?P<d>\d{1,2})(?![\d/.-]|\.\d)"
)
DATE_DAY_MONTH = re.compile(
    rf"\b\d{{1,2}}{ORD}(?:\s+of)?[\s-]+{MONTH}\b(?:,?[\s-]+(?:\d{{4}}|'\d{{2}})\b)?", _I
)
DATE_MONTH_DAY = re.compile(rf"\b{MONTH}\.?\s+\d{{1,2}}{ORD}\b(?!:)(?:,?\s+\d{{4}}\b)?", _I)
DOB_CONTEXT = re.compile(
    r"\b(?:dob|d\.o\.b\.?|date of birth|born(?:\s+on|\s+in)?|birthday(?:\s+is)?)\s*[:\-]?\s*"
    r"(?P<d>\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|\d{4}|\d{1,2}[/.-]\d{4})(?![\d/])",
    _I,
)
SHORT_DATE = re.compile(
    r"\b(?:on|dob|born|from|since|until|till|by|dated?|of)\s+(?P<d>\d{1,2}/\d{1,2})(?![\d/])", _I
)
REF_KEYWORD = re.compile(
    r"\b(?:crime|incident|occurrence|occ|log|ref|reference|urn|crn|case|court|claim|pnc|cad|"
    r"storm|niche|athena|warrant|custody|booking|job|nominal|delius|cr|file|report)"
    r"(?:[\s.]+(?:ref(?:erence)?|no|nos|num(?:ber)?|id|#|is|was|was:|number's|numbers))*"
    r"\s*[.:#=-]?\s*(?P<r>(?=[A-Za-z/-]{0,6}\d)[A-Za-z0-9][A-Za-z0-9/-]*[A-Za-z0-9]"
    r"(?:\s+of\s+\d{1,2}(?:/\d{1,2}(?:/\d{2,4})?|" + ORD + r"\s+" + MONTH + r"\b)"
    r"|(?<=\d)\s+\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/]))?)",
    _I,
)
PNC = re.compile(r"\b(?:19|20)?\d{2}/\d{1,7}[A-Z]\b", _I)
# CRO (Criminal Records Office) numbers: serial, "/", two-digit year, check letter: 123456/07H.
CRO = re.compile(r"\b(?:SF\s?)?\d{1,6}/\d{2}[A-Z]\b", _I)
# A weekday written before a date belongs to it: "sunday 7th april", "Monday the 9th".
WEEKDAY_BEFORE = re.compile(
    r"\b(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\.?,?\s+(?:the\s+)?$",
    _I,
)
SLASH_REF = re.compile(r"\b(?:[A-Z]{1,5}\d*|\d{2,})/\d{3,}(?:/\d{2,})+\b|\b[A-Z]{1,5}/\d{4,}\b", _I)
MIXED_REF = re.compile(
    r"\b(?=[A-Za-z0-9-]*\d[A-Za-z0-9-]*\d[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])"
    r"[A-Za-z0-9][A-Za-z0-9-]{4,}[A-Za-z0-9]\b"
)
LONG_NUMBER = re.compile(r"(?<![\w.,£$])\d{6,}(?![\w]|[.,]\d)")
ORDINAL_OR_UNIT = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|mg|ml|kg|km|yrs?|yo|hrs?|mins?|k|m|s)$", _I)


def _span(m: re.Match[str], kind: str, group: int | str = 0, key: str | None = None) -> Span:
    text = m.group(group)
    return Span(m.start(group), m.end(group), kind, key or _norm(text))


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z@.]", "", text.lower())


def _phone_key(digits: str) -> str:
    if digits.startswith("44") and len(digits) in (12, 11):
        return "0" + digits[2:]
    if digits.startswith("0044"):
        return "0" + digits[4:]
    return digits


def _phone_or_nhs(text: str) -> Iterator[Span]:
    """Long digit runs: an NHS number when its check digit fits, a card by Luhn, else a phone."""
    for m in NUMBERISH.finditer(text):
        raw = m.group(0)
        start = m.start()
        # Trim trailing groups until the digits count fits a known kind.
        pieces = re.split(r"(\s+)", raw)
        while pieces:
            cand = "".join(pieces).rstrip(" ().-")
            span = _classify_number(cand, start, text)
            if span is not None:
                yield span
                break
            pieces = pieces[:-2]


def _classify_number(cand: str, start: int, text: str) -> Span | None:
    digits = digits_of(cand)
    end = start + len(cand)
    stripped = cand.lstrip("(")
    if stripped.startswith("+") or cand.startswith("00"):
        if 8 <= len(digits) <= 15:
            return Span(start, end, "PHONE", _phone_key(digits.lstrip("0")))
        return None
    if len(digits) == 10 and nhs_number_valid(digits) and not digits.startswith("0"):
        return Span(start, end, "NHS", digits)
    if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits):
        return Span(start, end, "CARD", digits)
    if digits.startswith("0") and len(digits) in (10, 11) and not digits.startswith("00"):
        return Span(start, end, "PHONE", _phone_key(digits))
    if len(digits) == 10 and re.search(
        r"\bnhs\b[^.\n]{0,20}$", text[max(0, start - 24) : start], _I
    ):
        return Span(start, end, "NHS", digits)
    return None


def _with_weekday(text: str, span: Span) -> Span:
    m = WEEKDAY_BEFORE.search(text, max(0, span.start - 16), span.start)
    return Span(m.start(), span.end, span.kind, span.key) if m else span


def _valid_day_month(a: int, b: int) -> bool:
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= b <= 31 and 1 <= a <= 12)


def find_structured(text: str) -> list[Span]:
    """Every structured identifier candidate; overlaps are settled by the caller."""
    found: list[Span] = []
    add = found.append
    for m in EMAIL.finditer(text):
        add(_span(m, "EMAIL"))
    for m in URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?)")
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).split("/")[0]
        if any(host == h or host.endswith("." + h) for h in KEPT_HOSTS):
            continue
        if "@" in text[max(0, m.start() - 1) : m.start()]:
            continue
        add(Span(m.start(), m.start() + len(url), "URL", _norm(url)))
    for m in HANDLE.finditer(text):
        add(_span(m, "HANDLE"))
    for m in PLATFORM_HANDLE.finditer(text):
        add(_span(m, "HANDLE", "h"))
    for m in IPV4.finditer(text):
        add(_span(m, "IP"))
    for m in IPV6.finditer(text):
        if re.search(r"[a-f]", m.group(0), _I) or "::" in m.group(0):
            add(_span(m, "IP"))
    found.extend(_phone_or_nhs(text))
    for m in NI.finditer(text):
        add(_span(m, "NI"))
    for m in SORT_CODE.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        a, b = int(m.group(0)[:2]), int(m.group(0)[3:5])
        if BANK_CONTEXT.search(before) or ("-" in m.group(0) and not _valid_day_month(a, b)):
            add(_span(m, "BANK"))
    for m in ACCOUNT.finditer(text):
        add(_span(m, "BANK", "n"))
    for m in POSTCODE.finditer(text):
        add(_span(m, "POSTCODE"))
    for m in PLATE_CURRENT.finditer(text):
        add(_span(m, "PLATE"))
    for m in PLATE_OLD.finditer(text):
        add(_span(m, "PLATE"))
    for m in PLATE_OLD_ANY_CASE.finditer(text):
        if PLATE_CONTEXT.search(text[max(0, m.start() - 30) : m.start()]):
            add(_span(m, "PLATE"))
    for m in REF_KEYWORD.finditer(text):
        ref = m.group("r")
        if len(digits_of(ref)) >= 3 and not ORDINAL_OR_UNIT.match(ref):
            add(_span(m, "REF", "r"))
    for m in PNC.finditer(text):
        add(_span(m, "REF"))
    for m in CRO.finditer(text):
        add(_span(m, "REF"))
    for m in SLASH_REF.finditer(text):
        add(_span(m, "REF"))
    for m in DOB_CONTEXT.finditer(text):
        add(_span(m, "DATE", "d"))
    for m in DATE_NUMERIC.finditer(text):
        parts = re.split(r"[/.-]", m.group(0))
        if _valid_day_month(int(parts[0]), int(parts[1])):
            add(_with_weekday(text, _span(m, "DATE")))
    for m in DATE_YEAR_FIRST.finditer(text):
        if 1 <= int(m.group("m")) <= 12 and 1 <= int(m.group("d")) <= 31:
            add(_span(m, "DATE"))
    for m in DATE_DAY_MONTH.finditer(text):
        if 1 <= int(re.match(r"\d+", m.group(0)).group(0)) <= 31:  # type: ignore[union-attr]
            add(_with_weekday(text, _span(m, "DATE")))
    for m in DATE_MONTH_DAY.finditer(text):
        add(_with_weekday(text, _span(m, "DATE")))
    for m in SHORT_DATE.finditer(text):
        a, b = (int(x) for x in m.group("d").split("/"))
        if _valid_day_month(a, b):
            add(_span(m, "DATE", "d"))
    for m in MIXED_REF.finditer(text):
        if not ORDINAL_OR_UNIT.match(m.group(0)):
            add(_span(m, "REF"))
    for m in LONG_NUMBER.finditer(text):
        add(_span(m, "REF"))
    return found
