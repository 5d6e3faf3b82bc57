"""Typed application keys: the services an edge may reach."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment

from advice_chat.config import Settings
from advice_chat.services.accounts import AccountService
from advice_chat.services.chats import ChatService
from advice_chat.services.hours import HoursService
from advice_chat.services.kb import KnowledgeBase
from advice_chat.services.queue import QueueService
from advice_chat.services.transcripts import TranscriptService

SETTINGS = web.AppKey("settings", Settings)
ACCOUNTS = web.AppKey("accounts", AccountService)
CHATS = web.AppKey("chats", ChatService)
QUEUE = web.AppKey("queue", QueueService)
TEMPLATES = web.AppKey("templates", Environment)
HOURS = web.AppKey("hours", HoursService)
TRANSCRIPTS = web.AppKey("transcripts", TranscriptService)
KB = web.AppKey("kb", KnowledgeBase)
