"""Cross-cutting HTTP protections: security headers and the same-origin rule for API writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from advice_chat.web.keys import SETTINGS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

# The content types an HTML form can send cross-site without a CORS pre-flight.
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: int, error: str, message: str, field: str | None = None) -> web.Response:
    return web.json_response({"error": error, "field": field, "message": message}, status=status)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if request.app[SETTINGS].secure_cookies:  # served over TLS
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if isinstance(response, web.HTTPException):
        raise response
    return response


def _own_origins(request: web.Request) -> set[str]:
    """This server's origin, as the browser sees it. Behind a TLS proxy the request arrives
    as http, so the proxy's X-Forwarded-Proto counts too (as python-socketio does for its
    own Origin check). A cross-site page cannot add that header without a CORS pre-flight,
    which this server never grants."""
    origins = {f"{request.scheme}://{request.host}"}
    forwarded = request.headers.get("X-Forwarded-Proto")
    if forwarded in ("http", "https"):
        origins.add(f"{forwarded}://{request.host}")
    return origins


def client_address(request: web.Request) -> str:
    """The client's address for rate limits: the peer, or (only when the operator says every
    request comes through their proxy) the last X-Forwarded-For entry, which that proxy
    wrote."""
    if request.app[SETTINGS].trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return (request.remote or "unknown")[:64]


@web.middleware
async def api_write_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """JSON writes only, and never from another site's page (a CSRF defence).

    Covers every state-changing method on every path (the pages have no state-changing HTML
    forms; the socket transport has its own Origin check).
    """
    if request.method not in ("GET", "HEAD", "OPTIONS") and not request.path.startswith(
        "/socket.io/"
    ):
        origin = request.headers.get("Origin")
        if origin is not None and origin not in _own_origins(request):
            return json_error(403, "forbidden_origin", "Requests from other sites are refused.")
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            return json_error(403, "forbidden_origin", "Requests from other sites are refused.")
        # A form with no fields sends no body but a form content type: refused as well.
        form = "Content-Type" in request.headers and request.content_type in _FORM_TYPES
        if (request.body_exists or form) and request.content_type != "application/json":
            return json_error(
                415, "unsupported_media_type", "Send the request body as application/json."
            )
    return await handler(request)
