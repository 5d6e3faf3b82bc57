"""python-socketio's Redis manager with a bounded, blocking connection pool.

With redis-py 8 a full asyncio pool raises MaxConnectionsError; the stock
manager takes any publish error for a lost connection and builds a new
client without closing the old one, so under load it opens a connection per
publish and throughput collapses (see the engineering notes). A blocking pool
makes publishers wait for a free connection instead, and the old client is
closed when a reconnect does happen.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
import socketio

POOL_SIZE = 16


class PooledRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    def _redis_connect(self) -> None:
        old: Any = getattr(self, "redis", None)
        pool = aioredis.BlockingConnectionPool.from_url(
            self.redis_url, max_connections=POOL_SIZE, timeout=10
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True
        if old is not None:
            try:
                asyncio.get_running_loop().create_task(old.aclose())
            except RuntimeError:  # pragma: no cover - no loop while shutting down
                pass
