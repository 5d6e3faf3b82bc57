"""Managers' team endpoints: the teams, their settings and hours, and advisers' teams."""

from __future__ import annotations

import logging

from aiohttp import web

from advice_chat.opening import parse_schedule
from advice_chat.validation import InvalidInput
from advice_chat.web.http_api import read_json, staff_user
from advice_chat.web.keys import ACCOUNTS, QUEUE
from advice_chat.web.middleware import json_error

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

TEAMS_CHANGED = "teams_changed"  # audit action: a team's settings, hours or members changed
SLUG_ROUTE = "{slug:[a-z][a-z0-9-]{1,23}}"


async def _listing(request: web.Request) -> dict[str, object]:
    teams = request.app[QUEUE].teams
    advisers = await request.app[ACCOUNTS].advisers()
    members = await teams.memberships([a.id for a in advisers])
    states = await teams.states()
    return {
        "teams": [
            {
                **team.wire(),
                "open": states[team.slug].open,
                "members": [a.id for a in advisers if team.slug in members[a.id]],
            }
            for team in await teams.teams()
        ],
        "advisers": [
            {"id": a.id, "display_name": a.display_name, "teams": list(members[a.id])}
            for a in advisers
        ],
    }


@routes.get("/api/manager/teams")
async def list_teams(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    return web.json_response(await _listing(request))


@routes.post("/api/manager/teams")
async def create_team(request: web.Request) -> web.Response:
    user = await staff_user(request, "manager")
    try:
        team = await request.app[QUEUE].teams.create(await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=409 if exc.code == "duplicate" else 400)
    await request.app[ACCOUNTS].audit(user.id, TEAMS_CHANGED, team.slug)
    log.info("team created", extra={"user_id": user.id, "team": team.slug})
    return web.json_response(team.wire(), status=201)


@routes.patch(f"/api/manager/teams/{SLUG_ROUTE}")
async def update_team(request: web.Request) -> web.Response:
    user = await staff_user(request, "manager")
    slug = request.match_info["slug"]
    try:
        team = await request.app[QUEUE].teams.update(slug, await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    if team is None:
        return json_error(404, "not_found", "No such team.")
    await request.app[ACCOUNTS].audit(user.id, TEAMS_CHANGED, slug)
    log.info("team changed", extra={"user_id": user.id, "team": slug})
    request.app[QUEUE].schedule_broadcast()
    return web.json_response(team.wire())


@routes.put(f"/api/manager/teams/{SLUG_ROUTE}/hours")
async def put_team_hours(request: web.Request) -> web.Response:
    """The team's own weekly hours (same body as `PUT /api/manager/hours`)."""
    user = await staff_user(request, "manager")
    slug = request.match_info["slug"]
    try:
        schedule = parse_schedule(await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    team = await request.app[QUEUE].teams.set_hours(slug, schedule)
    if team is None:
        return json_error(404, "not_found", "No such team.")
    await request.app[ACCOUNTS].audit(user.id, TEAMS_CHANGED, slug)
    return web.json_response(team.wire())


@routes.delete(f"/api/manager/teams/{SLUG_ROUTE}/hours")
async def delete_team_hours(request: web.Request) -> web.Response:
    """The team follows the service's hours again."""
    user = await staff_user(request, "manager")
    slug = request.match_info["slug"]
    team = await request.app[QUEUE].teams.set_hours(slug, None)
    if team is None:
        return json_error(404, "not_found", "No such team.")
    await request.app[ACCOUNTS].audit(user.id, TEAMS_CHANGED, slug)
    return web.json_response(team.wire())


@routes.put("/api/manager/advisers/{user_id:[0-9]{1,9}}/teams")
async def put_adviser_teams(request: web.Request) -> web.Response:
    """Which teams an adviser answers for (one or more); routing follows at once."""
    user = await staff_user(request, "manager")
    adviser = await request.app[ACCOUNTS].get_adviser(int(request.match_info["user_id"]))
    try:
        body = await read_json(request)
        if adviser is None:
            return json_error(404, "not_found", "No such adviser.")
        teams = await request.app[QUEUE].teams.set_teams_of(adviser.id, body)
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    await request.app[QUEUE].set_adviser_teams(adviser.id, teams)
    await request.app[ACCOUNTS].audit(user.id, TEAMS_CHANGED, f"user:{adviser.id}")
    log.info("adviser teams changed", extra={"user_id": user.id, "count": len(teams)})
    return web.json_response({"id": adviser.id, "teams": list(teams)})
