"""Server-rendered pages. Browser code in static/ talks to the JSON and socket APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from advice_chat.opening import LONDON
from advice_chat.options import options_document
from advice_chat.records import UserRecord
from advice_chat.web.keys import ACCOUNTS, HOURS, SETTINGS, TEMPLATES
from advice_chat.web.session_cookie import SESSION_COOKIE

routes = web.RouteTableDef()


def london_time(value: datetime | None) -> str | None:
    """A time as people in England and Wales read it, e.g. 'Monday 30 November at 09:00'."""
    if value is None:
        return None
    local = value.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


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
    context: dict[str, Any] = {
        "options": options_document(),
        "user": user.public() if user else None,
        "page": page,
        "routing": request.app[SETTINGS].routing,
        "service": {
            "open": service.open,
            "opens_at": london_time(service.opens_at),
            "closes_at": london_time(service.closes_at),
        },
        **(extra or {}),
    }
    html = request.app[TEMPLATES].get_template(template).render(**context)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def signed_in(request: web.Request) -> UserRecord | None:
    return await request.app[ACCOUNTS].session_user(request.cookies.get(SESSION_COOKIE))


@routes.get("/")
async def professional(request: web.Request) -> web.Response:
    return await render(request, "professional.html", page="professional", user=None)


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return await render(request, "login.html", page="login", user=await signed_in(request))


async def _staff_page(request: web.Request, role: str, template: str) -> web.Response:
    user = await signed_in(request)
    if user is None:
        raise web.HTTPFound("/login")
    if user.role != role:
        return await render(request, "forbidden.html", page="forbidden", user=user, status=403)
    return await render(request, template, page=role, user=user)


@routes.get("/adviser")
async def adviser_console(request: web.Request) -> web.Response:
    return await _staff_page(request, "adviser", "adviser.html")


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
