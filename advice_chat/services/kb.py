"""The knowledge base: articles from files and from managers' edits, search, sharing into chats.

Search rules live here and are the same on both databases: the query is split into words,
phrases from the synonym table are found and expanded both ways, words nobody has written
are corrected against the articles' own vocabulary, stop words are dropped, and what remains
goes to the backend (FTS5 or PostgreSQL full-text search) as a list of phrases, any of which
may match; the backend ranks with title and tag boosts.

Files and edits (see docs/knowledge-base.md): `knowledge_base/*.md` is loaded at start and by
`advice-chat kb reindex`. A file is loaded when it is new or has changed since it was last
loaded (by content hash); an edit made in the browser wins until the file changes again. Every
change is a new version row with who and when.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from advice_chat.kb_text import (
    Article,
    ArticleError,
    ArticleVersion,
    Candidate,
    SearchHit,
    StoredArticle,
    article_from_fields,
    highlight_pattern,
    make_snippet,
    parse_article,
    plain_text,
    render_markdown,
)
from advice_chat.records import MessageRecord, UserRecord, utcnow
from advice_chat.services.chats import Actor, ChatService
from advice_chat.services.errors import ChatRefused
from advice_chat.services.kb_terms import STOPWORDS, SYNONYM_GROUPS, TOPIC_TERMS
from advice_chat.storage.kb_search import (
    CONCEPT_PREFIX,
    Freq,
    Phrase,
    Term,
    inverse_document_frequency,
)
from advice_chat.storage.kb_store import ArticleWrite, KbStore, VersionConflict
from advice_chat.validation import InvalidInput

log = logging.getLogger(__name__)

QUERY_MAX_CHARS = 300
QUERY_MAX_WORDS = 30
SEARCH_MAX_LIMIT = 20
PUBLIC = ("professional",)
EVERYONE = ("professional", "adviser")
VOCABULARY_CHECK_SECONDS = 60.0
FREQ_CACHE_MAX = 50_000
# The backend's best this many are re-ranked with the title and tag boost.
CANDIDATES = 30
TITLE_BOOST = 0.6
TAG_BOOST = 0.3
SUMMARY_BOOST = 0.2
SCORE_FLOOR = 1.0

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words_of(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("Clare's" -> "clare", "won't" -> "wont")."""
    lowered = text.lower().replace("\u2019", "'").replace("`", "'")
    out = []
    for raw in _WORD_RE.findall(lowered):
        if raw.endswith("'s"):
            raw = raw[:-2]
        out.append(raw.replace("'", ""))
    return [w for w in out if w]


def _phrase(text: str) -> Phrase:
    return tuple(words_of(text))


def _norm(word: str) -> str:
    """A light plural fold used when matching synonym phrases ("orders" -> "order")."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _key(words: Sequence[str]) -> Phrase:
    return tuple(_norm(w) for w in words)


# Every synonym phrase (plural-folded) -> the groups it belongs to.
_GROUPS: list[tuple[Phrase, ...]] = [
    tuple(dict.fromkeys(_phrase(p) for p in group if _phrase(p))) for group in SYNONYM_GROUPS
]
_PHRASE_GROUP: dict[Phrase, list[int]] = {}
for _index, _group in enumerate(_GROUPS):
    for _p in _group:
        _PHRASE_GROUP.setdefault(_key(_p), []).append(_index)
_LONGEST = max(len(p) for p in _PHRASE_GROUP)
_SYNONYM_WORDS = frozenset(w for g in _GROUPS for p in g for w in p)
# Changes whenever the synonym table does, so the index is rebuilt to match it.
TERMS_VERSION = hashlib.sha256(repr(_GROUPS).encode()).hexdigest()[:16]


def concept_token(group: int) -> str:
    return f"{CONCEPT_PREFIX}{group}"


def find_phrases(words: Sequence[str]) -> list[tuple[int, int, list[int]]]:
    """Synonym phrases in a word sequence: (start, length, groups), longest match first."""
    keys = [_norm(w) for w in words]
    found = []
    i = 0
    while i < len(keys):
        for size in range(min(_LONGEST, len(keys) - i), 0, -1):
            groups = _PHRASE_GROUP.get(tuple(keys[i : i + size]))
            if groups:
                found.append((i, size, groups))
                i += size
                break
        else:
            i += 1
    return found


def concepts_of(text: str) -> str:
    """The concept tokens of a text, one per phrase occurrence (index-time synonym expansion)."""
    return " ".join(
        concept_token(g) for _, _, groups in find_phrases(words_of(text)) for g in groups
    )


def article_concepts(title: str, tags: str, summary: str, body_text: str) -> tuple[str, str]:
    """(head concepts, body concepts) of an article."""
    return concepts_of(f"{title}\n{tags}\n{summary}"), concepts_of(body_text)


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance with transpositions; returns limit + 1 once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


def _trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class Vocabulary:
    """The words the articles use, with counts, and a trigram index for spelling correction."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        # (trigram, word length) -> words: candidates of a useful length are counted in C
        # (Counter.update over whole sets), not word by word in Python.
        self._grams: dict[tuple[str, int], set[str]] = {}

    def add_text(self, text: str) -> None:
        for word in words_of(text):
            if len(word) < 3 or word.isdigit():
                continue
            if word not in self.counts:
                for gram in _trigrams(word):
                    self._grams.setdefault((gram, len(word)), set()).add(word)
            self.counts[word] += 1

    def __contains__(self, word: object) -> bool:
        return word in self.counts

    def __len__(self) -> int:
        return len(self.counts)

    def correct(self, word: str) -> str | None:
        """The closest known word within 1 edit (short words) or 2 (longer), else None."""
        limit = 1 if len(word) <= 5 else 2
        shared: Counter[str] = Counter()
        grams = _trigrams(word)
        for size in range(len(word) - limit, len(word) + limit + 1):
            for gram in grams:
                shared.update(self._grams.get((gram, size), ()))
        best: tuple[int, int, str] | None = None
        for candidate, _ in shared.most_common(60):
            if shared[candidate] < len(grams) - 4 * (limit if best is None else best[0]):
                # Each edit changes at most four trigrams (a transposition), so a word
                # sharing fewer cannot be as close as the best so far (nor within `limit`);
                # candidates come most-shared first, so none after it can either.
                break
            distance = damerau_levenshtein(word, candidate, limit)
            if distance > limit:
                continue
            key = (distance, -self.counts[candidate], candidate)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]


@dataclass(frozen=True)
class ParsedQuery:
    tokens: list[str]  # concept tokens and plain words, any of which may match
    highlight: list[Phrase]  # what to mark in snippets: the words and all their synonyms
    corrected: dict[str, str]

    @property
    def empty(self) -> bool:
        return not self.tokens


def _base_forms(word: str) -> set[str]:
    """The word without a common ending ("slapping" -> "slap", "choked" -> "chok"/"choke")."""
    forms = {word}
    for ending in ("ing", "ed", "es", "s", "er"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            forms |= {stem, stem + "e"}
            if len(stem) >= 4 and stem[-1] == stem[-2]:
                forms.add(stem[:-1])
    return forms


_ENDINGS = ("s", "es", "ed", "d", "ing", "er", "ers")


def _known(word: str, vocabulary: Vocabulary) -> bool:
    """A word the articles or the synonym table use, perhaps with another ending ("count"
    when an article says "counted"): the search backends stem it, so it must not be
    'corrected' into a different word."""
    if any(
        form in vocabulary or form in _SYNONYM_WORDS or _norm(form) in _SYNONYM_WORDS
        for form in _base_forms(word)
    ):
        return True
    stem = word[:-1] if word.endswith("e") else word
    return any(word + e in vocabulary or stem + e in vocabulary for e in _ENDINGS)


def parse_query(query: str, vocabulary: Vocabulary) -> ParsedQuery:
    """A person's query as the tokens to look for (see the module docstring)."""
    words = words_of(query[:QUERY_MAX_CHARS])[:QUERY_MAX_WORDS]
    corrected: dict[str, str] = {}
    fixed: list[str] = []
    for word in words:
        if (
            len(word) >= 4
            and word.isalpha()
            and word not in STOPWORDS
            and not _known(word, vocabulary)
        ):
            better = vocabulary.correct(word)
            if better is not None:
                corrected[word] = better
                word = better
        fixed.append(word)
    tokens: list[str] = []
    highlight: list[Phrase] = []
    used = [False] * len(fixed)
    for start, size, groups in find_phrases(fixed):
        for index in range(start, start + size):
            used[index] = True
        highlight.append(tuple(fixed[start : start + size]))
        for group in groups:
            tokens.append(concept_token(group))
            highlight.extend(_GROUPS[group])
    for word, was_used in zip(fixed, used, strict=True):
        if not was_used and word not in STOPWORDS and len(word) > 1:
            tokens.append(word)
            highlight.append((word,))
    return ParsedQuery(list(dict.fromkeys(tokens)), list(dict.fromkeys(highlight)), corrected)


def plan_terms(
    tokens: Sequence[str],
    freqs: dict[str, Freq],
    budget: int,
    head_budget: int = 0,
    total: int = 0,
) -> list[Term]:
    """Which tokens to rank, and where, so one search ranks at most about `budget` pairs.

    Rare tokens are ranked wherever they occur. A token so common that ranking every article
    holding it would break the budget counts only where it is in a title or tag (there it
    still says what an article is about); one commoner still is left out. On a knowledge base
    of a few hundred articles nothing is ever left out. With `head_budget`, head-only pairs
    are counted against it rather than against `budget` (a backend whose heads are cheap to
    rank). With `total` (how many articles there are), each term carries its idf: over all
    articles, or over heads for a head-only term.
    """

    def term(token: str, head_only: bool = False) -> Term:
        f = freqs[token]
        holding = f.head if head_only else f.anywhere
        return Term(token, head_only, inverse_document_frequency(total, holding))

    known = [t for t in tokens if freqs.get(t, Freq(0, 0)).anywhere > 0]
    known.sort(key=lambda t: freqs[t].anywhere)
    terms: list[Term] = []
    used = used_head = 0
    head_limit = head_budget or budget
    for token in known:
        f = freqs[token]
        if used + f.anywhere <= budget:
            terms.append(term(token))
            used += f.anywhere
        elif f.head and (used if not head_budget else used_head) + f.head <= head_limit:
            terms.append(term(token, head_only=True))
            if head_budget:
                used_head += f.head
            else:
                used += f.head
    if not terms and known:
        rarest = known[0]
        terms.append(term(rarest, head_only=0 < freqs[rarest].head < freqs[rarest].anywhere))
    return terms


def _stem(word: str) -> str:
    """A crude stem, only to tell whether a query word is in a title ("stalking" ~ "stalker")."""
    word = _norm(word)
    return word[:5] if len(word) > 5 else word


_HEAD_CACHE: dict[str, frozenset[str]] = {}


def _head_tokens(text: str) -> frozenset[str]:
    """Concept tokens and crude stems of a title or tag list (memoised: titles repeat)."""
    cached = _HEAD_CACHE.get(text)
    if cached is None:
        words = words_of(text)
        found = {concept_token(g) for _, _, groups in find_phrases(words) for g in groups}
        cached = frozenset(found | {_stem(w) for w in words})
        if len(_HEAD_CACHE) > 50_000:
            _HEAD_CACHE.clear()
        _HEAD_CACHE[text] = cached
    return cached


def rerank(
    candidates: Sequence[Candidate], tokens: Sequence[str], floor: float = SCORE_FLOOR
) -> list[tuple[Candidate, float]]:
    """Candidates in final order with final scores: the backend's score scaled to 0..1, plus a
    boost for each query token (word or synonym concept) in the title, less for a tag, and
    less again for the summary.

    Both backends saturate term counts, so a word in the title alone barely moves them; a
    title that names what was asked for is the best single sign of the right article.
    """
    if not candidates:
        return []
    # Scaled by the best score, but never by less than `floor` (the backend's units), so
    # that when every candidate scores near nothing (a word in most articles) noise is not
    # blown up.
    top = max(max(c.score for c in candidates), floor)
    keys = [t if t.startswith(CONCEPT_PREFIX) else _stem(t) for t in tokens]
    scored = []
    for position, c in enumerate(candidates):
        title = _head_tokens(c.title)
        tags = _head_tokens(" ; ".join(c.tags))
        summary = _head_tokens(c.summary)
        boost = sum(
            TITLE_BOOST
            if k in title
            else TAG_BOOST
            if k in tags
            else SUMMARY_BOOST
            if k in summary
            else 0.0
            for k in keys
        )
        scored.append((c.score / top + boost, -position, c))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [(c, score) for score, _, c in scored]


def _file_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _write(article: Article, origin: str, file_hash: str | None = None) -> ArticleWrite:
    body_text = plain_text(article.body)
    head, body = article_concepts(
        article.title, " ; ".join(article.tags), article.summary, body_text
    )
    return ArticleWrite(
        article=article,
        body_html=render_markdown(article.body),
        body_text=body_text,
        origin=origin,
        file_hash=file_hash,
        concepts_head=head,
        concepts_body=body,
    )


def audiences_for(user: UserRecord | None) -> tuple[str, ...]:
    """Staff (advisers and managers) see every article; everyone else the public ones."""
    return EVERYONE if user is not None and user.role in ("adviser", "manager") else PUBLIC


@dataclass(frozen=True)
class LoadReport:
    loaded: int
    unchanged: int
    failed: list[tuple[str, str]]


class KnowledgeBase:
    def __init__(
        self,
        store: KbStore,
        *,
        directory: Path | None = None,
        review_months: int = 12,
        chats: ChatService | None = None,
    ) -> None:
        self._store = store
        self._directory = directory
        self._review_months = review_months
        self._chats = chats
        self.vocabulary = Vocabulary()
        self._signature: tuple[int, str] | None = None
        self._checked_at = 0.0
        self._refresh: asyncio.Task[None] | None = None
        self._freqs: dict[str, Freq] = {}

    @property
    def review_months(self) -> int:
        return self._review_months

    # -- loading --------------------------------------------------------------

    async def load_directory(self, directory: Path | None = None) -> LoadReport:
        """Load new and changed article files; files unchanged since last load are skipped."""
        folder = directory or self._directory
        if folder is None or not folder.is_dir():
            return LoadReport(0, 0, [])
        known = await self._store.file_hashes()
        loaded = unchanged = 0
        failed: list[tuple[str, str]] = []
        now = utcnow()
        for path in sorted(folder.glob("*.md")):
            source = path.read_text(encoding="utf-8")
            digest = _file_hash(source)
            try:
                article = parse_article(source)
                if article.slug != path.stem:
                    raise ArticleError("slug", "the slug must match the file name")
            except ArticleError as exc:
                failed.append((path.name, exc.message))
                continue
            if known.get(article.slug) == digest:
                unchanged += 1
                continue
            try:
                await self._store.save(_write(article, "file", digest), user_id=None, now=now)
            except VersionConflict:
                # Another worker loaded the same file at the same moment.
                unchanged += 1
                continue
            loaded += 1
        if await self._store.meta("terms_version") != TERMS_VERSION:
            if known:
                await self.reindex_search()  # older articles were indexed with another table
            else:
                await self._store.set_meta("terms_version", TERMS_VERSION)
        log.info("knowledge base files loaded", extra={"count": loaded, "status": "loaded"})
        if failed:
            log.warning("knowledge base files refused", extra={"count": len(failed)})
        await self.rebuild_vocabulary()
        return LoadReport(loaded, unchanged, failed)

    async def reindex_search(self) -> int:
        """Rebuild every article's search entry with the current synonym table."""
        count = await self._store.reindex_all(
            article_concepts, meta=("terms_version", TERMS_VERSION)
        )
        log.info("knowledge base search index rebuilt", extra={"count": count})
        return count

    async def load_articles(self, articles: Sequence[Article], origin: str = "file") -> int:
        """Store many articles at once (benchmarks and tests build corpora this way)."""
        count = await self._store.save_many([_write(a, origin) for a in articles], now=utcnow())
        await self.rebuild_vocabulary()
        return count

    async def rebuild_vocabulary(self) -> None:
        vocabulary = Vocabulary()
        async for row in self._store.texts():
            for part in row:
                vocabulary.add_text(part)
        self.vocabulary = vocabulary
        self._freqs = {}
        self._signature = await self._store.signature()
        self._checked_at = time.monotonic()

    async def _maybe_refresh(self) -> None:
        """Other workers may have changed articles: re-read the vocabulary now and then."""
        if time.monotonic() - self._checked_at < VOCABULARY_CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        if self._refresh is not None and not self._refresh.done():
            return
        if await self._store.signature() != self._signature:
            self._refresh = asyncio.get_running_loop().create_task(self.rebuild_vocabulary())

    # -- reading --------------------------------------------------------------

    async def search(
        self, query: str, *, audiences: Sequence[str] = PUBLIC, limit: int = 10
    ) -> list[SearchHit]:
        await self._maybe_refresh()
        parsed = parse_query(query, self.vocabulary)
        if parsed.empty:
            return []
        limit = max(1, min(limit, SEARCH_MAX_LIMIT))
        missing = [t for t in parsed.tokens if t not in self._freqs]
        if missing:
            if len(self._freqs) > FREQ_CACHE_MAX:
                self._freqs.clear()
            self._freqs.update(await self._store.frequencies(missing))
        index = self._store.index
        total = self._signature[0] if self._signature else 0
        terms = plan_terms(parsed.tokens, self._freqs, index.rank_budget, index.head_budget, total)
        if not terms:
            return []
        candidates = await self._store.rank(terms, audiences, max(limit, CANDIDATES))
        best = rerank(candidates, parsed.tokens, index.score_floor)[:limit]
        pattern = highlight_pattern(parsed.highlight)
        hits = [
            SearchHit(
                slug=c.slug,
                title=c.title,
                summary=c.summary,
                audience=c.audience,
                score=round(score, 4),
                snippet=make_snippet(c.body or c.summary, pattern),
            )
            for c, score in best
        ]
        log.debug(
            "knowledge base search",
            extra={"count": len(hits), "chars": len(query)},
        )
        return hits

    async def suggest(self, topic: str, message: str | None, limit: int = 3) -> list[SearchHit]:
        """Public articles for a professional waiting with this topic and first message: what
        the message asks about first, then the topic's own articles."""
        hits: list[SearchHit] = []
        for query in (message or "", TOPIC_TERMS.get(topic, "")):
            if len(hits) >= limit or not query.strip():
                continue
            for hit in await self.search(query, audiences=PUBLIC, limit=limit):
                if len(hits) < limit and hit.slug not in {h.slug for h in hits}:
                    hits.append(hit)
        return hits

    async def article(self, slug: str, audiences: Sequence[str] = PUBLIC) -> StoredArticle | None:
        if not isinstance(slug, str) or len(slug) > 80:
            return None
        found = await self._store.get(slug)
        if found is None or found.article.audience not in audiences:
            return None
        return found

    async def articles(self, audiences: Sequence[str] = PUBLIC) -> list[StoredArticle]:
        return await self._store.list_articles(audiences)

    def review_due(self, article: Article) -> date:
        """When an article needs its next review."""
        if article.review_by is not None:
            return article.review_by
        months = self._review_months
        year, month = divmod(article.reviewed.month - 1 + months, 12)
        day = min(article.reviewed.day, 28)
        return date(article.reviewed.year + year, month + 1, day)

    def is_overdue(self, article: Article, today: date | None = None) -> bool:
        return self.review_due(article) < (today or utcnow().date())

    async def overdue(self, today: date | None = None) -> list[StoredArticle]:
        """Articles whose review is overdue, the longest overdue first."""
        items = [
            a
            for a in await self._store.list_articles(EVERYONE)
            if self.is_overdue(a.article, today)
        ]
        return sorted(items, key=lambda a: self.review_due(a.article))

    async def versions(self, slug: str) -> list[ArticleVersion] | None:
        if await self._store.get(slug) is None:
            return None
        return await self._store.versions(slug)

    # -- editing (managers) ----------------------------------------------------

    @staticmethod
    def preview(body: Any) -> str:
        if not isinstance(body, str):
            raise InvalidInput("invalid", "body", "The article text must be text.")
        if len(body) > 60_000:
            raise InvalidInput("too_long", "body", "The article is too long.")
        return render_markdown(body)

    @staticmethod
    def _article_from(body: Any, slug: str | None) -> Article:
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
        try:
            return article_from_fields(
                slug=slug if slug is not None else body.get("slug"),
                title=body.get("title"),
                summary=body.get("summary"),
                tags=body.get("tags"),
                audience=body.get("audience"),
                reviewed=body.get("reviewed"),
                sources=body.get("sources"),
                body=body.get("body"),
                review_by=body.get("review_by"),
            )
        except ArticleError as exc:
            raise InvalidInput("invalid", exc.field, exc.message) from exc

    async def create(self, editor: UserRecord, body: Any) -> StoredArticle:
        article = self._article_from(body, None)
        try:
            stored = await self._store.save(
                _write(article, "editor"), user_id=editor.id, now=utcnow(), create_only=True
            )
        except VersionConflict as exc:
            raise InvalidInput("exists", "slug", "An article with this slug exists.") from exc
        self._learn(stored.article)
        log.info("article created", extra={"user_id": editor.id, "count": stored.version})
        return stored

    async def update(self, editor: UserRecord, slug: str, body: Any) -> StoredArticle | None:
        if await self._store.get(slug) is None:
            return None
        article = self._article_from(body, slug)
        expected = body.get("version") if isinstance(body, dict) else None
        if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
            raise InvalidInput("invalid", "version", "version must be a whole number.")
        try:
            stored = await self._store.save(
                _write(article, "editor"),
                user_id=editor.id,
                now=utcnow(),
                expected_version=expected,
            )
        except VersionConflict as exc:
            raise InvalidInput(
                "conflict", "version", "Someone else saved this article first. Reload it."
            ) from exc
        self._learn(stored.article)
        log.info("article edited", extra={"user_id": editor.id, "count": stored.version})
        return stored

    def _learn(self, article: Article) -> None:
        self._freqs = {}
        for part in (article.title, " ".join(article.tags), article.summary, article.body):
            self.vocabulary.add_text(part)

    # -- sharing into a chat -----------------------------------------------------

    @staticmethod
    def share_text(article: Article) -> str:
        """The plain-text chat message that shares an article (see records.article_link)."""
        return f"{article.title}\n{article.summary}\nRead the article: /kb/{article.slug}"

    async def share(self, actor: Actor, chat_id: Any, slug: Any, client_id: Any) -> MessageRecord:
        """An adviser shares a public article into one of their chats, as a message."""
        if self._chats is None:  # pragma: no cover - wired in app.py
            raise RuntimeError("sharing needs the chat service")
        if actor.kind != "adviser":
            raise ChatRefused("forbidden", "This action is not open to you.")
        found = await self.article(slug, PUBLIC) if isinstance(slug, str) else None
        if found is None:
            raise ChatRefused(
                "article_not_shareable",
                "That article does not exist or is for staff only, so it cannot be shared.",
            )
        return await self._chats.post_shared_article(
            actor, chat_id, self.share_text(found.article), client_id
        )

    async def close(self) -> None:
        """Stop background work and the search readers (the engine belongs to the caller)."""
        if self._refresh is not None:
            self._refresh.cancel()
        await self._store.index.close()


def summarise(hits: Iterable[SearchHit]) -> list[dict[str, Any]]:
    return [
        {
            "slug": h.slug,
            "title": h.title,
            "summary": h.summary,
            "score": h.score,
            "snippet": h.snippet,
            "url": f"/kb/{h.slug}",
        }
        for h in hits
    ]
