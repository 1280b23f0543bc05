"""The workload dashboard's arithmetic: periods, a team's figures for a day, and what a period adds up to. Pure.

A team's figures are kept per *local day* (the team's timezone), as counters the table's stream adds to
(``chalicelib.services.counting``): how many messages came in and went out, how many arrived while the
team was closed, each reply's time, auto-replies by kind, replies per clinician, and the overdue count
the 15-minute sweep saw. This module names those counters and turns a period's days into the figures
a team lead reads: totals, the share that arrived out of hours, the median and 90th percentile reply
time and the share answered within the team's target, the overdue count day by day.

Percentiles: the median is the middle value (the mean of the two middle values for an even count); the
90th percentile is the nearest-rank value (the smallest reply time that at least 90% of replies were
no slower than). Both are exact: each day keeps every reply time, not a histogram.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from chalicelib.errors import ValidationError

# --- what is counted (the counter names stored on a team's day) ------------------------------------------------

#: Messages from patients, and those that arrived while the team was closed (out of hours, closure, pause...).
MESSAGES_IN = "in"
MESSAGES_IN_CLOSED = "in_closed"
#: Replies written by staff (automatic replies and Teamline's own notices are not staff replies).
MESSAGES_OUT = "out"
#: Staff replies that answered a conversation waiting for the team, and those sent by its reply-by time.
ANSWERED = "answered"
ANSWERED_IN_TARGET = "answered_in_target"
#: Samples: seconds from the oldest unanswered patient message to the reply that answered it.
REPLY_SECONDS = "reply"
AUTO_PREFIX = "auto:"  # + auto-reply kind
REPLIED_PREFIX = "replied:"  # + staff id
CLAIMED_PREFIX = "claimed:"  # + staff id (recorded once the inbox workflow records claims)
ESCALATED_PREFIX = "escalated:"  # + staff id (recorded once the inbox workflow records escalations)
NAME_PREFIX = "name:"  # label: + staff id -> how the clinician is named ("Sam (Specialist nurse)")
RED_FLAGS = "red_flag"  # patient messages carrying a red-flag marker (recorded by the safety work)
RED_FLAG_REPLY_SECONDS = "red_flag_reply"  # samples: how fast those were answered
MISUSE_PLAN = "misuse_plan"  # patients on an agreed plan, capped or paused (recorded by the safety work)
MISUSE_CAPPED = "misuse_capped"
MISUSE_PAUSED = "misuse_paused"

SLOTS_PER_DAY = 96  # the overdue sweep runs every 15 minutes: one sample per quarter hour of the local day


class DayFigures(NamedTuple):
    """One team's figures for one local day, as stored."""

    day: date
    counts: Mapping[str, int]
    samples: Mapping[str, Sequence[int]]
    labels: Mapping[str, str]
    overdue: Mapping[int, int]  # quarter-hour slot of the local day -> conversations overdue then


def local_day(at: datetime, timezone: str) -> date:
    """The date ``at`` falls on in ``timezone`` (the day a team's counters for it are kept under)."""
    return at.astimezone(ZoneInfo(timezone)).date()


def quarter_slot(at: datetime, timezone: str) -> int:
    """The quarter hour of the local day ``at`` falls in (0 = 00:00-00:15 ... 95 = 23:45-24:00)."""
    local = at.astimezone(ZoneInfo(timezone))
    return min(SLOTS_PER_DAY - 1, local.hour * 4 + local.minute // 15)


# --- periods ------------------------------------------------------------------------------------------------------

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DAYS = 31


class Period(NamedTuple):
    """A week (Monday to Sunday) or a calendar month, as local dates of the team."""

    kind: str  # week | month
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{MONTHS[self.first.month - 1]} {self.first.year}"
        return f"Week starting {day_text(self.first)}"

    @property
    def param(self) -> dict[str, str]:
        """The query parameter that names this period in a link."""
        if self.kind == "month":
            return {"month": self.first.strftime("%Y-%m")}
        return {"week": self.first.isoformat()}


def day_text(day: date) -> str:
    """A date as people read it: "Monday 23 November 2026"."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def month_of(day: date) -> Period:
    """The calendar month ``day`` is in."""
    last = calendar.monthrange(day.year, day.month)[1]
    return Period("month", day.replace(day=1), day.replace(day=last))


def week_of(day: date) -> Period:
    """The Monday-to-Sunday week ``day`` is in."""
    first = day - timedelta(days=day.weekday())
    return Period("week", first, first + timedelta(days=6))


def parse_period(*, month: str | None, week: str | None, today: date) -> Period:
    """The period a dashboard link names (``month=2026-11`` or ``week=2026-11-23``); this month by default."""
    if month and week:
        raise ValidationError("Choose a week or a month, not both.", field="period")
    if week:
        try:
            return week_of(date.fromisoformat(week))
        except ValueError as exc:
            raise ValidationError("That week is not a date like 2026-11-23.", field="week") from exc
    if month:
        try:
            return month_of(date.fromisoformat(f"{month}-01"))
        except ValueError as exc:
            raise ValidationError("That month is not like 2026-11.", field="month") from exc
    return month_of(today)


def previous(period: Period) -> Period:
    """The week or month before."""
    return (month_of if period.kind == "month" else week_of)(period.first - timedelta(days=1))


def following(period: Period) -> Period:
    """The week or month after."""
    return (month_of if period.kind == "month" else week_of)(period.last + timedelta(days=1))


# --- statistics -------------------------------------------------------------------------------------------------


def median(values: Sequence[int]) -> float | None:
    """The middle value (mean of the two middle ones for an even count); None for no values."""
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile_90(values: Sequence[int]) -> int | None:
    """The nearest-rank 90th percentile: the smallest value at least 90% of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (one decimal place); None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def duration_text(seconds: float | None) -> str:
    """A reply time as a lead reads it: "45 min", "3 h 5 min", "2 days 4 h"."""
    if seconds is None:
        return "–"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} day{'s' if days != 1 else ''} {hours} h" if hours else f"{days} day{'s' if days != 1 else ''}"


# --- what a period adds up to -----------------------------------------------------------------------------------


class DayRow(NamedTuple):
    """One row of the day-by-day table (and of the CSV download): None where nothing was recorded."""

    day: date
    messages_in: int
    messages_in_closed: int
    messages_out: int
    answered: int
    answered_in_target: int
    median_reply_seconds: float | None
    overdue_max: int | None
    overdue_close: int | None


class Clinician(NamedTuple):
    """One clinician's load in a period."""

    staff_id: str
    name: str
    replied: int
    claimed: int
    escalated: int


class Summary(NamedTuple):
    """What a period adds up to."""

    messages_in: int
    messages_in_closed: int
    messages_out: int
    closed_share: float | None
    answered: int
    answered_in_target: int
    in_target_share: float | None
    median_reply_seconds: float | None
    p90_reply_seconds: int | None
    auto_replies: dict[str, int]
    clinicians: list[Clinician]
    red_flags: int
    red_flag_median_seconds: float | None
    misuse: dict[str, int]
    rows: list[DayRow]


def _total(days: Iterable[DayFigures], name: str) -> int:
    return sum(int(d.counts.get(name, 0)) for d in days)


def _by_prefix(days: Iterable[DayFigures], prefix: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for figures in days:
        for name, value in figures.counts.items():
            if name.startswith(prefix):
                found[name[len(prefix):]] = found.get(name[len(prefix):], 0) + int(value)
    return found


def _samples(days: Iterable[DayFigures], name: str) -> list[int]:
    return [int(v) for d in days for v in d.samples.get(name, ())]


def _row(day: date, figures: DayFigures | None) -> DayRow:
    if figures is None:
        return DayRow(day, 0, 0, 0, 0, 0, None, None, None)
    counts = figures.counts
    slots = sorted(figures.overdue)
    return DayRow(day, int(counts.get(MESSAGES_IN, 0)), int(counts.get(MESSAGES_IN_CLOSED, 0)),
                  int(counts.get(MESSAGES_OUT, 0)), int(counts.get(ANSWERED, 0)),
                  int(counts.get(ANSWERED_IN_TARGET, 0)), median(list(figures.samples.get(REPLY_SECONDS, ()))),
                  max(figures.overdue.values()) if slots else None, figures.overdue[slots[-1]] if slots else None)


def clinicians(days: Sequence[DayFigures]) -> list[Clinician]:
    """Each clinician's replies, claims and escalations in the period, busiest first."""
    replied, claimed = _by_prefix(days, REPLIED_PREFIX), _by_prefix(days, CLAIMED_PREFIX)
    escalated = _by_prefix(days, ESCALATED_PREFIX)
    names: dict[str, str] = {}
    for figures in days:  # the latest day's name wins (a job title may change)
        names.update({k[len(NAME_PREFIX):]: v for k, v in figures.labels.items() if k.startswith(NAME_PREFIX)})
    people = set(replied) | set(claimed) | set(escalated)
    rows = [Clinician(s, names.get(s, "A former colleague"), replied.get(s, 0), claimed.get(s, 0), escalated.get(s, 0))
            for s in people]
    return sorted(rows, key=lambda c: (-(c.replied + c.claimed + c.escalated), c.name.lower(), c.staff_id))


def summarise(period: Period, days: Sequence[DayFigures]) -> Summary:
    """Everything the dashboard shows for ``period``, from the stored days inside it."""
    inside = sorted((d for d in days if period.first <= d.day <= period.last), key=lambda d: d.day)
    by_day = {d.day: d for d in inside}
    replies = _samples(inside, REPLY_SECONDS)
    total_in, total_closed = _total(inside, MESSAGES_IN), _total(inside, MESSAGES_IN_CLOSED)
    answered, in_target = _total(inside, ANSWERED), _total(inside, ANSWERED_IN_TARGET)
    return Summary(
        messages_in=total_in, messages_in_closed=total_closed, messages_out=_total(inside, MESSAGES_OUT),
        closed_share=share(total_closed, total_in), answered=answered, answered_in_target=in_target,
        in_target_share=share(in_target, answered), median_reply_seconds=median(replies),
        p90_reply_seconds=percentile_90(replies), auto_replies=dict(sorted(_by_prefix(inside, AUTO_PREFIX).items())),
        clinicians=clinicians(inside), red_flags=_total(inside, RED_FLAGS),
        red_flag_median_seconds=median(_samples(inside, RED_FLAG_REPLY_SECONDS)),
        misuse={name: max((int(d.counts.get(name, 0)) for d in inside), default=0)
                for name in (MISUSE_PLAN, MISUSE_CAPPED, MISUSE_PAUSED)},
        rows=[_row(day, by_day.get(day)) for day in period.days],
    )


#: Reply-time bands for the chart: (label, up to this many seconds, exclusive; None: no limit).
REPLY_BANDS: tuple[tuple[str, int | None], ...] = (
    ("Under 1 hour", 3600), ("1 to 4 hours", 4 * 3600), ("4 to 8 hours", 8 * 3600), ("8 to 24 hours", 24 * 3600),
    ("1 to 2 days", 48 * 3600), ("2 days or more", None))


def reply_bands(period: Period, days: Sequence[DayFigures]) -> list[tuple[str, int]]:
    """How many replies in ``period`` took how long, in the bands of ``REPLY_BANDS``."""
    counts = [0] * len(REPLY_BANDS)
    for seconds in _samples((d for d in days if period.first <= d.day <= period.last), REPLY_SECONDS):
        counts[next(i for i, (_, limit) in enumerate(REPLY_BANDS) if limit is None or seconds < limit)] += 1
    return [(label, count) for (label, _), count in zip(REPLY_BANDS, counts, strict=True)]


def target_text(unit: str, amount: int) -> str:
    """A reply target as words: "1 working day", "4 working hours"."""
    noun = "working day" if unit == "working_days" else "working hour"
    return f"{amount} {noun}{'' if amount == 1 else 's'}"
