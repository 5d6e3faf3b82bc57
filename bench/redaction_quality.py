"""Redaction quality and speed on the labelled synthetic sets.

    .venv/bin/python bench/redaction_quality.py [--show-misses] [--runs 5]
    .venv/bin/python bench/redaction_quality.py --halves
      --set bench/data/redaction_independent.jsonl

``--set PATH`` (repeatable) measures those files instead of the built-in sets; ``--halves`` also
reports each set's even and odd lines (0-based) separately, the split used for the independent set.

Prints a table per set, then one JSON object (the last line) with every figure.
A gold span counts as caught when every character of it is replaced (by any placeholder).
Over-redaction is the share of characters outside gold spans that were replaced.
Throughput is messages per second through ``redact`` on one thread (one core), a fresh context
per message, the median of several runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from advice_chat.redaction import Redactor  # noqa: E402

SETS = {
    "dev": ROOT / "data" / "redaction_dev.jsonl",
    "holdout": ROOT / "data" / "redaction_holdout.jsonl",
    "holdout_hand": ROOT / "data" / "redaction_holdout_hand.jsonl",
}
STRUCTURED = (
    "PHONE",
    "EMAIL",
    "POSTCODE",
    "NHS",
    "NI",
    "REF",
    "PLATE",
    "CARD",
    "BANK",
    "IP",
    "URL",
    "HANDLE",
)
PEOPLE_PLACES = ("NAME", "ADDRESS", "SCHOOL")


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(redactor: Redactor, rows: list[dict[str, Any]], show: bool) -> dict[str, Any]:
    caught: dict[str, int] = {}
    total: dict[str, int] = {}
    kept_chars = 0
    over_chars = 0
    for row in rows:
        text: str = row["text"]
        covered = [False] * len(text)
        for r in redactor.context().redactions(text):
            for i in range(r.start, r.end):
                covered[i] = True
        gold = [False] * len(text)
        for span in row["spans"]:
            kind = span["type"]
            total[kind] = total.get(kind, 0) + 1
            ok = all(covered[span["start"] : span["end"]])
            caught[kind] = caught.get(kind, 0) + ok
            for i in range(span["start"], span["end"]):
                gold[i] = True
            if show and not ok:
                print(f"  MISS {kind}: {text[span['start'] : span['end']]!r} in {text!r}")
        for i, ch in enumerate(text):
            if not gold[i] and not ch.isspace():
                kept_chars += 1
                if covered[i]:
                    over_chars += 1
        if show:
            extra = "".join(ch if covered[i] and not gold[i] else " " for i, ch in enumerate(text))
            if extra.strip():
                print(f"  OVER {extra.split()!r} in {text!r}")

    def group(kinds: tuple[str, ...]) -> float:
        n = sum(total.get(k, 0) for k in kinds)
        return round(sum(caught.get(k, 0) for k in kinds) / n, 4) if n else 1.0

    return {
        "messages": len(rows),
        "spans": sum(total.values()),
        "recall_by_type": {
            k: {"recall": round(caught[k] / total[k], 4), "spans": total[k]} for k in sorted(total)
        },
        "recall_structured": group(STRUCTURED),
        "recall_names_addresses_schools": group(PEOPLE_PLACES),
        "recall_dates": group(("DATE",)),
        "recall_overall": group(tuple(total)),
        "over_redaction": round(over_chars / kept_chars, 4) if kept_chars else 0.0,
    }


def throughput(redactor: Redactor, rows: list[dict[str, Any]], runs: int) -> float:
    texts = [row["text"] for row in rows]
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            redactor.redact_one(text)
        rates.append(len(texts) / (time.perf_counter() - start))
    return round(statistics.median(rates))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--set", dest="sets", action="append", type=Path, metavar="PATH")
    parser.add_argument("--halves", action="store_true", help="also report even and odd lines")
    args = parser.parse_args(argv)
    sets = {p.stem: p for p in args.sets} if args.sets else SETS
    chosen: list[tuple[str, list[dict[str, Any]]]] = []
    for set_name, path in sets.items():
        rows = load(path)
        chosen.append((set_name, rows))
        if args.halves:
            chosen.append((f"{set_name}.even", rows[0::2]))
            chosen.append((f"{set_name}.odd", rows[1::2]))
    started = time.perf_counter()
    redactor = Redactor()
    result: dict[str, Any] = {"load_seconds": round(time.perf_counter() - started, 3)}
    for name, rows in chosen:
        if args.show_misses:
            print(f"== {name}")
        figures = evaluate(redactor, rows, args.show_misses)
        figures["messages_per_second"] = throughput(redactor, rows, args.runs)
        result[name] = figures
        print(f"{name}: {figures['messages']} messages, {figures['spans']} spans")
        for kind, row in figures["recall_by_type"].items():
            print(f"  {kind:<9} recall {row['recall']:.3f}  ({row['spans']} spans)")
        for key in (
            "recall_structured",
            "recall_names_addresses_schools",
            "recall_dates",
            "recall_overall",
            "over_redaction",
            "messages_per_second",
        ):
            print(f"  {key}: {figures[key]}")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
