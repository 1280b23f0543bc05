"""Properties of reply-by and status that must hold for every policy, checked against a deliberately naive oracle.

The oracle decides "is this instant working time?" straight from the policy (linear scans, the ``holidays`` package
asked directly, no merging, bisecting or day-skipping), so it shares none of the shortcuts that make the real code fast.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.availability import (
    NATION_SUBDIVISIONS,
    AvailabilityPolicy,
    Closure,
    Pause,
    ReplyTarget,
    Window,
    next_opening,
    reply_by,
    status_at,
    working_intervals,
)

TIMEZONES = ("Europe/London", "Europe/London", "Europe/Dublin", "America/New_York", "Australia/Lord_Howe")
SPAN_START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_END = datetime(2029, 1, 1, tzinfo=UTC)
TINY = timedelta(microseconds=1)

PROPERTY_SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _transitions() -> list[datetime]:
    """Return every UTC offset change in the test zones across 2026-2028 (found by an hourly scan)."""
    found = []
    for name in set(TIMEZONES):
        zone = ZoneInfo(name)
        previous = SPAN_START.astimezone(zone).utcoffset()
        at = SPAN_START
        while at < SPAN_END:
            at += timedelta(hours=1)
            offset = at.astimezone(zone).utcoffset()
            if offset != previous:
                found.append(at)
                previous = offset
    return sorted(found)


TRANSITIONS = _transitions()


def quarter_hour(index: int) -> time | None:
    """Return the wall-clock time ``index`` quarter-hours into the day (96 meaning 24:00, i.e. None)."""
    return None if index == 96 else time(index // 4, (index % 4) * 15)


# st.datetimes spreads draws across the span; a bare integer offset would crowd them onto New Year's Day.
uniform_instants = st.datetimes(
    min_value=SPAN_START.replace(tzinfo=None), max_value=SPAN_END.replace(tzinfo=None) - TINY, timezones=st.just(UTC)
)
minute_instants = uniform_instants.map(lambda at: at.replace(second=0, microsecond=0))


@st.composite
def policies(draw: st.DrawFn) -> AvailabilityPolicy:
    """Draw a valid policy: non-overlapping windows on a quarter-hour grid, closures, a pause, a target, a nation."""
    windows = []
    for weekday in range(7):
        points = sorted(draw(st.lists(st.integers(0, 96), unique=True, max_size=6)))
        for start, end in zip(points[::2], points[1::2], strict=False):
            windows.append(Window(weekday, quarter_hour(start) or time(0), quarter_hour(end)))
    if not windows:
        windows.append(Window(draw(st.integers(0, 6)), time(9), time(17)))
    closure_list = []
    for opens, length in draw(st.lists(st.tuples(minute_instants, st.integers(1, 14 * 24 * 60)), max_size=30)):
        closure_list.append(Closure(opens, opens + timedelta(minutes=length), "Closed"))
    pause = None
    if draw(st.booleans()) and draw(st.booleans()):
        pause = Pause("Paused", draw(minute_instants))
    unit = draw(st.sampled_from(["working_hours", "working_days"]))
    amount = draw(st.integers(1, 80 if unit == "working_hours" else 10))
    return AvailabilityPolicy(
        timezone=draw(st.sampled_from(TIMEZONES)),
        windows=tuple(windows),
        nation=draw(st.sampled_from(["england_wales", "scotland", "northern_ireland"])),
        closures=tuple(closure_list),
        reply_target=ReplyTarget(unit, amount),  # type: ignore[arg-type]
        pause=pause,
    )


# Instants within a day and a half of a clock change, where wall-clock arithmetic goes wrong.
transition_instants = st.builds(
    lambda at, seconds: at + timedelta(seconds=seconds),
    st.sampled_from(TRANSITIONS),
    st.integers(-36 * 3600, 36 * 3600),
)
instants = st.one_of(uniform_instants, transition_instants)
gaps = st.one_of(st.integers(0, 120), st.integers(0, 3 * 86400)).map(lambda s: timedelta(seconds=s))


@functools.cache
def _holiday_dates(nation: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv=NATION_SUBDIVISIONS[nation], years=year))


def oracle_is_working(policy: AvailabilityPolicy, at: datetime) -> bool:
    """Decide from first principles whether ``at`` is working time."""
    if policy.pause is not None and at < policy.pause.resume_at:
        return False
    if any(closure.start <= at < closure.end for closure in policy.closures):
        return False
    zone = ZoneInfo(policy.timezone)
    local_date = at.astimezone(zone).date()
    for day in (local_date - timedelta(days=1), local_date, local_date + timedelta(days=1)):
        if day in _holiday_dates(policy.nation, day.year):
            continue
        for window in policy.windows:
            if window.weekday != day.weekday():
                continue
            # Aware comparison with a UTC instant resolves each wall time with fold=0, as the policy promises.
            start = datetime.combine(day, window.start, tzinfo=zone)
            if window.end is None:
                end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
            else:
                end = datetime.combine(day, window.end, tzinfo=zone)
            if start <= at < end:
                return True
    return False


@PROPERTY_SETTINGS
@given(policies(), instants)
def test_reply_by_is_never_before_the_message(policy: AvailabilityPolicy, received_at: datetime) -> None:
    deadline = reply_by(policy, received_at)

    assert deadline is None or deadline >= received_at


@PROPERTY_SETTINGS
@given(policies(), instants)
def test_reply_by_lands_at_or_inside_the_end_of_working_time(policy: AvailabilityPolicy, received_at: datetime) -> None:
    deadline = reply_by(policy, received_at)

    # start < deadline <= end of some working interval: the instant just before it is working time.
    # (None is allowed: a long pause or 80 hours on a thin rota can outrun the search horizon.)
    if deadline is not None:
        assert oracle_is_working(policy, deadline - TINY)


@PROPERTY_SETTINGS
@given(policies(), instants, gaps)
def test_reply_by_never_goes_down_as_messages_arrive_later(
    policy: AvailabilityPolicy, earlier: datetime, gap: timedelta
) -> None:
    first, second = reply_by(policy, earlier), reply_by(policy, earlier + gap)

    if first is None:
        assert second is None
    else:
        assert second is None or first <= second


@PROPERTY_SETTINGS
@given(policies(), instants)
def test_working_hours_target_is_exactly_that_much_working_time(
    policy: AvailabilityPolicy, received_at: datetime
) -> None:
    hourly = AvailabilityPolicy(
        timezone=policy.timezone,
        windows=policy.windows,
        nation=policy.nation,
        closures=policy.closures,
        reply_target=ReplyTarget("working_hours", policy.reply_target.amount % 80 + 1),
        pause=policy.pause,
    )
    deadline = reply_by(hourly, received_at)

    if deadline is None:
        return
    worked = sum((end - start for start, end in working_intervals(hourly, received_at, deadline)), timedelta())
    assert worked == timedelta(hours=hourly.reply_target.amount)


@PROPERTY_SETTINGS
@given(policies(), instants)
def test_status_agrees_with_the_oracle_and_its_period_is_stable(policy: AvailabilityPolicy, now: datetime) -> None:
    status = status_at(policy, now)

    assert status.open == oracle_is_working(policy, now)
    if status.open:
        assert status.closes_at is None or (
            status.closes_at > now and oracle_is_working(policy, status.closes_at - TINY)
        )
        assert next_opening(policy, now) == now
        return
    if status.next_opening is None:
        # Only a pause can close a drawn policy for 400 days; closures last at most two weeks.
        assert policy.pause is not None and policy.pause.resume_at > now + timedelta(days=300)
        return
    assert status.next_opening > now
    assert oracle_is_working(policy, status.next_opening)
    assert not oracle_is_working(policy, status.next_opening - TINY)
    # Anywhere later in the same closed span gives the same period id, so one auto-reply covers it.
    midway = now + (status.next_opening - now) / 2
    assert status_at(policy, midway).period_id == status.period_id
