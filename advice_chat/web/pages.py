"""Server-rendered pages. Browser code in static/ talks to the JSON and socket APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from babel.dates import format_date, get_day_names

from advice_chat.opening import LONDON
from advice_chat.options import options_document
from advice_chat.records import UserRecord
from advice_chat.services.kb import audiences_for
from advice_chat.web.i18n import DEFAULT_LANGUAGE, remember_language, requested_language
from advice_chat.web.keys import ACCOUNTS, HOURS, KB, QUEUE, SETTINGS, TEMPLATES
from advice_chat.web.session_cookie import SESSION_COOKIE

routes = web.RouteTableDef()


def london_time(value: datetime | None) -> str | None:
    """A time as people in England and Wales read it, e.g. 'Monday 30 November at 09:00'."""
    if value is None:
        return None
    local = value.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def local_day_time(value: datetime | None, language: str) -> dict[str, str] | None:
    """A UK time split for a translated sentence: the day in the page's language, the time."""
    if value is None:
        return None
    local = value.astimezone(LONDON)
    return {"day": format_date(local, "EEEE d MMMM", locale=language), "time": f"{local:%H:%M}"}


# Pages a professional sees: shown in their chosen language, with the quick exit. Staff pages
# stay in English (the staff work in English; a half-translated console would help nobody).
PUBLIC_PAGES = frozenset({"professional", "kb", "privacy"})


async def render(
    request: web.Request,
    template: str,
    *,
    page: str,
    user: UserRecord | None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> web.Response:
    service = await request.app[HOURS].status()
    templates = request.app[TEMPLATES]
    public = page in PUBLIC_PAGES
    language, chosen = (
        requested_language(request, templates.languages) if public else (DEFAULT_LANGUAGE, False)
    )
    context: dict[str, Any] = {
        "options": options_document(),
        "user": user.public() if user else None,
        "page": page,
        "routing": request.app[SETTINGS].routing,
        "service": {
            "open": service.open,
            "opens_at": london_time(service.opens_at),
            "closes_at": london_time(service.closes_at),
            "opens": local_day_time(service.opens_at, language),
        },
        "public": public,
        "lang": language,
        "languages": [(code, templates.names[code]) for code in templates.languages],
        "path": request.path,
        **(extra or {}),
    }
    html = templates.render(language, template, context)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    if public:
        response.headers["Content-Language"] = language
    if chosen:
        remember_language(response, language, request.app[SETTINGS].secure_cookies)
    return response


async def signed_in(request: web.Request) -> UserRecord | None:
    return await request.app[ACCOUNTS].session_user(request.cookies.get(SESSION_COOKIE))


@routes.get("/")
async def professional(request: web.Request) -> web.Response:
    service = await request.app[HOURS].status()
    extra: dict[str, Any] = {}
    if not service.open:
        # Closed: offer the public guidance on the page itself, not only a link to it.
        articles = await request.app[KB].articles(audiences_for(None))
        extra["guidance"] = [
            {"title": a.article.title, "summary": a.article.summary, "url": f"/kb/{a.article.slug}"}
            for a in articles
        ]
        language, _chosen = requested_language(request, request.app[TEMPLATES].languages)
        days = get_day_names("wide", locale=language)
        schedule = await request.app[HOURS].schedule()
        extra["hours"] = [
            {"day": days[w.weekday], "opens": f"{w.opens:%H:%M}", "closes": f"{w.closes:%H:%M}"}
            for w in sorted(schedule.windows)
        ]
    return await render(request, "professional.html", page="professional", user=None, extra=extra)


@routes.get("/privacy")
async def privacy_notice(request: web.Request) -> web.Response:
    """What is kept, for how long, what is not, and who can see it (docs/privacy.md)."""
    return await render(
        request,
        "privacy.html",
        page="privacy",
        user=None,
        extra={"retention_days": request.app[SETTINGS].retention_days},
    )


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return await render(request, "login.html", page="login", user=await signed_in(request))


async def _staff_page(
    request: web.Request, role: str, template: str, extra: dict[str, Any] | None = None
) -> web.Response:
    user = await signed_in(request)
    if user is None:
        raise web.HTTPFound("/login")
    if user.role != role:
        return await render(request, "forbidden.html", page="forbidden", user=user, status=403)
    return await render(request, template, page=role, user=user, extra=extra)


@routes.get("/adviser")
async def adviser_console(request: web.Request) -> web.Response:
    # The teams a chat may be passed to (move_team, docs/queue.md).
    teams = [{"slug": t.slug, "name": t.name} for t in await request.app[QUEUE].teams.teams()]
    return await _staff_page(request, "adviser", "adviser.html", {"teams": teams})


@routes.get("/manager/live")
async def supervise_page(request: web.Request) -> web.Response:
    """Live chats a manager may watch, read only (supervision; every watch is audited)."""
    return await _staff_page(request, "manager", "supervise.html")


@routes.get("/manager/canned")
async def canned_page(request: web.Request) -> web.Response:
    """The shared canned responses, which managers keep for every adviser."""
    return await _staff_page(request, "manager", "canned.html")


# `/manager` (the statistics dashboard and the manager's settings) lives in web/stats.py.


@routes.get("/account/totp")
async def totp_page(request: web.Request) -> web.Response:
    """Set up an authenticator app (TOTP). Open to signed-in staff, including a sign-in that
    must do this before anything else (`ADVICE_CHAT_REQUIRE_TOTP=1`)."""
    found = await request.app[ACCOUNTS].session(request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise web.HTTPFound("/login")
    user, enrolling = found
    return await render(
        request,
        "totp.html",
        page="account",
        user=user,
        extra={"enrolling": enrolling, "totp_enabled": user.totp_enabled},
    )
