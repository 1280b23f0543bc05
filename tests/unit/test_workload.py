"""The workload dashboard's arithmetic: periods, percentiles, shares, and what a period's days add up to."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import workload as w
from chalicelib.errors import ValidationError


def test_a_month_and_a_week_and_their_neighbours():
    november = w.parse_period(month="2026-11", week=None, today=date(2026, 1, 1))
    assert (november.first, november.last, november.label) == (date(2026, 11, 1), date(2026, 11, 30), "November 2026")
    assert len(november.days) == 30 and november.param == {"month": "2026-11"}
    assert w.previous(november).label == "October 2026" and w.following(november).first == date(2026, 12, 1)
    week = w.parse_period(month=None, week="2026-11-25", today=date(2026, 1, 1))  # a Wednesday: its Monday's week
    assert (week.first, week.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert week.label == "Week starting Monday 23 November 2026" and week.param == {"week": "2026-11-23"}
    assert w.previous(week).first == date(2026, 11, 16) and w.following(week).first == date(2026, 11, 30)
    assert w.parse_period(month=None, week=None, today=date(2027, 2, 14)) == w.month_of(date(2027, 2, 14))
    assert w.month_of(date(2028, 2, 10)).last == date(2028, 2, 29)


@pytest.mark.parametrize(("month", "week", "field"), [("2026-13", None, "month"), ("nope", None, "month"),
                                                      (None, "2026-02-30", "week"), ("2026-11", "2026-11-23", "period")])
def test_a_period_that_is_not_one_is_refused_naming_the_field(month, week, field):
    with pytest.raises(ValidationError) as caught:
        w.parse_period(month=month, week=week, today=date(2026, 11, 25))
    assert caught.value.field == field


def test_median_and_nearest_rank_ninetieth_percentile_by_hand():
    assert w.median([]) is None and w.percentile_90([]) is None
    assert w.median([5]) == 5 and w.percentile_90([5]) == 5
    assert w.median([4, 1, 3, 2]) == 2.5
    values = list(range(1, 11))  # 1..10: the 9th value is the smallest that 90% do not exceed
    assert w.percentile_90(values) == 9
    assert w.percentile_90(list(range(1, 12))) == 10  # ceil(0.9 * 11) = 10th
    assert w.share(1, 3) == 33.3 and w.share(0, 0) is None


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=200))
def test_the_ninetieth_percentile_is_the_nearest_rank(values):
    p90 = w.percentile_90(values)
    assert p90 in values
    assert sum(v <= p90 for v in values) >= 0.9 * len(values)
    assert sum(v < p90 for v in values) < math.ceil(0.9 * len(values))
    assert min(values) <= w.median(values) <= max(values)


def test_durations_are_written_as_a_lead_reads_them():
    assert [w.duration_text(s) for s in (None, 59, 45 * 60, 3 * 3600, 3 * 3600 + 5 * 60, 26 * 3600, 48 * 3600)] == [
        "–", "1 min", "45 min", "3 h", "3 h 5 min", "1 day 2 h", "2 days"]


def test_local_day_and_quarter_hour_follow_the_teams_clock_across_summer_time():
    summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London (BST)
    assert w.local_day(summer, "Europe/London") == date(2026, 7, 2) and w.quarter_slot(summer, "Europe/London") == 2
    winter = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    assert w.local_day(winter, "Europe/London") == date(2026, 12, 1) and w.quarter_slot(winter, "Europe/London") == 95


def _day(day: date, counts=None, samples=None, labels=None, overdue=None) -> w.DayFigures:
    return w.DayFigures(day, counts or {}, samples or {}, labels or {}, overdue or {})


def test_a_period_adds_up_its_days_and_leaves_out_days_outside_it():
    week = w.week_of(date(2026, 11, 23))
    days = [
        _day(date(2026, 11, 22), {w.MESSAGES_IN: 100}),  # the Sunday before: not in the week
        _day(date(2026, 11, 23), {w.MESSAGES_IN: 4, w.MESSAGES_IN_CLOSED: 1, w.MESSAGES_OUT: 3, w.ANSWERED: 2,
                                  w.ANSWERED_IN_TARGET: 1, "auto:out_of_hours": 1, "replied:s1": 2, "replied:s2": 1},
             {w.REPLY_SECONDS: [600, 7200]}, {"name:s1": "Sam (Nurse)", "name:s2": "Jo (Dietitian)"}, {36: 2, 40: 1}),
        _day(date(2026, 11, 25), {w.MESSAGES_IN: 1, w.MESSAGES_IN_CLOSED: 1, w.ANSWERED: 1, "replied:s2": 2,
                                  "auto:out_of_hours": 2, "auto:staff_away": 1}, {w.REPLY_SECONDS: [1800]}),
    ]
    summary = w.summarise(week, days)
    assert (summary.messages_in, summary.messages_in_closed, summary.messages_out) == (5, 2, 3)
    assert summary.closed_share == 40.0 and summary.answered == 3 and summary.in_target_share == 33.3
    assert summary.median_reply_seconds == 1800 and summary.p90_reply_seconds == 7200
    assert summary.auto_replies == {"out_of_hours": 3, "staff_away": 1}
    assert [(c.name, c.replied) for c in summary.clinicians] == [("Jo (Dietitian)", 3), ("Sam (Nurse)", 2)]
    assert len(summary.rows) == 7 and summary.rows[0].overdue_max == 2 and summary.rows[0].overdue_close == 1
    assert summary.rows[1] == w.DayRow(date(2026, 11, 24), 0, 0, 0, 0, 0, None, None, None)
    assert summary.rows[0].median_reply_seconds == 3900
    assert w.reply_bands(week, days) == [("Under 1 hour", 2), ("1 to 4 hours", 1), ("4 to 8 hours", 0),
                                         ("8 to 24 hours", 0), ("1 to 2 days", 0), ("2 days or more", 0)]


def test_reply_targets_in_words():
    assert w.target_text("working_days", 1) == "1 working day" and w.target_text("working_hours", 4) == "4 working hours"
