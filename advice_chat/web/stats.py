"""Managers' statistics (the `/manager` dashboard, JSON, CSV) and the professionals' survey.

Every statistics URL is for managers only; every figure comes from `StatsService.report`,
which has already applied disclosure control, so the page, the JSON, the CSV and the CLI
show the same suppressed figures.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from aiohttp import web

from advice_chat.records import UserRecord
from advice_chat.services.stats import (
    StatsService,
    parse_range,
    summary_rows,
    today_london,
    view_rows,
)
from advice_chat.validation import InvalidInput
from advice_chat.web.http_api import read_json, staff_user
from advice_chat.web.middleware import json_error
from advice_chat.web.pages import render, signed_in

log = logging.getLogger(__name__)

STATS = web.AppKey("stats", StatsService)

routes = web.RouteTableDef()


def _range(request: web.Request) -> tuple[Any, Any]:
    return parse_range(request.query.get("from"), request.query.get("to"), today_london())


def duration(seconds: float | None) -> str:
    """A percentile from the histogram, which is an upper bound: 'up to 1 min 30 s'."""
    if seconds is None:
        return "–"
    total = int(seconds)
    if total >= 86400:
        return "over 4 hours"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return "up to " + " ".join(parts)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def readable_summary(summary: dict[str, Any]) -> list[tuple[str, str]]:
    mean = summary["survey_mean"]
    occupancy = summary["occupancy"]
    return [
        ("Chats requested", str(summary["requested"])),
        ("Answered", str(summary["answered"])),
        ("Abandoned before an answer", str(summary["abandoned"])),
        ("Refused because the service was closed", str(summary["refused_closed"])),
        ("Median wait", duration(summary["wait_median_seconds"])),
        ("90th percentile wait", duration(summary["wait_p90_seconds"])),
        ("Answered within 1 minute", percent(summary["answered_within_1_min"])),
        ("Answered within 5 minutes", percent(summary["answered_within_5_min"])),
        ("Median handle time", duration(summary["handle_median_seconds"])),
        ("Average usefulness (1 to 5)", "–" if mean is None else f"{mean:.1f}"),
        ("Adviser occupancy (chat places in use while online)", percent(occupancy)),
        ("Adviser hours online", f"{summary['adviser_hours_online']:.1f}"),
    ]


# -- JSON ---------------------------------------------------------------------------


@routes.get("/api/stats")
async def stats_json(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    try:
        day_from, day_to = _range(request)
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    stats = request.app[STATS]
    report = await stats.report(day_from, day_to)
    report["live"] = await stats.live()
    return web.json_response(report)


@routes.get("/api/stats/live")
async def stats_live(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    return web.json_response(await request.app[STATS].live())


@routes.get("/manager/stats.csv")
async def stats_csv(request: web.Request) -> web.Response:
    await staff_user(request, "manager")
    try:
        day_from, day_to = _range(request)
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    report = await request.app[STATS].report(day_from, day_to)
    wanted = request.query.get("view", "summary")
    if wanted == "summary":
        rows = summary_rows(report)
    else:
        view = next((v for v in report["views"] if v["id"] == wanted), None)
        if view is None:
            return json_error(400, "invalid", "No such view.", "view")
        rows = view_rows(view)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    response = web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="advice-chat-{wanted}-{day_from}-{day_to}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the dashboard ---------------------------------------------------------------------


async def _manager(request: web.Request) -> UserRecord | web.Response:
    user = await signed_in(request)
    if user is None:
        raise web.HTTPFound("/login")
    if user.role != "manager":
        return await render(request, "forbidden.html", page="forbidden", user=user, status=403)
    return user


@routes.get("/manager")
async def dashboard(request: web.Request) -> web.Response:
    user = await _manager(request)
    if isinstance(user, web.Response):
        return user
    error = None
    try:
        day_from, day_to = _range(request)
    except InvalidInput as exc:
        error = exc.message
        day_from, day_to = parse_range(None, None, today_london())
    stats = request.app[STATS]
    report = await stats.report(day_from, day_to)
    views = report["views"]
    return await render(
        request,
        "manager.html",
        page="manager",
        user=user,
        extra={
            "stats": report,
            "summary_items": readable_summary(report["summary"]),
            "requests": views[0],
            "views": views[1:],
            "live": await stats.live(),
            "range_error": error,
            "comments": await stats.comments(day_from, day_to),
        },
    )


# -- the professionals' survey -----------------------------------------------------------


@routes.post("/api/survey")
async def survey(request: web.Request) -> web.Response:
    try:
        done = await request.app[STATS].submit_survey(await read_json(request))
    except InvalidInput as exc:
        return web.json_response(exc.as_dict(), status=400)
    if not done:
        return json_error(
            404, "not_found", "This survey has already been answered or has expired.", None
        )
    return web.json_response({"ok": True})
