"""`advice-chat kb search` and `advice-chat kb reindex`."""

from __future__ import annotations

import argparse
import json
import sys

from advice_chat.config import Settings
from advice_chat.services.kb import EVERYONE, KnowledgeBase
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.kb_store import KbStore


async def run_kb(settings: Settings, args: argparse.Namespace) -> int:
    await upgrade(settings.database_url)
    store = KbStore(create_engine(settings.database_url))
    kb = KnowledgeBase(store, directory=settings.kb_dir, review_months=settings.kb_review_months)
    try:
        if args.kb_command == "reindex":
            report = await kb.load_directory()
            count = await kb.reindex_search()
            print(
                f"loaded {report.loaded} changed file(s), {report.unchanged} unchanged; "
                f"search index rebuilt for {count} article(s)"
            )
            for name, problem in report.failed:
                print(f"error: {name}: {problem}", file=sys.stderr)
            return 1 if report.failed else 0
        await kb.rebuild_vocabulary()
        hits = await kb.search(args.query, audiences=EVERYONE, limit=max(1, min(args.limit, 20)))
        if args.json:
            print(
                json.dumps(
                    [
                        {"slug": h.slug, "title": h.title, "score": h.score, "snippet": h.snippet}
                        for h in hits
                    ],
                    ensure_ascii=False,
                )
            )
        else:
            for h in hits:
                print(f"{h.score:8.3f}  {h.slug}  {h.title}")
        return 0
    finally:
        await store.close()
