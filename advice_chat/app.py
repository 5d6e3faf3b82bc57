"""Composition root: builds the storage, queue, services and edges from settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
import socketio
from aiohttp import web

from advice_chat.config import PROJECT_ROOT, Settings
from advice_chat.metrics import Metrics
from advice_chat.queueing.base import QueueBackend
from advice_chat.queueing.memory import MemoryQueue
from advice_chat.queueing.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from advice_chat.queueing.redis_backend import RedisQueue
from advice_chat.redaction import Redactor
from advice_chat.services.accounts import AccountService
from advice_chat.services.chats import ChatService
from advice_chat.services.console import ConsoleService
from advice_chat.services.hours import HoursService
from advice_chat.services.housekeeping import Housekeeping
from advice_chat.services.kb import KnowledgeBase
from advice_chat.services.queue import QueueService
from advice_chat.services.stats import StatsService
from advice_chat.services.transcripts import TranscriptService
from advice_chat.storage.console_store import ConsoleStore
from advice_chat.storage.engine import create_engine, upgrade
from advice_chat.storage.kb_store import KbStore
from advice_chat.storage.sealing import Sealer
from advice_chat.storage.stats_store import StatsStore
from advice_chat.storage.store import Store
from advice_chat.web import console_views, http_api, kb_views, openapi, ops, pages, safe_json
from advice_chat.web import stats as stats_views
from advice_chat.web import teams as team_views
from advice_chat.web import transcripts as transcript_views
from advice_chat.web.access import access_control
from advice_chat.web.i18n import Templates
from advice_chat.web.keys import (
    ACCOUNTS,
    CHATS,
    HOURS,
    KB,
    LIMITER,
    QUEUE,
    SETTINGS,
    SOCKETS,
    TEMPLATES,
    TRANSCRIPTS,
)
from advice_chat.web.middleware import api_write_guard, security_headers
from advice_chat.web.ops import METRICS, OPS_REDIS, OPS_STORE, request_context
from advice_chat.web.room_index import IndexedManager, IndexedRedisManager
from advice_chat.web.sockets import SocketEdge, SocketNotifier

log = logging.getLogger(__name__)

STORE = web.AppKey("store", Store)

# Socket.IO frames above this are refused by the transport (a message is at most 4,000 chars).
MAX_SOCKET_PAYLOAD = 64 * 1024


def _queue_backend(settings: Settings) -> tuple[QueueBackend, aioredis.Redis | None]:
    if not settings.redis_url:
        return MemoryQueue(), None
    client = aioredis.Redis(
        connection_pool=aioredis.BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=32, timeout=10
        )
    )
    return RedisQueue(client, prefix=settings.redis_prefix), client


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        client_max_size=64 * 1024,
        middlewares=[request_context, security_headers, api_write_guard, access_control],
    )
    metrics = Metrics()
    manager = (
        IndexedRedisManager(settings.redis_url, channel=settings.redis_prefix + "socketio")
        if settings.redis_url
        else IndexedManager()
    )
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        max_http_buffer_size=MAX_SOCKET_PAYLOAD,
        json=safe_json,
        logger=False,
        engineio_logger=False,
    )
    sio.attach(app)
    notifier = SocketNotifier(sio)
    store = Store(create_engine(settings.database_url), Sealer(settings.secret_key))
    backend, redis_client = _queue_backend(settings)
    hours = HoursService(store)
    queue = QueueService(
        store,
        backend,
        notifier,
        hours,
        broadcast_seconds=settings.queue_broadcast_seconds,
        default_handle_seconds=settings.default_handle_seconds,
        routing=settings.routing,
        offer_seconds=settings.offer_seconds,
        metrics=metrics,
    )
    limiter: RateLimiter = (
        RedisRateLimiter(redis_client, settings.redis_prefix)
        if redis_client is not None
        else MemoryRateLimiter()
    )
    accounts = AccountService(
        store,
        session_hours=settings.session_hours,
        default_capacity=settings.adviser_capacity,
        secret_key=settings.secret_key,
        idle_minutes=settings.session_idle_minutes,
        require_totp=settings.require_totp,
        limiter=limiter,
        failures_per_account=settings.login_failures_per_account,
        failures_per_address=settings.login_failures_per_address,
    )
    redactor = Redactor()
    transcripts = TranscriptService(
        store,
        redactor,
        retention_days=settings.retention_days,
        interval_seconds=settings.housekeeping_seconds,
        purge_interval_seconds=settings.purge_seconds,
        metrics=metrics,
    )
    stats = StatsService(
        StatsStore(store.engine),
        redactor,
        threshold=settings.stats_threshold,
        live=queue.snapshot,
    )
    chats = ChatService(store, queue, notifier, hours, metrics, transcripts, stats)
    console = ConsoleService(
        store,
        ConsoleStore(store.engine),
        chats,
        queue,
        notifier,
        count_flag=stats.flag_counter,
    )
    housekeeping = Housekeeping(
        queue,
        chats,
        interval_seconds=settings.housekeeping_seconds,
        professional_grace_seconds=settings.professional_grace_seconds,
        adviser_grace_seconds=settings.adviser_grace_seconds,
    )
    kb = KnowledgeBase(
        KbStore(store.engine),
        directory=settings.kb_dir,
        review_months=settings.kb_review_months,
        chats=chats,
    )
    app[KB] = kb
    app[console_views.CONSOLE] = console
    app[SETTINGS] = settings
    app[STORE] = store
    app[ACCOUNTS] = accounts
    app[CHATS] = chats
    app[QUEUE] = queue
    app[HOURS] = hours
    app[TRANSCRIPTS] = transcripts
    app[stats_views.STATS] = stats
    app[TEMPLATES] = Templates(PROJECT_ROOT / "templates")
    app[LIMITER] = limiter
    app[SOCKETS] = SocketEdge(
        sio,
        notifier,
        accounts,
        chats,
        queue,
        metrics,
        kb=kb,
        console=console,
        events_per_connection=settings.events_per_connection,
        connections_per_address=settings.connections_per_address,
    )
    app[METRICS] = metrics
    app[OPS_STORE] = store
    if redis_client is not None:
        app[OPS_REDIS] = redis_client
    app.add_routes(ops.routes)
    app.add_routes(http_api.routes)
    app.add_routes(team_views.routes)
    app.add_routes(pages.routes)
    app.add_routes(kb_views.routes)
    app.add_routes(transcript_views.routes)
    app.add_routes(stats_views.routes)
    app.add_routes(console_views.routes)
    app.add_routes(openapi.routes)
    app.router.add_static("/static", PROJECT_ROOT / "static", append_version=False)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        metrics.watch_gc()
        await upgrade(settings.database_url)
        await kb.load_directory()
        await queue.heartbeat()
        await queue.recover()
        queue.start()
        housekeeping.start()
        transcripts.start()
        stats.start()
        console.start()
        app[SOCKETS].start(settings.housekeeping_seconds)
        log.info(
            "ready",
            extra={
                "database": store.engine.dialect.name,
                "backend": "redis" if redis_client else "memory",
            },
        )
        yield
        await app[SOCKETS].close()
        await housekeeping.close()
        await kb.close()
        await transcripts.close()
        await stats.close()
        await console.close()
        await queue.close()
        await store.close()
        if redis_client is not None:
            await redis_client.aclose()
        metrics.unwatch_gc()

    async def on_shutdown(app: web.Application) -> None:
        log.info("shutting down")
        await app[SOCKETS].drain(settings.shutdown_seconds / 2)

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(on_shutdown)
    return app
