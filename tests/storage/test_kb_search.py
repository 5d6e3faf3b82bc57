"""Knowledge-base storage and search on both backends (SQLite FTS5, PostgreSQL tsvector)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import insert

from advice_chat.records import UserRecord, utcnow
from advice_chat.services.kb import EVERYONE, PUBLIC, KnowledgeBase
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.kb_search import Freq, Term
from advice_chat.storage.kb_store import KbStore
from advice_chat.storage.models import User
from advice_chat.validation import InvalidInput
from tests.kb_support import CORPUS, article

MANAGER = UserRecord(1, "max", "Max Manager", "manager", 3, False)


@pytest.fixture
async def kb(database_url: str) -> AsyncIterator[KnowledgeBase]:
    await upgrade(database_url)
    store = KbStore(create_engine(database_url))
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(User).values(
                id=MANAGER.id,
                username=MANAGER.username,
                display_name=MANAGER.display_name,
                role="manager",
                password_hash="x",
                capacity=3,
                disabled=False,
                created_at=utcnow(),
            )
        )
    knowledge = KnowledgeBase(store)
    await knowledge.load_articles(CORPUS)
    yield knowledge
    await store.close()


async def slugs(kb: KnowledgeBase, query: str, audiences: tuple[str, ...] = PUBLIC) -> list[str]:
    return [h.slug for h in await kb.search(query, audiences=audiences)]


async def test_title_words_and_stemming(kb: KnowledgeBase) -> None:
    assert (await slugs(kb, "separations"))[0] == "stalking"
    assert (await slugs(kb, "protection"))[0] == "orders"


async def test_abbreviation_and_its_long_form_find_each_other(kb: KnowledgeBase) -> None:
    # The article says "Domestic Violence Protection Order"; the query is the abbreviation...
    assert (await slugs(kb, "DVPN"))[0] == "orders"
    # ...and an article that only has the abbreviation is found by the words.
    await kb.load_articles(
        [
            replace(
                CORPUS[0], slug="short", title="Short note", body="Ask about the DVPO.", tags=("x",)
            )
        ]
    )
    found = await slugs(kb, "domestic violence protection notice")
    assert "short" in found and "orders" in found


async def test_colloquial_phrase_and_typo(kb: KnowledgeBase) -> None:
    assert (await slugs(kb, "he keeps turning up at her work"))[0] == "stalking"
    assert (await slugs(kb, "stlaking"))[0] == "stalking"


async def test_staff_only_articles_only_for_staff(kb: KnowledgeBase) -> None:
    assert "staff-notes" not in await slugs(kb, "wrap-up record stalking")
    assert "staff-notes" in await slugs(kb, "wrap-up record stalking", EVERYONE)
    assert await kb.article("staff-notes", PUBLIC) is None
    assert await kb.article("staff-notes", EVERYONE) is not None


async def test_snippet_escapes_hostile_text_and_marks_matches(kb: KnowledgeBase) -> None:
    hits = await kb.search("zebracorn <b>bold</b>")
    hit = next(h for h in hits if h.slug == "hostile")
    assert "<mark>zebracorn</mark>" in hit.snippet
    assert "<script" not in hit.snippet and "<img" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    stored = await kb.article("hostile")
    assert stored is not None
    html = stored.body_html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html


async def test_no_query_syntax_gets_through(kb: KnowledgeBase) -> None:
    for query in ['"', "NEAR(", "a OR", "title:stalking", "*", "'; DROP TABLE kb_articles; --"]:
        await kb.search(query)  # must not raise
    assert (await slugs(kb, "stalking"))[0] == "stalking"


async def test_edits_are_versioned_with_who_and_when(kb: KnowledgeBase) -> None:
    fields = {
        "title": "Stalking after separation",
        "summary": "Updated summary.",
        "tags": ["stalking"],
        "audience": "professional",
        "reviewed": "2026-11-01",
        "sources": ["Stalking Protection Act 2019"],
        "body": "Stalking is fixated behaviour. A Stalking Protection Order may help.",
        "version": 1,
    }
    edited = await kb.update(MANAGER, "stalking", fields)
    assert edited is not None and edited.version == 2
    with pytest.raises(InvalidInput) as stale:
        await kb.update(MANAGER, "stalking", fields)  # still says version 1
    assert stale.value.code == "conflict"
    versions = await kb.versions("stalking")
    assert versions is not None
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].edited_by == MANAGER.id and versions[1].edited_by is None
    assert versions[0].editor_name == "Max Manager"
    assert versions[0].origin == "editor" and versions[1].origin == "file"
    # The index follows the edit.
    assert (await slugs(kb, "SPO"))[0] == "stalking"


async def test_a_head_only_term_is_found_in_titles_and_tags_not_bodies(kb: KnowledgeBase) -> None:
    # A term too common to rank everywhere is looked up in the head alone (SQLite's
    # kb_fts_head; PostgreSQL's search_head with its own GIN index).
    await kb.load_articles(
        [
            article("in-body", "Unrelated", "The quokka is named in the body only."),
            article("in-title", "Quokka guidance", "Nothing else here."),
            article("in-tags", "Other guidance", "Nothing here.", tags=("quokka",)),
        ]
    )
    store = kb._store
    assert (await store.frequencies(["quokka"]))["quokka"] == Freq(3, 2)
    head = await store.rank([Term("quokka", head_only=True)], PUBLIC, 10)
    assert {c.slug for c in head} == {"in-title", "in-tags"}
    everywhere = await store.rank([Term("quokka")], PUBLIC, 10)
    assert {c.slug for c in everywhere} == {"in-body", "in-title", "in-tags"}
    # A full term and a head-only term together: an article found by both ranks first.
    mixed = await store.rank([Term("named"), Term("quokka", head_only=True)], PUBLIC, 10)
    assert {c.slug for c in mixed} == {"in-body", "in-title", "in-tags"}
    await kb.load_articles([article("both", "Quokka named", "It is named here as well.")])
    mixed = await store.rank([Term("named"), Term("quokka", head_only=True)], PUBLIC, 10)
    assert mixed[0].slug == "both"


async def test_a_rare_word_outweighs_one_every_article_uses(kb: KnowledgeBase) -> None:
    # Both backends weigh terms by rarity (FTS5's bm25 itself; PostgreSQL's ts_rank by the
    # idf the service passes): "zebra" once in one long body beats "guidance" said three
    # times in short ones.
    await kb.load_articles(
        [article(f"filler-{i}", f"Filler {i}", "Guidance, guidance, guidance.") for i in range(6)]
        + [
            article(
                "rare-word",
                "Notes",
                "A zebra is named here, once, among many other words about other things.",
            )
        ]
    )
    hits = await slugs(kb, "guidance zebra")
    assert hits[0] == "rare-word"
    # Without the idf (every term counted alike) PostgreSQL would rank a filler article first.


async def test_workers_starting_together_set_the_same_meta_key(database_url: str) -> None:
    """Two workers loading the knowledge base at once both write terms_version: no clash."""
    await upgrade(database_url)
    stores = [KbStore(create_engine(database_url)) for _ in range(2)]
    try:
        await asyncio.gather(*(s.set_meta("terms_version", f"v{i}") for i, s in enumerate(stores)))
        await stores[0].set_meta("terms_version", "v9")
        assert await stores[1].meta("terms_version") == "v9"
    finally:
        for s in stores:
            await s.close()
