"""When a team is open, when it next opens, and by when it aims to reply.

LYNC found that young people need to know when the service is available and how long a reply will take, so every
message gets a reply-by time and every closed moment a clear reason. This module is the single, pure source of
those answers: it takes a team's ``AvailabilityPolicy`` and a timezone-aware instant, and never reads the clock,
the database or the network. All instants it returns are UTC.

Working time
------------
An instant is *working time* when all of these hold:

* it falls inside one of the policy's windows, read as wall-clock times in the policy's timezone on that local date
  (a window is the half-open span ``[start, end)``; an ``end`` of ``None``/``"24:00"`` is midnight at the end of the
  day). Local times are turned into instants with ``fold=0`` and normalised through UTC, so a window boundary that does
  not exist (clocks going forward) or happens twice (clocks going back) resolves to one well-defined instant;
* its local date is not a bank holiday in the policy's nation (``holidays``, subdivision ENG for England and Wales,
  SCT, NIR; substitute days included);
* it is not inside a closure (``[start, end)``);
* it is not before the pause's ``resume_at`` (a pause closes everything up to the moment it lifts).

A *working day* is a local date that has at least some working time.

Reply-by rules
--------------
The *effective start* of a message is ``received_at`` if that is working time, otherwise the next opening.

* ``working_hours`` N: from the effective start, add N hours of working time, skipping closed time. Hours are real
  elapsed (UTC) time, so on the nights the clocks change an hour of wall-clock window may hold 0 or 2 real hours.
* ``working_days`` N: let D be the local date of the effective start. reply-by is the end of the last working-time
  interval on the N-th working day after D (so a message at 16:59 on a Thursday before Easter is due by the end of
  Tuesday in England, where Good Friday and Easter Monday are holidays, and the end of Monday in Scotland).

Guarantees (property-tested): reply-by >= received_at; reply-by lies inside working time in the sense
``start < reply_by <= end`` of some working interval; reply-by never goes down as received_at goes up. ``None`` means
no answer exists within the search horizon (e.g. a pause lasting years).

Status precedence when several reasons apply: paused > closure > bank_holiday > out_of_hours.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.errors import ValidationError

Nation = Literal["england_wales", "scotland", "northern_ireland"]
ReplyUnit = Literal["working_hours", "working_days"]
StatusReason = Literal["open", "out_of_hours", "bank_holiday", "closure", "paused"]
Interval = tuple[datetime, datetime]

NATION_SUBDIVISIONS: dict[str, str] = {"england_wales": "ENG", "scotland": "SCT", "northern_ireland": "NIR"}
REPLY_TARGET_LIMITS: dict[str, int] = {"working_hours": 80, "working_days": 10}
MAX_WINDOWS_PER_DAY = 10
MAX_CLOSURES = 400
MAX_REASON_CHARS = 200
MIN_YEAR, MAX_YEAR = 2000, 2100
HORIZON_DAYS = 400
# Reply-by searches further than next-opening: 80 working hours on a thin rota can legitimately run past 400 days.
REPLY_HORIZON_DAYS = 800

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0, 0)
_BEGINNING = datetime.min.replace(tzinfo=UTC)
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# --- the policy -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A weekly opening span: ``weekday`` 0=Mon..6=Sun, ``end`` None meaning midnight at the end of the day."""

    weekday: int
    start: time
    end: time | None


@dataclass(frozen=True)
class Closure:
    """A one-off closed span (training day, staff shortage) between two aware instants, with a reason patients see."""

    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class Pause:
    """The team has paused messaging until ``resume_at``; ``reason`` is shown to patients."""

    reason: str
    resume_at: datetime


@dataclass(frozen=True)
class ReplyTarget:
    """How long the team aims to take to reply, counted in working time."""

    unit: ReplyUnit
    amount: int


DEFAULT_REPLY_TARGET = ReplyTarget("working_days", 1)


@dataclass(frozen=True, kw_only=True)
class AvailabilityPolicy:
    """A team's availability: weekly windows, bank holidays by nation, closures, a reply target and an optional pause.

    Construction validates everything (with dotted ``field`` paths), so any policy in hand is usable.
    """

    timezone: str = "Europe/London"
    windows: tuple[Window, ...]
    nation: Nation = "england_wales"
    closures: tuple[Closure, ...] = ()
    reply_target: ReplyTarget = DEFAULT_REPLY_TARGET
    pause: Pause | None = None
    # Hashing ~250 closures on every cache lookup would cost more than the lookup saves, so the hash is kept.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "closures", tuple(self.closures))
        _check_policy(self)
        key = (self.timezone, self.windows, self.nation, self.closures, self.reply_target, self.pause)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash


def _fail(message: str, field_path: str) -> ValidationError:
    return ValidationError(message, field=field_path)


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _check_instant(value: object, field_path: str, message: str) -> None:
    if not _is_aware(value):
        raise _fail(message, field_path)
    # Far-off years would overflow date arithmetic and the holiday tables; no team plans beyond this.
    if not MIN_YEAR <= cast(datetime, value).year <= MAX_YEAR:
        raise _fail(f"Use a date between {MIN_YEAR} and {MAX_YEAR}.", field_path)


def _check_reason(reason: object, field_path: str, what: str) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise _fail(f"Give a reason for the {what}; patients will see it.", field_path)
    if len(reason) > MAX_REASON_CHARS:
        raise _fail(f"Keep the {what} reason to {MAX_REASON_CHARS} characters or fewer.", field_path)


def _check_policy(policy: AvailabilityPolicy) -> None:
    """Raise ValidationError (with a dotted field path) if the policy is not usable."""
    if not isinstance(policy.timezone, str) or not policy.timezone:
        raise _fail("Choose a timezone, such as Europe/London.", "timezone")
    try:
        ZoneInfo(policy.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _fail(f"{policy.timezone!r} is not a timezone we know, such as Europe/London.", "timezone") from exc
    if not isinstance(policy.nation, str) or policy.nation not in NATION_SUBDIVISIONS:
        raise _fail("Choose england_wales, scotland or northern_ireland for bank holidays.", "nation")
    _check_windows(policy.windows)
    _check_closures(policy.closures)
    target = policy.reply_target
    if (
        not isinstance(target, ReplyTarget)
        or not isinstance(target.unit, str)
        or target.unit not in REPLY_TARGET_LIMITS
    ):
        raise _fail("The reply target must be in working_hours or working_days.", "reply_target.unit")
    limit = REPLY_TARGET_LIMITS[target.unit]
    if isinstance(target.amount, bool) or not isinstance(target.amount, int) or not 1 <= target.amount <= limit:
        unit_words = target.unit.replace("_", " ")
        raise _fail(f"The reply target must be a whole number from 1 to {limit} {unit_words}.", "reply_target.amount")
    if policy.pause is not None:
        if not isinstance(policy.pause, Pause):
            raise _fail("The pause is not in the expected form.", "pause")
        _check_reason(policy.pause.reason, "pause.reason", "pause")
        message = "A pause needs a date and time to start again, with a UTC offset."
        _check_instant(policy.pause.resume_at, "pause.resume_at", message)


def _minutes(value: time | None) -> int:
    return 24 * 60 if value is None else value.hour * 60 + value.minute


def _check_window(index: int, window: Window) -> tuple[int, int]:
    """Check one window's fields; return its (start, end) in minutes of the day."""
    path = f"windows.{index}"
    if not isinstance(window, Window):
        raise _fail("Each window needs a weekday, a start and an end.", path)
    if isinstance(window.weekday, bool) or not isinstance(window.weekday, int) or not 0 <= window.weekday <= 6:
        raise _fail("The weekday must be 0 (Monday) to 6 (Sunday).", f"{path}.weekday")
    for name, value in (("start", window.start), ("end", window.end)):
        if name == "end" and value is None:
            continue
        if not isinstance(value, time) or value.tzinfo is not None or value.second or value.microsecond:
            raise _fail("Use a time in whole minutes, like 09:00.", f"{path}.{name}")
    start, end = _minutes(window.start), _minutes(window.end)
    if end <= start:
        raise _fail("A window must end after it starts.", f"{path}.end")
    return start, end


def _check_windows(windows: tuple[Window, ...]) -> None:
    if not windows:
        raise _fail("Add at least one opening window.", "windows")
    by_day: dict[int, list[tuple[int, int, int]]] = {}
    for index, window in enumerate(windows):
        start, end = _check_window(index, window)
        day = by_day.setdefault(window.weekday, [])
        day.append((start, end, index))
        if len(day) > MAX_WINDOWS_PER_DAY:
            raise _fail(f"Use at most {MAX_WINDOWS_PER_DAY} windows on one day.", f"windows.{index}.weekday")
    for spans in by_day.values():
        spans.sort()
        for (_, previous_end, _), (start, _, index) in itertools.pairwise(spans):
            if start < previous_end:
                raise _fail("This window overlaps another window on the same day.", f"windows.{index}.start")


def _check_closures(closures: tuple[Closure, ...]) -> None:
    if len(closures) > MAX_CLOSURES:
        raise _fail(f"Keep at most {MAX_CLOSURES} closures; remove old ones first.", "closures")
    for index, closure in enumerate(closures):
        path = f"closures.{index}"
        if not isinstance(closure, Closure):
            raise _fail("Each closure needs a start, an end and a reason.", path)
        _check_instant(closure.start, f"{path}.start", "Give the start as a date and time with a UTC offset.")
        _check_instant(closure.end, f"{path}.end", "Give the end as a date and time with a UTC offset.")
        if closure.end <= closure.start:
            raise _fail("A closure must end after it starts.", f"{path}.end")
        _check_reason(closure.reason, f"{path}.reason", "closure")


DEFAULT_POLICY = AvailabilityPolicy(windows=tuple(Window(day, time(9, 0), time(17, 0)) for day in range(5)))
"""Mon–Fri 09:00–17:00, Europe/London, bank holidays of England and Wales, reply within 1 working day."""


# --- parsing and serialising --------------------------------------------------------------------------------------


def _optional(data: Mapping[str, Any], key: str) -> Any:
    value = data.get(key)
    return None if value in (None, "", [], {}) else value


def _parse_time(value: Any, field_path: str, *, allow_midnight_end: bool) -> time | None:
    if allow_midnight_end and value == "24:00":
        return None
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        hint = " (or 24:00 for midnight at the end of the day)" if allow_midnight_end else ""
        raise _fail(f"Use a 24-hour time like 09:00{hint}.", field_path)
    return time(int(match.group(1)), int(match.group(2)))


def _parse_instant(value: Any, field_path: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or not _is_aware(parsed):
        raise _fail("Use a date and time with a UTC offset, like 2026-12-24T12:00:00+00:00.", field_path)
    return parsed


def _parse_object(value: Any, field_path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail("This should be an object.", field_path)
    return value


def _parse_windows(data: Mapping[str, Any]) -> tuple[Window, ...]:
    raw_windows = data.get("windows")
    if not isinstance(raw_windows, list | tuple) or not raw_windows:
        raise _fail("Add at least one opening window.", "windows")
    windows = []
    for index, raw in enumerate(raw_windows):
        item = _parse_object(raw, f"windows.{index}")
        weekday = item.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int):
            raise _fail("The weekday must be 0 (Monday) to 6 (Sunday).", f"windows.{index}.weekday")
        start = _parse_time(item.get("start"), f"windows.{index}.start", allow_midnight_end=False)
        end = _parse_time(item.get("end"), f"windows.{index}.end", allow_midnight_end=True)
        windows.append(Window(weekday, cast(time, start), end))
    return tuple(windows)


def _stripped(reason: Any) -> str:
    # A missing reason is passed through so the policy check reports it with its field path.
    return cast(str, reason.strip() if isinstance(reason, str) else reason)


def _parse_closures(data: Mapping[str, Any]) -> tuple[Closure, ...]:
    raw_closures = _optional(data, "closures") or []
    if not isinstance(raw_closures, list | tuple):
        raise _fail("Closures should be a list.", "closures")
    if len(raw_closures) > MAX_CLOSURES:
        raise _fail(f"Keep at most {MAX_CLOSURES} closures; remove old ones first.", "closures")
    closures = []
    for index, raw in enumerate(raw_closures):
        item = _parse_object(raw, f"closures.{index}")
        closures.append(Closure(start=_parse_instant(item.get("start"), f"closures.{index}.start"),
                                end=_parse_instant(item.get("end"), f"closures.{index}.end"),
                                reason=_stripped(item.get("reason"))))
    return tuple(closures)


def _parse_reply_target(data: Mapping[str, Any]) -> ReplyTarget:
    raw_target = _optional(data, "reply_target")
    if raw_target is None:
        return DEFAULT_REPLY_TARGET
    item = _parse_object(raw_target, "reply_target")
    return ReplyTarget(unit=item.get("unit"), amount=item.get("amount"))  # type: ignore[arg-type]


def _parse_pause(data: Mapping[str, Any]) -> Pause | None:
    raw_pause = _optional(data, "pause")
    if raw_pause is None:
        return None
    item = _parse_object(raw_pause, "pause")
    if _optional(item, "resume_at") is None:
        raise _fail("A pause needs a date and time to start again.", "pause.resume_at")
    return Pause(reason=_stripped(item.get("reason")), resume_at=_parse_instant(item.get("resume_at"), "pause.resume_at"))


def parse_policy(data: Mapping[str, Any]) -> AvailabilityPolicy:
    """Build a validated policy from its JSON form; unknown keys are ignored so it can sit inside wider team settings."""
    if not isinstance(data, Mapping):
        raise ValidationError("The availability settings should be an object.")
    return AvailabilityPolicy(
        timezone=_optional(data, "timezone") or "Europe/London",
        windows=_parse_windows(data),
        nation=_optional(data, "nation") or "england_wales",
        closures=_parse_closures(data),
        reply_target=_parse_reply_target(data),
        pause=_parse_pause(data),
    )


def _time_text(value: time | None) -> str:
    return "24:00" if value is None else f"{value.hour:02d}:{value.minute:02d}"


def policy_to_dict(policy: AvailabilityPolicy) -> dict[str, Any]:
    """Return the JSON-safe form of a policy; ``parse_policy`` turns it back into an equal policy."""
    return {
        "timezone": policy.timezone,
        "windows": [
            {"weekday": w.weekday, "start": _time_text(w.start), "end": _time_text(w.end)} for w in policy.windows
        ],
        "nation": policy.nation,
        "closures": [
            {"start": c.start.isoformat(), "end": c.end.isoformat(), "reason": c.reason} for c in policy.closures
        ],
        "reply_target": {"unit": policy.reply_target.unit, "amount": policy.reply_target.amount},
        "pause": (
            None
            if policy.pause is None
            else {"reason": policy.pause.reason, "resume_at": policy.pause.resume_at.isoformat()}
        ),
    }


# --- the compiled form ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _holiday_names(subdivision: str, year: int) -> Mapping[date, str]:
    # Imported here, not at module level: a request that never asks about a date (health checks, static
    # files, sign-in) should not pay for it on a cold start. A table, not the holidays package: see there.
    from chalicelib.domain.bank_holidays import holiday_names

    return holiday_names(subdivision, year)


def bank_holiday_name(nation: Nation, day: date) -> str | None:
    """Return the bank holiday's name if ``day`` is one in ``nation``, else None."""
    return _holiday_names(NATION_SUBDIVISIONS[nation], day.year).get(day)


@dataclass(frozen=True, eq=False)
class CompiledPolicy:
    """A policy pre-digested for fast queries: windows by weekday, closed spans merged and sorted for bisect.

    Compared and hashed by identity, which is what the per-day interval cache wants.
    """

    tz: ZoneInfo
    subdivision: str
    day_windows: tuple[tuple[tuple[time, time | None], ...], ...]
    closed_starts: tuple[datetime, ...]  # merged closures plus the pause, disjoint and sorted
    closed_ends: tuple[datetime, ...]
    closures: tuple[tuple[datetime, datetime, str], ...]  # the raw closures in UTC, sorted by start
    closure_starts: tuple[datetime, ...]
    resume_at: datetime | None
    pause_reason: str | None


@functools.lru_cache(maxsize=128)
def compile_policy(policy: AvailabilityPolicy) -> CompiledPolicy:
    """Return the compiled form of ``policy`` (cached: policies are frozen and hashable)."""
    day_windows: list[list[tuple[time, time | None]]] = [[] for _ in range(7)]
    for window in policy.windows:
        day_windows[window.weekday].append((window.start, window.end))
    closures = sorted((c.start.astimezone(UTC), c.end.astimezone(UTC), c.reason) for c in policy.closures)
    spans = [(start, end) for start, end, _ in closures]
    resume_at = policy.pause.resume_at.astimezone(UTC) if policy.pause else None
    if resume_at is not None:
        spans.insert(0, (_BEGINNING, resume_at))
    merged: list[list[datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return CompiledPolicy(
        tz=ZoneInfo(policy.timezone),
        subdivision=NATION_SUBDIVISIONS[policy.nation],
        day_windows=tuple(tuple(sorted(day, key=lambda w: _minutes(w[0]))) for day in day_windows),
        closed_starts=tuple(span[0] for span in merged),
        closed_ends=tuple(span[1] for span in merged),
        closures=tuple(closures),
        closure_starts=tuple(c[0] for c in closures),
        resume_at=resume_at,
        pause_reason=policy.pause.reason if policy.pause else None,
    )


def _instant(cp: CompiledPolicy, day: date, at: time | None) -> datetime:
    if at is None:
        day, at = day + _ONE_DAY, _MIDNIGHT
    return datetime.combine(day, at, tzinfo=cp.tz).astimezone(UTC)


@functools.lru_cache(maxsize=8192)
def _day_intervals(cp: CompiledPolicy, day: date) -> tuple[Interval, ...]:
    """Return the working intervals of one local date (UTC, sorted, disjoint)."""
    windows = cp.day_windows[day.weekday()]
    if not windows or day in _holiday_names(cp.subdivision, day.year):
        return ()
    raw = []
    for start, end in windows:
        a, b = _instant(cp, day, start), _instant(cp, day, end)
        if a < b:  # a window inside a clocks-forward gap can shrink to nothing
            raw.append((a, b))
    raw.sort()
    out: list[Interval] = []
    starts, ends = cp.closed_starts, cp.closed_ends
    for a, b in _merge(raw):
        i = bisect.bisect_right(ends, a)
        while i < len(starts) and starts[i] < b:
            if starts[i] > a:
                out.append((a, starts[i]))
            a = max(a, ends[i])
            i += 1
        if a < b:
            out.append((a, b))
    return tuple(out)


def _merge(intervals: list[Interval]) -> list[Interval]:
    # Non-existent local times (fold=0) can make windows of one day overlap in real time; merging keeps them disjoint.
    merged: list[Interval] = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _days(cp: CompiledPolicy, start: datetime, last: date) -> Iterator[tuple[date, tuple[Interval, ...]]]:
    """Yield (local date, its working intervals) from the day before ``start``'s local date up to ``last``."""
    day = start.astimezone(cp.tz).date() - _ONE_DAY
    starts, ends = cp.closed_starts, cp.closed_ends
    while day <= last:
        intervals = _day_intervals(cp, day)
        if intervals:
            yield day, intervals
            day += _ONE_DAY
            continue
        # An empty day may sit inside a long closure or pause: jump to the day it ends rather than walk it.
        day_start = _instant(cp, day, _MIDNIGHT)
        i = bisect.bisect_right(ends, day_start)
        if i < len(starts) and starts[i] <= day_start:
            day = max(day + _ONE_DAY, ends[i].astimezone(cp.tz).date())
        else:
            day += _ONE_DAY


def _aware_utc(value: datetime, name: str) -> datetime:
    if not _is_aware(value):
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


def _merged_from(cp: CompiledPolicy, start: datetime, last: date) -> Iterator[Interval]:
    """Yield contiguous working intervals at or after ``start`` (the first clipped to start), merged across days."""
    current: Interval | None = None
    for _, intervals in _days(cp, start, last):
        for a, b in intervals:
            if b <= start:
                continue
            a = max(a, start)
            if current is not None and a <= current[1]:
                current = (current[0], max(current[1], b))
                continue
            if current is not None:
                yield current
            current = (a, b)
    if current is not None:
        yield current


# --- queries --------------------------------------------------------------------------------------------------------


def working_intervals(
    policy: AvailabilityPolicy, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the contiguous working-time intervals inside ``[start, end)`` as UTC instants, in order."""
    cp = compile_policy(policy)
    start, end = _aware_utc(start, "start"), _aware_utc(end, "end")
    if end <= start:
        return
    last = end.astimezone(cp.tz).date() + _ONE_DAY
    for a, b in _merged_from(cp, start, last):
        if a >= end:
            return
        yield a, min(b, end)


def is_working_time(policy: AvailabilityPolicy, when: datetime) -> bool:
    """Return True if ``when`` is working time."""
    return next_opening(policy, when) == _aware_utc(when, "when")


def next_opening(policy: AvailabilityPolicy, now: datetime) -> datetime | None:
    """Return the earliest working instant at or after ``now`` (``now`` itself when open); None beyond 400 days."""
    cp = compile_policy(policy)
    now = _aware_utc(now, "now")
    for _, intervals in _days(cp, now, now.astimezone(cp.tz).date() + timedelta(days=HORIZON_DAYS)):
        for a, b in intervals:
            if b > now:
                return max(a, now)
    return None


@dataclass(frozen=True)
class Status:
    """Whether the team is open at an instant and, if not, why and until when."""

    open: bool
    reason: StatusReason
    detail: str | None  # the closure reason, the pause reason or the bank holiday name
    next_opening: datetime | None  # UTC; None when open (or nothing opens within 400 days)
    closes_at: datetime | None  # when open: when working time next stops (window end, closure or holiday)
    period_id: str | None  # identifies one contiguous closed span: the UTC ISO string of next_opening


def status_at(policy: AvailabilityPolicy, now: datetime) -> Status:
    """Return whether the team is open at ``now`` and, if closed, why and when it opens again."""
    cp = compile_policy(policy)
    now = _aware_utc(now, "now")
    last = now.astimezone(cp.tz).date() + timedelta(days=HORIZON_DAYS)
    upcoming = next(_merged_from(cp, now, last), None)
    if upcoming is not None and upcoming[0] == now:
        # Open without a break to the end of the horizon (a 24/7 team): there is no honest closing time to give.
        closes_at = upcoming[1] if upcoming[1].astimezone(cp.tz).date() < last else None
        return Status(True, "open", None, None, closes_at, None)
    opening = upcoming[0] if upcoming is not None else None
    # A closed span with nothing to open inside the horizon still needs one stable id.
    period_id = opening.isoformat() if opening is not None else "indefinite"
    reason: StatusReason = "out_of_hours"
    detail: str | None = None
    holiday = _holiday_names(cp.subdivision, now.astimezone(cp.tz).year).get(now.astimezone(cp.tz).date())
    closure = _closure_at(cp, now)
    if cp.resume_at is not None and now < cp.resume_at:
        reason, detail = "paused", cp.pause_reason
    elif closure is not None:
        reason, detail = "closure", closure
    elif holiday is not None:
        reason, detail = "bank_holiday", holiday
    return Status(False, reason, detail, opening, None, period_id)


def _closure_at(cp: CompiledPolicy, now: datetime) -> str | None:
    # Of overlapping closures, the most recently started one names the reason.
    for start, end, reason in reversed(cp.closures[: bisect.bisect_right(cp.closure_starts, now)]):
        if start <= now < end:
            return reason
    return None


def reply_by(policy: AvailabilityPolicy, received_at: datetime) -> datetime | None:
    """Return the UTC deadline for replying to a message received at ``received_at`` (rules in the module docstring)."""
    cp = compile_policy(policy)
    received = _aware_utc(received_at, "received_at")
    last = received.astimezone(cp.tz).date() + timedelta(days=REPLY_HORIZON_DAYS)
    target = policy.reply_target
    if target.unit == "working_hours":
        remaining = timedelta(hours=target.amount)
        for _, intervals in _days(cp, received, last):
            for a, b in intervals:
                if b <= received:
                    continue
                a = max(a, received)
                if b - a >= remaining:
                    return a + remaining
                remaining -= b - a
        return None
    counted = -1  # -1 until the effective start's day (D) is found; then working days after D
    for _, intervals in _days(cp, received, last):
        if counted < 0:
            if intervals[-1][1] > received:
                counted = 0
            continue
        counted += 1
        if counted == target.amount:
            return intervals[-1][1]
    return None


# --- words ----------------------------------------------------------------------------------------------------------


def _clock_words(local: datetime) -> str:
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def humanise(when: datetime, now: datetime, tz: str) -> str:
    """Say ``when`` the way a young person reads it, in the team's timezone: "today at 4pm", "Tuesday at 9am"."""
    zone = ZoneInfo(tz)
    local = _aware_utc(when, "when").astimezone(zone)
    today = _aware_utc(now, "now").astimezone(zone).date()
    clock = _clock_words(local)
    day = local.date()
    if clock == "midnight":
        # A deadline of 00:00 Tuesday is the end of Monday, and people say "Monday at midnight" for it.
        day -= _ONE_DAY
    delta = (day - today).days
    if delta == 0:
        label = "tonight" if clock == "midnight" else "today"
    elif delta == 1:
        label = "tomorrow"
    elif delta == -1:
        label = "yesterday"
    elif 1 < delta <= 6:
        label = WEEKDAY_NAMES[day.weekday()]
    else:
        label = f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
        if abs(delta) > 300:
            label += f" {day.year}"
    return f"{label} at {clock}"
