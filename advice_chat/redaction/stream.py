"""`advice-chat redact`: JSON strings in, one a line; the same lines redacted out.

A line that is not a JSON string stops the run with exit code 2 and a message naming the line
number on stderr (never its content): failing closed means no unredacted text can slip through
to a file that is believed to be redacted.
"""

from __future__ import annotations

import json
from typing import TextIO

from advice_chat.redaction.engine import Redactor

BAD_INPUT = 2


def run(stdin: TextIO, stdout: TextIO, stderr: TextIO, *, per_line: bool = False) -> int:
    """One chat context for the whole input, or a fresh one per line when ``per_line``."""
    redactor = Redactor()
    context = redactor.context()
    for number, line in enumerate(stdin, start=1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, str):
            print(f"advice-chat redact: line {number} is not a JSON string; stopped", file=stderr)
            return BAD_INPUT
        out = redactor.redact_one(value) if per_line else context.redact(value)
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    stdout.flush()
    return 0
