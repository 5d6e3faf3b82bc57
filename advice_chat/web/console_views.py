"""Canned replies over HTTP (`/api/canned`): advisers keep their own, managers the shared set.

Thin: the rules (who may change which reply, what a reply may hold) are in
`services/console.py`.
"""

from __future__ import annotations

from aiohttp import web

from advice_chat.records import UserRecord
from advice_chat.services.console import ConsoleService
from advice_chat.services.errors import ChatRefused
from advice_chat.validation import InvalidInput
from advice_chat.web.access import ENROLLING, principal
from advice_chat.web.http_api import read_json
from advice_chat.web.middleware import json_error

CONSOLE = web.AppKey("console", ConsoleService)

routes = web.RouteTableDef()


async def _staff(request: web.Request) -> UserRecord:
    who, user = await principal(request)
    if user is None or who == ENROLLING:  # the access table refused these already
        raise web.HTTPUnauthorized()
    return user


def _refused(exc: ChatRefused) -> web.Response:
    status = {"not_found": 404, "forbidden": 403}.get(exc.code, 400)
    return json_error(status, exc.code, exc.message)


@routes.get("/api/canned")
async def list_canned(request: web.Request) -> web.Response:
    user = await _staff(request)
    return web.json_response({"replies": await request.app[CONSOLE].canned(user)})


@routes.post("/api/canned")
async def create_canned(request: web.Request) -> web.Response:
    user = await _staff(request)
    try:
        reply = await request.app[CONSOLE].create_canned(user, await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    return web.json_response(reply, status=201)


@routes.put("/api/canned/{reply_id:[0-9]{1,9}}")
async def update_canned(request: web.Request) -> web.Response:
    user = await _staff(request)
    reply_id = int(request.match_info["reply_id"])
    try:
        reply = await request.app[CONSOLE].update_canned(user, reply_id, await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    except ChatRefused as exc:
        return _refused(exc)
    return web.json_response(reply)


@routes.delete("/api/canned/{reply_id:[0-9]{1,9}}")
async def delete_canned(request: web.Request) -> web.Response:
    user = await _staff(request)
    try:
        await request.app[CONSOLE].delete_canned(user, int(request.match_info["reply_id"]))
    except ChatRefused as exc:
        return _refused(exc)
    return web.Response(status=204)
