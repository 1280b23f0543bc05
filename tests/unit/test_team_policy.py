"""A team's policy (``chalicelib.domain.policy``): building it from stored data, who is away, times in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.auto_reply import DEFAULT_TEMPLATES
from chalicelib.domain.availability import DEFAULT_POLICY
from chalicelib.domain.policy import Away, build_policy, parse_away, when_text
from chalicelib.errors import ValidationError

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)  # a Wednesday
MONDAY_9AM = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _stored_away(start: datetime, end: datetime, cover_id: str = "jo", **extra: str) -> dict[str, str]:
    return {"staff_name": "Sam Patel", "start": start.isoformat(), "end": end.isoformat(), "cover_id": cover_id,
            "cover_name": "Jo Reid", "cover_role": "Specialist nurse", **extra}


def _policy(away: dict | None = None, *, availability: dict | None = None, templates: dict | None = None):
    return build_policy("team-x", "Team X Diabetes", availability, templates, away)


# --- away periods -----------------------------------------------------------------------------------------


def test_away_periods_are_read_from_their_stored_form():
    stored = {"sam": _stored_away(NOW, NOW + timedelta(days=2))}

    assert parse_away(stored) == {"sam": Away("sam", "Sam Patel", NOW, NOW + timedelta(days=2), "jo", "Jo Reid",
                                              "Specialist nurse")}


def test_an_away_period_stored_without_a_cover_role_has_an_empty_one():
    stored = _stored_away(NOW, NOW + timedelta(days=1))
    del stored["cover_role"]

    assert parse_away({"sam": stored})["sam"].cover_role == ""


def test_a_team_with_nobody_away_has_no_away_periods():
    assert parse_away(None) == {} and parse_away({}) == {}


def test_an_away_period_keeps_the_instant_whatever_offset_it_was_stored_with():
    stored = {"start": "2026-11-25T11:30:00+01:00", "end": "2026-11-26T10:30:00+00:00"}

    away = parse_away({"sam": {**_stored_away(NOW, NOW), **stored}})["sam"]

    assert away.start == NOW and away.end == NOW + timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(st.integers(-3 * 86400, 3 * 86400), st.integers(1, 5 * 86400))
def test_an_away_period_starts_at_its_start_and_is_over_at_its_end(offset_s: int, length_s: int):
    start = NOW + timedelta(seconds=offset_s)
    away = Away("sam", "Sam Patel", start, start + timedelta(seconds=length_s), "jo", "Jo Reid", "")

    assert away.active(NOW) == (start <= NOW < away.end)
    assert away.active(away.start) and not away.active(away.end)


def test_away_now_finds_a_clinician_away_at_that_moment_and_nobody_else():
    policy = _policy({"sam": _stored_away(NOW - timedelta(hours=1), NOW + timedelta(days=1))})

    assert policy.away_now("sam", NOW) is policy.away["sam"]
    assert policy.away_now("jo", NOW) is None
    assert policy.away_now(None, NOW) is None and policy.away_now("", NOW) is None


def test_away_now_is_none_before_the_period_starts_and_from_its_end():
    policy = _policy({"sam": _stored_away(NOW, NOW + timedelta(days=1))})

    assert policy.away_now("sam", NOW - timedelta(microseconds=1)) is None
    assert policy.away_now("sam", NOW + timedelta(days=1)) is None


def test_covered_by_lists_the_colleagues_someone_covers_now():
    policy = _policy({
        "sam": _stored_away(NOW - timedelta(days=1), NOW + timedelta(days=1), cover_id="jo"),
        "ali": _stored_away(NOW - timedelta(hours=2), NOW + timedelta(hours=2), cover_id="jo"),
        "kim": _stored_away(NOW - timedelta(days=1), NOW + timedelta(days=1), cover_id="ben"),
        "lee": _stored_away(NOW + timedelta(days=1), NOW + timedelta(days=2), cover_id="jo"),
        "max": _stored_away(NOW - timedelta(days=2), NOW - timedelta(days=1), cover_id="jo"),
    })

    assert sorted(policy.covered_by("jo", NOW)) == ["ali", "sam"]
    assert policy.covered_by("ben", NOW) == ["kim"]
    assert policy.covered_by("sam", NOW) == []


# --- building the policy ----------------------------------------------------------------------------------


def test_a_team_that_never_set_its_hours_gets_the_default_availability_and_texts():
    policy = _policy()

    assert policy.availability == DEFAULT_POLICY
    assert policy.templates == DEFAULT_TEMPLATES
    assert (policy.team_id, policy.team_name, policy.away) == ("team-x", "Team X Diabetes", {})


def test_an_edited_auto_reply_replaces_only_its_own_kind():
    policy = _policy(templates={"out_of_hours": "Closed until {next_opening}."})

    assert policy.templates["out_of_hours"] == "Closed until {next_opening}."
    assert {k: v for k, v in policy.templates.items() if k != "out_of_hours"} == {
        k: v for k, v in DEFAULT_TEMPLATES.items() if k != "out_of_hours"}
    assert DEFAULT_TEMPLATES["out_of_hours"] != "Closed until {next_opening}."  # the defaults were not changed


def test_a_teams_stored_hours_and_timezone_are_used():
    availability = {"windows": [{"weekday": 5, "start": "10:00", "end": "13:00"}], "timezone": "America/New_York"}

    policy = _policy(availability=availability)

    assert [(w.weekday, w.start.hour, w.end.hour) for w in policy.availability.windows] == [(5, 10, 13)]
    assert policy.timezone == "America/New_York"


def test_stored_hours_that_do_not_make_sense_are_refused():
    with pytest.raises(ValidationError) as raised:
        _policy(availability={"windows": [{"weekday": 0, "start": "17:00", "end": "09:00"}]})

    assert raised.value.field == "windows.0.end"


# --- times in words ---------------------------------------------------------------------------------------


def test_no_time_is_said_as_as_soon_as_they_can():
    assert when_text(_policy(), None, NOW) == "as soon as they can"


def test_a_time_is_said_relative_to_today_in_the_teams_timezone():
    london, new_york = _policy(), _policy(availability={"windows": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
                                                        "timezone": "America/New_York"})

    assert when_text(london, NOW + timedelta(hours=6, minutes=30), NOW) == "today at 5pm"
    assert when_text(london, MONDAY_9AM, NOW) == "Monday at 9am"
    assert when_text(new_york, MONDAY_9AM, NOW) == "Monday at 4am"
