"""Dashboard speed with a long history: 1,000,000 chats of aggregates, then time /manager.

    .venv/bin/python -m bench.stats_speed [--backend sqlite|postgres|both] [--chats 1000000]
        [--days 1095] [--runs 15] [--db PATH]

The history is generated straight into the aggregate table, in bulk: each synthetic chat
(role, region, topic, times, outcome, wrap-up, survey) goes through the same
`services.stats.chat_counts` the server uses when a chat ends, and the summed counts are
upserted day by day. Chats, messages and transcripts are not generated: no statistic reads
them, which is the point.

Then a real server is started on that database and timed, signed in as a manager:

- `GET /manager` for the last 365 days (the page: every view, suppression, template),
- `GET /manager` for the whole history,
- `GET /api/stats` for the last 365 days,
- `StatsService.report` alone for the last 365 days (no HTTP).

Each is requested once to warm up and then `runs` times; median and p95 are printed in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp

from advice_chat.config import Settings
from advice_chat.options import ADVICE, OUTCOMES, REFERRALS, REGIONS, ROLES, TOPICS
from advice_chat.records import ChatRecord
from advice_chat.services.stats import WrapUp, chat_counts, local_day, today_london
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.stats_store import CountKey, StatsStore
from advice_chat.web.stats import STATS
from tests.support import LiveServer

ROLE_IDS = [r for r, _ in ROLES]
REGION_IDS = [r for r, _ in REGIONS]
TOPIC_IDS = [t for t, _ in TOPICS]
OUTCOME_IDS = [o for o, _ in OUTCOMES if o != "disconnected"]
ADVICE_IDS = [a for a, _ in ADVICE]
REFERRAL_IDS = [r for r, _ in REFERRALS]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def synthetic_day(rng: random.Random, day: date, chats: int) -> Counter[CountKey]:
    """The aggregate counts of one day of `chats` chats, through the server's own counting."""
    counts: Counter[CountKey] = Counter()
    base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    for _ in range(chats):
        created = base + timedelta(seconds=rng.randrange(7 * 3600, 21 * 3600))
        answered = rng.random() < 0.85
        wait = rng.expovariate(1 / 150)
        assigned = created + timedelta(seconds=wait) if answered else None
        ended = (assigned or created) + timedelta(seconds=rng.expovariate(1 / 900) + 30)
        chat = ChatRecord(
            id="c",
            status="ended",
            role=rng.choice(ROLE_IDS),
            region=rng.choice(REGION_IDS),
            topic=rng.choice(TOPIC_IDS),
            immediate_risk=False,
            priority=0,
            created_at=created,
            assigned_at=assigned,
            ended_at=ended,
            adviser_id=1 if answered else None,
            ended_by="adviser" if answered else "system",
            outcome=rng.choice(OUTCOME_IDS) if answered else None,
            redacted_at=None,
            purged_at=None,
        )
        wrap = None
        if answered and rng.random() < 0.9:
            wrap = WrapUp(
                topic=rng.choice(TOPIC_IDS),
                advice=tuple(rng.sample(ADVICE_IDS, rng.randint(1, 3))),
                referrals=tuple(rng.sample(REFERRAL_IDS, rng.randint(0, 2))),
                safeguarding_concern=rng.random() < 0.1,
            )
        counts.update(chat_counts(chat, wrap))
        if answered and rng.random() < 0.3:
            rating = str(rng.choice([3, 4, 4, 5, 5]))
            counts[(local_day(created)[0], "rating", rating, "responses")] += 1
    counts[(day.isoformat(), "total", "", "refused")] += rng.randrange(0, 8)
    return counts


async def generate(url: str, chats: int, days: int, seed: int = 7) -> float:
    """Fill the aggregates with `chats` chats spread over the last `days` days; seconds taken."""
    started = time.perf_counter()
    await upgrade(url)
    engine = create_engine(url)
    store = StatsStore(engine)
    rng = random.Random(seed)
    last = today_london()
    per_day = chats // days
    extra = chats - per_day * days
    batch: Counter[CountKey] = Counter()
    for i in range(days):
        day = last - timedelta(days=days - 1 - i)
        batch.update(synthetic_day(rng, day, per_day + (1 if i < extra else 0)))
        if len(batch) > 20000:
            await store.add_counts(batch)
            batch = Counter()
    if batch:
        await store.add_counts(batch)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            from sqlalchemy import text

            await conn.execute(text("ANALYZE stats_counts"))
    await engine.dispose()
    return time.perf_counter() - started


async def timed(label: str, runs: int, call: object) -> None:
    assert callable(call)
    await call()  # warm up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"  {label:44} median {statistics.median(samples):7.1f} ms   "
        f"p95 {percentile(samples, 95):7.1f} ms   ({runs} runs)"
    )


async def measure(url: str, runs: int, days: int, tmp: Path) -> None:
    settings = Settings(database_url=url, secret_key=secrets.token_urlsafe(48), var_dir=tmp)
    server = LiveServer(settings)
    await server.start()
    try:
        username = "bench_" + secrets.token_hex(4)  # a kept --db may hold earlier runs' users
        await server.create_user("manager", username, "Bench Manager")
        cookie = await server.login_cookie(username)
        today = today_london()
        year = (today - timedelta(days=364)).isoformat()
        whole = (today - timedelta(days=days - 1)).isoformat()
        async with aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http:

            def page(start: str, path: str = "/manager") -> object:
                async def get() -> None:
                    async with http.get(
                        f"{server.base_url}{path}?from={start}&to={today.isoformat()}"
                    ) as resp:
                        assert resp.status == 200, resp.status
                        await resp.read()

                return get

            await timed("GET /manager, last 365 days", runs, page(year))
            await timed(f"GET /manager, whole history ({days} days)", runs, page(whole))
            await timed("GET /api/stats, last 365 days", runs, page(year, "/api/stats"))
            service = server.app[STATS]

            async def report() -> None:
                await service.report(today - timedelta(days=364), today)

            await timed("StatsService.report, last 365 days", runs, report)
            check = await service.report(today - timedelta(days=days - 1), today)
            print(f"  history holds {check['summary']['requested']} chats requested")
    finally:
        await server.stop()


async def run(backend: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if backend == "sqlite":
            path = Path(args.db) if args.db else tmp / "stats.db"
            url = f"sqlite+aiosqlite:///{path}"
            fresh = not path.exists()
        else:
            import asyncpg

            name = "ac_bench_stats"
            admin = await asyncpg.connect(args.postgres)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            base = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            url = f"{base}/{name}"
            fresh = True
        print(f"{backend}:")
        if fresh:
            seconds = await generate(url, args.chats, args.days)
            print(f"  generated {args.chats} chats over {args.days} days in {seconds:.0f} s")
        await measure(url, args.runs, args.days, tmp)
        if backend == "postgres":
            admin = await asyncpg.connect(args.postgres)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--chats", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", help="keep the SQLite database here (reused when it exists)")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="admin URL"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        asyncio.run(run(backend, args))


if __name__ == "__main__":
    main()
