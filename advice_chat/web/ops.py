"""Operations endpoints and middleware: readiness, Prometheus metrics, request ids and timing."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from advice_chat.metrics import Metrics
from advice_chat.storage.engine import head_revision
from advice_chat.storage.store import Store
from advice_chat.web.keys import SETTINGS

log = logging.getLogger("advice_chat.http")

METRICS = web.AppKey("metrics", Metrics)
OPS_STORE = web.AppKey("ops_store", Store)
OPS_REDIS = web.AppKey("ops_redis", aioredis.Redis)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Label values must be a fixed set: any other method a client invents is counted as "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A readiness probe must answer while the database hangs, not after the driver's own timeout.
READY_CHECK_SECONDS = 3.0
# Headers a reverse proxy adds: such a request came from outside, whatever its peer address.
_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

routes = web.RouteTableDef()


def _route_name(request: web.Request) -> str:
    """The route template (e.g. /api/manager/advisers/{user_id}), never the raw path."""
    resource = request.match_info.route.resource
    if resource is None:
        return "unmatched"
    canonical = resource.canonical
    return "/static" if canonical.startswith("/static") else canonical


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id (echoed in X-Request-Id and the log) and time it."""
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
    except web.HTTPException as exc:
        status = exc.status
        exc.headers["X-Request-Id"] = request_id
        raise
    finally:
        elapsed = time.perf_counter() - started
        route = _route_name(request)
        if route != "/socket.io/":
            method = request.method if request.method in _METHODS else "other"
            request.app[METRICS].http_seconds.labels(method, route, str(status)).observe(elapsed)
            log.info(
                "http request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "route": route,
                    "status_code": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
    response.headers["X-Request-Id"] = request_id
    return response


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers at the newest migration and Redis (if used) answers."""
    checks: dict[str, str] = {}
    try:
        revision = await asyncio.wait_for(
            request.app[OPS_STORE].schema_revision(), READY_CHECK_SECONDS
        )
        checks["database"] = "ok"
        checks["migrations"] = "ok" if revision == head_revision() else "behind"
    except Exception:
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    if OPS_REDIS in request.app:
        try:
            await asyncio.wait_for(request.app[OPS_REDIS].ping(), READY_CHECK_SECONDS)
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


def _loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format; with no token set, only for direct requests from loopback.

    A request relayed by a reverse proxy on the same host also arrives from loopback, so one
    carrying a proxy's forwarding header is refused too.
    """
    token = request.app[SETTINGS].metrics_token
    if token:
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        # Bytes, because compare_digest raises on a str that is not ASCII.
        if not secrets.compare_digest(given, f"Bearer {token}".encode()):
            return web.Response(status=401, text="unauthorized\n")
    elif not _loopback(request.remote) or any(h in request.headers for h in _PROXY_HEADERS):
        return web.Response(status=403, text="metrics answer internal addresses only\n")
    registry = request.app[METRICS]
    counts = await request.app[OPS_STORE].chat_counts()
    for state in ("waiting", "assigned", "ended"):
        registry.chats.labels(state).set(counts.get(state, 0))
    body = generate_latest(registry.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
