"""The staff session cookie: one name, one set of attributes."""

from __future__ import annotations

from aiohttp import web

SESSION_COOKIE = "advice_chat_session"


def set_session_cookie(
    response: web.StreamResponse, token: str, *, secure: bool, max_age: int
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")
