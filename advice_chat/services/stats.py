"""Statistics for managers: counted as chats end, read back with disclosure control.

Nothing here reads chats or transcripts to make a figure. Each chat adds to daily aggregate
counts (`stats_counts`) in the same transaction that ends it; refusals outside opening
hours, survey answers and once-a-minute occupancy samples add to the same table. A report
sums the days of a range and passes every table through `advice_chat.disclosure`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from advice_chat import disclosure
from advice_chat.opening import LONDON
from advice_chat.options import (
    ADVICE,
    ADVICE_IDS,
    FLAG_REASONS,
    OUTCOMES,
    REFERRAL_IDS,
    REFERRALS,
    REGIONS,
    ROLES,
    SURVEY_COMMENT_MAX_CHARS,
    TOPIC_IDS,
    TOPICS,
    Option,
)
from advice_chat.records import ChatRecord, utcnow
from advice_chat.redaction import Redactor
from advice_chat.routing import SEED_TEAMS
from advice_chat.services.accounts import hash_token
from advice_chat.services.errors import ChatRefused
from advice_chat.storage.stats_store import CountKey, StatsStore
from advice_chat.validation import InvalidInput, PreChat, clean_text

log = logging.getLogger(__name__)

# Histogram buckets (upper edges, seconds). A value v falls in the first bucket whose edge
# is >= v; the last edge catches everything longer. 60 and 300 are edges, so "answered
# within 1 and 5 minutes" are exact.
WAIT_EDGES: tuple[int, ...] = (
    *(5, 10, 15, 20, 30, 45, 60, 90, 120, 150, 180, 240, 300, 420, 600, 900),
    *(1200, 1800, 2700, 3600, 5400, 7200, 14400, 86400),
)
HANDLE_EDGES: tuple[int, ...] = (
    *(60, 120, 180, 300, 420, 600, 900, 1200, 1500, 1800, 2400, 3000, 3600),
    *(5400, 7200, 10800, 86400),
)
# The coarser wait bands shown as a table (upper edges, seconds), built from WAIT_EDGES.
WAIT_BANDS: tuple[tuple[int, str], ...] = (
    (60, "Within 1 minute"),
    (300, "1 to 5 minutes"),
    (900, "5 to 15 minutes"),
    (1800, "15 to 30 minutes"),
    (3600, "30 minutes to 1 hour"),
    (86400, "Over 1 hour"),
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SURVEY_DAYS = 7  # a survey invite lasts this long
SAMPLE_SECONDS = 60.0
MAX_RANGE_DAYS = 3700
NOT_RECORDED = "not-recorded"
DAYS_UP_TO = 62  # the time view goes day by day up to this many days,
WEEKS_UP_TO = 371  # week by week up to this many, then month by month


def bucket(seconds: float, edges: Sequence[int]) -> int:
    for i, edge in enumerate(edges):
        if seconds <= edge:
            return i
    return len(edges) - 1


def local_day(moment: datetime) -> tuple[str, int, int]:
    """(day "YYYY-MM-DD", weekday 0 = Monday, hour) of a moment in Europe/London."""
    local = moment.astimezone(LONDON)
    return local.date().isoformat(), local.weekday(), local.hour


# -- wrap-up --------------------------------------------------------------------


@dataclass(frozen=True)
class WrapUp:
    topic: str
    advice: tuple[str, ...]
    referrals: tuple[str, ...]
    safeguarding_concern: bool


def _id_list(value: Any, allowed: frozenset[str], field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > len(allowed):
        raise ChatRefused("invalid_wrap_up", f"wrap_up.{field} must be a list of ids.")
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise ChatRefused("invalid_wrap_up", f"wrap_up.{field} holds an unknown id.")
    return tuple(dict.fromkeys(value))


def parse_wrap_up(value: Any) -> WrapUp | None:
    """The adviser's wrap-up from an `end` event, or None when absent.

    Raises ChatRefused("invalid_wrap_up") naming the field at fault.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ChatRefused("invalid_wrap_up", "wrap_up must be an object.")
    topic = value.get("topic")
    if not isinstance(topic, str) or topic not in TOPIC_IDS:
        raise ChatRefused("invalid_wrap_up", "Please choose the topic discussed.")
    concern = value.get("safeguarding_concern", False)
    if not isinstance(concern, bool):
        raise ChatRefused("invalid_wrap_up", "wrap_up.safeguarding_concern must be true or false.")
    return WrapUp(
        topic=topic,
        advice=_id_list(value.get("advice"), ADVICE_IDS, "advice"),
        referrals=_id_list(value.get("referrals"), REFERRAL_IDS, "referrals"),
        safeguarding_concern=concern,
    )


# -- what one event adds ----------------------------------------------------------


def chat_counts(chat: ChatRecord, wrap_up: WrapUp | None) -> Counter[CountKey]:
    """The counts an ended chat adds, under the day and hour it was requested."""
    day, weekday, hour = local_day(chat.created_at)
    answered = chat.assigned_at is not None
    status = "answered" if answered else "abandoned"
    c: Counter[CountKey] = Counter()
    c[(day, "total", "", "requested")] += 1
    c[(day, "total", "", status)] += 1
    c[(day, "hour", f"{weekday}-{hour}", "requested")] += 1
    # By role, region, topic and the team the chat was routed to (issue 12).
    groups = (
        ("role", chat.role),
        ("region", chat.region),
        ("topic", chat.topic),
        ("team", chat.team),
    )
    for dim, value in groups:
        c[(day, dim, value, status)] += 1
    if chat.assigned_at is not None:
        wait = max(0.0, (chat.assigned_at - chat.created_at).total_seconds())
        if wait <= 300:  # each group's share answered within 5 minutes
            for dim, value in groups:
                c[(day, dim, value, "within_5_min")] += 1
        handle = max(0.0, ((chat.ended_at or chat.assigned_at) - chat.assigned_at).total_seconds())
        c[(day, "wait", str(bucket(wait, WAIT_EDGES)), "answered")] += 1
        c[(day, "handle", str(bucket(handle, HANDLE_EDGES)), "answered")] += 1
        c[(day, "outcome", chat.outcome or NOT_RECORDED, "answered")] += 1
        if wrap_up is not None:
            c[(day, "discussed", wrap_up.topic, "answered")] += 1
            for item in wrap_up.advice:
                c[(day, "advice", item, "answered")] += 1
            for item in wrap_up.referrals:
                c[(day, "referral", item, "answered")] += 1
            c[
                (day, "safeguarding", "yes" if wrap_up.safeguarding_concern else "no", "answered")
            ] += 1
    return c


def refusal_counts(pre_chat: PreChat, at: datetime, team: str | None = None) -> Counter[CountKey]:
    day, _, _ = local_day(at)
    c: Counter[CountKey] = Counter()
    c[(day, "total", "", "refused")] += 1
    if team is not None:
        c[(day, "team", team, "refused")] += 1
    for dim, value in (("role", pre_chat.role), ("region", pre_chat.region)):
        c[(day, dim, value, "refused")] += 1
    c[(day, "topic", pre_chat.topic, "refused")] += 1
    return c


def flag_counts(reason: str, at: datetime) -> Counter[CountKey]:
    """A safeguarding flag raised in a chat (adviser console): counted by reason and day."""
    day, _, _ = local_day(at)
    return Counter({(day, "flag", reason, "raised"): 1})


# -- the service ----------------------------------------------------------------------


OnEnd = Callable[[AsyncConnection, ChatRecord], Awaitable[None]]
OnFlag = Callable[[AsyncConnection], Awaitable[None]]


class StatsService:
    def __init__(
        self,
        store: StatsStore,
        redactor: Redactor,
        *,
        threshold: int = disclosure.DEFAULT_THRESHOLD,
        live: Callable[[], Awaitable[dict[str, int]]] | None = None,
        sample_seconds: float = SAMPLE_SECONDS,
    ) -> None:
        self._store = store
        self._redactor = redactor
        self.threshold = threshold
        self._live = live
        self._sample_seconds = sample_seconds
        self._task: asyncio.Task[None] | None = None

    # -- counting -------------------------------------------------------------

    def on_end(self, wrap_up: WrapUp | None, survey_token: str | None) -> OnEnd:
        """What to do in the transaction that ends a chat: count it, keep its wrap-up and
        make the survey invite (answered chats only)."""

        async def counted(conn: AsyncConnection, chat: ChatRecord) -> None:
            answered = chat.assigned_at is not None
            wrap = wrap_up if answered else None
            await self._store.add_counts_in(conn, chat_counts(chat, wrap))
            if wrap is not None:
                await self._store.save_wrap_up_in(
                    conn,
                    chat.id,
                    topic=wrap.topic,
                    advice=wrap.advice,
                    referrals=wrap.referrals,
                    safeguarding_concern=wrap.safeguarding_concern,
                )
            if answered and survey_token is not None:
                day, _, _ = local_day(chat.created_at)
                await self._store.add_invite_in(
                    conn,
                    hash_token(survey_token),
                    day,
                    (chat.ended_at or utcnow()) + timedelta(days=SURVEY_DAYS),
                )

        return counted

    def flag_counter(self, reason: str) -> OnFlag:
        """What to do in the transaction that records a safeguarding flag: count it."""

        async def counted(conn: AsyncConnection) -> None:
            await self._store.add_counts_in(conn, flag_counts(reason, utcnow()))

        return counted

    @staticmethod
    def new_survey_token() -> str:
        return secrets.token_urlsafe(24)

    async def record_refusal(self, pre_chat: PreChat, team: str | None = None) -> None:
        """A chat refused because the service (or its team, `team`) was closed."""
        try:
            await self._store.add_counts(refusal_counts(pre_chat, utcnow(), team))
        except Exception:
            log.exception("refusal not counted")

    # -- survey ------------------------------------------------------------------

    async def submit_survey(self, body: Any) -> bool:
        """A professional's answer; False when the invite is unknown, used or expired.

        The comment is redacted before it is stored; the raw words are never stored or logged.
        """
        if not isinstance(body, dict):
            raise InvalidInput("invalid_json", None, "The request must be a JSON object.")
        token = body.get("survey_token")
        if not isinstance(token, str) or not token or len(token) > 200:
            raise InvalidInput("missing", "survey_token", "The survey link is not valid.")
        rating = body.get("rating")
        if rating is None:
            raise InvalidInput("missing", "rating", "Please choose a rating from 1 to 5.")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidInput("invalid", "rating", "Please choose a rating from 1 to 5.")
        comment = clean_text(body.get("comment"), "comment", required=False)
        if comment is not None and len(comment) > SURVEY_COMMENT_MAX_CHARS:
            raise InvalidInput(
                "too_long",
                "comment",
                f"Comments can be at most {SURVEY_COMMENT_MAX_CHARS} characters long.",
            )
        redacted: str | None = None
        if comment is not None:
            try:
                redacted = await asyncio.to_thread(self._redactor.redact_one, comment)
            except Exception:
                log.exception("survey comment could not be redacted; not kept")
                redacted = None
        counts: Counter[tuple[str, str, str]] = Counter()
        counts[("rating", str(rating), "responses")] += 1
        if redacted:
            counts[("survey", "", "comments")] += 1
        done = await self._store.redeem_invite(hash_token(token), utcnow(), counts, redacted)
        log.info("survey answered" if done else "survey refused", extra={"count": int(done)})
        return done

    # -- occupancy samples ----------------------------------------------------------

    async def sample(self, now: datetime | None = None) -> bool:
        """Add this minute's adviser occupancy, once across workers."""
        if self._live is None:
            return False
        now = now or utcnow()
        live = await self._live()
        day, _, _ = local_day(now)
        counts: Counter[CountKey] = Counter()
        counts[(day, "occupancy", "", "adviser_minutes")] = live.get("advisers_online", 0)
        counts[(day, "occupancy", "", "capacity_minutes")] = live.get("capacity_online", 0)
        counts[(day, "occupancy", "", "busy_minutes")] = live.get("chats_in_progress", 0)
        counts[(day, "occupancy", "", "samples")] = 1
        return await self._store.record_sample(now.strftime("%Y-%m-%dT%H:%M"), counts)

    def start(self) -> None:
        if self._live is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._sampler())

    async def _sampler(self) -> None:
        while True:
            await asyncio.sleep(self._sample_seconds)
            try:
                await self.sample()
            except Exception:
                log.exception("occupancy sample failed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def live(self) -> dict[str, int]:
        """Queue length and advisers online now (operational figures, not suppressed)."""
        if self._live is None:
            return {}
        return await self._live()

    # -- reporting ----------------------------------------------------------------

    async def report(self, day_from: date, day_to: date) -> dict[str, Any]:
        """Every figure for the range, after disclosure control (JSON-ready)."""
        a, b = day_from.isoformat(), day_to.isoformat()
        totals = await self._store.totals(a, b)
        if (day_to - day_from).days + 1 > WEEKS_UP_TO:
            # Month by month: whole months from the month rows, the ends day by day.
            daily = await self._store.series(a, b, "total")
        else:
            daily = await self._store.by_day(a, b, "total")
        return build_report(totals, daily, day_from, day_to, self.threshold)

    async def comments(self, day_from: date, day_to: date, limit: int = 20) -> list[str]:
        return await self._store.comments(day_from.isoformat(), day_to.isoformat(), limit)


def parse_range(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """The report range from query strings (YYYY-MM-DD); the last 30 days by default."""
    try:
        day_to = date.fromisoformat(raw_to) if raw_to else today
        day_from = date.fromisoformat(raw_from) if raw_from else day_to - timedelta(days=29)
    except ValueError as exc:
        raise InvalidInput("invalid", "from", "Dates must be written YYYY-MM-DD.") from exc
    if day_from > day_to:
        raise InvalidInput("invalid", "from", "The start date must not be after the end date.")
    if (day_to - day_from).days >= MAX_RANGE_DAYS:
        raise InvalidInput("invalid", "from", "The range can be at most ten years.")
    return day_from, day_to


def today_london() -> date:
    return utcnow().astimezone(LONDON).date()


# -- building the report (pure) --------------------------------------------------------


class _Sums:
    def __init__(self, rows: Iterable[tuple[str, str, str, int]]) -> None:
        self.n: dict[tuple[str, str, str], int] = {}
        for dim, key, metric, n in rows:
            self.n[(dim, key, metric)] = self.n.get((dim, key, metric), 0) + n

    def get(self, dim: str, key: str, metric: str) -> int:
        return self.n.get((dim, key, metric), 0)

    def keys(self, dim: str) -> set[str]:
        return {k for d, k, _ in self.n if d == dim}

    def cell_of(self, dim: str) -> Callable[[str, str], int]:
        return lambda key, metric: self.get(dim, key, metric)

    def share_of(self, dim: str, threshold: int) -> Callable[[str], float | None]:
        """A group's share of requests answered within 5 minutes, under the share rule."""

        def rate(key: str) -> float | None:
            requested = self.get(dim, key, "answered") + self.get(dim, key, "abandoned")
            return disclosure.share(self.get(dim, key, "within_5_min"), requested, threshold)

        return rate

    def histogram(self, dim: str, edges: Sequence[int]) -> list[int]:
        return [self.get(dim, str(i), "answered") for i in range(len(edges))]


@dataclass(frozen=True)
class Group:
    """Columns of a view whose cells add up to `total` (when given) along each row."""

    columns: tuple[tuple[str, str], ...]  # (id, label)
    total: tuple[str, str] | None = None
    col_totals: bool = True


def table_view(
    view_id: str,
    title: str,
    row_header: str,
    rows: Sequence[tuple[str, str]],
    groups: Sequence[Group],
    cell: Callable[[str, str], int],
    threshold: int,
    chart: str | None = None,
    note: str | None = None,
    shares: Sequence[tuple[str, str, Callable[[str], float | None]]] = (),
) -> dict[str, Any]:
    """A table of counts after suppression, with its totals, as the JSON and pages use it.

    `shares` are (id, label, rate of a row's key) columns: fractions, or None where the rules
    leave them out; they are marked `"kind": "share"` and never summed.
    """
    columns: list[dict[str, str]] = []
    out_rows: list[dict[str, Any]] = [
        {"key": key, "label": label, "cells": {}} for key, label in rows
    ]
    totals: dict[str, Any] = {}
    for group in groups:
        matrix = [[cell(key, cid) for cid, _ in group.columns] for key, _ in rows]
        has_total = group.total is not None
        protected = disclosure.protect(
            matrix, threshold, row_totals=has_total, col_totals=group.col_totals
        )
        for cid, label in group.columns:
            columns.append({"id": cid, "label": label})
        if group.total is not None:
            columns.append({"id": group.total[0], "label": group.total[1]})
        for i, row in enumerate(out_rows):
            for j, (cid, _) in enumerate(group.columns):
                row["cells"][cid] = protected.shown((i, j))
            if group.total is not None:
                row["cells"][group.total[0]] = protected.shown((i, "row"))
        if group.col_totals:
            for j, (cid, _) in enumerate(group.columns):
                totals[cid] = protected.shown(("col", j))
            if group.total is not None:
                totals[group.total[0]] = protected.shown(("all", "all"))
    for sid, label, rate in shares:
        columns.append({"id": sid, "label": label, "kind": "share"})
        for row in out_rows:
            row["cells"][sid] = rate(row["key"])
    view: dict[str, Any] = {
        "id": view_id,
        "title": title,
        "row_header": row_header,
        "columns": columns,
        "rows": out_rows,
        "totals": totals or None,
        "chart": chart,
    }
    if note:
        view["note"] = note
    return view


STATUS = Group((("answered", "Answered"), ("abandoned", "Abandoned")), ("requested", "Requested"))
REFUSED = Group((("refused", "Refused (closed)"),))
ANSWERED = Group((("answered", "Chats"),))
NOT_ADDITIVE = Group((("answered", "Chats"),), col_totals=False)


def _options_with(options: Sequence[Option], extra: Sequence[Option] = ()) -> list[Option]:
    return [*options, *extra]


def build_report(
    totals: Iterable[tuple[str, str, str, int]],
    daily: Iterable[tuple[str, str, str, int]],
    day_from: date,
    day_to: date,
    threshold: int,
) -> dict[str, Any]:
    s = _Sums(totals)
    t = threshold
    views: list[dict[str, Any]] = []

    # The range as a whole: answered + abandoned = requested; refused apart.
    summary = table_view(
        "requests",
        "Requests",
        "Range",
        [("all", "All chats")],
        [
            Group(STATUS.columns, STATUS.total, col_totals=False),
            Group(REFUSED.columns, col_totals=False),
        ],
        lambda _k, c: s.get("total", "", c),
        t,
    )
    waits = s.histogram("wait", WAIT_EDGES)
    handles = s.histogram("handle", HANDLE_EDGES)
    requested = s.get("total", "", "requested")
    within = {
        limit: sum(n for n, edge in zip(waits, WAIT_EDGES, strict=True) if edge <= limit)
        for limit in (60, 300)
    }
    ratings = [s.get("rating", str(r), "responses") for r in range(1, 6)]
    responses = sum(ratings)
    capacity = s.get("occupancy", "", "capacity_minutes")
    figures = {
        "wait_median_seconds": disclosure.percentile(waits, WAIT_EDGES, 0.5, t),
        "wait_p90_seconds": disclosure.percentile(waits, WAIT_EDGES, 0.9, t),
        "answered_within_1_min": disclosure.share(within[60], requested, t),
        "answered_within_5_min": disclosure.share(within[300], requested, t),
        "handle_median_seconds": disclosure.percentile(handles, HANDLE_EDGES, 0.5, t),
        "survey_mean": disclosure.mean(
            float(sum(r * n for r, n in zip(range(1, 6), ratings, strict=True))), responses, t
        ),
        "occupancy": (s.get("occupancy", "", "busy_minutes") / capacity if capacity > 0 else None),
        "adviser_hours_online": round(s.get("occupancy", "", "adviser_minutes") / 60, 1),
    }
    row = summary["rows"][0]["cells"]
    figures_out = {
        "requested": row["requested"],
        "answered": row["answered"],
        "abandoned": row["abandoned"],
        "refused_closed": row["refused"],
        **figures,
    }

    # Over time (time × status): by day up to two months, by week up to a year, else by month.
    span = (day_to - day_from).days + 1
    unit = "day" if span <= DAYS_UP_TO else "week" if span <= WEEKS_UP_TO else "month"

    def period(d: date) -> str:
        if unit == "day":
            return d.isoformat()
        if unit == "week":
            return (d - timedelta(days=d.weekday())).isoformat()
        return d.isoformat()[:7]

    per_period: dict[str, dict[str, int]] = {}
    for day, _key, metric, n in daily:
        # A month row ("MYYYY-MM") stands for its whole month (only read for monthly views).
        key = day[1:] if day.startswith("M") else period(date.fromisoformat(day))
        cells = per_period.setdefault(key, {})
        cells[metric] = cells.get(metric, 0) + n
    periods: dict[str, str] = {}
    for i in range(span):
        key = period(day_from + timedelta(days=i))
        periods.setdefault(key, key if unit != "week" else f"Week of {key}")
    views.append(
        table_view(
            "time",
            f"Chats {unit} by {unit}",
            unit.capitalize(),
            list(periods.items()),
            [STATUS, REFUSED],
            lambda k, c: per_period.get(k, {}).get(c, 0),
            t,
            chart="line",
        )
    )
    # Busiest hours: weekday × hour of request.
    hours = Group(tuple((str(h), f"{h:02d}:00") for h in range(24)), ("requested", "All hours"))
    views.append(
        table_view(
            "hours",
            "Busiest hours (chats requested, UK time)",
            "Day of week",
            [(str(i), name) for i, name in enumerate(WEEKDAYS)],
            [hours],
            lambda k, c: s.get("hour", f"{k}-{c}", "requested"),
            t,
            chart="heatmap",
        )
    )
    # Teams are data: the seeded ones always, and any other found in the range.
    teams = list(SEED_TEAMS)
    teams += [(k, k) for k in sorted(s.keys("team")) if k not in dict(SEED_TEAMS)]
    for dim, title, header, options in (
        ("role", "By role", "Role", ROLES),
        ("region", "By region", "Region", REGIONS),
        ("topic", "By topic (as chosen when asking)", "Topic", TOPICS),
        ("team", "By team (the team each chat was routed to)", "Team", teams),
    ):
        views.append(
            table_view(
                dim,
                title,
                header,
                list(options),
                [STATUS, REFUSED],
                s.cell_of(dim),
                t,
                chart="bar",
                shares=[("within_5_min", "Answered within 5 minutes", s.share_of(dim, t))],
            )
        )
    band_counts: dict[str, int] = {}
    lower = 0
    for edge, _label in WAIT_BANDS:
        band_counts[str(edge)] = sum(
            n for n, e in zip(waits, WAIT_EDGES, strict=True) if lower < e <= edge
        )
        lower = edge
    views.append(
        table_view(
            "waits",
            "Time to answer",
            "Wait",
            [(str(e), label) for e, label in WAIT_BANDS],
            [ANSWERED],
            lambda k, _c: band_counts[k],
            t,
            chart="bar",
        )
    )
    views.append(
        table_view(
            "outcome",
            "Outcome of answered chats",
            "Outcome",
            _options_with(OUTCOMES, [(NOT_RECORDED, "Not recorded (professional ended)")]),
            [ANSWERED],
            lambda k, c: s.get("outcome", k, c),
            t,
            chart="bar",
        )
    )
    views.append(
        table_view(
            "discussed",
            "Topic as discussed (adviser's wrap-up)",
            "Topic",
            list(TOPICS),
            [ANSWERED],
            lambda k, c: s.get("discussed", k, c),
            t,
            chart="bar",
        )
    )
    views.append(
        table_view(
            "advice",
            "Advice given (several may apply to one chat)",
            "Advice",
            list(ADVICE),
            [NOT_ADDITIVE],
            lambda k, c: s.get("advice", k, c),
            t,
            chart="bar",
        )
    )
    views.append(
        table_view(
            "referral",
            "Referrals suggested (several may apply to one chat)",
            "Referral",
            list(REFERRALS),
            [NOT_ADDITIVE],
            lambda k, c: s.get("referral", k, c),
            t,
            chart="bar",
        )
    )
    views.append(
        table_view(
            "safeguarding",
            "Safeguarding concern recorded",
            "Concern",
            [("yes", "Yes"), ("no", "No")],
            [ANSWERED],
            lambda k, c: s.get("safeguarding", k, c),
            t,
            chart="bar",
        )
    )
    views.append(
        table_view(
            "flags",
            "Safeguarding flags raised during chats (adviser console)",
            "Reason",
            list(FLAG_REASONS),
            [Group((("raised", "Flags"),))],
            lambda k, c: s.get("flag", k, c),
            t,
            chart="bar",
        )
    )
    views.append(
        table_view(
            "survey",
            "How useful the advice was (professionals' survey)",
            "Rating",
            [(str(r), f"{r} of 5") for r in range(1, 6)],
            [Group((("responses", "Responses"),))],
            lambda k, _c: s.get("rating", k, "responses"),
            t,
            chart="bar",
        )
    )
    return {
        "from": day_from.isoformat(),
        "to": day_to.isoformat(),
        "threshold": t,
        "suppressed": {"primary": disclosure.primary_label(t), "secondary": "[c]"},
        "summary": figures_out,
        "views": [summary, *views],
    }


def cell_text(column: dict[str, str], value: Any) -> str:
    """A cell as people read it: counts and markers as they are, shares as percentages."""
    if column.get("kind") == "share":
        return "–" if value is None else f"{int(value * 100 + 0.5)}%"  # as the page rounds
    return str(value)


def view_rows(view: dict[str, Any]) -> list[list[str]]:
    """A view as rows of text (header first, totals last): what the CSV holds."""
    header = [view["row_header"], *(c["label"] for c in view["columns"])]
    out = [header]
    for row in view["rows"]:
        out.append(
            [row["label"], *(cell_text(c, row["cells"].get(c["id"])) for c in view["columns"])]
        )
    if view.get("totals"):
        out.append(["Total", *(str(view["totals"].get(c["id"], "")) for c in view["columns"])])
    return out


def summary_rows(report: dict[str, Any]) -> list[list[str]]:
    """The summary figures as (figure, value) rows."""
    out = [["Figure", "Value"]]
    for key, value in report["summary"].items():
        out.append([key, "" if value is None else _plain(value)])
    return out


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if not math.isnan(value) else ""
    return str(value)


__all__ = [
    "HANDLE_EDGES",
    "WAIT_EDGES",
    "StatsService",
    "WrapUp",
    "build_report",
    "chat_counts",
    "parse_range",
    "parse_wrap_up",
    "refusal_counts",
    "summary_rows",
    "today_london",
    "view_rows",
]
