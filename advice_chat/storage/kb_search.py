"""Full-text search over knowledge-base articles: one small interface, two SQL backends.

- SQLite (the embedded default): an FTS5 table `kb_fts` (porter stemming), ranked by bm25
  with per-column weights.
- PostgreSQL (scale-out): generated, weighted `tsvector` columns with GIN indexes (`search`
  for the whole article, `search_head` for title and tags), ranked by `ts_rank`.

A query reaches a backend already worked out by the service (synonyms, corrected typos):
a list of terms, any of which may match (OR). A term is a word, or a concept token
(`kbsyn<n>`) that the service also wrote into the `chead`/`cbody` columns of every article
using any phrase of that synonym group (index-time expansion: one cheap term instead of a
dozen phrases). A term may be limited to the head (title, tags and their concepts) when it is
so common that ranking every article holding it would be slow. Words are restricted to
[a-z0-9] here as well, so nothing a person types becomes query syntax. Snippets are made by
the service from the plain text (`KbStore.bodies`), the same way on both backends.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from advice_chat.kb_text import Candidate
from advice_chat.storage.engine import sqlite_file

Phrase = tuple[str, ...]
_WORD = re.compile(r"^[a-z0-9]{1,40}$")
CONCEPT_PREFIX = "kbsyn"
# Snippets are cut from the start of an article's text; this much is read with each result.
SNIPPET_SOURCE_CHARS = 3000
# Threads (each with its own read connection) that run SQLite searches of one worker.
SEARCH_READERS = 2

# Column weights: title and tags count for far more than a word in the body.
TITLE_WEIGHT = 10.0
TAGS_WEIGHT = 8.0
SUMMARY_WEIGHT = 3.0
BODY_WEIGHT = 1.0


@dataclass(frozen=True)
class IndexedText:
    audience: str
    title: str
    tags: str
    summary: str
    body: str
    concepts_head: str
    concepts_body: str


@dataclass(frozen=True)
class Term:
    token: str  # a word or a concept token
    head_only: bool = False
    # How much rarer terms should count (bm25's inverse document frequency). FTS5's bm25
    # works it out itself; PostgreSQL's ts_rank has none, so it weighs each term by this.
    idf: float = field(default=1.0, compare=False)

    @property
    def concept(self) -> bool:
        return self.token.startswith(CONCEPT_PREFIX)


def inverse_document_frequency(total: int, holding: int) -> float:
    """bm25's idf, as FTS5 computes it (floored, so a term in every article still counts a
    little)."""
    return max(math.log((total - holding + 0.5) / (holding + 0.5)), 1e-6) if total else 1.0


def clean_phrases(phrases: Sequence[Phrase]) -> list[Phrase]:
    """Phrases of safe words only, each once, in the order given."""
    seen: set[Phrase] = set()
    out: list[Phrase] = []
    for phrase in phrases:
        words = tuple(w for w in phrase if _WORD.match(w))
        if words and words not in seen:
            seen.add(words)
            out.append(words)
    return out


def clean_terms(terms: Sequence[Term]) -> list[Term]:
    return [t for t in dict.fromkeys(terms) if _WORD.match(t.token)]


class SearchIndex(Protocol):
    # Roughly how many (article, term) pairs one search may rank within its time budget.
    rank_budget: int
    # If not 0, head-only terms have a budget of their own (ranking a head is far cheaper
    # than ranking a whole article); if 0, they share `rank_budget`.
    head_budget: int
    # Scores are scaled by the best candidate's, but never by less than this (in the
    # backend's own units), so that when every candidate scores near nothing noise is not
    # blown up into relevance.
    score_floor: float

    async def put(self, conn: AsyncConnection, article_id: int, doc: IndexedText) -> None:
        """Index (or re-index) one article inside the caller's transaction."""

    async def frequencies(self, engine: AsyncEngine, tokens: Sequence[str]) -> dict[str, Freq]:
        """How many articles hold each token: anywhere, and in the head."""

    async def rank(
        self,
        engine: AsyncEngine,
        terms: Sequence[Term],
        audiences: Sequence[str],
        limit: int,
    ) -> list[Candidate]:
        """The best `limit` articles of these audiences matching any term, best first."""

    async def close(self) -> None:
        """Release what the index holds besides the engine."""


@dataclass(frozen=True)
class Freq:
    anywhere: int
    head: int


def _candidate(row: Sequence[Any]) -> Candidate:
    """A candidate from (id, slug, title, summary, tags, audience, score, body)."""
    return Candidate(
        id=row[0],
        slug=row[1],
        title=row[2],
        summary=row[3],
        tags=tuple(json.loads(row[4])),
        audience=row[5],
        score=float(row[6]),
        body=row[7] or "",
    )


class Fts5Index:
    """SQLite FTS5, rowid = article id."""

    rank_budget = 1500
    head_budget = 0
    score_floor = 1.0
    RANK = (
        f"bm25(0.0, {TITLE_WEIGHT}, {TAGS_WEIGHT}, {SUMMARY_WEIGHT}, {BODY_WEIGHT}, "
        f"{TAGS_WEIGHT}, {BODY_WEIGHT})"
    )

    async def put(self, conn: AsyncConnection, article_id: int, doc: IndexedText) -> None:
        await conn.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": article_id})
        await conn.execute(text("DELETE FROM kb_fts_head WHERE rowid = :id"), {"id": article_id})
        await conn.execute(
            text(
                "INSERT INTO kb_fts_head (rowid, audience, title, tags, chead) "
                "VALUES (:id, :audience, :title, :tags, :chead)"
            ),
            {
                "id": article_id,
                "audience": doc.audience,
                "title": doc.title,
                "tags": doc.tags,
                "chead": doc.concepts_head,
            },
        )
        await conn.execute(
            text(
                "INSERT INTO kb_fts (rowid, audience, title, tags, summary, body, chead, cbody) "
                "VALUES (:id, :audience, :title, :tags, :summary, :body, :chead, :cbody)"
            ),
            {
                "id": article_id,
                "audience": doc.audience,
                "title": doc.title,
                "tags": doc.tags,
                "summary": doc.summary,
                "body": doc.body,
                "chead": doc.concepts_head,
                "cbody": doc.concepts_body,
            },
        )

    HEAD_RANK = f"bm25(0.0, {TITLE_WEIGHT}, {TAGS_WEIGHT}, {TAGS_WEIGHT})"

    @staticmethod
    def match_expression(terms: Sequence[Term]) -> str:
        return " OR ".join(f'"{t.token}"' for t in clean_terms(terms))

    async def frequencies(self, engine: AsyncEngine, tokens: Sequence[str]) -> dict[str, Freq]:
        words = [t for t in tokens if _WORD.match(t)]
        statements: list[tuple[str, dict[str, Any]]] = []
        for token in words:
            q = {"q": f'"{token}"'}
            statements.append(("SELECT count(*) FROM kb_fts WHERE kb_fts MATCH :q", q))
            statements.append(("SELECT count(*) FROM kb_fts_head WHERE kb_fts_head MATCH :q", q))
        results = await self._run(engine, statements)
        return {
            token: Freq(int(results[2 * i][0][0] or 0), int(results[2 * i + 1][0][0] or 0))
            for i, token in enumerate(words)
        }

    async def rank(
        self,
        engine: AsyncEngine,
        terms: Sequence[Term],
        audiences: Sequence[str],
        limit: int,
    ) -> list[Candidate]:
        full = self.match_expression([t for t in terms if not t.head_only])
        head = self.match_expression([t for t in terms if t.head_only])
        if not (full or head) or not audiences:
            return []
        # FTS5 sorts by its `rank` itself. Terms limited to the head are ranked in the small
        # head table; an article found by both gets the sum of its two scores. One statement,
        # so one round trip; its text depends only on which arms there are and how many
        # audiences, so the reader connection's statement cache reuses it prepared.
        params: dict[str, Any] = {"limit": limit}
        for i, audience in enumerate(audiences):
            params[f"aud{i}"] = audience
        in_audiences = ", ".join(f":aud{i}" for i in range(len(audiences)))
        arms = []
        for name, table, expression, rank in (
            ("full", "kb_fts", full, self.RANK),
            ("head", "kb_fts_head", head, self.HEAD_RANK),
        ):
            if expression:
                arms.append(
                    f"SELECT * FROM (SELECT rowid AS id, -rank AS score FROM {table} "  # noqa: S608
                    f"WHERE {table} MATCH :q_{name} AND rank MATCH :rank_{name} "
                    f"AND audience IN ({in_audiences}) ORDER BY rank LIMIT :limit)"
                )
                params[f"q_{name}"] = expression
                params[f"rank_{name}"] = rank
        query = (
            f"WITH hits AS ({' UNION ALL '.join(arms)}), "  # noqa: S608 - fixed table names
            "best AS (SELECT id, sum(score) AS score FROM hits GROUP BY id "
            "ORDER BY score DESC, id LIMIT :limit) "
            "SELECT a.id, a.slug, a.title, a.summary, a.tags, a.audience, best.score, "
            f"substr(a.body_text, 1, {SNIPPET_SOURCE_CHARS}) AS body "
            "FROM best JOIN kb_articles AS a ON a.id = best.id ORDER BY best.score DESC, a.id"
        )
        (rows,) = await self._run(engine, [(query, params)])
        return [_candidate(r) for r in rows]

    # -- the reader ------------------------------------------------------------------------
    # Searches are read-only and small: on a database file they run on plain sqlite3
    # connections of their own, one per reader thread, kept open. A search is then one hop to
    # a thread and back, with the statement already prepared, instead of a pool checkout,
    # SQLAlchemy compiling, several aiosqlite hops and a rollback on return (measured at
    # 10,000 articles: most of a search's time besides FTS5's own ranking).

    def __init__(self, path: str | None = None) -> None:
        self._path = path
        self._threads = (
            ThreadPoolExecutor(SEARCH_READERS, thread_name_prefix="kb-search") if path else None
        )
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            assert self._path is not None
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            self._connections.append(conn)
        return conn

    def _in_thread(self, statements: list[tuple[str, dict[str, Any]]]) -> list[list[Any]]:
        conn = self._connection()
        return [conn.execute(sql, params).fetchall() for sql, params in statements]

    async def _run(
        self, engine: AsyncEngine, statements: list[tuple[str, dict[str, Any]]]
    ) -> list[Sequence[Any]]:
        if not statements:
            return []
        if self._threads is not None:
            loop = asyncio.get_running_loop()
            return list(await loop.run_in_executor(self._threads, self._in_thread, statements))
        async with engine.connect() as conn:  # in-memory SQLite: through the engine
            return [(await conn.execute(text(sql), params)).all() for sql, params in statements]

    async def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True)
            for conn in self._connections:
                conn.close()
            self._connections.clear()


class PostgresIndex:
    """PostgreSQL: `kb_articles.search` (the whole article) and `search_head` (title, tags and
    their concepts) are generated from the row, so `put` has nothing to do.

    Each has its own GIN index. A term limited to the head is looked up in `search_head`,
    which the index answers exactly, instead of `term:AB` on `search`, which it cannot narrow
    by weight (every article holding the term anywhere would be read and rechecked).
    """

    # ts_rank reads each matching article's whole tsvector (stored out of line, compressed),
    # about ten times the cost of reading a head vector, which stays in the row.
    rank_budget = 1000
    head_budget = 4000
    score_floor = 0.035
    # ts_rank weights are {D, C, B, A}: body, summary, tags, title.
    WEIGHTS = (0.1, 0.3, 0.8, 1.0)

    async def put(self, conn: AsyncConnection, article_id: int, doc: IndexedText) -> None:
        return None

    async def close(self) -> None:
        return None

    # The planner does not know that `search @@ q` on a row means reading its whole
    # (out-of-line) tsvector, so once the table is analysed it may choose to scan every
    # article rather than use the GIN index: ten times slower at 10,000 articles.
    NO_SEQSCAN = text("SET LOCAL enable_seqscan = off")

    async def frequencies(self, engine: AsyncEngine, tokens: Sequence[str]) -> dict[str, Freq]:
        out: dict[str, Freq] = {}
        count = text(
            "SELECT (SELECT count(*) FROM kb_articles "
            "        WHERE search @@ to_tsquery('english', :q)) AS anywhere, "
            "       (SELECT count(*) FROM kb_articles "
            "        WHERE search_head @@ to_tsquery('english', :q)) AS head"
        )
        async with engine.connect() as conn:
            await conn.execute(self.NO_SEQSCAN)
            for token in tokens:
                if not _WORD.match(token):
                    continue
                row = (await conn.execute(count, {"q": token})).one()
                out[token] = Freq(int(row.anywhere or 0), int(row.head or 0))
        return out

    @staticmethod
    def _arm(name: str, column: str, terms: Sequence[Term], params: dict[str, Any]) -> str:
        """One arm: the rows whose `column` matches any term, scored by each term's ts_rank
        times its idf, summed, as bm25 sums its terms (ts_rank of an OR query would count a
        word in every article as much as a rare one). Each term's tsquery is made once, in a
        one-row subquery, not once per row; each row's tsvector is read (out of line,
        decompressed) once, by `|| ''` in a subquery kept apart by OFFSET 0, not once per
        term."""
        made = []
        ranks = []
        for i, term in enumerate(terms):
            params[f"{name}{i}"] = term.token
            params[f"{name}w{i}"] = term.idf
            made.append(f"to_tsquery('english', :{name}{i}) AS q{i}")
            ranks.append(f"ts_rank(CAST(:weights AS real[]), m.v, m.q{i}, 1) * :{name}w{i}")
        matches = " || ".join(f"{name}q.q{i}" for i in range(len(terms)))
        return (
            f"(SELECT m.id, {' + '.join(ranks)} AS score FROM "  # noqa: S608 - fixed columns
            f"(SELECT a.id, a.{column} || ''::tsvector AS v, {name}q.* "
            f"FROM kb_articles AS a, (SELECT {', '.join(made)}) AS {name}q "
            f"WHERE a.{column} @@ ({matches}) AND a.audience IN :audiences OFFSET 0) AS m "
            "ORDER BY score DESC, m.id LIMIT :limit)"
        )

    async def rank(
        self,
        engine: AsyncEngine,
        terms: Sequence[Term],
        audiences: Sequence[str],
        limit: int,
    ) -> list[Candidate]:
        cleaned = clean_terms(terms)
        if not cleaned or not audiences:
            return []
        params: dict[str, Any] = {
            "weights": list(self.WEIGHTS),
            "audiences": list(audiences),
            "limit": limit,
        }
        # Each arm ranks only the articles its GIN index returns and keeps its best `limit`;
        # an article found by both gets the sum of its two scores (as on SQLite). Only the
        # final `limit` rows are joined back for their text.
        arms = []
        for name, column, arm_terms in (
            ("f", "search", [t for t in cleaned if not t.head_only]),
            ("h", "search_head", [t for t in cleaned if t.head_only]),
        ):
            if arm_terms:
                arms.append(self._arm(name, column, arm_terms, params))
        query = text(
            f"WITH hits AS ({' UNION ALL '.join(arms)}), "  # noqa: S608 - fixed column names
            "best AS (SELECT id, sum(score) AS score FROM hits GROUP BY id "
            "ORDER BY score DESC, id LIMIT :limit) "
            "SELECT a.id, a.slug, a.title, a.summary, a.tags, a.audience, best.score, "
            f"substr(a.body_text, 1, {SNIPPET_SOURCE_CHARS}) AS body "
            "FROM best JOIN kb_articles AS a ON a.id = best.id ORDER BY best.score DESC, a.id"
        ).bindparams(bindparam("audiences", expanding=True))
        async with engine.connect() as conn:
            await conn.execute(self.NO_SEQSCAN)
            rows = (await conn.execute(query, params)).all()
        return [_candidate(r) for r in rows]


def index_for(engine: AsyncEngine) -> SearchIndex:
    """The backend that fits the database."""
    if engine.dialect.name == "postgresql":
        return PostgresIndex()
    return Fts5Index(sqlite_file(engine))
