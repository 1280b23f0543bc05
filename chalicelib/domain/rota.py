"""The named-contact rota: who a young person's named contact is each day, and their contactable hours. Pure.

LYNC: one team sent young people "a schedule for the month ... who the named contact is for that
day, during what hours they are contactable". A team lead builds a month (a draft), publishes it to
patients, and may change it after publishing (the changed days are marked as updated). The rota
also drives routing: a patient message in a conversation nobody holds goes to today's named contact
while they are on shift (their cover when they are away), and otherwise waits for the next one.

A day's hours must lie inside the team's own opening windows that day, so the rota never promises
contact when the team is closed (bank holidays and closures included). Only the team's shared Trust
number is ever shown with it; an entry has no phone field at all.
"""

from __future__ import annotations

import calendar
import contextlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    _clock_words,
    is_working_time,
    working_intervals,
)
from chalicelib.domain.policy import TeamPolicy
from chalicelib.errors import ValidationError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MIN_YEAR, MAX_YEAR = 2000, 2100


class RotaDay(NamedTuple):
    """One day's named contact: a clinician of the team, by first name and role, and their hours."""

    day: date
    staff_id: str
    name: str
    role: str
    start: time
    end: time

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


class Route(NamedTuple):
    """Who a patient's message goes to: the named contact, or their cover when they are away."""

    staff_id: str
    label: str
    covering_for: str | None = None


# --- months and days -------------------------------------------------------------------------------------


def parse_month(value: object, *, field: str = "month") -> tuple[int, int]:
    """``YYYY-MM`` as (year, month), or a clear ValidationError."""
    match = _MONTH.match(value) if isinstance(value, str) else None
    if not match or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise ValidationError("Choose a month, like 2026-12.", field=field)
    return int(match.group(1)), int(match.group(2))


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_of(day: date) -> str:
    return month_key(day.year, day.month)


def month_title(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def month_days(year: int, month: int) -> list[date]:
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def local_today(policy: TeamPolicy, now: datetime) -> date:
    return now.astimezone(ZoneInfo(policy.timezone)).date()


def months_around(now: datetime) -> list[str]:
    """The months whose rota a request may need at ``now`` in any UK-or-nearby timezone: this, the next, the last.

    Fetched by key in the request's first BatchGetItem, before the team (and its timezone) is known.
    """
    today = now.astimezone(UTC).date()
    year, month = today.year, today.month
    return [month_key(*shift_month(year, month, by)) for by in (0, 1, -1)]


def parse_time(value: object, field: str) -> time:
    match = _TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError("Give a time like 09:00.", field=field)
    return time(int(match.group(1)), int(match.group(2)))


def _text(at: time) -> str:
    return at.strftime("%H:%M")


# --- stored form ---------------------------------------------------------------------------------------------


def days_from_raw(raw: Mapping[str, Any] | None) -> dict[date, RotaDay]:
    """A month's days from their stored form ``{"YYYY-MM-DD": {staff_id, name, role, start, end}}``."""
    result: dict[date, RotaDay] = {}
    for key, entry in (raw or {}).items():
        day = date.fromisoformat(key)
        result[day] = RotaDay(day, entry["staff_id"], entry["name"], entry.get("role", ""),
                              time.fromisoformat(entry["start"]), time.fromisoformat(entry["end"]))
    return result


def days_to_raw(days: Mapping[date, RotaDay]) -> dict[str, dict[str, str]]:
    return {d.isoformat(): {"staff_id": e.staff_id, "name": e.name, "role": e.role, "start": _text(e.start),
                            "end": _text(e.end)} for d, e in sorted(days.items())}


# --- checking a day ---------------------------------------------------------------------------------------------


def _instant(policy: TeamPolicy, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(policy.timezone)).astimezone(UTC)


def shift_span(policy: TeamPolicy, entry: RotaDay) -> tuple[datetime, datetime]:
    """The day's contactable hours as UTC instants (local wall-clock times, clock changes included)."""
    return _instant(policy, entry.day, entry.start), _instant(policy, entry.day, entry.end)


def check_day(policy: TeamPolicy, entry: RotaDay, *, field: str) -> RotaDay:
    """The entry, if its hours are real and inside one of the team's opening windows that day."""
    if entry.end <= entry.start:
        raise ValidationError(f"On {day_text(entry.day)} the hours must end after they start.", field=field)
    start, end = shift_span(policy, entry)
    day_start = _instant(policy, entry.day, time(0, 0))
    for a, b in working_intervals(policy.availability, day_start, day_start + timedelta(days=1, hours=2)):
        if a <= start and end <= b:
            return entry
    raise ValidationError(
        f"On {day_text(entry.day)} the team is not open for all of {_text(entry.start)} to {_text(entry.end)}. "
        "Choose hours inside the team's opening hours.", field=field)


def open_on(policy: TeamPolicy, day: date) -> bool:
    """True when the team has any opening hours on ``day`` (not a weekend off, a bank holiday or a closure)."""
    start = _instant(policy, day, time(0, 0))
    end = _instant(policy, day + timedelta(days=1), time(0, 0))
    return next(working_intervals(policy.availability, start, end), None) is not None


# --- building a month ----------------------------------------------------------------------------------------


def copy_from_previous(previous: Mapping[date, RotaDay], year: int, month: int,
                       policy: TeamPolicy) -> dict[date, RotaDay]:
    """A new month from last month: each day takes the same weekday's entry four (or five) weeks earlier.

    Days that would fall outside the team's hours (a bank holiday, a closure) are left empty.
    """
    result: dict[date, RotaDay] = {}
    for day in month_days(year, month):
        source_day = day - timedelta(weeks=4)
        if (source_day.year, source_day.month) == (year, month):
            source_day -= timedelta(weeks=1)  # late in the month: four weeks back is still this month
        source = previous.get(source_day)
        if source is not None:
            with contextlib.suppress(ValidationError):
                result[day] = check_day(policy, source._replace(day=day), field="month")
    return result


def swap(days: Mapping[date, RotaDay], first: date, second: date) -> dict[date, RotaDay]:
    """Swap who is on (and their hours) between two days of the month."""
    result = dict(days)
    a, b = days.get(first), days.get(second)
    result.pop(first, None)
    result.pop(second, None)
    if a is not None:
        result[second] = a._replace(day=second)
    if b is not None:
        result[first] = b._replace(day=first)
    return result


def changed_days(before: Mapping[date, RotaDay], after: Mapping[date, RotaDay]) -> list[date]:
    """Days whose named contact or hours differ between two versions of a month."""
    return sorted(d for d in set(before) | set(after) if before.get(d) != after.get(d))


# --- telling patients that a published month changed ----------------------------------------------------------


def days_worth_telling(policy: TeamPolicy, now: datetime, changed: list[date]) -> list[date]:
    """The changed days of a re-publication that patients are told about by push: today or later, this month or next.

    A change to a day already past, or to a month after next, is still shown in the app (the month view marks
    it "updated") but is not worth waking a phone for. The first publication of a month changes nothing a
    patient relied on, so it is never told by push (as the app's "Rota changed" line is not shown for it).
    """
    today = local_today(policy, now)
    months = {(today.year, today.month), shift_month(today.year, today.month, 1)}
    return [d for d in changed if d >= today and (d.year, d.month) in months]


def telling_ends(policy: TeamPolicy, days: list[date]) -> datetime:
    """When a push about these changed days stops being worth sending: the end of the last of them (team's time)."""
    last = max(days) + timedelta(days=1)
    return datetime.combine(last, time(0), tzinfo=ZoneInfo(policy.timezone)).astimezone(UTC)


# --- who is on ------------------------------------------------------------------------------------------------


def entry_on(days: Mapping[date, RotaDay], policy: TeamPolicy, now: datetime) -> RotaDay | None:
    """Today's (in the team's timezone) named contact, if the rota names one."""
    return days.get(local_today(policy, now))


def on_shift(entry: RotaDay | None, policy: TeamPolicy, now: datetime) -> bool:
    """True while ``now`` is inside the day's contactable hours and the team is open."""
    if entry is None:
        return False
    start, end = shift_span(policy, entry)
    return start <= now < end and is_working_time(policy.availability, now)


def route(days: Mapping[date, RotaDay], policy: TeamPolicy, now: datetime) -> Route | None:
    """Who a message arriving at ``now`` in an unowned conversation goes to; None means it waits.

    Today's named contact while on shift; if they are away, their cover. Outside their hours (or on a
    day with no named contact) the message waits for the next named contact's shift.
    """
    entry = entry_on(days, policy, now)
    if entry is None or not on_shift(entry, policy, now):
        return None
    away = policy.away_now(entry.staff_id, now)
    if away is not None:
        return Route(away.cover_id, f"{away.cover_name} ({away.cover_role})" if away.cover_role else away.cover_name,
                     covering_for=entry.staff_id)
    return Route(entry.staff_id, entry.label)


def next_shift(days: Mapping[date, RotaDay], policy: TeamPolicy, now: datetime) -> tuple[RotaDay, datetime] | None:
    """The named contact on shift now, or the next one to start, and when they are (next) on."""
    today = local_today(policy, now)
    for day in sorted(d for d in days if d >= today):
        entry = days[day]
        start, end = shift_span(policy, entry)
        if end <= now:
            continue
        begins = max(start, now)
        for a, _ in working_intervals(policy.availability, begins, end):
            return entry, a
    return None


def on_shift_now(days: Mapping[date, RotaDay], policy: TeamPolicy, now: datetime) -> set[str] | None:
    """Who the rota puts on shift now (the contact, or their cover); None when the rota has no entry today."""
    entry = entry_on(days, policy, now)
    if entry is None:
        return None
    found = route(days, policy, now)
    return {found.staff_id} if found else set()


# --- words -------------------------------------------------------------------------------------------------------


def clock_text(at: time) -> str:
    """9am, 12:30pm, midday: how the rota says a time (the same words as every other time Teamline shows)."""
    return _clock_words(datetime.combine(date(2000, 1, 1), at))


def hours_text(entry: RotaDay) -> str:
    return f"{clock_text(entry.start)} to {clock_text(entry.end)}"


def day_text(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"


def today_line(entry: RotaDay) -> str:
    """What a patient reads on their home and team pages."""
    return f"Today your named contact is {entry.label}, {hours_text(entry)}."
