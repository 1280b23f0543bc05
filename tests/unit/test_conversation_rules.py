"""The conversation rules (``chalicelib.domain.conversation``): what a message, a reply and a claim change.

Each step is checked through ``apply``, i.e. on the state the conversation is in afterwards, since that
state is what the inbox, the overdue view and the next step read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.conversation import (
    Change,
    ConversationState,
    apply,
    claim,
    next_instant,
    patient_message,
    staff_reply,
    unseen_patient_message,
)

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
FRESH = ConversationState(last_activity_at=NOW - timedelta(days=2), last_patient_at=None, waiting_since=None,
                          reply_by=None, overdue=False, assigned_staff_id=None)
REPLY_BY = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)

instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
maybe_instants = st.none() | instants
states = st.builds(ConversationState, last_activity_at=maybe_instants, last_patient_at=maybe_instants,
                   waiting_since=maybe_instants, reply_by=maybe_instants, overdue=st.booleans(),
                   assigned_staff_id=st.none() | st.sampled_from(["staff-sam", "staff-jo"]))
PROPERTIES = settings(max_examples=300, deadline=None)


def _patient_writes(state: ConversationState, at: datetime = NOW, *, reply_by: datetime | None = REPLY_BY,
                    auto_reply_at: datetime | None = None, auto_key: str | None = None) -> Change:
    return patient_message(state, at=at, preview="Hello", reply_by=reply_by, auto_reply_at=auto_reply_at,
                           auto_key=auto_key)


def _staff_replies(state: ConversationState, *, unseen: bool = False, staff_id: str = "staff-sam"):
    return staff_reply(state, at=NOW, preview="Hi", staff_id=staff_id, staff_label="Sam (Nurse)", unseen=unseen)


# --- when a message is stamped -------------------------------------------------------------------------


def test_the_first_message_of_a_conversation_is_stamped_now():
    assert next_instant(None, NOW) == NOW


def test_a_message_is_stamped_now_when_the_last_one_is_older():
    assert next_instant(NOW - timedelta(seconds=1), NOW) == NOW


def test_a_message_never_sorts_before_the_last_one_when_this_hosts_clock_lags():
    last = NOW + timedelta(milliseconds=3)  # stored by a host whose clock runs ahead

    assert next_instant(last, NOW) == last + timedelta(microseconds=1)


@PROPERTIES
@given(maybe_instants, instants)
def test_a_new_message_is_stamped_at_or_after_now_and_strictly_after_the_last_activity(last, now):
    stamped = next_instant(last, now)

    assert stamped >= now
    if last is not None:
        assert stamped > last
        assert stamped == now or stamped == last + timedelta(microseconds=1)


# --- a patient writes ------------------------------------------------------------------------------------


def test_a_patients_message_makes_an_answered_conversation_wait_from_now_with_the_reply_by_it_got():
    after = apply(FRESH, _patient_writes(FRESH))

    assert after.waiting_since == NOW and after.reply_by == REPLY_BY
    assert after.last_patient_at == NOW and after.last_activity_at == NOW


def test_a_conversation_already_waiting_keeps_its_oldest_message_and_its_earlier_reply_by():
    earlier = NOW - timedelta(hours=3)
    waiting = FRESH._replace(waiting_since=earlier, reply_by=REPLY_BY - timedelta(hours=2))

    after = apply(waiting, _patient_writes(waiting, reply_by=REPLY_BY))

    assert after.waiting_since == earlier
    assert after.reply_by == REPLY_BY - timedelta(hours=2)
    assert after.last_patient_at == NOW


def test_a_patients_message_adds_one_unread_message_for_the_team():
    change = _patient_writes(FRESH)

    assert change.add == {"team_unread": 1, "message_count": 1}
    assert change.set["last_sender"] == "patient" and change.set["last_preview"] == "Hello"


def test_an_auto_reply_counts_as_a_second_message_is_the_latest_activity_and_records_its_period():
    auto_at = NOW + timedelta(microseconds=1)

    change = _patient_writes(FRESH, auto_reply_at=auto_at, auto_key="closed:2026-11-30T09:00:00+00:00")

    assert change.add["message_count"] == 2
    assert apply(FRESH, change).last_activity_at == auto_at
    assert change.set["last_auto_reply_key"] == "closed:2026-11-30T09:00:00+00:00"


def test_without_an_auto_reply_the_last_auto_reply_period_is_left_alone():
    assert "last_auto_reply_key" not in _patient_writes(FRESH).set


def test_a_new_wait_without_a_reply_by_sets_no_reply_by():
    assert "reply_by" not in _patient_writes(FRESH, reply_by=None).set


@PROPERTIES
@given(states, instants, maybe_instants)
def test_after_a_patients_message_the_conversation_is_always_waiting(state, at, reply_by):
    after = apply(state, _patient_writes(state, at, reply_by=reply_by))

    assert after.waiting_since is not None
    assert after.waiting_since == (state.waiting_since or at)
    assert after.last_patient_at == at
    assert after.assigned_staff_id == state.assigned_staff_id  # writing never changes who holds it


# --- a clinician replies ---------------------------------------------------------------------------------


def test_a_reply_to_what_the_clinician_saw_stops_the_wait_and_the_overdue_flag():
    overdue = FRESH._replace(waiting_since=NOW - timedelta(days=3), reply_by=NOW - timedelta(days=1), overdue=True)

    step = _staff_replies(overdue)
    after = apply(overdue, step.change)

    assert after.waiting_since is None and after.reply_by is None and after.overdue is False
    assert step.answered_overdue is True


def test_a_reply_that_missed_a_newer_patient_message_leaves_the_conversation_waiting():
    waiting = FRESH._replace(waiting_since=NOW - timedelta(hours=1), reply_by=REPLY_BY, overdue=True)

    step = _staff_replies(waiting, unseen=True)
    after = apply(waiting, step.change)

    assert (after.waiting_since, after.reply_by, after.overdue) == (waiting.waiting_since, REPLY_BY, True)
    assert step.answered_overdue is False


def test_the_first_clinician_to_reply_holds_the_conversation():
    step = _staff_replies(FRESH)

    assert apply(FRESH, step.change).assigned_staff_id == "staff-sam"
    assert step.change.set["assigned_name"] == "Sam (Nurse)"


def test_a_reply_from_someone_else_does_not_take_the_conversation_from_who_holds_it():
    held = FRESH._replace(assigned_staff_id="staff-jo")

    step = _staff_replies(held, staff_id="staff-sam")

    assert apply(held, step.change).assigned_staff_id == "staff-jo"
    assert "assigned_name" not in step.change.set


def test_a_reply_marks_the_team_as_having_read_everything_and_gives_the_patient_one_unread():
    step = _staff_replies(FRESH)

    assert step.change.set["team_unread"] == 0 and step.change.set["team_read_upto"] == NOW
    assert step.change.add == {"patient_unread": 1, "message_count": 1}


@PROPERTIES
@given(states)
def test_a_reply_to_everything_on_screen_always_clears_waiting(state):
    step = _staff_replies(state, unseen=False)
    after = apply(state, step.change)

    assert after.waiting_since is None and after.reply_by is None and after.overdue is False
    assert step.answered_overdue == state.overdue
    assert after.assigned_staff_id == (state.assigned_staff_id or "staff-sam")


@PROPERTIES
@given(states)
def test_a_reply_that_missed_a_message_never_changes_the_wait(state):
    step = _staff_replies(state, unseen=True)
    after = apply(state, step.change)

    assert (after.waiting_since, after.reply_by, after.overdue) == (state.waiting_since, state.reply_by, state.overdue)
    assert step.answered_overdue is False


# --- did the patient write after what the clinician saw? --------------------------------------------------


def test_a_patient_message_after_what_the_clinician_saw_is_unseen():
    state = FRESH._replace(last_patient_at=NOW)

    assert unseen_patient_message(state, NOW - timedelta(seconds=1)) is True


def test_a_patient_message_the_clinician_had_on_screen_is_not_unseen():
    state = FRESH._replace(last_patient_at=NOW)

    assert unseen_patient_message(state, NOW) is False
    assert unseen_patient_message(state, NOW + timedelta(minutes=1)) is False


def test_without_a_seen_marker_or_a_patient_message_nothing_is_unseen():
    assert unseen_patient_message(FRESH._replace(last_patient_at=NOW), None) is False
    assert unseen_patient_message(FRESH, NOW - timedelta(days=9)) is False


# --- claiming, and applying changes ----------------------------------------------------------------------


def test_claiming_makes_the_clinician_hold_the_conversation_whoever_held_it():
    held = FRESH._replace(assigned_staff_id="staff-jo")

    change = claim("staff-sam", "Sam (Nurse)")

    assert apply(held, change).assigned_staff_id == "staff-sam"
    assert change.set == {"assigned_staff_id": "staff-sam", "assigned_name": "Sam (Nurse)"}
    assert change.clear == () and change.add == {}


def test_apply_clears_the_overdue_flag_to_false_and_other_fields_to_none():
    state = FRESH._replace(waiting_since=NOW, overdue=True)

    after = apply(state, Change({}, ("waiting_since", "overdue")))

    assert after.waiting_since is None and after.overdue is False


def test_apply_ignores_fields_the_state_does_not_hold_and_leaves_the_state_it_was_given_alone():
    after = apply(FRESH, Change({"last_preview": "Hi", "last_activity_at": NOW}, ("team_read_upto",)))

    assert after == FRESH._replace(last_activity_at=NOW)
    assert FRESH.last_activity_at == NOW - timedelta(days=2)
