"""JSON endpoints of protocol v1: validate, call a service, answer."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from advice_chat.opening import parse_schedule
from advice_chat.options import options_document
from advice_chat.records import UserRecord, iso
from advice_chat.services.accounts import AccountError
from advice_chat.services.chats import ServiceClosed
from advice_chat.validation import InvalidInput, parse_prechat
from advice_chat.web.keys import ACCOUNTS, CHATS, HOURS, QUEUE, SETTINGS
from advice_chat.web.middleware import json_error
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


@routes.post("/api/chats")
async def create_chat(request: web.Request) -> web.Response:
    try:
        pre_chat = parse_prechat(await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    try:
        chat, token = await request.app[CHATS].start_chat(pre_chat)
    except ServiceClosed as exc:
        return web.json_response(
            {
                "error": exc.code,
                "field": None,
                "message": exc.message,
                "opens_at": iso(exc.opens_at) if exc.opens_at else None,
            },
            status=503,
        )
    return web.json_response(
        {"chat_id": chat.id, "token": token, "status": chat.status}, status=201
    )


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
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    accounts = request.app[ACCOUNTS]
    user = await accounts.authenticate(body["username"], body["password"])
    if user is None:
        log.info("sign-in refused")
        return json_error(401, "invalid_credentials", "The username or password is not right.")
    token = await accounts.start_session(user)
    settings = request.app[SETTINGS]
    response = web.json_response({"user": user.public()})
    set_session_cookie(
        response,
        token,
        secure=settings.secure_cookies,
        max_age=int(settings.session_hours * 3600),
    )
    log.info("signed in", extra={"user_id": user.id})
    return response


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    await request.app[ACCOUNTS].end_session(request.cookies.get(SESSION_COOKIE))
    response = web.Response(status=204)
    clear_session_cookie(response)
    return response


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    user = await request.app[ACCOUNTS].session_user(request.cookies.get(SESSION_COOKIE))
    if user is None:
        return json_error(401, "unauthorized", "Please sign in.")
    return web.json_response({"user": user.public()})


async def staff_user(request: web.Request, role: str) -> UserRecord:
    """The signed-in user if they have `role`; otherwise 401 or 403 as JSON."""
    user = await request.app[ACCOUNTS].session_user(request.cookies.get(SESSION_COOKIE))
    if user is None:
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
                "status": state.status if state else "offline",
                "active": len(state.active) if state else 0,
            }
        )
    return web.json_response({"advisers": items})


@routes.patch("/api/manager/advisers/{user_id:[0-9]{1,9}}")
async def update_adviser(request: web.Request) -> web.Response:
    manager = await staff_user(request, "manager")
    try:
        body = await read_json(request)
        capacity = body.get("capacity") if isinstance(body, dict) else None
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise InvalidInput("invalid", "capacity", "capacity must be a whole number.")
        user = await request.app[ACCOUNTS].set_capacity(
            int(request.match_info["user_id"]), capacity
        )
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    except AccountError as exc:
        return json_error(400, "invalid", str(exc), "capacity")
    if user is None:
        return json_error(404, "not_found", "No such adviser.")
    await request.app[QUEUE].set_capacity(user.id, user.capacity)
    log.info("capacity changed", extra={"user_id": manager.id, "count": user.capacity})
    return web.json_response({**user.public(), "capacity": user.capacity})
