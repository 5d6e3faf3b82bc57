"""Knowledge-base articles and their versions: all the SQL of the knowledge base but search.

Every write stores the article, a version row (who and when) and the search index entry in
one transaction.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from advice_chat.kb_text import Article, ArticleVersion, Candidate, StoredArticle
from advice_chat.records import as_utc
from advice_chat.storage.engine import dispose, write_transaction
from advice_chat.storage.kb_search import (
    Freq,
    IndexedText,
    SearchIndex,
    Term,
    index_for,
)
from advice_chat.storage.models import KbArticle, KbArticleVersion, KbMeta, User


class VersionConflict(Exception):
    """The article changed since the editor loaded it."""


@dataclass(frozen=True)
class ArticleWrite:
    """One article to store, with what the service derived from it."""

    article: Article
    body_html: str
    body_text: str
    origin: str  # "file" | "editor"
    file_hash: str | None = None
    concepts_head: str = ""
    concepts_body: str = ""


_COLUMNS = (
    KbArticle.id,
    KbArticle.slug,
    KbArticle.title,
    KbArticle.summary,
    KbArticle.tags,
    KbArticle.audience,
    KbArticle.reviewed,
    KbArticle.review_by,
    KbArticle.sources,
    KbArticle.body_md,
    KbArticle.body_html,
    KbArticle.origin,
    KbArticle.file_hash,
    KbArticle.version,
    KbArticle.updated_at,
    KbArticle.updated_by,
)


def _stored(row: Any) -> StoredArticle:
    return StoredArticle(
        id=row.id,
        article=Article(
            slug=row.slug,
            title=row.title,
            summary=row.summary,
            tags=tuple(json.loads(row.tags)),
            audience=row.audience,
            reviewed=date.fromisoformat(row.reviewed),
            sources=tuple(json.loads(row.sources)),
            body=row.body_md,
            review_by=date.fromisoformat(row.review_by) if row.review_by else None,
        ),
        body_html=row.body_html,
        version=row.version,
        origin=row.origin,
        updated_at=as_utc(row.updated_at),
        updated_by=row.updated_by,
        file_hash=row.file_hash,
    )


def _values(write: ArticleWrite) -> dict[str, Any]:
    a = write.article
    return {
        "title": a.title,
        "summary": a.summary,
        "tags": json.dumps(list(a.tags)),
        "audience": a.audience,
        "reviewed": a.reviewed.isoformat(),
        "review_by": a.review_by.isoformat() if a.review_by else None,
        "sources": json.dumps(list(a.sources)),
        "body_md": a.body,
        "body_html": write.body_html,
        "body_text": write.body_text,
        "concepts_head": write.concepts_head,
        "concepts_body": write.concepts_body,
        "origin": write.origin,
        "file_hash": write.file_hash,
    }


class KbStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.index: SearchIndex = index_for(engine)

    def _write(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        return write_transaction(self.engine)

    async def get(self, slug: str) -> StoredArticle | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(*_COLUMNS).where(KbArticle.slug == slug))
            ).one_or_none()
        return None if row is None else _stored(row)

    async def list_articles(self, audiences: Sequence[str]) -> list[StoredArticle]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(*_COLUMNS)
                    .where(KbArticle.audience.in_(list(audiences)))
                    .order_by(KbArticle.title)
                )
            ).all()
        return [_stored(r) for r in rows]

    async def file_hashes(self) -> dict[str, str | None]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(KbArticle.slug, KbArticle.file_hash))).all()
        return {r.slug: r.file_hash for r in rows}

    async def signature(self) -> tuple[int, str]:
        """Changes whenever an article is added or changed (by any worker)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(func.count(), func.max(KbArticle.updated_at)))).one()
        return int(row[0]), str(row[1])

    async def texts(self, batch: int = 500) -> AsyncIterator[tuple[str, ...]]:
        """(title, tags, summary, body_text) of every article, for the typo vocabulary."""
        async with self.engine.connect() as conn:
            result = await conn.stream(
                select(KbArticle.title, KbArticle.tags, KbArticle.summary, KbArticle.body_text)
            )
            async for rows in result.partitions(batch):
                for row in rows:
                    yield tuple(row)

    async def save(
        self,
        write: ArticleWrite,
        *,
        user_id: int | None,
        now: datetime,
        expected_version: int | None = None,
        create_only: bool = False,
    ) -> StoredArticle:
        """Insert or update an article, add its version row and index it, in one transaction.

        `expected_version` (for editors) refuses the write if someone saved in between;
        `create_only` refuses it if the slug exists. Both raise VersionConflict.
        """
        try:
            async with self._write() as conn:
                return await self._save(conn, write, user_id, now, expected_version, create_only)
        except IntegrityError as exc:  # the same slug inserted at the same moment elsewhere
            raise VersionConflict(write.article.slug) from exc

    async def save_many(self, writes: Sequence[ArticleWrite], *, now: datetime) -> int:
        """Load many articles (file loads, generated corpora) in one transaction."""
        async with self._write() as conn:
            for write in writes:
                await self._save(conn, write, None, now, None, False)
        return len(writes)

    async def _save(
        self,
        conn: AsyncConnection,
        write: ArticleWrite,
        user_id: int | None,
        now: datetime,
        expected_version: int | None,
        create_only: bool,
    ) -> StoredArticle:
        a = write.article
        current = (
            await conn.execute(
                select(KbArticle.id, KbArticle.version).where(KbArticle.slug == a.slug)
            )
        ).one_or_none()
        values = _values(write)
        if write.origin != "file" and current is not None:
            # An edit keeps the hash of the file last loaded, so the file wins again only
            # when it changes.
            del values["file_hash"]
        if current is None:
            if expected_version not in (None, 0):
                raise VersionConflict(a.slug)
            article_id = (
                await conn.execute(
                    insert(KbArticle)
                    .values(slug=a.slug, version=1, updated_at=now, updated_by=user_id, **values)
                    .returning(KbArticle.id)
                )
            ).scalar_one()
            version = 1
        else:
            if create_only or (
                expected_version is not None and expected_version != current.version
            ):
                raise VersionConflict(a.slug)
            article_id, version = current.id, current.version + 1
            changed = (
                await conn.execute(
                    update(KbArticle)
                    .where(KbArticle.id == article_id, KbArticle.version == current.version)
                    .values(version=version, updated_at=now, updated_by=user_id, **values)
                )
            ).rowcount
            if changed != 1:
                raise VersionConflict(a.slug)
        await conn.execute(
            insert(KbArticleVersion).values(
                article_id=article_id,
                version=version,
                origin=write.origin,
                edited_by=user_id,
                edited_at=now,
                title=a.title,
                summary=a.summary,
                tags=values["tags"],
                audience=a.audience,
                reviewed=values["reviewed"],
                sources=values["sources"],
                body_md=a.body,
            )
        )
        await self.index.put(
            conn,
            article_id,
            IndexedText(
                audience=a.audience,
                title=a.title,
                tags=" ; ".join(a.tags),
                summary=a.summary,
                body=write.body_text,
                concepts_head=write.concepts_head,
                concepts_body=write.concepts_body,
            ),
        )
        return StoredArticle(
            id=article_id,
            article=a,
            body_html=write.body_html,
            version=version,
            origin=write.origin,
            updated_at=now,
            updated_by=user_id,
            file_hash=write.file_hash,
        )

    async def versions(self, slug: str) -> list[ArticleVersion]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        KbArticleVersion.version,
                        KbArticleVersion.edited_at,
                        KbArticleVersion.edited_by,
                        KbArticleVersion.origin,
                        KbArticleVersion.title,
                        KbArticleVersion.reviewed,
                        User.display_name,
                    )
                    .join(KbArticle, KbArticle.id == KbArticleVersion.article_id)
                    .outerjoin(User, User.id == KbArticleVersion.edited_by)
                    .where(KbArticle.slug == slug)
                    .order_by(KbArticleVersion.version.desc())
                )
            ).all()
        return [
            ArticleVersion(
                version=r.version,
                edited_at=as_utc(r.edited_at),
                edited_by=r.edited_by,
                editor_name=r.display_name,
                origin=r.origin,
                title=r.title,
                reviewed=date.fromisoformat(r.reviewed),
            )
            for r in rows
        ]

    async def rank(
        self, terms: Sequence[Term], audiences: Sequence[str], limit: int
    ) -> list[Candidate]:
        return await self.index.rank(self.engine, terms, audiences, limit)

    async def frequencies(self, tokens: Sequence[str]) -> dict[str, Freq]:
        return await self.index.frequencies(self.engine, tokens)

    async def meta(self, key: str) -> str | None:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(select(KbMeta.value).where(KbMeta.key == key))
            ).scalar_one_or_none()

    async def reindex_all(
        self,
        concepts: Callable[[str, str, str, str], tuple[str, str]],
        *,
        meta: tuple[str, str] | None = None,
        batch: int = 500,
    ) -> int:
        """Rewrite every article's search entry (e.g. after the synonym table changed).

        `concepts(title, tags, summary, body_text)` gives the concept columns. No new versions
        are made: the articles themselves do not change.
        """
        async with self.engine.connect() as conn:
            ids = list((await conn.execute(select(KbArticle.id).order_by(KbArticle.id))).scalars())
        for start in range(0, len(ids), batch):
            async with self._write() as conn:
                rows = (
                    await conn.execute(
                        select(
                            KbArticle.id,
                            KbArticle.audience,
                            KbArticle.title,
                            KbArticle.tags,
                            KbArticle.summary,
                            KbArticle.body_text,
                        ).where(KbArticle.id.in_(ids[start : start + batch]))
                    )
                ).all()
                for row in rows:
                    tags = " ; ".join(json.loads(row.tags))
                    head, body = concepts(row.title, tags, row.summary, row.body_text)
                    await conn.execute(
                        update(KbArticle)
                        .where(KbArticle.id == row.id)
                        .values(concepts_head=head, concepts_body=body)
                    )
                    await self.index.put(
                        conn,
                        row.id,
                        IndexedText(
                            audience=row.audience,
                            title=row.title,
                            tags=tags,
                            summary=row.summary,
                            body=row.body_text,
                            concepts_head=head,
                            concepts_body=body,
                        ),
                    )
        if meta is not None:
            await self.set_meta(*meta)
        return len(ids)

    async def set_meta(self, key: str, value: str) -> None:
        """An upsert: workers starting together on PostgreSQL all set the same keys."""
        upsert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        async with self._write() as conn:
            await conn.execute(
                upsert(KbMeta)
                .values(key=key, value=value)
                .on_conflict_do_update(index_elements=[KbMeta.key], set_={"value": value})
            )

    async def close(self) -> None:
        await self.index.close()
        await dispose(self.engine)
