"""Disclosure control: primary and secondary suppression, rates and percentiles."""

from __future__ import annotations

import itertools
import random

import pytest

from advice_chat.disclosure import (
    PRIMARY,
    SECONDARY,
    SECONDARY_LABEL,
    mean,
    percentile,
    primary_label,
    protect,
    share,
)


def test_primary_hides_one_to_threshold_and_keeps_zero_and_larger() -> None:
    p = protect([[0, 1, 4, 5, 9]], 4, row_totals=False, col_totals=False)
    assert [p.shown((0, j)) for j in range(5)] == [0, "<5", "<5", 5, 9]


def test_the_threshold_is_configurable() -> None:
    p = protect([[2, 3, 10]], 2, row_totals=False, col_totals=False)
    assert [p.shown((0, j)) for j in range(3)] == ["<3", 3, 10]
    assert primary_label(9) == "<10"


def test_one_hidden_cell_in_a_line_with_its_total_hides_the_next_smallest() -> None:
    p = protect([[3, 20, 7, 0]], 4, col_totals=False)
    assert p.shown((0, 0)) == "<5"
    assert p.state[(0, 2)] == SECONDARY  # 7 is the next smallest non-zero
    assert p.shown((0, 2)) == SECONDARY_LABEL
    assert p.shown((0, 1)) == 20 and p.shown((0, 3)) == 0
    assert p.shown((0, "row")) == 30


def test_two_ones_would_be_worked_out_from_their_sum() -> None:
    # 1 + 1 = 30 - 28: both hidden cells must be 1, so a third is hidden.
    p = protect([[1, 1, 28]], 4, col_totals=False)
    assert p.hidden((0, 2)) or p.hidden((0, "row"))


def test_two_at_threshold_would_be_worked_out() -> None:
    p = protect([[4, 4, 28]], 4, col_totals=False)
    assert p.hidden((0, 2)) or p.hidden((0, "row"))


def test_small_total_is_hidden_with_a_partner() -> None:
    p = protect([[2, 0, 0]], 4, col_totals=False)
    assert p.state[(0, 0)] == PRIMARY and p.state[(0, "row")] == PRIMARY


def test_two_dimensional_margins() -> None:
    table = [[10, 2, 8], [6, 9, 12], [7, 11, 15]]
    p = protect(table, 4)
    assert p.state[(0, 1)] == PRIMARY
    # The 2 is not alone in its row or its column, and every total stays shown here.
    assert sum(p.hidden((0, j)) for j in range(3)) >= 2
    assert sum(p.hidden((i, 1)) for i in range(3)) >= 2
    assert not any(p.hidden(k) for k in p.values if "row" in k or "col" in k or "all" in k)


def lines(rows: int, cols: int) -> list[tuple[list[tuple[object, object]], tuple[object, object]]]:
    out: list[tuple[list[tuple[object, object]], tuple[object, object]]] = []
    for i in range(rows):
        out.append(([(i, j) for j in range(cols)], (i, "row")))
    for j in range(cols):
        out.append(([(i, j) for i in range(rows)], ("col", j)))
    out.append(([(i, "row") for i in range(rows)], ("all", "all")))
    out.append(([("col", j) for j in range(cols)], ("all", "all")))
    return out


def assert_no_line_reveals(p: object, table: list[list[int]], t: int) -> None:
    """Brute force per line: every hidden cell has another value consistent with the line."""
    from advice_chat.disclosure import Protected

    assert isinstance(p, Protected)
    rows, cols = len(table), len(table[0])
    for parts, total in lines(rows, cols):
        members = [*parts, total]
        hidden = [k for k in members if p.hidden(k)]
        if not hidden:
            continue
        biggest = sum(sum(r) for r in table) + 1
        if not p.hidden(total):
            biggest = p.values[total]  # no part can exceed a total that is shown
        ranges = [
            range(1, t + 1) if p.state[k] == PRIMARY else [0, *range(t + 1, biggest + 1)]
            for k in hidden
        ]
        seen: dict[tuple[object, object], set[int]] = {k: set() for k in hidden}
        for combo in itertools.product(*ranges):
            guess = dict(p.values)
            guess.update(zip(hidden, combo, strict=True))
            if sum(guess[k] for k in parts) == guess[total]:
                for k, v in zip(hidden, combo, strict=True):
                    seen[k].add(v)
        for k in hidden:
            # A hidden zero worked out says no more than a zero shown.
            assert len(seen[k]) >= 2 or p.values[k] == 0, (table, k, seen[k])


@pytest.mark.parametrize("seed", range(40))
def test_random_one_dimensional_lines_never_reveal_a_hidden_cell(seed: int) -> None:
    rng = random.Random(seed)
    row = [rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in range(rng.randint(2, 5))]
    p = protect([row], 4, col_totals=False)
    rows_lines = [([(0, j) for j in range(len(row))], (0, "row"))]
    for parts, total in rows_lines:
        hidden = [k for k in [*parts, total] if p.hidden(k)]
        if not hidden:
            continue
        ranges = [
            range(1, 5) if p.state[k] == PRIMARY else [0, *range(5, sum(row) + 6)] for k in hidden
        ]
        seen: dict[tuple[object, object], set[int]] = {k: set() for k in hidden}
        for combo in itertools.product(*ranges):
            guess = dict(p.values)
            guess.update(zip(hidden, combo, strict=True))
            if sum(guess[k] for k in parts) == guess[total]:
                for k, v in zip(hidden, combo, strict=True):
                    seen[k].add(v)
        for k in hidden:
            assert len(seen[k]) >= 2 or p.values[k] == 0, (row, k, seen[k])


@pytest.mark.parametrize("seed", range(60))
def test_random_small_tables_never_reveal_a_hidden_cell_from_one_line(seed: int) -> None:
    rng = random.Random(1000 + seed)
    table = [[rng.choice([0, 1, 3, 5, 6, 8]) for _ in range(3)] for _ in range(2)]
    assert_no_line_reveals(protect(table, 4), table, 4)


def test_share_needs_both_parts_above_threshold() -> None:
    assert share(10, 20) == 0.5
    assert share(0, 20) == 0.0
    assert share(20, 20) == 1.0
    assert share(2, 20) is None  # reveals 2
    assert share(18, 20) is None  # reveals the other 2
    assert share(3, 4) is None  # group too small
    assert share(0, 4) is None


def test_mean_and_percentile_only_above_threshold() -> None:
    assert mean(20.0, 4) is None
    assert mean(20.0, 5) == 4.0
    edges = [10, 20, 30, 60]
    assert percentile([1, 1, 1, 1], edges, 0.5) is None
    assert percentile([1, 1, 1, 1], edges, 0.5, threshold=3) == 20.0
    assert percentile([5, 0, 0, 5], edges, 0.5) == 10.0
    assert percentile([5, 0, 0, 5], edges, 0.9) == 60.0
    assert percentile([0, 0, 0, 0], edges, 0.5, threshold=0) is None


@pytest.mark.parametrize("seed", range(25))
def test_random_two_by_two_tables_never_reveal_a_hidden_cell_from_the_whole_table(
    seed: int,
) -> None:
    """Every assignment of the hidden interior cells that agrees with everything shown."""
    rng = random.Random(5000 + seed)
    t = 4
    table = [[rng.choice([0, 1, 2, 4, 5, 7, 9]) for _ in range(2)] for _ in range(2)]
    p = protect(table, t)
    grand = sum(sum(r) for r in table)
    interior = [(i, j) for i in range(2) for j in range(2)]
    hidden_interior = [k for k in interior if p.hidden(k)]

    def domain(k: tuple[object, object]) -> list[int]:
        if p.state[k] == PRIMARY:
            return list(range(1, t + 1))
        return [0, *range(t + 1, grand + 6)]

    seen: dict[tuple[object, object], set[int]] = {k: set() for k in p.values if p.hidden(k)}
    for combo in itertools.product(*(domain(k) for k in hidden_interior)):
        cells = {k: p.values[k] for k in interior}
        cells.update(zip(hidden_interior, combo, strict=True))
        derived: dict[tuple[object, object], int] = dict(cells)
        for i in range(2):
            derived[(i, "row")] = cells[(i, 0)] + cells[(i, 1)]
        for j in range(2):
            derived[("col", j)] = cells[(0, j)] + cells[(1, j)]
        derived[("all", "all")] = sum(cells.values())
        ok = all(
            (derived[k] == p.values[k]) if not p.hidden(k) else derived[k] in domain(k)
            for k in p.values
        )
        if ok:
            for k in seen:
                seen[k].add(derived[k])
    for k, values in seen.items():
        assert len(values) >= 2 or p.values[k] == 0, (table, k, values)
