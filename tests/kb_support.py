"""Articles for knowledge-base tests, written here so the tests do not depend on the real ones."""

from __future__ import annotations

from datetime import date

from advice_chat.kb_text import Article


def article(
    slug: str,
    title: str,
    body: str,
    *,
    tags: tuple[str, ...] = ("test",),
    audience: str = "professional",
    summary: str = "A summary sentence.",
    reviewed: date = date(2026, 1, 5),
) -> Article:
    return Article(
        slug=slug,
        title=title,
        summary=summary,
        tags=tags,
        audience=audience,
        reviewed=reviewed,
        sources=("Domestic Abuse Act 2021",),
        body=body,
    )


HOSTILE_BODY = (
    'The zebracorn <script>alert("x")</script> <img src=x onerror=alert(1)> zebracorn '
    "[click](javascript:alert(1)) is a rare word."
)

CORPUS = [
    article(
        "orders",
        "Protection orders from the police",
        "A Domestic Violence Protection Order can bar someone from the home for up to 28 days. "
        "Police issue a notice first.",
        tags=("dvpo", "police"),
    ),
    article(
        "stalking",
        "Stalking after separation",
        "Stalking is fixated, obsessive behaviour. Record every incident and tell the police.",
        tags=("stalking",),
    ),
    article(
        "staff-notes",
        "Staff notes on wrap-up records",
        "Advisers write a short wrap-up record after each chat about stalking or anything else.",
        audience="adviser",
        tags=("recording",),
    ),
    article("hostile", "A hostile article", HOSTILE_BODY, tags=("testing",)),
]
