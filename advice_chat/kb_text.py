"""Knowledge-base articles as text: front matter, Markdown to safe HTML, plain text, snippets.

Pure functions: no web, no storage. Markdown is rendered by markdown-it-py with raw HTML
switched off, then cleaned again by bleach, so neither a file nor a manager's edit can put
script or event handlers on a page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import bleach
from markdown_it import MarkdownIt

AUDIENCES = ("professional", "adviser")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+){0,15}$")
SLUG_MAX_CHARS = 80

# Snippet markers: private-use characters, removed from all indexed text, so only the
# search backend can place them, and they survive HTML escaping untouched.
MARK_START = "\ue000"
MARK_END = "\ue001"
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
        "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["scope"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})

_md = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class Article:
    """One article as people write it (front matter and a Markdown body)."""

    slug: str
    title: str
    summary: str
    tags: tuple[str, ...]
    audience: str
    reviewed: date
    sources: tuple[str, ...]
    body: str  # Markdown
    review_by: date | None = None

    @property
    def public(self) -> bool:
        return self.audience == "professional"


@dataclass(frozen=True)
class StoredArticle:
    """An article as the database holds it, with its rendered forms and history counters."""

    id: int
    article: Article
    body_html: str
    version: int
    origin: str  # "file" | "editor"
    updated_at: datetime
    updated_by: int | None
    file_hash: str | None = None

    @property
    def slug(self) -> str:
        return self.article.slug


@dataclass(frozen=True)
class ArticleVersion:
    version: int
    edited_at: datetime
    edited_by: int | None
    editor_name: str | None
    origin: str
    title: str
    reviewed: date


@dataclass(frozen=True)
class Candidate:
    """An article a search backend found, with its backend score (higher is better)."""

    id: int
    slug: str
    title: str
    summary: str
    tags: tuple[str, ...]
    audience: str
    score: float
    body: str = ""  # the start of the plain text, for the snippet


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    summary: str
    audience: str
    score: float
    snippet: str  # HTML: escaped text with <mark> around matched words


class ArticleError(ValueError):
    """An article file or edit that cannot be used; `field` names the part at fault."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class _FrontMatter:
    values: dict[str, Any] = field(default_factory=dict)


def clean_text(value: str) -> str:
    """Text with control characters and snippet markers removed."""
    return _UNSAFE_CHARS.sub("", value)


def _scalar(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def split_front_matter(source: str) -> tuple[dict[str, Any], str]:
    """The front matter (a small YAML subset: scalars, [a, b] lists and '- item' lists) and body.

    Only what the knowledge base uses is understood; anything else is an ArticleError.
    """
    text = source.replace("\r\n", "\n").lstrip("\ufeff")
    if not text.startswith("---\n"):
        raise ArticleError(None, "the file does not start with front matter (---)")
    end = text.find("\n---", 4)
    if end < 0:
        raise ArticleError(None, "the front matter is not closed (---)")
    header = text[4:end]
    body = text[end + 4 :].lstrip("\n")
    values: dict[str, Any] = {}
    current: str | None = None
    for number, line in enumerate(header.split("\n"), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        stripped = line.strip()
        if stripped.startswith("- ") and current is not None:
            items = values.setdefault(current, [])
            if not isinstance(items, list):
                raise ArticleError(current, f"line {number}: a list item follows a value")
            items.append(_scalar(stripped[2:]))
            continue
        key, sep, rest = line.partition(":")
        if not sep or line[0].isspace() or not key.strip().replace("_", "").isalnum():
            raise ArticleError(None, f"line {number}: expected 'key: value'")
        current = key.strip()
        rest = rest.strip()
        if rest.startswith("[") and rest.endswith("]"):
            values[current] = [_scalar(p) for p in rest[1:-1].split(",") if p.strip()]
        elif rest:
            values[current] = _scalar(rest)
        else:
            values[current] = []
    return values, body


def _date(values: dict[str, Any], key: str, required: bool) -> date | None:
    raw = values.get(key)
    if raw in (None, "", []):
        if required:
            raise ArticleError(key, f"{key} is missing")
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ArticleError(key, f"{key} must be a date like 2026-11-24") from exc


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def article_from_fields(
    *,
    slug: Any,
    title: Any,
    summary: Any,
    tags: Any,
    audience: Any,
    reviewed: Any,
    sources: Any,
    body: Any,
    review_by: Any = None,
) -> Article:
    """Check one article's fields (from a file or an edit) and build it, or ArticleError."""

    def text(name: str, value: Any, limit: int) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ArticleError(name, f"{name} is missing")
        cleaned = clean_text(value).strip()
        if len(cleaned) > limit:
            raise ArticleError(name, f"{name} is longer than {limit} characters")
        return cleaned

    def text_list(name: str, value: Any, required: bool) -> tuple[str, ...]:
        if value in (None, ""):
            value = []
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ArticleError(name, f"{name} must be a list of text")
        items = tuple(clean_text(v).strip() for v in value if v.strip())
        if required and not items:
            raise ArticleError(name, f"{name} needs at least one entry")
        if len(items) > 30 or any(len(v) > 300 for v in items):
            raise ArticleError(name, f"{name} has too many or too long entries")
        return items

    slug_text = text("slug", slug, SLUG_MAX_CHARS)
    if not SLUG_RE.match(slug_text):
        raise ArticleError("slug", "slug must be lower-case words joined by hyphens")
    if audience not in AUDIENCES:
        raise ArticleError("audience", "audience must be professional or adviser")
    values = {"reviewed": reviewed, "review_by": review_by}
    reviewed_day = _date(values, "reviewed", True)
    assert reviewed_day is not None
    body_text = text("body", body, 60_000)
    return Article(
        slug=slug_text,
        title=text("title", title, 200),
        summary=text("summary", summary, 600),
        tags=tuple(t.lower() for t in text_list("tags", tags, True)),
        audience=str(audience),
        reviewed=reviewed_day,
        sources=text_list("sources", sources, True),
        body=body_text,
        review_by=_date(values, "review_by", False),
    )


def parse_article(source: str) -> Article:
    """An article file: front matter and Markdown body."""
    values, body = split_front_matter(source)
    return article_from_fields(
        slug=values.get("slug"),
        title=values.get("title"),
        summary=values.get("summary"),
        tags=values.get("tags"),
        audience=values.get("audience"),
        reviewed=values.get("reviewed"),
        sources=values.get("sources"),
        body=body,
        review_by=values.get("review_by"),
    )


def article_problems(article: Article, min_words: int = 300, max_words: int = 900) -> list[str]:
    """What falls short of the content rules of the knowledge base (empty when none)."""
    problems = []
    words = _words(plain_text(article.body))
    if not min_words <= words <= max_words:
        problems.append(f"body has {words} words (expected {min_words} to {max_words})")
    sentences = len(re.findall(r"[.!?](?:\s|$)", article.summary))
    if not 1 <= sentences <= 2:
        problems.append(f"summary has {sentences} sentences (expected one or two)")
    return problems


def render_markdown(source: str) -> str:
    """Markdown to HTML that is safe to put on a page."""
    raw = str(_md.render(clean_text(source)))
    return str(
        bleach.clean(
            raw,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
        )
    )


def plain_text(source: str) -> str:
    """The words of a Markdown body without its markup: what search indexes and snippets show."""
    blocks: list[str] = []
    for token in _md.parse(clean_text(source)):
        if token.type == "inline" and token.children is not None:
            parts = [
                child.content for child in token.children if child.type in ("text", "code_inline")
            ]
            blocks.append("".join(parts))
        elif token.type in ("code_block", "fence"):
            blocks.append(token.content)
    return "\n".join(b.strip() for b in blocks if b.strip())


def marked_snippet(raw: str) -> str:
    """A backend's snippet (with MARK_START/MARK_END around matches) as safe HTML.

    The text is escaped first; only then are the markers turned into <mark> elements, so nothing
    in an article or a query can become markup.
    """
    escaped = html.escape(raw, quote=True)
    out: list[str] = []
    open_mark = False
    for char in escaped:
        if char == MARK_START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif char == MARK_END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(char)
    if open_mark:
        out.append("</mark>")
    return " ".join("".join(out).split())


def highlight_pattern(phrases: list[tuple[str, ...]]) -> Highlighter | None:
    """A regular expression finding any of these phrases in text (case-insensitive).

    Words may carry an ending ("stalk" marks "stalking"), a final s may follow an apostrophe
    ("clares" marks "Clare's"), and words of a phrase may be split by spaces or punctuation.
    """

    def word(w: str) -> str:
        if len(w) > 2 and w.endswith("s"):
            return re.escape(w[:-1]) + "['\u2019]?s"
        return re.escape(w)

    # Grouped by first character (a one-level trie), so at each position of the text only the
    # phrases that can start there are tried: many times faster than one flat alternation.
    groups: dict[str, set[str]] = {}
    for p in phrases:
        if p and all(w.isalnum() for w in p) and len("".join(p)) > 1:
            pattern = r"[\W_]+".join(word(w) for w in p)
            groups.setdefault(p[0][0].lower(), set()).add(pattern[len(re.escape(p[0][0])) :])
    if not groups:
        return None
    branches = [
        re.escape(first) + "(?:" + "|".join(sorted(rests, key=len, reverse=True)) + ")"
        for first, rests in sorted(groups.items())
    ]
    needles = frozenset(
        p[0][:3].lower()
        for p in phrases
        if p and all(w.isalnum() for w in p) and len("".join(p)) > 1
    )
    return Highlighter(re.compile(r"\b(?:" + "|".join(branches) + r")\w*", re.IGNORECASE), needles)


@dataclass(frozen=True)
class Highlighter:
    """A compiled highlight pattern and the lower-case first letters of its phrases."""

    pattern: re.Pattern[str]
    needles: frozenset[str]


def find_matches(text: str, highlighter: Highlighter, limit: int = 40) -> list[re.Match[str]]:
    """Non-overlapping matches of a highlight pattern, in order.

    Candidate starts are found with str.find on the first letters of each phrase (fast, in C)
    and only there is the pattern tried: scanning every position with a regular expression
    costs several times more on long articles.
    """
    lower = text.lower()
    starts: set[int] = set()
    for needle in highlighter.needles:
        at = lower.find(needle)
        while at >= 0 and len(starts) < 4 * limit:
            if at == 0 or not lower[at - 1].isalnum():
                starts.add(at)
            at = lower.find(needle, at + 1)
    found: list[re.Match[str]] = []
    end = -1
    for start in sorted(starts):
        if start < end:
            continue
        m = highlighter.pattern.match(text, start)
        if m is not None:
            found.append(m)
            end = m.end()
            if len(found) >= limit:
                break
    return found


def make_snippet(text: str, pattern: Highlighter | None, width: int = 200) -> str:
    """About `width` characters of `text` around its densest run of matches, as safe HTML:
    escaped, with <mark> around each match (see marked_snippet)."""
    if MARK_START in text or MARK_END in text:  # stored text never has them; be sure
        text = clean_text(text)
    matches = find_matches(text, pattern) if pattern is not None else []
    if not matches:
        cut = text[:width].rsplit(" ", 1)[0] if len(text) > width else text
        return marked_snippet(cut + ("…" if len(text) > width else ""))
    # The match whose following `width` characters hold the most matches.
    best, best_count, j = 0, 0, 0
    for i, m in enumerate(matches):
        j = max(j, i)
        while j + 1 < len(matches) and matches[j + 1].end() <= m.start() + width:
            j += 1
        if j - i + 1 > best_count:
            best, best_count = i, j - i + 1
    start = max(0, matches[best].start() - 40)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < matches[best].start() else matches[best].start()
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    out = ["…" if start else ""]
    at = start
    for m in matches:
        if m.start() < start or m.end() > end:
            continue
        out.append(text[at : m.start()])
        out.append(MARK_START + m.group(0) + MARK_END)
        at = m.end()
    out.append(text[at:end])
    out.append("…" if end < len(text) else "")
    return marked_snippet("".join(out))
