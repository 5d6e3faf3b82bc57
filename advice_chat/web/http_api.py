"""JSON endpoints of protocol v1: validate, call a service, answer."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from advice_chat.opening import parse_schedule
from advice_chat.options import options_document
from advice_chat.records import UserRecord, iso
from advice_chat.services.accounts import HOURS_CHANGED, AccountError, LoginRefused
from advice_chat.services.chats import ServiceClosed
from advice_chat.validation import InvalidInput, parse_prechat
from advice_chat.web.access import ENROLLING, principal
from advice_chat.web.keys import ACCOUNTS, CHATS, HOURS, LIMITER, QUEUE, SETTINGS, SOCKETS
from advice_chat.web.middleware import client_address, json_error
from advice_chat.web.session_cookie import (
    SESSION_COOKIE,
    clear_session_cookie,
    set_session_cookie,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024

routes = web.RouteTableDef()


async def read_json(request: web.Request) -> Any:
    """The JSON body, or InvalidInput; a too-large body raises 413 as JSON."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_BODY_BYTES,
            actual_size=request.content_length,
            text=json.dumps(
                {"error": "too_large", "field": None, "message": "The request is too large."}
            ),
            content_type="application/json",
        )
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_BODY_BYTES,
            actual_size=len(raw),
            text=json.dumps(
                {"error": "too_large", "field": None, "message": "The request is too large."}
            ),
            content_type="application/json",
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput("invalid_json", None, "The request body is not valid JSON.") from exc


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/api/options")
async def options(request: web.Request) -> web.Response:
    return web.json_response(options_document())


@routes.get("/api/status")
async def service_status(request: web.Request) -> web.Response:
    status = await request.app[HOURS].status()
    return web.json_response(
        {
            "open": status.open,
            "opens_at": iso(status.opens_at) if status.opens_at else None,
            "closes_at": iso(status.closes_at) if status.closes_at else None,
        }
    )


def rate_limited(retry_after: float, message: str, error: str = "rate_limited") -> web.Response:
    """429 with the wait (whole seconds) in the body and in Retry-After."""
    seconds = max(1, int(retry_after + 0.999))
    response = web.json_response(
        {"error": error, "field": None, "message": message, "retry_after": seconds},
        status=429,
    )
    response.headers["Retry-After"] = str(seconds)
    return response


@routes.post("/api/chats")
async def create_chat(request: web.Request) -> web.Response:
    try:
        pre_chat = parse_prechat(await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    # Counted once the body is valid: it is chats in the queue that a flood would cost.
    limit = request.app[SETTINGS].chats_per_address_minute
    if limit:
        wait = await request.app[LIMITER].hit(f"chats:{client_address(request)}", limit, 60)
        if wait is not None:
            return rate_limited(
                wait, "Too many chats have been started from your network. Please wait a moment."
            )
    try:
        chat, token = await request.app[CHATS].start_chat(pre_chat)
    except ServiceClosed as exc:
        return web.json_response(
            {
                "error": exc.code,
                "field": None,
                "message": exc.message,
                "opens_at": iso(exc.opens_at) if exc.opens_at else None,
                "contact": exc.contact or None,
            },
            status=503,
        )
    return web.json_response(
        {"chat_id": chat.id, "token": token, "status": chat.status, "team": chat.team},
        status=201,
    )


def _user_wire(user: UserRecord, *, enrolling: bool = False) -> dict[str, Any]:
    return {
        **user.public(),
        "totp_enabled": user.totp_enabled,
        "totp_enrolment_required": enrolling,
    }


@routes.post("/api/login")
async def login(request: web.Request) -> web.Response:
    try:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
        for field in ("username", "password"):
            value = body.get(field)
            if value is None:
                raise InvalidInput("missing", field, f"Please enter your {field}.")
            if not isinstance(value, str) or len(value) > 1024:
                raise InvalidInput("invalid", field, f"The {field} is not valid.")
        code = body.get("totp")
        if code is not None and (not isinstance(code, str) or len(code) > 16):
            raise InvalidInput("invalid", "totp", "The code is the 6 digits your app shows.")
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    accounts = request.app[ACCOUNTS]
    try:
        done = await accounts.sign_in(
            body["username"], body["password"], code, client_address(request)
        )
    except LoginRefused as exc:
        log.info("sign-in refused", extra={"status_code": exc.status})
        if exc.retry_after is not None:
            return rate_limited(exc.retry_after, exc.message, exc.code)
        at = "totp" if exc.code in ("totp_required", "invalid_totp") else None
        return json_error(exc.status, exc.code, exc.message, at)
    settings = request.app[SETTINGS]
    response = web.json_response({"user": _user_wire(done.user, enrolling=done.enrol_only)})
    set_session_cookie(
        response,
        done.token,
        secure=settings.secure_cookies,
        max_age=int(settings.session_hours * 3600),
    )
    log.info("signed in", extra={"user_id": done.user.id})
    return response


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    _, user = await principal(request)
    await request.app[ACCOUNTS].end_session(request.cookies.get(SESSION_COOKIE), user)
    response = web.Response(status=204)
    clear_session_cookie(response)
    return response


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    who, user = await principal(request)
    if user is None:
        return json_error(401, "unauthorized", "Please sign in.")
    return web.json_response({"user": _user_wire(user, enrolling=who == ENROLLING)})


@routes.post("/api/account/totp")
async def begin_totp(request: web.Request) -> web.Response:
    """A new TOTP secret for the signed-in user, shown once; in force after `confirm`."""
    _, user = await principal(request)
    assert user is not None  # the access rule admits signed-in users only
    if user.totp_enabled:
        return json_error(409, "totp_already_enabled", "Your authenticator app is set up already.")
    secret, uri = await request.app[ACCOUNTS].begin_totp(user)
    return web.json_response({"secret": secret, "otpauth_uri": uri})


@routes.post("/api/account/totp/confirm")
async def confirm_totp(request: web.Request) -> web.Response:
    _, user = await principal(request)
    assert user is not None
    try:
        body = await read_json(request)
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, str) or len(code) > 16:
            raise InvalidInput("invalid", "code", "The code is the 6 digits your app shows.")
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    ok = await request.app[ACCOUNTS].confirm_totp(user, code, request.cookies.get(SESSION_COOKIE))
    if not ok:
        return json_error(
            400, "invalid_totp", "That code is not right. Check the time on your phone.", "code"
        )
    return web.json_response({"user": _user_wire(user) | {"totp_enabled": True}})


async def staff_user(request: web.Request, role: str) -> UserRecord:
    """The signed-in user if they have `role`; otherwise 401 or 403 as JSON.

    (The access middleware has checked `web/access.py` already; this is the handler's own
    check, and hands it the user the middleware found.)"""
    who, user = await principal(request)
    if user is None or who == ENROLLING:
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "unauthorized", "field": None, "message": "Please sign in."}),
            content_type="application/json",
        )
    if user.role != role:
        raise web.HTTPForbidden(
            text=json.dumps(
                {"error": "forbidden", "field": None, "message": "This is not open to you."}
            ),
            content_type="application/json",
        )
    return user


@routes.get("/api/manager/hours")
async def get_hours(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    return web.json_response((await request.app[HOURS].schedule()).wire())


@routes.put("/api/manager/hours")
async def put_hours(request: web.Request) -> web.Response:
    user = await staff_user(request, "manager")
    try:
        schedule = parse_schedule(await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    await request.app[HOURS].set_schedule(schedule)
    await request.app[ACCOUNTS].audit(user.id, HOURS_CHANGED)
    log.info("opening hours changed", extra={"user_id": user.id, "count": len(schedule.windows)})
    return web.json_response(schedule.wire())


@routes.get("/api/manager/advisers")
async def list_advisers(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    queue = request.app[QUEUE]
    items = []
    for adviser in await request.app[ACCOUNTS].advisers():
        state = await queue.adviser_state(adviser.id)
        items.append(
            {
                **adviser.public(),
                "capacity": adviser.capacity,
                "disabled": adviser.disabled,
                "senior": adviser.senior,
                "status": state.status if state else "offline",
                "active": len(state.active) if state else 0,
            }
        )
    return web.json_response({"advisers": items})


@routes.patch("/api/manager/advisers/{user_id:[0-9]{1,9}}")
async def update_adviser(request: web.Request) -> web.Response:
    """Change an adviser's capacity and/or disable (or enable) the account. Disabling ends
    every session of the account and closes its socket connections at once."""
    manager = await staff_user(request, "manager")
    accounts = request.app[ACCOUNTS]
    user_id = int(request.match_info["user_id"])
    try:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
        capacity = body.get("capacity")
        disabled = body.get("disabled")
        senior = body.get("senior")
        if capacity is None and disabled is None and senior is None:
            raise InvalidInput("missing", "capacity", "Send capacity, disabled and/or senior.")
        if senior is not None and not isinstance(senior, bool):
            raise InvalidInput("invalid", "senior", "senior must be true or false.")
        if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)):
            raise InvalidInput("invalid", "capacity", "capacity must be a whole number.")
        if disabled is not None and not isinstance(disabled, bool):
            raise InvalidInput("invalid", "disabled", "disabled must be true or false.")
        user = await accounts.get_adviser(user_id)
        if user is not None and capacity is not None:
            user = await accounts.set_capacity(user_id, capacity, by=manager)
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    except AccountError as exc:
        return json_error(400, "invalid", str(exc), "capacity")
    if user is None:
        return json_error(404, "not_found", "No such adviser.")
    if capacity is not None:
        await request.app[QUEUE].set_capacity(user.id, user.capacity)
        log.info("capacity changed", extra={"user_id": manager.id, "count": user.capacity})
    if senior is not None:
        user = await accounts.set_senior(user_id, senior, by=manager) or user
    if disabled is not None:
        user = await accounts.set_disabled(user_id, disabled, by=manager) or user
        if disabled:
            await request.app[SOCKETS].end_user(user_id)
            log.info("account disabled", extra={"user_id": manager.id})
    return web.json_response(
        {
            **user.public(),
            "capacity": user.capacity,
            "disabled": user.disabled,
            "senior": user.senior,
        }
    )
