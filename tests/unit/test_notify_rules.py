"""Who is told about a stored message (``chalicelib.domain.notify``): the chain of named rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.notify import (
    Recipient,
    is_notifiable,
    needs_team,
    on_shift,
    patient_to_notify,
    staff_to_notify,
)
from chalicelib.domain.policy import build_policy

WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
SATURDAY_MORNING = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TEAM = ["lead", "sam", "jo"]


def _away(staff_id: str, start: datetime, end: datetime) -> dict:
    return {staff_id: {"staff_name": staff_id.title(), "start": start.isoformat(), "end": end.isoformat(),
                       "cover_id": "lead", "cover_name": "Lead", "cover_role": "Consultant"}}


def _policy(away: dict | None = None):
    return build_policy("team-x", "Team X Diabetes", None, None, away)


def _ids(recipients: list[Recipient]) -> list[str]:
    return [r.actor_id for r in recipients]


def test_patient_and_clinician_messages_notify_and_automatic_replies_never_do():
    assert is_notifiable("patient") and is_notifiable("staff")
    assert not is_notifiable("auto")


def test_teamlines_own_notice_about_an_account_notifies_the_patient_only():
    """A password reset is announced to the patient's devices (so one they did not ask for is noticed)."""
    assert is_notifiable("system") and not needs_team("system")


def test_only_a_patients_message_needs_the_teams_policy_and_roster():
    assert needs_team("patient")
    assert not needs_team("staff") and not needs_team("auto")


def test_clinicians_are_on_shift_while_their_team_is_open():
    assert on_shift(_policy(), WEDNESDAY_MORNING) is True
    assert on_shift(_policy(), SATURDAY_MORNING) is False


def test_a_patients_message_in_opening_hours_goes_to_every_clinician_of_the_team():
    recipients = staff_to_notify(_policy(), TEAM, urgent=False, now=WEDNESDAY_MORNING)

    assert recipients == [Recipient("lead", "staff"), Recipient("sam", "staff"), Recipient("jo", "staff")]


def test_out_of_hours_nobody_is_woken_unless_the_conversation_is_urgent():
    assert staff_to_notify(_policy(), TEAM, urgent=False, now=SATURDAY_MORNING) == []
    assert _ids(staff_to_notify(_policy(), TEAM, urgent=True, now=SATURDAY_MORNING)) == TEAM


def test_a_clinician_who_is_away_is_not_notified_even_when_urgent():
    policy = _policy(_away("sam", WEDNESDAY_MORNING - timedelta(days=1), SATURDAY_MORNING + timedelta(days=1)))

    assert _ids(staff_to_notify(policy, TEAM, urgent=False, now=WEDNESDAY_MORNING)) == ["lead", "jo"]
    assert _ids(staff_to_notify(policy, TEAM, urgent=True, now=SATURDAY_MORNING)) == ["lead", "jo"]


def test_a_clinician_back_from_being_away_is_notified_again():
    policy = _policy(_away("sam", WEDNESDAY_MORNING - timedelta(days=2), WEDNESDAY_MORNING))

    assert "sam" in _ids(staff_to_notify(policy, TEAM, urgent=False, now=WEDNESDAY_MORNING))


def test_a_clinicians_reply_goes_to_the_patient():
    assert patient_to_notify("patient-a") == [Recipient("patient-a", "patient")]


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
periods = st.tuples(st.integers(-5 * 86400, 5 * 86400), st.integers(1, 5 * 86400))


@settings(max_examples=300, deadline=None)
@given(instants, st.dictionaries(st.sampled_from(TEAM), periods), st.booleans())
def test_staff_to_notify_never_includes_someone_away_and_leaves_out_nobody_else(now, away_periods, urgent):
    away: dict = {}
    for staff_id, (offset, length) in away_periods.items():
        start = now + timedelta(seconds=offset)
        away |= _away(staff_id, start, start + timedelta(seconds=length))
    policy = _policy(away)

    recipients = staff_to_notify(policy, TEAM, urgent=urgent, now=now)

    assert all(policy.away_now(r.actor_id, now) is None for r in recipients)
    assert all(r.audience == "staff" for r in recipients)
    if urgent or on_shift(policy, now):
        assert _ids(recipients) == [s for s in TEAM if policy.away_now(s, now) is None]
    else:
        assert recipients == []


def test_urgent_conversations_wake_nobody_out_of_hours_when_the_team_has_nobody_on_call():
    assert staff_to_notify(_policy(), TEAM, urgent=True, now=SATURDAY_MORNING, on_call=False) == []
    assert _ids(staff_to_notify(_policy(), TEAM, urgent=True, now=WEDNESDAY_MORNING, on_call=False)) == TEAM


def test_with_a_rota_only_who_it_puts_on_shift_is_told_unless_urgent_and_on_call_still_decides_out_of_hours():
    """The rota (issue 9) and the on-call setting (issue 10) together: a named contact alone in hours; an urgent
    conversation tells every clinician who is not away; out of hours, urgent wakes people only when on call."""
    on_rota = {"sam"}
    assert _ids(staff_to_notify(_policy(), TEAM, urgent=False, now=WEDNESDAY_MORNING, rota_on_shift=on_rota)) == ["sam"]
    assert staff_to_notify(_policy(), TEAM, urgent=False, now=WEDNESDAY_MORNING, rota_on_shift=set()) == []
    assert _ids(staff_to_notify(_policy(), TEAM, urgent=True, now=WEDNESDAY_MORNING, rota_on_shift=on_rota)) == TEAM
    assert staff_to_notify(_policy(), TEAM, urgent=True, now=SATURDAY_MORNING, rota_on_shift=on_rota,
                           on_call=False) == []
    assert _ids(staff_to_notify(_policy(), TEAM, urgent=True, now=SATURDAY_MORNING, rota_on_shift=on_rota,
                                on_call=True)) == TEAM
    away = _policy(_away("sam", WEDNESDAY_MORNING - timedelta(days=1), SATURDAY_MORNING + timedelta(days=1)))
    assert staff_to_notify(away, TEAM, urgent=False, now=WEDNESDAY_MORNING, rota_on_shift=on_rota) == []
