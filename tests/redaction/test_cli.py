"""`advice-chat redact` as an operator runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXE = Path(sys.executable).parent / "advice-chat"


def _run(lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), "redact", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_one_context_for_the_whole_input() -> None:
    lines = [json.dumps("his partner jade rang 07700 900123"), json.dumps("jade said no")]
    done = _run(lines)
    assert done.returncode == 0, done.stderr
    assert [json.loads(x) for x in done.stdout.splitlines()] == [
        "his partner [NAME-1] rang [PHONE-1]",
        "[NAME-1] said no",
    ]


def test_per_line_numbering() -> None:
    lines = [json.dumps("her son Tyler"), json.dumps("her son Kayden")]
    done = _run(lines, "--per-line")
    assert done.returncode == 0, done.stderr
    assert [json.loads(x) for x in done.stdout.splitlines()] == [
        "her son [NAME-1]",
        "her son [NAME-1]",
    ]


def test_bad_line_stops_with_exit_code_2_and_does_not_echo_it() -> None:
    done = _run([json.dumps("fine"), '{"text": "jade 07700 900123"}', json.dumps("never")])
    assert done.returncode == 2
    assert "line 2" in done.stderr
    assert "jade" not in done.stderr and "07700" not in done.stderr
    assert [json.loads(x) for x in done.stdout.splitlines()] == ["fine"]
