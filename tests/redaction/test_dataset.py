"""The labelled sets are well formed: offsets inside the text, on word boundaries, no overlaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advice_chat.redaction import KINDS

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
SETS = sorted(DATA.glob("redaction_*.jsonl"))


def test_sets_exist_and_are_large_enough() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in SETS}
    assert sizes["redaction_dev.jsonl"] >= 300
    assert sizes["redaction_holdout.jsonl"] >= 100


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_offsets_valid(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        row = json.loads(line)
        text = row["text"]
        assert isinstance(text, str) and text, number
        previous_end = -1
        for span in sorted(row["spans"], key=lambda s: s["start"]):
            start, end = span["start"], span["end"]
            assert span["type"] in KINDS, (number, span)
            assert 0 <= start < end <= len(text), (number, span)
            assert start >= previous_end, (number, "overlap")
            piece = text[start:end]
            assert piece == piece.strip(), (number, piece)
            assert start == 0 or not text[start - 1].isalnum(), (number, piece)
            assert end == len(text) or not text[end].isalnum(), (number, piece)
            previous_end = end
