"""Rebuild the generated word lists in advice_chat/redaction/data/ (a developer tool; not in CI).

Sources, both with permissive licences, read at build time only:
- the 1990 US census name lists (public domain) as shipped in the PyPI package ``names`` 0.3.0
  (MIT): ``pip download --no-deps names==0.3.0`` and unpack; pass its ``names/`` folder;
- SCOWL word lists from Debian (``apt-get install wbritish wbritish-small``): the large list
  says whether a token is an English word, the small one whether it is a common one.

Usage: python bench/redaction_build_lists.py /path/to/names-0.3.0/names
"""

from __future__ import annotations

import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "advice_chat" / "redaction" / "data"
LARGE = Path("/usr/share/dict/british-english")
SMALL = Path("/usr/share/dict/british-english-small")
SURNAMES_KEPT = 30_000


def _census(path: Path, limit: int | None = None) -> list[str]:
    names: list[str] = []
    for line in path.read_text(encoding="ascii").splitlines()[:limit]:
        name = line.split()[0].lower()
        if name.isalpha() and len(name) > 1:
            names.append(name)
    return names


def main(argv: list[str]) -> int:
    census = Path(argv[1])
    large = {w for w in LARGE.read_text(encoding="utf-8").split() if w.isalpha()}
    small = {w for w in SMALL.read_text(encoding="utf-8").split() if w.isalpha()}
    words = sorted(w for w in large if w.islower())
    common = {w for w in small if w.islower()}
    firsts = _census(census / "dist.female.first") + _census(census / "dist.male.first")
    lasts = _census(census / "dist.all.last", SURNAMES_KEPT)
    name_set = set(firsts) | set(lasts)
    proper = sorted({w.lower() for w in large if w[:1].isupper() and w[1:].islower()} - name_set)
    (DATA / "words.txt").write_text(
        "".join(f"{w}\t{int(w in common)}\n" for w in words), encoding="utf-8"
    )
    (DATA / "first_names_census.txt").write_text(
        "".join(f"{n}\n" for n in dict.fromkeys(firsts)), encoding="utf-8"
    )
    (DATA / "surnames_census.txt").write_text(
        "".join(f"{n}\n" for n in dict.fromkeys(lasts)), encoding="utf-8"
    )
    (DATA / "proper_nouns.txt").write_text("".join(f"{w}\n" for w in proper), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
