"""What a patient's message earns on arrival (``chalicelib.domain.intake.plan_intake``): a reply-by and an auto-reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.availability import reply_by, status_at
from chalicelib.domain.intake import plan_intake
from chalicelib.domain.policy import build_policy
from chalicelib.domain.safety import EMERGENCY_ROUTES

WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
SATURDAY_MORNING = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SUNDAY_EVENING = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
NEXT_SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
CHRISTMAS_DAY = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)


def _policy(*, away: dict | None = None, templates: dict | None = None, availability: dict | None = None):
    return build_policy("team-x", "Team X Diabetes", availability, templates, away)


def _sam_away(start: datetime, days: int = 3) -> dict:
    return {"sam": {"staff_name": "Sam Patel", "start": start.isoformat(),
                    "end": (start + timedelta(days=days)).isoformat(), "cover_id": "jo", "cover_name": "Jo Reid",
                    "cover_role": "Specialist nurse"}}


def _plan(policy, now, *, assigned="sam", last_key=None):
    return plan_intake(policy, assigned_staff_id=assigned, last_auto_key=last_key, now=now)


def test_a_message_to_an_open_team_gets_a_reply_by_and_no_auto_reply():
    intake = _plan(_policy(), WEDNESDAY_MORNING)

    assert intake.status.open is True
    assert intake.reply_by == datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # the end of the next working day
    assert (intake.auto_kind, intake.auto_key, intake.auto_text) == (None, None, None)


def test_out_of_hours_a_message_gets_the_out_of_hours_reply_naming_the_opening_and_the_reply_by():
    intake = _plan(_policy(), SATURDAY_MORNING)

    assert intake.auto_kind == "out_of_hours"
    assert intake.auto_key == f"closed:{status_at(_policy().availability, SATURDAY_MORNING).period_id}"
    assert "The Team X Diabetes team is closed right now and will open again Monday at 9am" in intake.auto_text
    assert "The team aims to reply by Tuesday at 5pm" in intake.auto_text


def test_every_auto_reply_ends_with_the_emergency_routes():
    for policy, now in ((_policy(), SATURDAY_MORNING), (_policy(away=_sam_away(WEDNESDAY_MORNING)), WEDNESDAY_MORNING)):
        text = _plan(policy, now).auto_text

        assert text is not None
        assert all(route.detail in text for route in EMERGENCY_ROUTES)


def test_a_second_message_in_the_same_closed_period_gets_no_second_auto_reply_but_still_a_reply_by():
    first = _plan(_policy(), SATURDAY_MORNING)

    second = _plan(_policy(), SUNDAY_EVENING, last_key=first.auto_key)

    assert second.auto_kind is None and second.auto_text is None
    assert second.reply_by == first.reply_by


def test_the_next_closed_period_earns_a_new_auto_reply():
    first = _plan(_policy(), SATURDAY_MORNING)

    later = _plan(_policy(), NEXT_SATURDAY, last_key=first.auto_key)

    assert later.auto_kind == "out_of_hours" and later.auto_key != first.auto_key


def test_a_bank_holiday_is_named_in_its_auto_reply():
    intake = _plan(_policy(), CHRISTMAS_DAY)

    assert intake.auto_kind == "bank_holiday"
    assert "closed for Christmas Day" in intake.auto_text


def test_a_closure_gives_its_reason():
    closure = {"start": "2026-11-25T09:00:00+00:00", "end": "2026-11-25T17:00:00+00:00", "reason": "Team training"}
    windows = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]

    intake = _plan(_policy(availability={"windows": windows, "closures": [closure]}), WEDNESDAY_MORNING)

    assert intake.auto_kind == "closure" and "(Team training)" in intake.auto_text


def test_while_the_team_is_open_an_away_clinicians_patient_is_told_who_covers():
    policy = _policy(away=_sam_away(WEDNESDAY_MORNING - timedelta(days=1)))

    intake = _plan(policy, WEDNESDAY_MORNING)

    assert intake.auto_kind == "staff_away"
    assert "Sam Patel is away, so Jo Reid (Specialist nurse) is covering" in intake.auto_text
    assert intake.auto_key == f"away:sam:{policy.away['sam'].end.isoformat()}"


def test_only_the_patients_own_clinician_being_away_earns_the_away_reply():
    policy = _policy(away=_sam_away(WEDNESDAY_MORNING - timedelta(days=1)))

    assert _plan(policy, WEDNESDAY_MORNING, assigned="jo").auto_kind is None
    assert _plan(policy, WEDNESDAY_MORNING, assigned=None).auto_kind is None


def test_when_the_team_is_closed_the_closed_reply_wins_over_the_away_one():
    policy = _policy(away=_sam_away(SATURDAY_MORNING - timedelta(days=1)))

    assert _plan(policy, SATURDAY_MORNING).auto_kind == "out_of_hours"


def test_the_teams_own_wording_is_used_with_the_footer_added():
    policy = _policy(templates={"out_of_hours": "{team_name} is shut. Back {next_opening}."})

    text = _plan(policy, SATURDAY_MORNING).auto_text

    assert text.startswith("Team X Diabetes is shut. Back Monday at 9am.\n\n")
    assert "The team aims to reply by Tuesday at 5pm" in text


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(instants, st.booleans(), st.sampled_from(["sam", "jo", None]))
def test_the_reply_by_is_the_availability_rule_and_repeating_the_key_never_earns_another_auto_reply(
        now, sam_away, assigned):
    policy = _policy(away=_sam_away(now - timedelta(hours=1)) if sam_away else None)

    intake = _plan(policy, now, assigned=assigned)
    again = _plan(policy, now, assigned=assigned, last_key=intake.auto_key)

    assert intake.reply_by == reply_by(policy.availability, now)
    expects_reply = not intake.status.open or (sam_away and assigned == "sam")
    assert (intake.auto_kind is not None) == expects_reply
    assert (intake.auto_key is None) == (intake.auto_text is None) == (intake.auto_kind is None)
    assert again.auto_kind is None and again.reply_by == intake.reply_by
