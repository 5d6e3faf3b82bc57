"""Password rules after NCSC guidance: length over complexity, and no common passwords.

No composition rules (no "one capital, one digit, one symbol"): they make passwords harder to
remember and no harder to guess. Instead a password must be at least 12 characters, must not be
on the deny-list of common passwords (`data/common_passwords.txt`), nor such a password followed
by digits and symbols, nor one character repeated or a plain run such as "123456789012", nor
the username. Long passphrases of ordinary words are welcome.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PASSWORD_MIN_CHARS = 12
# Beyond this the password is refused rather than hashed (a very long input costs hashing time).
PASSWORD_MAX_CHARS = 1024

_LIST = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_TAIL = re.compile(r"[\d\W_]+$")
_RUNS = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb",
)


@cache
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_run(text: str) -> bool:
    """One character repeated, or a stretch of a keyboard row or counting sequence."""
    if len(set(text)) <= 2:
        return True
    for run in _RUNS:
        doubled = run * 3
        if text in doubled or text in doubled[::-1]:
            return True
    return False


def password_problem(password: str, username: str | None = None) -> str | None:
    """None if the password may be used, else a sentence saying why not."""
    if len(password) < PASSWORD_MIN_CHARS:
        return (
            f"Use at least {PASSWORD_MIN_CHARS} characters. Three or more ordinary words "
            "together make a good password."
        )
    if len(password) > PASSWORD_MAX_CHARS:
        return f"Use at most {PASSWORD_MAX_CHARS} characters."
    lowered = password.lower()
    squeezed = re.sub(r"\s+", "", lowered)
    stem = _TAIL.sub("", squeezed)
    common = common_passwords()
    if lowered in common or squeezed in common or stem in common:
        return "That password is too common: it is among the first that attackers try."
    if _is_run(squeezed):
        return "That password is a simple pattern. Three or more ordinary words are better."
    if username and username.lower() in squeezed and len(squeezed) - len(username) < 8:
        return "The password must not be built on your username."
    return None
