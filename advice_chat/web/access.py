"""Who may do what: the one declarative table of every HTTP route and socket event.

Principals:

- `anyone`: no credentials (the public, and professionals over HTTP);
- `professional`: a socket connection holding one chat's token (it reaches that chat only);
- `adviser`, `manager`: a staff session cookie of that role;
- `enrolling`: a staff session that passed the password but must set up TOTP first
  (`ADVICE_CHAT_REQUIRE_TOTP=1`): it reaches nothing but the set-up and signing out.

`access_control` (middleware) enforces `HTTP_RULES` before any handler runs: a route missing
from the table is refused (fail closed), and `tests/web/test_access_rules.py` fails when a
route or event of the app is not in the table, then tries every principal the table does not
allow on every route and event and expects a refusal. Finer rules (which chat, which
article) live in the services: an adviser reaches only chats offered or assigned to them, a
professional only the chat of their token (`services/chats.py`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from advice_chat.records import UserRecord
from advice_chat.web.keys import ACCOUNTS
from advice_chat.web.pages import render
from advice_chat.web.session_cookie import SESSION_COOKIE

log = logging.getLogger(__name__)

ANYONE = "anyone"
PROFESSIONAL = "professional"
ADVISER = "adviser"
MANAGER = "manager"
ENROLLING = "enrolling"

HTTP_PRINCIPALS = (ANYONE, ADVISER, MANAGER, ENROLLING)
SOCKET_PRINCIPALS = (PROFESSIONAL, ADVISER, MANAGER)

_ALL = frozenset({ANYONE, ADVISER, MANAGER, ENROLLING})
_STAFF = frozenset({ADVISER, MANAGER})
_MANAGERS = frozenset({MANAGER})
_ADVISERS = frozenset({ADVISER})
_SIGNED_IN = frozenset({ADVISER, MANAGER, ENROLLING})


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str]
    page: bool = False  # an HTML page: anonymous visitors are sent to /login, not given JSON


# (method, route template) -> rule. HEAD follows GET.
HTTP_RULES: dict[tuple[str, str], Rule] = {
    # transport and operations (/metrics has its own token or loopback rule, web/ops.py)
    ("GET", "/socket.io/"): Rule(_ALL),
    ("POST", "/socket.io/"): Rule(_ALL),
    ("OPTIONS", "/socket.io/"): Rule(_ALL),
    ("GET", "/healthz"): Rule(_ALL),
    ("GET", "/readyz"): Rule(_ALL),
    ("GET", "/metrics"): Rule(_ALL),
    ("GET", "/static"): Rule(_ALL),
    ("GET", "/api/openapi.json"): Rule(_ALL),
    # the public and professionals
    ("GET", "/api/options"): Rule(_ALL),
    ("GET", "/api/status"): Rule(_ALL),
    ("POST", "/api/chats"): Rule(_ALL),
    ("GET", "/"): Rule(_ALL, page=True),
    ("GET", "/kb"): Rule(_ALL, page=True),
    ("GET", "/privacy"): Rule(_ALL, page=True),  # the privacy notice (issue 10)
    ("GET", "/kb/{slug}"): Rule(_ALL, page=True),
    ("GET", "/api/kb/search"): Rule(_ALL),
    ("POST", "/api/kb/suggest"): Rule(_ALL),
    ("GET", "/api/kb/articles"): Rule(_ALL),
    ("GET", "/api/kb/articles/{slug}"): Rule(_ALL),
    # signing in and out, and setting up TOTP
    ("GET", "/login"): Rule(_ALL, page=True),
    ("POST", "/api/login"): Rule(_ALL),
    ("POST", "/api/logout"): Rule(_ALL),
    ("GET", "/api/me"): Rule(_SIGNED_IN),
    ("GET", "/account/totp"): Rule(_SIGNED_IN, page=True),
    ("POST", "/api/account/totp"): Rule(_SIGNED_IN),
    ("POST", "/api/account/totp/confirm"): Rule(_SIGNED_IN),
    # advisers
    ("GET", "/adviser"): Rule(_ADVISERS, page=True),
    # managers
    ("GET", "/manager"): Rule(_MANAGERS, page=True),
    ("GET", "/manager/kb"): Rule(_MANAGERS, page=True),
    ("GET", "/manager/transcripts"): Rule(_MANAGERS, page=True),
    ("GET", "/manager/transcripts/{chat_id}"): Rule(_MANAGERS, page=True),
    ("GET", "/manager/audit"): Rule(_MANAGERS, page=True),
    ("GET", "/manager/live"): Rule(_MANAGERS, page=True),
    ("GET", "/manager/canned"): Rule(_MANAGERS, page=True),
    ("GET", "/api/manager/hours"): Rule(_MANAGERS),
    ("PUT", "/api/manager/hours"): Rule(_MANAGERS),
    ("GET", "/api/manager/advisers"): Rule(_MANAGERS),
    ("PATCH", "/api/manager/advisers/{user_id}"): Rule(_MANAGERS),
    ("GET", "/api/manager/teams"): Rule(_MANAGERS),
    ("POST", "/api/manager/teams"): Rule(_MANAGERS),
    ("PATCH", "/api/manager/teams/{slug}"): Rule(_MANAGERS),
    ("PUT", "/api/manager/teams/{slug}/hours"): Rule(_MANAGERS),
    ("DELETE", "/api/manager/teams/{slug}/hours"): Rule(_MANAGERS),
    ("PUT", "/api/manager/advisers/{user_id}/teams"): Rule(_MANAGERS),
    ("GET", "/api/manager/audit"): Rule(_MANAGERS),
    ("GET", "/api/manager/purges"): Rule(_MANAGERS),
    ("GET", "/api/transcripts"): Rule(_MANAGERS),
    ("GET", "/api/transcripts/{chat_id}"): Rule(_MANAGERS),
    ("POST", "/api/manager/kb/articles"): Rule(_MANAGERS),
    ("PUT", "/api/manager/kb/articles/{slug}"): Rule(_MANAGERS),
    ("GET", "/api/manager/kb/articles/{slug}/versions"): Rule(_MANAGERS),
    ("POST", "/api/manager/kb/preview"): Rule(_MANAGERS),
    ("GET", "/api/manager/kb/overdue"): Rule(_MANAGERS),
    ("GET", "/api/stats"): Rule(_MANAGERS),
    ("GET", "/api/stats/live"): Rule(_MANAGERS),
    ("GET", "/manager/stats.csv"): Rule(_MANAGERS),
    # adviser console: canned replies (advisers their own, managers the shared set)
    ("GET", "/api/canned"): Rule(_STAFF),
    ("POST", "/api/canned"): Rule(_STAFF),
    ("PUT", "/api/canned/{reply_id}"): Rule(_STAFF),
    ("DELETE", "/api/canned/{reply_id}"): Rule(_STAFF),
    # the professionals' survey (its one-time token is the credential)
    ("POST", "/api/survey"): Rule(_ALL),
}

# Socket connections: a professional with a live chat token, or a staff session (managers
# connect for safeguarding alerts and supervision; they take no chats).
SOCKET_CONNECT = frozenset({PROFESSIONAL, ADVISER, MANAGER})

# Socket event -> the kinds of connection that may send it.
SOCKET_RULES: dict[str, frozenset[str]] = {
    "message": frozenset({PROFESSIONAL, ADVISER}),
    "history": frozenset({PROFESSIONAL, ADVISER}),
    "end": frozenset({PROFESSIONAL, ADVISER}),
    "presence": frozenset({ADVISER}),
    "accept": frozenset({ADVISER}),
    "decline": frozenset({ADVISER}),
    "take": frozenset({ADVISER}),
    "move_team": frozenset({ADVISER}),
    "share_article": frozenset({ADVISER}),
    # adviser console (issue #7; docs/protocol.md "Adviser console")
    "typing": frozenset({PROFESSIONAL, ADVISER}),
    "receipt": frozenset({PROFESSIONAL, ADVISER}),
    "note": frozenset({ADVISER}),
    "notes": frozenset({ADVISER}),
    "advisers": frozenset({ADVISER}),
    "transfer": frozenset({ADVISER}),
    "flag": frozenset({ADVISER}),
    "acknowledge_flag": frozenset({MANAGER}),
    "flags": frozenset({MANAGER}),
    # senior advisers and managers (the service checks the senior mark)
    "live_chats": frozenset({ADVISER, MANAGER}),
    "watch": frozenset({ADVISER, MANAGER}),
    "unwatch": frozenset({ADVISER, MANAGER}),
    "watch_history": frozenset({ADVISER, MANAGER}),
}

# The signed-in user of a request, once the middleware has looked (None: anonymous).
REQUEST_USER: web.RequestKey[UserRecord | None] = web.RequestKey("advice_chat.user")
REQUEST_ENROLLING: web.RequestKey[bool] = web.RequestKey("advice_chat.enrolling")


def rule_for(request: web.Request) -> Rule | None:
    resource = request.match_info.route.resource
    if resource is None:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    return HTTP_RULES.get((method, resource.canonical))


def _json(status: int, error: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"error": error, "field": None, "message": message}),
        content_type="application/json",
    )


async def principal(request: web.Request) -> tuple[str, UserRecord | None]:
    """Who is asking: (principal, user). Looks the session up once per request."""
    if REQUEST_USER not in request:
        found = await request.app[ACCOUNTS].session(request.cookies.get(SESSION_COOKIE))
        request[REQUEST_USER] = found[0] if found else None
        request[REQUEST_ENROLLING] = bool(found and found[1])
    user = request[REQUEST_USER]
    if user is None:
        return ANYONE, None
    return (ENROLLING if request[REQUEST_ENROLLING] else user.role), user


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def access_control(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.http_exception is not None:  # 404 / 405: nothing to guard
        return await handler(request)
    rule = rule_for(request)
    if rule is None:
        log.error("route has no access rule", extra={"route": request.path[:100]})
        return _json(403, "forbidden", "No access rule covers this route (web/access.py).")
    if rule.allow == _ALL:
        return await handler(request)
    who, user = await principal(request)
    if who in rule.allow:
        return await handler(request)
    if who == ANYONE:
        if rule.page:
            raise web.HTTPFound("/login")
        return _json(401, "unauthorized", "Please sign in.")
    if who == ENROLLING:
        if rule.page:
            raise web.HTTPFound("/account/totp")
        return _json(
            403, "totp_enrolment_required", "Set up your authenticator app before going on."
        )
    if rule.page:
        return await render(request, "forbidden.html", page="forbidden", user=user, status=403)
    return _json(403, "forbidden", "This is not open to you.")
