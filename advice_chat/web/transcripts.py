"""Managers' access to redacted transcripts, the audit trail and purge records (JSON and pages).

Every view of a transcript goes through `TranscriptService.view`, which audits it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from advice_chat.records import UserRecord
from advice_chat.web.http_api import staff_user
from advice_chat.web.keys import TRANSCRIPTS
from advice_chat.web.middleware import json_error
from advice_chat.web.pages import london_time, render, signed_in

routes = web.RouteTableDef()

CHAT_ID = "{chat_id:c_[0-9a-f]{32}}"
PAGE_SIZE = 50


def _listing_args(request: web.Request) -> tuple[int, datetime | None] | None:
    try:
        limit = int(request.query.get("limit", PAGE_SIZE))
        raw = request.query.get("before")
        before = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None
    if not 1 <= limit <= 200 or (before is not None and before.tzinfo is None):
        return None
    return limit, before


@routes.get("/api/transcripts")
async def list_transcripts(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    args = _listing_args(request)
    if args is None:
        return json_error(400, "invalid", "limit must be 1–200; before an ISO time with a zone.")
    items = await request.app[TRANSCRIPTS].summaries(*args)
    return web.json_response({"transcripts": items})


@routes.get("/api/transcripts/" + CHAT_ID)
async def get_transcript(request: web.Request) -> web.Response:
    manager = await staff_user(request, "manager")
    found = await request.app[TRANSCRIPTS].view(manager, request.match_info["chat_id"])
    if found is None:
        return json_error(404, "not_found", "No transcript for that chat.")
    return web.json_response(found)


@routes.get("/api/manager/audit")
async def audit_log(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    return web.json_response({"events": await request.app[TRANSCRIPTS].audit_log()})


@routes.get("/api/manager/purges")
async def purge_runs(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    return web.json_response({"purges": await request.app[TRANSCRIPTS].purge_runs()})


async def _manager(request: web.Request) -> UserRecord | web.Response:
    user = await signed_in(request)
    if user is None:
        raise web.HTTPFound("/login")
    if user.role != "manager":
        return await render(request, "forbidden.html", page="forbidden", user=user, status=403)
    return user


def _readable(item: dict[str, Any]) -> dict[str, Any]:
    def at(value: str | None) -> str | None:
        return london_time(datetime.fromisoformat(value.replace("Z", "+00:00"))) if value else None

    return {**item, "ended_local": at(item["ended_at"]), "created_local": at(item["created_at"])}


@routes.get("/manager/transcripts")
async def transcripts_page(request: web.Request) -> web.Response:
    user = await _manager(request)
    if isinstance(user, web.Response):
        return user
    items = [_readable(t) for t in await request.app[TRANSCRIPTS].summaries(PAGE_SIZE, None)]
    return await render(
        request,
        "transcripts.html",
        page="manager",
        user=user,
        extra={"transcripts": items, "purges": await request.app[TRANSCRIPTS].purge_runs(5)},
    )


@routes.get("/manager/transcripts/" + CHAT_ID)
async def transcript_page(request: web.Request) -> web.Response:
    user = await _manager(request)
    if isinstance(user, web.Response):
        return user
    found = await request.app[TRANSCRIPTS].view(user, request.match_info["chat_id"])
    if found is None:
        raise web.HTTPNotFound()
    return await render(
        request, "transcript.html", page="manager", user=user, extra={"t": _readable(found)}
    )


AUDIT_LABELS = {
    "transcript_viewed": "Opened a transcript",
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "sign_in_throttled": "Sign-in refused: too many failures",
    "sign_out": "Signed out",
    "account_created": "Account created",
    "account_disabled": "Disabled an account",
    "account_enabled": "Enabled an account",
    "password_changed": "Changed a password",
    "capacity_changed": "Changed an adviser's capacity",
    "totp_enabled": "Turned on an authenticator app",
    "totp_reset": "Reset an authenticator app",
    "hours_changed": "Changed the opening hours",
    "teams_changed": "Changed a team's settings, hours or members",
    # adviser console (issue #7)
    "flag_raised": "Raised a safeguarding flag (chat: reason)",
    "flag_acknowledged": "Acknowledged a safeguarding flag (chat: reason)",
    "chat_watched": "Watched a live chat (supervision)",
    "chat_transferred": "Transferred a chat to another adviser",
    "canned_reply_saved": "Saved a shared canned response",
    "canned_reply_deleted": "Deleted a shared canned response",
    "senior_changed": "Changed an adviser's senior mark",
}


@routes.get("/manager/audit")
async def audit_page(request: web.Request) -> web.Response:
    user = await _manager(request)
    if isinstance(user, web.Response):
        return user
    events = [
        {
            **e,
            "at_local": london_time(datetime.fromisoformat(e["at"].replace("Z", "+00:00"))),
            "label": AUDIT_LABELS.get(e["action"], e["action"]),
        }
        for e in await request.app[TRANSCRIPTS].audit_log(200)
    ]
    return await render(request, "audit.html", page="manager", user=user, extra={"events": events})
