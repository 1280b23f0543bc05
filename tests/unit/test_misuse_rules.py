"""The misuse ladder's rules (``chalicelib.domain.misuse``): windows in the team's timezone, caps, review dates,
who may change what, and what the young person is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import misuse
from chalicelib.domain.misuse import Ladder, Restriction, check_cap, clean_cap, clean_review, needs_lead, window_key
from chalicelib.errors import ValidationError

LONDON = "Europe/London"
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def _cap(limit: int = 3, period: str = "day", start: datetime = NOW, days: int = 14) -> Restriction:
    return Restriction("cap", "too many messages", start, start + timedelta(days=days), "Carl", limit=limit,
                       period=period)


def test_a_day_is_the_teams_local_day_across_the_clocks_going_forward_and_back():
    # 23:30 UTC on Saturday 24 October 2026 is 00:30 on Sunday in London (BST): already Sunday's count.
    assert window_key("day", datetime(2026, 10, 24, 23, 30, tzinfo=UTC), LONDON) == "day:2026-10-25"
    # In winter (GMT) 23:30 UTC is still the same day.
    assert window_key("day", datetime(2026, 11, 24, 23, 30, tzinfo=UTC), LONDON) == "day:2026-11-24"


def test_a_week_runs_monday_to_sunday_in_the_teams_timezone():
    sunday_night = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert window_key("week", sunday_night, LONDON) != window_key("week", monday, LONDON)
    assert misuse.window_ends("week", sunday_night, LONDON) == monday


def test_a_cap_counts_up_to_its_limit_then_refuses_and_starts_again_the_next_day():
    cap = _cap(limit=2)
    first = check_cap(cap, None, 0, NOW, LONDON)
    second = check_cap(cap, first.window, first.count_after, NOW, LONDON)
    third = check_cap(cap, second.window, second.count_after, NOW, LONDON)
    assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    assert (first.count_after, second.count_after, third.count_after) == (1, 2, 2)
    tomorrow = check_cap(cap, third.window, third.count_after, NOW + timedelta(days=1), LONDON)
    assert tomorrow.allowed and tomorrow.count_after == 1


@settings(max_examples=100, deadline=None)
@given(limit=st.integers(1, 20), sends=st.integers(0, 40))
def test_within_one_window_exactly_min_sends_limit_are_allowed(limit, sends):
    cap = _cap(limit=limit)
    window, count, allowed = None, 0, 0
    for _ in range(sends):
        result = check_cap(cap, window, count, NOW, LONDON)
        window, count = result.window, result.count_after
        allowed += result.allowed
    assert allowed == min(sends, limit)


def test_a_restriction_is_in_force_from_its_start_until_its_review_and_then_lapses():
    ladder = Ladder(cap=_cap(days=7))
    assert ladder.active("cap", NOW) is not None
    assert ladder.active("cap", NOW + timedelta(days=7)) is None
    assert ladder.active("pause", NOW) is None


def test_the_ladder_survives_storage():
    pause = Restriction("pause", "a break", NOW, NOW + timedelta(days=3), "Lena", text="ring the team")
    ladder = Ladder(plan=None, cap=_cap(), pause=pause)
    assert Ladder.from_stored(ladder.to_stored()) == ladder
    assert Ladder.from_stored(None) == Ladder() and Ladder().to_stored() is None


def test_changing_or_ending_what_is_in_force_needs_the_lead_and_nothing_else_does():
    in_force = Ladder(cap=_cap())
    assert not needs_lead("reminder", in_force, NOW)
    assert not needs_lead("plan", in_force, NOW) and not needs_lead("pause", in_force, NOW)
    assert needs_lead("cap", in_force, NOW)
    assert all(needs_lead(step, Ladder(), NOW) for step in ("plan_ended", "cap_lifted", "pause_lifted"))
    assert not needs_lead("cap", in_force, NOW + timedelta(days=30))  # lapsed: setting it again is a new step


def test_review_dates_are_in_the_future_and_not_too_far_away():
    with pytest.raises(ValidationError):
        clean_review(NOW - timedelta(minutes=1), NOW, "pause")
    with pytest.raises(ValidationError):
        clean_review(NOW + timedelta(days=93), NOW, "pause")
    assert clean_review(NOW + timedelta(days=183), NOW, "plan")


@pytest.mark.parametrize(("limit", "period"), [("0", "day"), ("21", "day"), ("two", "day"), ("3", "month")])
def test_caps_are_a_whole_number_from_1_to_20_a_day_or_a_week(limit, period):
    with pytest.raises(ValidationError):
        clean_cap(limit, period)


def test_each_step_tells_the_young_person_why_and_when_it_will_be_looked_at_again():
    notice = misuse.step_notice(_cap(limit=1), "Wednesday 9 December at midnight")
    assert "up to 1 message a day" in notice and "too many messages" in notice and "9 December" in notice
    pause = misuse.step_notice(Restriction("pause", "a break", NOW, NOW + timedelta(days=2), "L"), "Friday")
    assert "paused until Friday" in pause and "What to do instead" in pause
