"""A generated knowledge base of any size, made from the real articles' own sentences.

Each generated article takes a title, tags and summary from a random real article (with
a number, so titles differ) and a body of 8-14 paragraphs drawn at random from all real
articles, so word frequencies and lengths are like the real ones. Deterministic per seed.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from advice_chat.kb_text import Article, parse_article

KB_DIR = Path(__file__).resolve().parent.parent / "knowledge_base"


def real_articles(directory: Path = KB_DIR) -> list[Article]:
    return [parse_article(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.md"))]


def generated(count: int, seed: int = 7, directory: Path = KB_DIR) -> list[Article]:
    rng = random.Random(seed)
    real = real_articles(directory)
    paragraphs = [p for a in real for p in a.body.split("\n\n") if len(p.split()) > 8]
    out = []
    for n in range(count):
        model = rng.choice(real)
        body = "\n\n".join(rng.sample(paragraphs, rng.randint(8, 14)))
        out.append(
            replace(
                model,
                slug=f"generated-{n:05d}",
                title=f"{model.title} ({n})",
                audience="adviser" if rng.random() < 0.1 else "professional",
                body=body,
            )
        )
    return out
