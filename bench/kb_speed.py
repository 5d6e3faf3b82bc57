"""Search latency: p50/p95/p99 over the real articles and over a generated corpus.

    .venv/bin/python -m bench.kb_speed [--backend sqlite|postgres|both] [--size 10000]
        [--rounds 5] [--runs 3] [--db PATH]

Queries are the labelled ones in bench/data/kb_queries.jsonl (as professionals type them),
run through KnowledgeBase.search with the HTTP default limit (10 results, snippets included),
as the public would search. Each run warms up with one pass (the per-worker caches of term
frequencies fill then; the first, cold pass is reported separately), then times `rounds`
passes. Several runs are made; the medians of their percentiles are printed.

The generated corpus (bench/kb_corpus.py) is made of the real articles' paragraphs. Building
it takes a minute or two (Markdown, bleach and indexing for every article); `--db` keeps the
SQLite file so later runs reuse it. On PostgreSQL the tables are analysed after loading, as
autovacuum would soon do on a live server (otherwise the planner's choice changes part-way
through a run, whenever autovacuum gets there).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from sqlalchemy import text

from advice_chat.services.kb import KnowledgeBase
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.kb_store import KbStore
from bench.kb_common import KB_DIR, knowledge_base
from bench.kb_corpus import generated
from bench.kb_quality import load_queries


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def timed_pass(kb: KnowledgeBase, queries: list[str]) -> list[float]:
    out = []
    for query in queries:
        start = time.perf_counter()
        await kb.search(query, limit=10)
        out.append((time.perf_counter() - start) * 1000)
    return out


async def measure(kb: KnowledgeBase, rounds: int, runs: int) -> dict[str, float]:
    queries = [str(q["query"]) for q in load_queries()]
    results: dict[str, list[float]] = {"cold_p99": [], "p50": [], "p95": [], "p99": []}
    for _ in range(runs):
        kb._freqs = {}  # a cold worker: caches empty
        cold = await timed_pass(kb, queries)
        samples: list[float] = []
        for _ in range(rounds):
            samples += await timed_pass(kb, queries)
        results["cold_p99"].append(percentile(cold, 99))
        for q in (50, 95, 99):
            results[f"p{q}"].append(percentile(samples, q))
    return {k: statistics.median(v) for k, v in results.items()}


async def analyse(kb: KnowledgeBase) -> None:
    engine = kb._store.engine
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE kb_articles"))


def show(label: str, figures: dict[str, float], n: int) -> None:
    print(
        f"{label:34} n={n:6} p50={figures['p50']:6.2f} ms  p95={figures['p95']:6.2f} ms  "
        f"p99={figures['p99']:6.2f} ms  (first pass p99={figures['cold_p99']:6.2f} ms)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, help="keep the generated SQLite corpus in this file")
    args = parser.parse_args()
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        async with knowledge_base(backend) as kb:
            await kb.load_directory(KB_DIR)
            await analyse(kb)
            show(f"{backend}, real articles", await measure(kb, args.rounds, args.runs), 27)
        if backend == "sqlite" and args.db is not None:
            url = f"sqlite+aiosqlite:///{args.db}"
            fresh = not args.db.exists()
            await upgrade(url)
            store = KbStore(create_engine(url))
            kb = KnowledgeBase(store)
            if fresh:
                await kb.load_articles(generated(args.size))
            else:
                await kb.rebuild_vocabulary()
            show(f"{backend}, generated", await measure(kb, args.rounds, args.runs), args.size)
            await store.close()
            continue
        async with knowledge_base(backend) as kb:
            await kb.load_articles(generated(args.size))
            await analyse(kb)
            show(f"{backend}, generated", await measure(kb, args.rounds, args.runs), args.size)


if __name__ == "__main__":
    asyncio.run(main())
