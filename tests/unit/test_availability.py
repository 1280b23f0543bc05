"""Worked examples for availability: bank holidays by nation, clock changes, closures, pauses, parsing and wording."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.availability import (
    DEFAULT_POLICY,
    AvailabilityPolicy,
    Closure,
    Pause,
    ReplyTarget,
    Window,
    bank_holiday_name,
    humanise,
    is_working_time,
    next_opening,
    parse_policy,
    policy_to_dict,
    reply_by,
    status_at,
    working_intervals,
)
from chalicelib.errors import ValidationError

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = range(5)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return a wall-clock time in London as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def policy(**changes: Any) -> AvailabilityPolicy:
    """Return the default policy (Mon-Fri 9-5, England) with some fields changed."""
    return dataclasses.replace(DEFAULT_POLICY, **changes)


def windows(*spans: tuple[str, str], days: range = WEEKDAYS) -> tuple[Window, ...]:
    """Return the same wall-clock spans on each of ``days``."""
    return tuple(
        Window(day, time.fromisoformat(start), None if end == "24:00" else time.fromisoformat(end))
        for day in days
        for start, end in spans
    )


# --- bank holidays ---------------------------------------------------------------------------------------------------


def test_easter_2027_holidays_differ_between_england_and_scotland() -> None:
    assert bank_holiday_name("england_wales", date(2027, 3, 26)) == "Good Friday"
    assert bank_holiday_name("scotland", date(2027, 3, 26)) == "Good Friday"
    assert bank_holiday_name("england_wales", date(2027, 3, 29)) == "Easter Monday"
    assert bank_holiday_name("scotland", date(2027, 3, 29)) is None


def test_reply_by_skips_easter_monday_in_england_but_not_scotland() -> None:
    received = london(2027, 3, 25, 16, 59)  # the Thursday before Easter, a minute before closing

    assert reply_by(policy(nation="england_wales"), received) == london(2027, 3, 30, 17)
    assert reply_by(policy(nation="scotland"), received) == london(2027, 3, 29, 17)


def test_reply_by_on_christmas_eve_afternoon_waits_for_the_substitute_boxing_day() -> None:
    assert bank_holiday_name("england_wales", date(2026, 12, 28)) == "Boxing Day (observed)"

    # Thu 24th counts as day 0; Fri 25th, Sat, Sun and Mon 28th (substitute) have no working time.
    assert reply_by(DEFAULT_POLICY, london(2026, 12, 24, 15)) == utc(2026, 12, 29, 17)


def test_reply_by_in_northern_ireland_skips_st_patricks_day() -> None:
    received = london(2027, 3, 16, 12)  # Tuesday

    assert reply_by(policy(nation="northern_ireland"), received) == london(2027, 3, 18, 17)
    assert reply_by(policy(nation="england_wales"), received) == london(2027, 3, 17, 17)


def test_reply_by_counts_from_the_next_opening_when_received_out_of_hours() -> None:
    received = london(2026, 11, 6, 20)  # Friday evening

    # Effective start is Monday 09:00, so one working day later is the end of Tuesday.
    assert reply_by(DEFAULT_POLICY, received) == utc(2026, 11, 10, 17)


def test_reply_by_at_the_exact_closing_minute_counts_from_the_next_day() -> None:
    assert reply_by(DEFAULT_POLICY, london(2026, 11, 4, 17)) == utc(2026, 11, 6, 17)
    assert reply_by(DEFAULT_POLICY, london(2026, 11, 4, 9)) == utc(2026, 11, 5, 17)


# --- clock changes -----------------------------------------------------------------------------------------------------


def evening_policy(hours: int) -> AvailabilityPolicy:
    """Return a Saturday-evening service running past midnight into Sunday, with a working-hours target."""
    return policy(
        windows=(Window(5, time(18), None), Window(6, time(0), time(4))),
        reply_target=ReplyTarget("working_hours", hours),
    )


def test_reply_by_counts_real_hours_across_the_night_the_clocks_go_back() -> None:
    # 2026-10-25 01:00 UTC: clocks go back from 02:00 BST to 01:00 GMT, so Sunday's 00:00-04:00 holds 5 real hours.
    assert list(working_intervals(evening_policy(1), utc(2026, 10, 24), utc(2026, 10, 26))) == [
        (utc(2026, 10, 24, 17), utc(2026, 10, 25, 4))
    ]

    received = london(2026, 10, 24, 20)  # 19:00 UTC

    # 4 hours to midnight BST (23:00 UTC), then 2 more: 01:00 UTC, which is the second 01:00 on the wall.
    assert reply_by(evening_policy(6), received) == utc(2026, 10, 25, 1)


def test_reply_by_loses_an_hour_of_window_the_night_the_clocks_go_forward() -> None:
    # 2027-03-28 01:00 UTC: clocks go forward from 01:00 GMT to 02:00 BST, so 00:00-04:00 holds 3 real hours.
    assert list(working_intervals(evening_policy(1), utc(2027, 3, 27), utc(2027, 3, 29))) == [
        (utc(2027, 3, 27, 18), utc(2027, 3, 28, 3))
    ]

    received = london(2027, 3, 27, 23)
    assert reply_by(evening_policy(4), received) == utc(2027, 3, 28, 3)
    # A fifth hour has to wait for the following Saturday evening.
    assert reply_by(evening_policy(5), received) == london(2027, 4, 3, 19)


def test_saturday_evening_window_ending_at_midnight_is_six_real_hours_on_the_clocks_back_weekend() -> None:
    saturday_only = policy(windows=(Window(5, time(18), None),), reply_target=ReplyTarget("working_hours", 8))

    # 6 hours on 24 October (BST), then 2 hours into 31 October (GMT).
    assert reply_by(saturday_only, london(2026, 10, 24, 18)) == utc(2026, 10, 31, 20)


# --- window shapes -----------------------------------------------------------------------------------------------------


def test_window_that_ends_at_midnight_runs_to_the_start_of_the_next_day() -> None:
    late = policy(windows=(Window(0, time(20), None),))

    assert status_at(late, london(2026, 11, 2, 23, 59)).closes_at == utc(2026, 11, 3)
    assert not status_at(late, london(2026, 11, 3)).open
    # Working days: day 0 is Monday 2nd, so the reply is due by the end of Monday 9th, i.e. midnight.
    assert reply_by(late, london(2026, 11, 2, 23, 30)) == utc(2026, 11, 10)
    # Working hours: 30 minutes on the 2nd, 30 more on the 9th.
    hourly = dataclasses.replace(late, reply_target=ReplyTarget("working_hours", 1))
    assert reply_by(hourly, london(2026, 11, 2, 23, 30)) == utc(2026, 11, 9, 20, 30)


def test_windows_either_side_of_midnight_are_one_contiguous_opening() -> None:
    overnight = policy(windows=(Window(0, time(22), None), Window(1, time(0), time(2))))

    assert status_at(overnight, london(2026, 11, 2, 23)).closes_at == utc(2026, 11, 3, 2)


def test_lunch_gap_is_skipped_when_counting_working_hours() -> None:
    lunch = policy(
        windows=windows(("09:00", "12:30"), ("13:30", "17:00")), reply_target=ReplyTarget("working_hours", 4)
    )

    assert reply_by(lunch, london(2026, 11, 2, 10)) == utc(2026, 11, 2, 15)  # 2.5h before lunch, 1.5h after
    assert reply_by(lunch, london(2026, 11, 2, 12, 45)) == utc(2026, 11, 3, 9, 30)  # starts at 13:30
    assert reply_by(lunch, london(2026, 11, 6, 16)) == utc(2026, 11, 9, 12)  # Friday 1h, Monday 3h
    assert status_at(lunch, london(2026, 11, 2, 12, 45)).next_opening == utc(2026, 11, 2, 13, 30)


def test_working_hours_skip_a_closure_in_the_middle_of_the_day() -> None:
    closed = policy(
        closures=(Closure(london(2026, 11, 2, 11), london(2026, 11, 2, 14), "Team meeting"),),
        reply_target=ReplyTarget("working_hours", 4),
    )

    assert reply_by(closed, london(2026, 11, 2, 9)) == utc(2026, 11, 2, 16)


def test_working_days_skip_a_day_lost_entirely_to_a_closure() -> None:
    closed = policy(closures=(Closure(london(2026, 11, 3), london(2026, 11, 4), "Training day"),))

    assert reply_by(closed, london(2026, 11, 2, 10)) == utc(2026, 11, 4, 17)


def test_a_day_partly_closed_still_counts_as_a_working_day_and_ends_at_its_last_opening() -> None:
    closed = policy(closures=(Closure(london(2026, 11, 3, 12), london(2026, 11, 3, 18), "Staff shortage"),))

    assert reply_by(closed, london(2026, 11, 2, 10)) == utc(2026, 11, 3, 12)


def test_pause_holds_everything_until_it_lifts() -> None:
    paused = policy(pause=Pause("Team short-staffed", london(2026, 11, 5, 13)))

    assert reply_by(paused, london(2026, 11, 2, 10)) == utc(2026, 11, 6, 17)
    assert next_opening(paused, london(2026, 11, 2, 10)) == utc(2026, 11, 5, 13)


# --- status ---------------------------------------------------------------------------------------------------------


def test_status_is_open_inside_a_window_and_says_when_it_closes() -> None:
    status = status_at(DEFAULT_POLICY, london(2026, 11, 4, 10))

    assert status.open and status.reason == "open"
    assert status.closes_at == utc(2026, 11, 4, 17)
    assert status.next_opening is None and status.period_id is None and status.detail is None


def test_status_out_of_hours_names_the_next_opening_as_its_period() -> None:
    status = status_at(DEFAULT_POLICY, london(2026, 11, 4, 18))

    assert not status.open and status.reason == "out_of_hours" and status.detail is None
    assert status.next_opening == utc(2026, 11, 5, 9)
    assert status.period_id == "2026-11-05T09:00:00+00:00"
    assert status.closes_at is None


def test_status_on_a_bank_holiday_names_the_holiday() -> None:
    status = status_at(DEFAULT_POLICY, london(2026, 12, 25, 10))

    assert (status.reason, status.detail) == ("bank_holiday", "Christmas Day")
    assert status.next_opening == utc(2026, 12, 29, 9)


def test_status_during_a_closure_gives_its_reason_and_the_open_status_closes_when_it_starts() -> None:
    closed = policy(closures=(Closure(london(2026, 11, 4, 13), london(2026, 11, 5, 12), "Team training day"),))

    assert status_at(closed, london(2026, 11, 4, 10)).closes_at == utc(2026, 11, 4, 13)
    status = status_at(closed, london(2026, 11, 4, 14))
    assert (status.reason, status.detail) == ("closure", "Team training day")
    assert status.next_opening == utc(2026, 11, 5, 12)


def test_status_while_paused_gives_the_pause_reason_and_resume_time() -> None:
    paused = policy(pause=Pause("Team short-staffed", london(2026, 11, 6, 9)))

    status = status_at(paused, london(2026, 11, 4, 10))
    assert (status.reason, status.detail) == ("paused", "Team short-staffed")
    assert status.next_opening == utc(2026, 11, 6, 9)
    assert status_at(paused, london(2026, 11, 6, 9)).open  # a pause that has lifted is ignored


def test_status_precedence_is_paused_then_closure_then_bank_holiday_then_out_of_hours() -> None:
    christmas_closure = Closure(london(2026, 12, 24), london(2026, 12, 27), "Christmas shutdown")
    christmas_evening = london(2026, 12, 25, 20)

    everything = policy(closures=(christmas_closure,), pause=Pause("Team short-staffed", london(2027, 1, 4)))
    assert status_at(everything, christmas_evening).reason == "paused"
    assert status_at(dataclasses.replace(everything, pause=None), christmas_evening).reason == "closure"
    assert status_at(DEFAULT_POLICY, christmas_evening).reason == "bank_holiday"
    assert status_at(DEFAULT_POLICY, london(2026, 12, 24, 20)).reason == "out_of_hours"


def test_one_closed_period_spans_an_evening_a_weekend_and_bank_holidays() -> None:
    instants = [london(2027, 3, 25, 18), london(2027, 3, 26, 10), london(2027, 3, 27, 12), london(2027, 3, 29, 16)]

    statuses = [status_at(DEFAULT_POLICY, when) for when in instants]

    assert [s.reason for s in statuses] == ["out_of_hours", "bank_holiday", "out_of_hours", "bank_holiday"]
    assert {s.period_id for s in statuses} == {"2027-03-30T08:00:00+00:00"}  # Tuesday 09:00 BST


def test_next_opening_jumps_over_a_closure() -> None:
    closed = policy(closures=(Closure(london(2026, 11, 2, 9), london(2026, 11, 4, 12), "Team away day"),))

    assert next_opening(closed, london(2026, 11, 1, 20)) == utc(2026, 11, 4, 12)


def test_next_opening_is_now_while_open_and_none_when_nothing_opens_within_400_days() -> None:
    assert next_opening(DEFAULT_POLICY, london(2026, 11, 4, 10)) == utc(2026, 11, 4, 10)
    assert is_working_time(DEFAULT_POLICY, london(2026, 11, 4, 10))

    long_pause = policy(pause=Pause("Service under review", london(2028, 6, 1)))
    assert next_opening(long_pause, london(2026, 11, 4, 10)) is None
    assert status_at(long_pause, london(2026, 11, 4, 10)).period_id == "indefinite"


def test_times_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        reply_by(DEFAULT_POLICY, datetime(2026, 11, 4, 10))


# --- parsing ---------------------------------------------------------------------------------------------------------


def valid_policy_data() -> dict[str, Any]:
    """Return a JSON policy with one of everything."""
    return {
        "timezone": "Europe/London",
        "windows": [
            {"weekday": 0, "start": "09:00", "end": "12:30"},
            {"weekday": 0, "start": "13:30", "end": "17:00"},
            {"weekday": 1, "start": "09:00", "end": "17:00"},
            {"weekday": 4, "start": "18:00", "end": "24:00"},
        ],
        "nation": "scotland",
        "closures": [
            {"start": "2026-12-24T12:00:00+00:00", "end": "2026-12-24T17:00:00+00:00", "reason": "Team training"}
        ],
        "reply_target": {"unit": "working_hours", "amount": 8},
        "pause": {"reason": "Team short-staffed", "resume_at": "2026-11-09T09:00:00+00:00"},
    }


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is _DELETE:
        del target[last]
    else:
        target[last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("timezone", "Mars/Olympus_Mons", "timezone"),
        ("windows", [], "windows"),
        ("windows", _DELETE, "windows"),
        ("windows.2.end", "08:00", "windows.2.end"),
        ("windows.2.end", "09:00", "windows.2.end"),
        ("windows.0.weekday", 7, "windows.0.weekday"),
        ("windows.0.weekday", -1, "windows.0.weekday"),
        ("windows.0.weekday", "Monday", "windows.0.weekday"),
        ("windows.1.start", "9am", "windows.1.start"),
        ("windows.1.start", "24:00", "windows.1.start"),
        ("windows.1.end", "25:00", "windows.1.end"),
        ("windows.1.start", "12:00", "windows.1.start"),  # overlaps 09:00-12:30 on Monday
        ("windows.3", "Friday evening", "windows.3"),
        ("nation", "wales", "nation"),
        ("closures.0.end", "2026-12-24T11:00:00+00:00", "closures.0.end"),
        ("closures.0.start", "2026-12-24T12:00:00", "closures.0.start"),
        ("closures.0.start", "Christmas Eve", "closures.0.start"),
        ("closures.0.end", "9999-12-31T23:00:00-05:00", "closures.0.end"),
        ("closures.0.reason", _DELETE, "closures.0.reason"),
        ("closures.0.reason", "   ", "closures.0.reason"),
        ("closures.0.reason", "x" * 201, "closures.0.reason"),
        ("closures", "none", "closures"),
        ("reply_target.amount", 0, "reply_target.amount"),
        ("reply_target.amount", 81, "reply_target.amount"),
        ("reply_target.amount", "8", "reply_target.amount"),
        ("reply_target.unit", "weeks", "reply_target.unit"),
        ("pause.resume_at", _DELETE, "pause.resume_at"),
        ("pause.resume_at", "", "pause.resume_at"),
        ("pause.reason", "x" * 201, "pause.reason"),
    ],
)
def test_parse_policy_names_the_field_at_fault(path: str, value: Any, field: str) -> None:
    data = valid_policy_data()
    _set(data, path, value)

    with pytest.raises(ValidationError) as caught:
        parse_policy(data)

    assert caught.value.field == field


def test_parse_policy_rejects_more_than_ten_days_of_reply_target() -> None:
    data = valid_policy_data() | {"reply_target": {"unit": "working_days", "amount": 11}}

    with pytest.raises(ValidationError) as caught:
        parse_policy(data)
    assert caught.value.field == "reply_target.amount"


def test_parse_policy_rejects_an_eleventh_window_on_one_day() -> None:
    data = valid_policy_data()
    data["windows"] = [{"weekday": 2, "start": f"{hour:02d}:00", "end": f"{hour:02d}:30"} for hour in range(11)]

    with pytest.raises(ValidationError) as caught:
        parse_policy(data)
    assert caught.value.field == "windows.10.weekday"


def test_parse_policy_rejects_more_than_400_closures() -> None:
    closure = valid_policy_data()["closures"][0]
    data = valid_policy_data() | {"closures": [closure] * 401}

    with pytest.raises(ValidationError) as caught:
        parse_policy(data)
    assert caught.value.field == "closures"


def test_parse_policy_fills_absent_or_empty_optional_fields_with_defaults() -> None:
    windows_only = {"windows": policy_to_dict(DEFAULT_POLICY)["windows"]}
    empties = windows_only | {"timezone": "", "nation": None, "closures": [], "reply_target": {}, "pause": None}

    assert parse_policy(windows_only) == DEFAULT_POLICY
    assert parse_policy(empties) == DEFAULT_POLICY


def test_policy_round_trips_through_json() -> None:
    original = AvailabilityPolicy(
        timezone="Europe/London",
        windows=(Window(0, time(9), time(12, 30)), Window(0, time(13, 30), time(17)), Window(5, time(18), None)),
        nation="northern_ireland",
        closures=(Closure(london(2026, 7, 1, 9), london(2026, 7, 3, 17), "Team away day"),),
        reply_target=ReplyTarget("working_hours", 24),
        pause=Pause("Team short-staffed", london(2026, 7, 6, 9)),
    )

    as_json = json.dumps(policy_to_dict(original))
    restored = parse_policy(json.loads(as_json))

    assert restored == original
    assert policy_to_dict(restored) == json.loads(as_json)
    assert '"end": "24:00"' in as_json and "+01:00" in as_json


def test_default_policy_survives_a_round_trip() -> None:
    assert parse_policy(policy_to_dict(DEFAULT_POLICY)) == DEFAULT_POLICY


# --- wording ---------------------------------------------------------------------------------------------------------


NOW = london(2026, 11, 4, 10)  # a Wednesday


@pytest.mark.parametrize(
    ("when", "words"),
    [
        (london(2026, 11, 4, 16), "today at 4pm"),
        (london(2026, 11, 4, 16, 30), "today at 4:30pm"),
        (london(2026, 11, 4, 12), "today at midday"),
        (london(2026, 11, 5, 0), "tonight at midnight"),
        (london(2026, 11, 5, 9), "tomorrow at 9am"),
        (london(2026, 11, 5, 9, 5), "tomorrow at 9:05am"),
        (london(2026, 11, 10, 9), "Tuesday at 9am"),
        (london(2026, 11, 11, 9), "Wednesday 11 November at 9am"),
        (london(2026, 12, 1, 9), "Tuesday 1 December at 9am"),
        (london(2026, 11, 3, 17), "yesterday at 5pm"),
        (london(2028, 1, 4, 9), "Tuesday 4 January 2028 at 9am"),
    ],
)
def test_humanise_reads_like_a_person_would_say_it(when: datetime, words: str) -> None:
    assert humanise(when, NOW, "Europe/London") == words


def test_humanise_speaks_in_the_teams_timezone_not_utc() -> None:
    summer_now = utc(2027, 6, 30, 12)

    assert humanise(utc(2027, 7, 1, 8), summer_now, "Europe/London") == "tomorrow at 9am"
    assert humanise(utc(2026, 11, 10, 0), NOW, "Europe/London") == "Monday at midnight"


def test_reply_by_with_a_year_of_closures_takes_well_under_a_millisecond() -> None:
    from scripts.bench_availability import median_reply_by_us

    # Typically a few microseconds; the bound is loose so a busy CI machine does not make it flaky.
    assert median_reply_by_us(300) < 1000
