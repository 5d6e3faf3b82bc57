"""Typed application keys: the services an edge may reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from advice_chat.config import Settings
from advice_chat.queueing.ratelimit import RateLimiter
from advice_chat.services.accounts import AccountService
from advice_chat.services.chats import ChatService
from advice_chat.services.hours import HoursService
from advice_chat.services.kb import KnowledgeBase
from advice_chat.services.queue import QueueService
from advice_chat.services.transcripts import TranscriptService
from advice_chat.web.i18n import Templates

if TYPE_CHECKING:
    from advice_chat.web.sockets import SocketEdge

SETTINGS = web.AppKey("settings", Settings)
ACCOUNTS = web.AppKey("accounts", AccountService)
CHATS = web.AppKey("chats", ChatService)
QUEUE = web.AppKey("queue", QueueService)
TEMPLATES = web.AppKey("templates", Templates)
HOURS = web.AppKey("hours", HoursService)
TRANSCRIPTS = web.AppKey("transcripts", TranscriptService)
KB = web.AppKey("kb", KnowledgeBase)
# Rate-limit counters (in process, or in Redis when it is configured).
LIMITER: web.AppKey[RateLimiter] = web.AppKey("limiter")
SOCKETS: web.AppKey[SocketEdge] = web.AppKey("sockets")
