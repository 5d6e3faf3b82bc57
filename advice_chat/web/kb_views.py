"""Knowledge base edges: JSON endpoints and server-rendered pages. Rules live in services/kb.py.

Who sees what: the public (professionals) see `professional` articles; any signed-in staff
member (adviser or manager) sees every article; only managers edit.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from advice_chat.kb_text import ArticleVersion, StoredArticle
from advice_chat.records import UserRecord, iso
from advice_chat.services.kb import KnowledgeBase, audiences_for, summarise
from advice_chat.validation import InvalidInput
from advice_chat.web.http_api import read_json, staff_user
from advice_chat.web.keys import KB
from advice_chat.web.middleware import json_error
from advice_chat.web.pages import render, signed_in

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

SLUG = "{slug:[a-z0-9][a-z0-9-]{0,79}}"


def _limit(request: web.Request, default: int = 10) -> int:
    try:
        return max(1, min(int(request.query.get("limit", default)), 20))
    except ValueError:
        return default


def _listing(kb: KnowledgeBase, a: StoredArticle) -> dict[str, Any]:
    art = a.article
    return {
        "slug": art.slug,
        "title": art.title,
        "summary": art.summary,
        "tags": list(art.tags),
        "audience": art.audience,
        "reviewed": art.reviewed.isoformat(),
        "review_due": kb.review_due(art).isoformat(),
        "url": f"/kb/{art.slug}",
    }


def _full(kb: KnowledgeBase, a: StoredArticle) -> dict[str, Any]:
    return {
        **_listing(kb, a),
        "sources": list(a.article.sources),
        "body": a.article.body,
        "html": a.body_html,
        "version": a.version,
        "origin": a.origin,
        "updated_at": iso(a.updated_at),
    }


def _version(v: ArticleVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "edited_at": iso(v.edited_at),
        "edited_by": (
            {"id": v.edited_by, "display_name": v.editor_name} if v.edited_by is not None else None
        ),
        "origin": v.origin,
        "title": v.title,
        "reviewed": v.reviewed.isoformat(),
    }


# -- JSON ---------------------------------------------------------------------------


@routes.get("/api/kb/search")
async def search(request: web.Request) -> web.Response:
    kb = request.app[KB]
    user = await signed_in(request)
    hits = await kb.search(
        request.query.get("q", ""), audiences=audiences_for(user), limit=_limit(request)
    )
    return web.json_response({"results": summarise(hits)})


@routes.post("/api/kb/suggest")
async def suggest(request: web.Request) -> web.Response:
    """Up to three public articles for a professional's topic and first message (a POST, so
    the message never appears in a URL or an access log)."""
    try:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
        topic = body.get("topic")
        message = body.get("message")
        if not isinstance(topic, str) or (message is not None and not isinstance(message, str)):
            raise InvalidInput("invalid", "topic", "topic and message must be text.")
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    hits = await request.app[KB].suggest(topic[:40], (message or "")[:4000])
    return web.json_response({"results": summarise(hits)})


@routes.get("/api/kb/articles")
async def list_articles(request: web.Request) -> web.Response:
    kb = request.app[KB]
    user = await signed_in(request)
    items = await kb.articles(audiences_for(user))
    return web.json_response({"articles": [_listing(kb, a) for a in items]})


@routes.get(f"/api/kb/articles/{SLUG}")
async def get_article(request: web.Request) -> web.Response:
    kb = request.app[KB]
    user = await signed_in(request)
    found = await kb.article(request.match_info["slug"], audiences_for(user))
    if found is None:
        return json_error(404, "not_found", "No such article.")
    return web.json_response(_full(kb, found))


@routes.post("/api/manager/kb/articles")
async def create_article(request: web.Request) -> web.Response:
    manager = await staff_user(request, "manager")
    kb = request.app[KB]
    try:
        stored = await kb.create(manager, await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=409 if exc.code == "exists" else 400)
    return web.json_response(_full(kb, stored), status=201)


@routes.put(f"/api/manager/kb/articles/{SLUG}")
async def update_article(request: web.Request) -> web.Response:
    manager = await staff_user(request, "manager")
    kb = request.app[KB]
    try:
        stored = await kb.update(manager, request.match_info["slug"], await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=409 if exc.code == "conflict" else 400)
    if stored is None:
        return json_error(404, "not_found", "No such article.")
    return web.json_response(_full(kb, stored))


@routes.get(f"/api/manager/kb/articles/{SLUG}/versions")
async def article_versions(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    versions = await request.app[KB].versions(request.match_info["slug"])
    if versions is None:
        return json_error(404, "not_found", "No such article.")
    return web.json_response({"versions": [_version(v) for v in versions]})


@routes.post("/api/manager/kb/preview")
async def preview(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    try:
        body = await read_json(request)
        html = KnowledgeBase.preview(body.get("body") if isinstance(body, dict) else None)
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    return web.json_response({"html": html})


@routes.get("/api/manager/kb/overdue")
async def overdue(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    kb = request.app[KB]
    return web.json_response({"articles": [_listing(kb, a) for a in await kb.overdue()]})


# -- pages --------------------------------------------------------------------------


async def _page(
    request: web.Request, template: str, user: UserRecord | None, status: int = 200, **extra: Any
) -> web.Response:
    return await render(request, template, page="kb", user=user, status=status, extra=extra)


@routes.get("/kb")
async def kb_index(request: web.Request) -> web.Response:
    """Browse and search; works without JavaScript and when the chat service is closed."""
    kb = request.app[KB]
    user = await signed_in(request)
    audiences = audiences_for(user)
    query = request.query.get("q", "").strip()[:300]
    results = summarise(await kb.search(query, audiences=audiences)) if query else None
    articles = [_listing(kb, a) for a in await kb.articles(audiences)]
    return await _page(request, "kb_index.html", user, query=query, results=results,
                       articles=articles)  # fmt: skip


@routes.get(f"/kb/{SLUG}")
async def kb_article(request: web.Request) -> web.Response:
    kb = request.app[KB]
    user = await signed_in(request)
    found = await kb.article(request.match_info["slug"], audiences_for(user))
    if found is None:
        return await _page(request, "kb_missing.html", user, status=404)
    return await _page(
        request,
        "kb_article.html",
        user,
        article=_full(kb, found),
        overdue=kb.is_overdue(found.article),
    )


@routes.get("/manager/kb")
async def kb_editor(request: web.Request) -> web.Response:
    user = await signed_in(request)
    if user is None:
        raise web.HTTPFound("/login")
    if user.role != "manager":
        return await render(request, "forbidden.html", page="forbidden", user=user, status=403)
    kb = request.app[KB]
    return await render(
        request,
        "kb_manager.html",
        page="manager",
        user=user,
        extra={
            "articles": [_listing(kb, a) for a in await kb.articles(audiences_for(user))],
            "overdue": [_listing(kb, a) for a in await kb.overdue()],
            "review_months": request.app[KB].review_months,
        },
    )
