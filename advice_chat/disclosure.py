"""Disclosure control for published statistics. Pure: no storage, no web.

The rules (stated for people in docs/statistics.md):

- **Primary suppression**: a count from 1 to the threshold (default 4) is not shown; it
  reads `<5` (the threshold plus one).
- **Secondary suppression**: a table's rows and columns add up to totals shown beside them.
  Wherever a hidden cell could be worked out from such a line (the line's total minus the
  cells shown), more cells of the line are hidden too, until none can be: shown as `[c]`.
- **Zero stays 0**: a zero says nobody, so it points at no one; hiding zeros would only hide
  where the service has no demand.
- **Rates and percentiles** are shown only for groups above the threshold, and a share only
  when both the counts it splits the group into would be shown themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 4

PRIMARY = "primary"
SECONDARY = "secondary"

# A cell of a protected table: the count, or the marker a person reads instead.
Shown = int | str


def primary_label(threshold: int) -> str:
    return f"<{threshold + 1}"


SECONDARY_LABEL = "[c]"


def is_small(value: int, threshold: int) -> bool:
    """True for counts primary suppression hides (1 to the threshold)."""
    return 1 <= value <= threshold


@dataclass(frozen=True)
class Protected:
    """A table after suppression: interior cells, row totals, column totals and the grand total.

    `state` holds None (shown), PRIMARY or SECONDARY for every cell, keyed like the values:
    (i, j) interior, (i, "row") a row's total, ("col", j) a column's total, ("all", "all").
    """

    values: dict[tuple[object, object], int]
    state: dict[tuple[object, object], str | None]
    threshold: int

    def shown(self, key: tuple[object, object]) -> Shown:
        state = self.state[key]
        if state is None:
            return self.values[key]
        return primary_label(self.threshold) if state == PRIMARY else SECONDARY_LABEL

    def hidden(self, key: tuple[object, object]) -> bool:
        return self.state[key] is not None


def protect(
    table: Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
) -> Protected:
    """Suppress a table of counts (rows × columns) whose totals are published beside it.

    `row_totals`: each row's sum is shown (its cells are parts of one whole).
    `col_totals`: each column's sum is shown; with both, the grand total is shown too.
    A table with neither has no sums to work anything out from: primary suppression only.
    """
    if threshold < 0:
        raise ValueError("threshold must not be negative")
    rows = len(table)
    cols = len(table[0]) if rows else 0
    if any(len(r) != cols for r in table):
        raise ValueError("every row needs the same number of cells")
    values: dict[tuple[object, object], int] = {}
    for i, row in enumerate(table):
        for j, v in enumerate(row):
            if v < 0:
                raise ValueError("counts are never negative")
            values[(i, j)] = int(v)
    lines: list[tuple[list[tuple[object, object]], tuple[object, object]]] = []
    if row_totals:
        for i in range(rows):
            values[(i, "row")] = sum(values[(i, j)] for j in range(cols))
            lines.append(([(i, j) for j in range(cols)], (i, "row")))
    if col_totals:
        for j in range(cols):
            values[("col", j)] = sum(values[(i, j)] for i in range(rows))
            lines.append(([(i, j) for i in range(rows)], ("col", j)))
    if row_totals and col_totals:
        values[("all", "all")] = sum(values[(i, "row")] for i in range(rows))
        lines.append(([(i, "row") for i in range(rows)], ("all", "all")))
        lines.append(([("col", j) for j in range(cols)], ("all", "all")))
    state: dict[tuple[object, object], str | None] = {
        key: PRIMARY if is_small(v, threshold) else None for key, v in values.items()
    }
    big = 2 * sum(values.values()) + threshold + 2  # stands in for "no upper bound"
    while True:
        exposed = _exposed(lines, values, state, threshold, big)
        if not exposed:
            break
        touched: set[int] = set()  # lines that hid one more cell this round
        progress = False
        for key in exposed:
            around = [n for n, (p, t) in enumerate(lines) if key in p or key == t]
            if any(n in touched for n in around):
                continue  # covered already this round; the next round checks again
            # Hide more in the line where the cell has the least cover (fewest hidden).
            around.sort(
                key=lambda n: sum(state[k] is not None for k in [*lines[n][0], lines[n][1]])
            )
            for n in around:
                if _hide_one_more(lines[n][0], lines[n][1], values, state):
                    touched.add(n)
                    progress = True
                    break
        if not progress:  # pragma: no cover - every line can always hide its total
            break
    return Protected(values, state, threshold)


Key = tuple[object, object]
Span = tuple[int, int]


def _exposed(
    lines: list[tuple[list[Key], Key]],
    values: dict[Key, int],
    state: dict[Key, str | None],
    threshold: int,
    big: int,
) -> list[Key]:
    """Hidden non-zero cells someone could work out from what the table shows.

    The reader knows the rules: a `<5` cell holds 1 to the threshold, a `[c]` cell holds 0
    or more than the threshold, and each line's parts add up to its total. Starting from
    those ranges, each line narrows the range of its hidden cells from the others', again
    and again until nothing changes (so what one line gives away is used by the next). A
    hidden cell left with one possible value is exposed. (A hidden zero worked out says no
    more than a zero shown; what it lets the reader narrow elsewhere is followed through.)
    """
    domains: dict[Key, list[Span]] = {
        k: [(1, threshold)] if state[k] == PRIMARY else [(0, 0), (threshold + 1, big)]
        for k in values
        if state[k] is not None
    }
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            members = [*parts, total]
            hidden = [k for k in members if state[k] is not None]
            if not hidden:
                continue
            # sum(parts) - total = 0, with what is shown moved to the right-hand side.
            sign = {k: 1 for k in parts}
            sign[total] = -1
            rhs = -sum(sign[k] * values[k] for k in members if state[k] is None)
            signed = [_signed(domains[k], sign[k]) for k in hidden]
            # Sums of the hidden cells before and after each one: rest = before + after.
            before: list[list[Span]] = [[(0, 0)]]
            for d in signed[:-1]:
                before.append(_add(before[-1], d, big))
            after: list[list[Span]] = [[(0, 0)]]
            for d in reversed(signed[1:]):
                after.append(_add(after[-1], d, big))
            after.reverse()
            for i, k in enumerate(hidden):
                rest = _add(before[i], after[i], big)
                # sign * v must equal rhs minus a sum the other hidden cells can make.
                possible = [(rhs - hi, rhs - lo) for lo, hi in reversed(rest)]
                narrowed = _signed(_intersect(_signed(domains[k], sign[k]), possible), sign[k])
                if narrowed != domains[k]:
                    domains[k] = narrowed
                    changed = True
    return [k for k, d in domains.items() if values[k] != 0 and _count(d) < 2]


def _signed(spans: list[Span], sign: int) -> list[Span]:
    return spans if sign > 0 else [(-hi, -lo) for lo, hi in reversed(spans)]


def _add(a: list[Span], b: list[Span], big: int) -> list[Span]:
    """Every sum of a value from `a` and one from `b`, as integer spans (capped at ±big)."""
    return _merge([(max(x + y, -big), min(p + q, big)) for x, p in a for y, q in b])


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _intersect(a: list[Span], b: list[Span]) -> list[Span]:
    return _merge([(max(x, y), min(p, q)) for x, p in a for y, q in b if max(x, y) <= min(p, q)])


def _count(spans: list[Span]) -> int:
    return sum(hi - lo + 1 for lo, hi in spans)


def _hide_one_more(
    parts: list[Key],
    total: Key,
    values: dict[Key, int],
    state: dict[Key, str | None],
) -> bool:
    """Hide the smallest non-zero part still shown; else the total; else a zero part.

    A hidden zero protects little (its lines soon give it away), so the total goes first.
    """
    shown = [k for k in parts if state[k] is None]
    nonzero = [k for k in shown if values[k] > 0]
    if nonzero:
        choice = min(nonzero, key=lambda k: (values[k], str(k)))
    elif state[total] is None:
        choice = total
    elif shown:
        choice = min(shown, key=str)
    else:
        return False  # everything in the line is hidden already
    state[choice] = SECONDARY
    return True


def share(numerator: int, denominator: int, threshold: int = DEFAULT_THRESHOLD) -> float | None:
    """numerator / denominator, or None when it would reveal a small count.

    Shown only when the group is above the threshold and neither the numerator nor the rest
    of the group (denominator − numerator) is a count primary suppression would hide.
    """
    if denominator <= threshold or numerator < 0 or numerator > denominator:
        return None
    if is_small(numerator, threshold) or is_small(denominator - numerator, threshold):
        return None
    return numerator / denominator


def mean(total: float, count: int, threshold: int = DEFAULT_THRESHOLD) -> float | None:
    """An average, only for groups above the threshold."""
    if count <= threshold:
        return None
    return total / count


def percentile(
    counts: Sequence[int],
    edges: Sequence[float],
    fraction: float,
    threshold: int = DEFAULT_THRESHOLD,
) -> float | None:
    """The `fraction` percentile (nearest rank) of a histogram, as its bucket's upper edge.

    `counts[i]` counts values in (edges[i-1], edges[i]] (the first bucket from 0). Figures
    come from buckets, never from single values; None for groups at or below the threshold.
    """
    if len(counts) != len(edges):
        raise ValueError("one count per bucket edge")
    n = sum(counts)
    if n <= threshold or n == 0:
        return None
    rank = max(1, math.ceil(fraction * n))
    seen = 0
    for count, edge in zip(counts, edges, strict=True):
        seen += count
        if seen >= rank:
            return float(edge)
    return float(edges[-1])  # pragma: no cover - seen reaches n


__all__ = [
    "DEFAULT_THRESHOLD",
    "PRIMARY",
    "SECONDARY",
    "SECONDARY_LABEL",
    "Protected",
    "is_small",
    "mean",
    "percentile",
    "primary_label",
    "protect",
    "share",
]
