"""The JSON module python-socketio decodes packets with: the standard one, except that a
packet nested too deeply for Python's parser is answered instead of raising.

A socket frame of 64 KiB can nest thousands of levels, and `json.loads` then raises
RecursionError inside python-socketio, where the event is dropped unanswered. Here such an
event arrives with a string payload instead (`TOO_DEEP`), which the event dispatcher answers
with `invalid` like any other payload that is not an object; a connect packet arrives as `{}`
(no credentials). Only the failing case costs anything extra.
"""

from __future__ import annotations

import json
import re
from typing import Any

TOO_DEEP = "payload nested too deeply"
_EVENT_NAME = re.compile(r'\s*\[\s*("(?:[^"\\]|\\.){0,100}")')

dumps = json.dumps


def loads(s: str | bytes, **kwargs: Any) -> Any:
    try:
        return json.loads(s, **kwargs)
    except RecursionError:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        found = _EVENT_NAME.match(text)
        if found is None:
            return {}
        return [json.loads(found.group(1)), TOO_DEEP]
