"""Structured JSON logs that carry ids and counts, never what people wrote.

Only the whitelisted `extra` keys below are written, so a careless
`extra={"text": ...}` cannot leak message text into the log.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

SAFE_EXTRA_KEYS = (
    "chat_id",
    "user_id",
    "sid",
    "seq",
    "sender",
    "chars",
    "priority",
    "status",
    "ended_by",
    "was",
    "event",
    "role",
    "first_message",
    "count",
    "port",
    "host",
    "backend",
    "database",
    "request_id",
    "method",
    "route",
    "status_code",
    "duration_ms",
    "team",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in SAFE_EXTRA_KEYS:
            if key in record.__dict__:
                data[key] = record.__dict__[key]
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library loggers can print payloads at debug level; keep them quiet.
    for name in ("socketio", "engineio", "aiohttp.access", "sqlalchemy", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
