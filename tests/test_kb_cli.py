"""`advice-chat kb reindex` and `advice-chat kb search QUERY --json`, as an operator runs them:
subprocesses on a fresh var dir (SQLite, the embedded default) with the real articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "advice_chat.cli"]


def _run(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVICE_CHAT_")}
    env["ADVICE_CHAT_VAR_DIR"] = str(var)
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_reindex_then_search_prints_json_best_first(tmp_path: Path) -> None:
    reindex = _run(tmp_path, "kb", "reindex")
    assert reindex.returncode == 0, reindex.stderr
    assert "search index rebuilt for" in reindex.stdout

    found = _run(tmp_path, "kb", "search", "DVPO", "--limit", "3", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert 1 <= len(hits) <= 3
    assert all(set(h) == {"slug", "title", "score", "snippet"} for h in hits)
    assert hits[0]["slug"] == "dvpn-dvpo"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "<mark>" in hits[0]["snippet"]

    # Staff view: a staff-only article is found too; hostile input is only words.
    staff = _run(tmp_path, "kb", "search", "distressed caller", "--json")
    assert staff.returncode == 0, staff.stderr
    assert "adviser-handling-distressed-callers" in [h["slug"] for h in json.loads(staff.stdout)]
    hostile = _run(tmp_path, "kb", "search", '"<script>" OR NEAR(', "--json")
    assert hostile.returncode == 0, hostile.stderr
    assert "<script>" not in hostile.stdout
