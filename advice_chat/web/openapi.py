"""`GET /api/openapi.json`: the HTTP API of docs/protocol.md as an OpenAPI 3.1 document.

Built here in code so it sits beside the routes; `tests/web/test_openapi.py` checks every JSON
route of the app is described, and runs schemathesis against it on a live server.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from advice_chat import __version__
from advice_chat.options import MESSAGE_MAX_CHARS, REGION_IDS, ROLE_IDS, TOPIC_IDS

routes = web.RouteTableDef()

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "message": {"type": "string"},
        "retry_after": {"type": "integer"},
    },
}
_OBJECT: dict[str, Any] = {"type": "object"}
_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "role": {"enum": ["adviser", "manager"]},
        "totp_enabled": {"type": "boolean"},
        "totp_enrolment_required": {"type": "boolean"},
    },
}
_STAFF: list[dict[str, list[str]]] = [{"session": []}]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _responses(ok: int, schema: dict[str, Any], *errors: int) -> dict[str, Any]:
    out: dict[str, Any] = {str(ok): {"description": "success", **_json(schema)}}
    for code in errors:
        out[str(code)] = {"description": "refused", **_json(_ERROR)}
    return out


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, **_json(schema)}


def _path(name: str, pattern: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": pattern},
    }


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


_SLUG = _path("slug", "^[a-z0-9][a-z0-9-]{0,79}$")
_CHAT_ID = _path("chat_id", "^c_[0-9a-f]{32}$")
_USER_ID = {**_path("user_id", "^[0-9]{1,9}$"), "schema": {"type": "integer", "minimum": 0}}
_REPLY_ID = {**_path("reply_id", "^[0-9]{1,9}$"), "schema": {"type": "integer", "minimum": 0}}
_CANNED_BODY = {
    "type": "object",
    "required": ["title", "text"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 80},
        "shortcut": {"type": ["string", "null"], "pattern": "^[a-z0-9][a-z0-9-]{0,31}$"},
        "text": {"type": "string", "minLength": 1, "maxLength": MESSAGE_MAX_CHARS},
    },
}
_CANNED = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "shared": {"type": "boolean"},
        "title": {"type": "string"},
        "shortcut": {"type": ["string", "null"]},
        "text": {"type": "string"},
        "updated_at": {"type": "string"},
    },
}
_TEAM_SLUG = _path("slug", "^[a-z][a-z0-9-]{1,23}$")
_TEAM_SETTINGS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 80},
    "contact": {"type": "string", "maxLength": 300},
    "redirect_when_closed": {"type": "boolean"},
    "overflow_allowed": {"type": "boolean"},
    "overflow_after_seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
}
_TEAM: dict[str, Any] = {
    "type": "object",
    "properties": {"slug": {"type": "string"}, "hours": {"type": ["object", "null"]}}
    | _TEAM_SETTINGS,
}
_ARTICLE = {
    "type": "object",
    "required": ["slug", "title", "summary", "tags", "audience", "reviewed", "sources", "body"],
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "audience": {"enum": ["professional", "adviser"]},
        "reviewed": {"type": "string", "format": "date"},
        "sources": {"type": "array", "items": {"type": "string"}},
        "body": {"type": "string"},
        "version": {"type": "integer"},
    },
}
_SCHEDULE = {
    "type": "object",
    "required": ["windows", "closed_dates"],
    "properties": {
        "windows": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["weekday", "opens", "closes"],
                "properties": {
                    "weekday": {"type": "integer", "minimum": 0, "maximum": 6},
                    "opens": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
                    "closes": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
                },
            },
        },
        "closed_dates": {"type": "array", "items": {"type": "string", "format": "date"}},
    },
}


def _op(summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": responses, **more}


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh dict each call)."""
    paths: dict[str, Any] = {
        "/healthz": {"get": _op("Liveness", _responses(200, _OBJECT))},
        "/readyz": {"get": _op("Readiness", _responses(200, _OBJECT, 503))},
        "/api/options": {"get": _op("Option lists and limits", _responses(200, _OBJECT))},
        "/api/status": {"get": _op("Open now, and when", _responses(200, _OBJECT))},
        "/api/chats": {
            "post": _op(
                "Start a chat (professional, no account)",
                _responses(201, _OBJECT, 400, 413, 415, 429, 503),
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["role", "region", "topic", "consent"],
                        "properties": {
                            "role": {"enum": sorted(ROLE_IDS)},
                            "region": {"enum": sorted(REGION_IDS)},
                            "topic": {"enum": sorted(TOPIC_IDS)},
                            "consent": {"type": "boolean"},
                            "message": {"type": ["string", "null"], "maxLength": MESSAGE_MAX_CHARS},
                            "immediate_risk": {"type": "boolean"},
                            "open_to_drive": {"type": ["boolean", "null"]},
                            "high_risk": {"type": ["boolean", "null"]},
                        },
                    }
                ),
            )
        },
        "/api/login": {
            "post": _op(
                "Staff sign-in",
                _responses(200, {"type": "object", "properties": {"user": _USER}}, 400, 401, 429),
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["username", "password"],
                        "properties": {
                            "username": {"type": "string"},
                            "password": {"type": "string"},
                            "totp": {"type": "string"},
                        },
                    }
                ),
            )
        },
        "/api/logout": {"post": _op("Sign out", {"204": {"description": "signed out"}})},
        "/api/me": {
            "get": _op(
                "The signed-in user",
                _responses(200, {"type": "object", "properties": {"user": _USER}}, 401),
                security=_STAFF,
            )
        },
        "/api/account/totp": {
            "post": _op(
                "Start setting up TOTP: a new secret, shown once",
                _responses(200, _OBJECT, 401, 409),
                security=_STAFF,
            )
        },
        "/api/account/totp/confirm": {
            "post": _op(
                "Turn TOTP on with a code from the new secret",
                _responses(200, _OBJECT, 400, 401),
                security=_STAFF,
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["code"],
                        "properties": {"code": {"type": "string"}},
                    }
                ),
            )
        },
        "/api/manager/hours": {
            "get": _op("Opening hours", _responses(200, _SCHEDULE, 401, 403), security=_STAFF),
            "put": _op(
                "Set opening hours",
                _responses(200, _SCHEDULE, 400, 401, 403),
                security=_STAFF,
                requestBody=_body(_SCHEDULE),
            ),
        },
        "/api/manager/advisers": {
            "get": _op("Advisers", _responses(200, _OBJECT, 401, 403), security=_STAFF)
        },
        "/api/manager/advisers/{user_id}": {
            "patch": _op(
                "Change an adviser's capacity, or disable or enable the account",
                _responses(200, _OBJECT, 400, 401, 403, 404),
                security=_STAFF,
                parameters=[_USER_ID],
                requestBody=_body(
                    {
                        "type": "object",
                        "properties": {
                            "capacity": {"type": "integer", "minimum": 1, "maximum": 10},
                            "disabled": {"type": "boolean"},
                            "senior": {"type": "boolean"},
                        },
                    }
                ),
            )
        },
        "/api/manager/teams": {
            "get": _op(
                "Teams with their settings, hours and members, and each adviser's teams",
                _responses(200, _OBJECT, 401, 403),
                security=_STAFF,
            ),
            "post": _op(
                "Add a team",
                _responses(201, _TEAM, 400, 401, 403, 409),
                security=_STAFF,
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["slug", "name"],
                        "properties": {
                            "slug": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,23}$"},
                            **_TEAM_SETTINGS,
                        },
                    }
                ),
            ),
        },
        "/api/manager/teams/{slug}": {
            "patch": _op(
                "Change a team's name, contact, closed-team and overflow settings",
                _responses(200, _TEAM, 400, 401, 403, 404),
                security=_STAFF,
                parameters=[_TEAM_SLUG],
                requestBody=_body({"type": "object", "properties": _TEAM_SETTINGS}),
            )
        },
        "/api/manager/teams/{slug}/hours": {
            "put": _op(
                "Set a team's own opening hours",
                _responses(200, _TEAM, 400, 401, 403, 404),
                security=_STAFF,
                parameters=[_TEAM_SLUG],
                requestBody=_body(_SCHEDULE),
            ),
            "delete": _op(
                "The team follows the service's opening hours again",
                _responses(200, _TEAM, 401, 403, 404),
                security=_STAFF,
                parameters=[_TEAM_SLUG],
            ),
        },
        "/api/manager/advisers/{user_id}/teams": {
            "put": _op(
                "Set the teams an adviser answers for",
                _responses(200, _OBJECT, 400, 401, 403, 404),
                security=_STAFF,
                parameters=[_USER_ID],
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["teams"],
                        "properties": {
                            "teams": {"type": "array", "items": {"type": "string"}, "minItems": 1}
                        },
                    }
                ),
            )
        },
        "/api/manager/audit": {
            "get": _op("Audit log", _responses(200, _OBJECT, 401, 403), security=_STAFF)
        },
        "/api/manager/purges": {
            "get": _op("Retention runs", _responses(200, _OBJECT, 401, 403), security=_STAFF)
        },
        # adviser console: canned replies (advisers their own, managers the shared set)
        "/api/canned": {
            "get": _op(
                "Canned replies: shared, then your own",
                _responses(200, _OBJECT, 401),
                security=_STAFF,
            ),
            "post": _op(
                "Save a canned reply (a manager's is shared)",
                _responses(201, _CANNED, 400, 401),
                security=_STAFF,
                requestBody=_body(_CANNED_BODY),
            ),
        },
        "/api/canned/{reply_id}": {
            "put": _op(
                "Change a canned reply",
                _responses(200, _CANNED, 400, 401, 403, 404),
                security=_STAFF,
                parameters=[_REPLY_ID],
                requestBody=_body(_CANNED_BODY),
            ),
            "delete": {
                **_op(
                    "Delete a canned reply",
                    _responses(204, _OBJECT, 401, 403, 404),
                    security=_STAFF,
                    parameters=[_REPLY_ID],
                ),
                "responses": {
                    "204": {"description": "deleted"},
                    **{
                        str(c): {"description": "refused", **_json(_ERROR)} for c in (401, 403, 404)
                    },
                },
            },
        },
        "/api/transcripts": {
            "get": _op(
                "Redacted transcripts, newest first",
                _responses(200, _OBJECT, 400, 401, 403),
                security=_STAFF,
                parameters=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
                    _query("before", {"type": "string", "format": "date-time"}),
                ],
            )
        },
        "/api/transcripts/{chat_id}": {
            "get": _op(
                "One redacted transcript (audited)",
                _responses(200, _OBJECT, 401, 403, 404),
                security=_STAFF,
                parameters=[_CHAT_ID],
            )
        },
        "/api/kb/search": {
            "get": _op(
                "Search the knowledge base",
                _responses(200, _OBJECT),
                parameters=[
                    _query("q", {"type": "string"}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 20}),
                ],
            )
        },
        "/api/kb/suggest": {
            "post": _op(
                "Articles for a professional's topic and first message",
                _responses(200, _OBJECT, 400),
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["topic"],
                        "properties": {
                            "topic": {"type": "string"},
                            "message": {"type": ["string", "null"]},
                        },
                    }
                ),
            )
        },
        "/api/kb/articles": {"get": _op("Articles", _responses(200, _OBJECT))},
        "/api/kb/articles/{slug}": {
            "get": _op("One article", _responses(200, _OBJECT, 404), parameters=[_SLUG])
        },
        "/api/manager/kb/articles": {
            "post": _op(
                "Create an article",
                _responses(201, _OBJECT, 400, 401, 403, 409),
                security=_STAFF,
                requestBody=_body(_ARTICLE),
            )
        },
        "/api/manager/kb/articles/{slug}": {
            "put": _op(
                "Edit an article",
                _responses(200, _OBJECT, 400, 401, 403, 404, 409),
                security=_STAFF,
                parameters=[_SLUG],
                requestBody=_body(_ARTICLE),
            )
        },
        "/api/manager/kb/articles/{slug}/versions": {
            "get": _op(
                "An article's versions",
                _responses(200, _OBJECT, 401, 403, 404),
                security=_STAFF,
                parameters=[_SLUG],
            )
        },
        "/api/manager/kb/preview": {
            "post": _op(
                "Render Markdown as an article would be",
                _responses(200, _OBJECT, 400, 401, 403),
                security=_STAFF,
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["body"],
                        "properties": {"body": {"type": "string"}},
                    }
                ),
            )
        },
        "/api/manager/kb/overdue": {
            "get": _op(
                "Articles overdue for review", _responses(200, _OBJECT, 401, 403), security=_STAFF
            )
        },
        "/api/stats": {
            "get": _op(
                "Statistics for a date range (managers)",
                _responses(200, _OBJECT, 400, 401, 403),
                security=_STAFF,
                parameters=[
                    _query("from", {"type": "string", "format": "date"}),
                    _query("to", {"type": "string", "format": "date"}),
                ],
            )
        },
        "/api/stats/live": {
            "get": _op(
                "Live figures (managers)", _responses(200, _OBJECT, 401, 403), security=_STAFF
            )
        },
        "/api/survey": {
            "post": _op(
                "A professional's answer to the after-chat survey (its one-time token)",
                _responses(200, _OBJECT, 400, 404),
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["survey_token", "rating"],
                        "properties": {
                            "survey_token": {"type": "string"},
                            "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                            "comment": {"type": ["string", "null"]},
                        },
                    }
                ),
            )
        },
        "/api/openapi.json": {"get": _op("This document", _responses(200, _OBJECT))},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "advice_chat HTTP API",
            "version": __version__,
            "description": "Protocol v1; see docs/protocol.md. Socket.IO events are described "
            "there, not here.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "advice_chat_session"}
            }
        },
    }


@routes.get("/api/openapi.json")
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(document())
