"""Search quality on the project's labelled queries: hit@3 and MRR, for both backends.

    .venv/bin/python -m bench.kb_quality [--backend sqlite|postgres|both] [--verbose]
        [--holdout | --set PATH] [--half even|odd]

Each line of bench/data/kb_queries.jsonl is {"query", "expected": [slug, ...]}: a query as a
professional would type it and the article(s) that answer it. A query scores a hit@3 when an
expected article is among the first three results; its reciprocal rank is 1/rank of the first
expected article (0 when none is in the first ten). Searches run as the public would (staff-only
articles are not searched), except a query whose expected article is staff-only (written for
advisers): that one runs as a signed-in adviser would, over every article.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from advice_chat.services.kb import EVERYONE, PUBLIC
from bench.kb_common import knowledge_base

QUERIES = Path(__file__).resolve().parent / "data" / "kb_queries.jsonl"


HOLDOUT = Path(__file__).resolve().parent / "data" / "kb_queries_holdout.jsonl"


FRESH = Path(__file__).resolve().parent / "data" / "kb_queries_fresh.jsonl"


def load_queries(path: Path = QUERIES, half: str | None = None) -> list[dict[str, object]]:
    """The queries in `path`; with `half`, only the even (lines 2, 4, ...) or odd (1, 3, ...)
    lines, counting from one."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if half is not None:
        lines = lines[1::2] if half == "even" else lines[0::2]
    return [json.loads(line) for line in lines]


async def evaluate(
    backend: str, verbose: bool, path: Path = QUERIES, half: str | None = None
) -> tuple[float, float, int]:
    queries = load_queries(path, half)
    async with knowledge_base(backend) as kb:
        await kb.load_directory()
        staff_only = {a.article.slug for a in await kb.articles(EVERYONE)} - {
            a.article.slug for a in await kb.articles(PUBLIC)
        }
        hits = 0
        reciprocal = 0.0
        for item in queries:
            query = str(item["query"])
            expected = set(item["expected"])  # type: ignore[call-overload]
            audiences = EVERYONE if expected & staff_only else PUBLIC
            found = [h.slug for h in await kb.search(query, audiences=audiences, limit=10)]
            rank = next((i + 1 for i, slug in enumerate(found) if slug in expected), None)
            if rank is not None and rank <= 3:
                hits += 1
            reciprocal += 1.0 / rank if rank else 0.0
            if verbose and rank != 1:
                print(f"  [{backend}] rank {rank}: {query!r} -> {found[:3]} (want {expected})")
    n = len(queries)
    return hits / n, reciprocal / n, n


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--verbose", action="store_true", help="show queries not ranked first")
    parser.add_argument(
        "--holdout",
        action="store_true",
        help="use kb_queries_holdout.jsonl: queries written after the synonym table was tuned",
    )
    parser.add_argument(
        "--set",
        type=Path,
        dest="path",
        help="another query file, e.g. bench/data/kb_queries_fresh.jsonl",
    )
    parser.add_argument(
        "--half",
        choices=("even", "odd"),
        help="only the even or odd lines of the file (counting from one)",
    )
    args = parser.parse_args()
    path = args.path or (HOLDOUT if args.holdout else QUERIES)
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        hit3, mrr, n = await evaluate(backend, args.verbose, path, args.half)
        print(f"{backend:9} queries={n} hit@3={hit3:.3f} MRR={mrr:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
