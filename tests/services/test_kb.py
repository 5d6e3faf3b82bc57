"""Knowledge-base rules: the articles themselves, query handling, files versus edits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advice_chat.config import PROJECT_ROOT
from advice_chat.kb_text import (
    ArticleError,
    article_problems,
    highlight_pattern,
    make_snippet,
    parse_article,
    render_markdown,
)
from advice_chat.records import UserRecord, article_link
from advice_chat.services.kb import (
    KnowledgeBase,
    Vocabulary,
    concept_token,
    parse_query,
    plan_terms,
    words_of,
)
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.kb_search import Freq, Term
from advice_chat.storage.kb_store import KbStore

KB_DIR = PROJECT_ROOT / "knowledge_base"
REQUIRED = """responding-to-disclosure risk-identification dash-risk-checklist marac-referral
drive-referral denial-minimisation-blame avoiding-collusion coercive-control stalking-harassment
non-fatal-strangulation dvpn-dvpo children-and-contact information-sharing victim-safety-planning
perpetrator-programmes substance-misuse-mental-health suicide-risk-perpetrators
young-people-using-harm female-perpetrators-lgbt economic-abuse tech-abuse honour-based-abuse
professional-safety dvds-clares-law immediate-danger""".split()


def test_every_required_article_exists_and_meets_the_content_rules() -> None:
    found = {}
    for path in sorted(KB_DIR.glob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"))
        assert article.slug == path.stem
        assert article_problems(article) == [], path.name
        assert article.sources and article.tags and article.reviewed
        found[article.slug] = article
    assert set(REQUIRED) <= set(found)
    assert all(found[s].audience == "professional" for s in REQUIRED)


def test_front_matter_errors_are_reported() -> None:
    with pytest.raises(ArticleError):
        parse_article("no front matter")
    with pytest.raises(ArticleError) as missing:
        parse_article("---\ntitle: T\nslug: t\n---\nbody")
    assert missing.value.field in ("summary", "tags", "audience", "reviewed", "sources")


def test_words_and_apostrophes() -> None:
    assert words_of("Clare\u2019s Law, won't DVPO!") == ["clare", "law", "wont", "dvpo"]


def test_synonyms_expand_both_ways_and_stopwords_go() -> None:
    vocabulary = Vocabulary()
    short = parse_query("what is a DVPO", vocabulary)
    long = parse_query("domestic violence protection order", vocabulary)
    assert short.tokens == long.tokens  # the same concept either way
    assert short.tokens[0].startswith("kbsyn") and "what" not in short.tokens
    assert ("domestic", "violence", "protection", "order") in short.highlight
    assert parse_query("the and of", vocabulary).empty


def test_typos_are_corrected_against_the_articles_words() -> None:
    vocabulary = Vocabulary()
    vocabulary.add_text("strangulation stalking information sharing probation")
    assert vocabulary.correct("strangulaton") == "strangulation"
    assert vocabulary.correct("infromation") == "information"  # a transposition
    assert vocabulary.correct("zzzzzz") is None
    parsed = parse_query("infromation", vocabulary)
    assert parsed.corrected == {"infromation": "information"}


def test_a_word_the_articles_use_with_another_ending_is_not_corrected() -> None:
    vocabulary = Vocabulary()
    vocabulary.add_text("it is counted as abuse; she is choking; the court")
    assert parse_query("does it count", vocabulary).corrected == {}
    assert parse_query("choke", vocabulary).corrected == {}
    assert parse_query("cuort", vocabulary).corrected == {"cuort": "court"}


def test_colloquial_phrases_reach_their_concepts() -> None:
    vocabulary = Vocabulary()
    pairs = [
        ("can i tell her about his past", "clares law"),
        ("hes on the gear", "substance misuse"),
        ("does it have to be physical", "coercive control"),
        ("his missus is psycho", "denial"),
        ("going to her house with a knife", "weapon"),
    ]
    for query, phrase in pairs:
        assert set(parse_query(phrase, vocabulary).tokens) <= set(
            parse_query(query, vocabulary).tokens
        ), query


def test_ranking_budget_keeps_common_terms_to_the_head() -> None:
    freqs = {"rare": Freq(10, 1), "common": Freq(900, 50), "everywhere": Freq(5000, 2000)}
    tokens = ["everywhere", "common", "rare"]
    # One shared budget (SQLite): the commonest term no longer fits even in the head.
    assert plan_terms(tokens, freqs, 800) == [Term("rare"), Term("common", head_only=True)]
    # Heads with a budget of their own (PostgreSQL): it does.
    assert plan_terms(tokens, freqs, 500, head_budget=3000) == [
        Term("rare"),
        Term("common", head_only=True),
        Term("everywhere", head_only=True),
    ]
    # Nothing fits: the rarest term alone, in the head.
    assert plan_terms(["everywhere"], freqs, 100) == [Term("everywhere", head_only=True)]


def test_planned_terms_carry_bm25_idf() -> None:
    freqs = {"rare": Freq(1, 0), "common": Freq(30, 5), "everywhere": Freq(100, 60)}
    terms = {t.token: t for t in plan_terms(list(freqs), freqs, 1000, total=100)}
    assert terms["rare"].idf > terms["common"].idf > terms["everywhere"].idf > 0
    # Without a total (unknown) every term counts alike.
    assert {t.idf for t in plan_terms(list(freqs), freqs, 1000)} == {1.0}


def test_snippet_is_escaped_before_it_is_marked() -> None:
    pattern = highlight_pattern([("marac",), ("mark",)])
    html = make_snippet('MARAC <b onclick="x">bold</b> &amp; "quoted" \ue000mark\ue001', pattern)
    assert html.startswith("<mark>MARAC</mark> &lt;b onclick=&quot;x&quot;&gt;")
    assert "&amp;amp;" in html and "\ue000" not in html
    assert re.sub(r"</?mark>", "", html).count("<") == 0


def test_markdown_is_sanitised() -> None:
    html = render_markdown("# T\n\n<iframe src=x></iframe>\n\n[a](javascript:alert(1)) [b](/kb/x)")
    assert "<iframe" not in html and 'href="javascript' not in html
    assert '<a href="/kb/x">b</a>' in html


def test_shared_article_message_carries_its_link() -> None:
    text = "Title here\nSummary.\nRead the article: /kb/dvpn-dvpo"
    assert article_link(text) == {
        "slug": "dvpn-dvpo",
        "title": "Title here",
        "url": "/kb/dvpn-dvpo",
    }
    assert article_link("Read the article: /kb/<script>") is None
    assert concept_token(3) == "kbsyn3"


ARTICLE = """---
title: Test article
slug: test-article
summary: One sentence.
tags: [testing]
audience: professional
reviewed: 2024-01-10
sources:
  - Domestic Abuse Act 2021
---

The word {word} appears here.
"""


async def test_file_loads_and_browser_edits_win_until_the_file_changes(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    path = folder / "test-article.md"
    path.write_text(ARTICLE.format(word="aardvark"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}"
    await upgrade(url)
    store = KbStore(create_engine(url))
    from sqlalchemy import insert

    from advice_chat.records import utcnow
    from advice_chat.storage.models import User

    async with store.engine.begin() as conn:
        await conn.execute(
            insert(User).values(
                id=7, username="m", display_name="M", role="manager", password_hash="x",
                capacity=3, disabled=False, created_at=utcnow(),
            )
        )  # fmt: skip
    kb = KnowledgeBase(store, directory=folder, review_months=12)
    try:
        report = await kb.load_directory()
        assert (report.loaded, report.unchanged) == (1, 0)
        assert (await kb.load_directory()).unchanged == 1  # unchanged file: nothing written
        manager = UserRecord(7, "m", "M", "manager", 3, False)
        await kb.update(
            manager,
            "test-article",
            {
                "title": "Edited in the browser",
                "summary": "Edited.",
                "tags": ["testing"],
                "audience": "professional",
                "reviewed": "2026-11-20",
                "sources": ["Domestic Abuse Act 2021"],
                "body": "The word pangolin appears here.",
            },
        )
        await kb.load_directory()  # the file has not changed: the edit stays
        found = await kb.article("test-article")
        assert found is not None and found.article.title == "Edited in the browser"
        assert [h.slug for h in await kb.search("pangolin")] == ["test-article"]
        path.write_text(ARTICLE.format(word="wombat"))
        await kb.load_directory()  # the file changed: it wins, as a new version
        found = await kb.article("test-article")
        assert found is not None and found.article.title == "Test article"
        assert found.version == 3
        assert await kb.search("pangolin") == []
        assert [h.slug for h in await kb.search("wombat")] == ["test-article"]
        # Reviewed 2024-01-10, due 12 months later: overdue now.
        assert [a.slug for a in await kb.overdue()] == ["test-article"]
    finally:
        await store.close()
