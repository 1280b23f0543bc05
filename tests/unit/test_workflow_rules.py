"""The team's workflow rules (``chalicelib.domain.conversation``): status, owner, escalation, and the views' counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import conversation as rules
from chalicelib.domain.conversation import ConversationState

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
OPEN = ConversationState(last_activity_at=NOW - timedelta(hours=1), last_patient_at=NOW - timedelta(hours=1),
                         waiting_since=NOW - timedelta(hours=1), reply_by=NOW + timedelta(hours=5), overdue=False,
                         assigned_staff_id=None)


def _after(state: ConversationState, change: rules.Change) -> ConversationState:
    return rules.apply(state, change)


def test_status_is_new_then_assigned_then_awaiting_then_closed():
    assert rules.status_of(OPEN) == "new"
    held = _after(OPEN, rules.assign(OPEN, "sam", "Sam (Nurse)"))
    assert rules.status_of(held) == "assigned"
    waiting = _after(held, rules.await_patient(NOW))
    assert rules.status_of(waiting) == "awaiting_patient"
    closed = _after(waiting, rules.close(NOW, None))
    assert rules.status_of(closed) == "closed" and closed.awaiting_since is None


def test_closing_stops_the_team_owing_a_reply_and_settles_an_escalation():
    escalated = _after(OPEN, rules.escalate("lead", NOW))
    change = rules.close(NOW, NOW + timedelta(days=7))
    closed = _after(escalated, change)
    assert closed.waiting_since is None and closed.reply_by is None and closed.escalated_to is None
    assert closed.follow_up_at == NOW + timedelta(days=7)


def test_a_patient_message_reopens_a_closed_conversation_and_answers_awaiting_patient():
    closed = _after(OPEN, rules.close(NOW, NOW + timedelta(days=3)))
    later = NOW + timedelta(days=1)
    change = rules.patient_message(closed, at=later, preview="hi", reply_by=later + timedelta(hours=8),
                                   auto_reply_at=None, auto_key=None)
    reopened = _after(closed, change)
    assert rules.status_of(reopened) == "new" and reopened.follow_up_at is None
    waiting = _after(OPEN, rules.await_patient(NOW))
    answered = _after(waiting, rules.patient_message(waiting, at=later, preview="hi", reply_by=None,
                                                     auto_reply_at=None, auto_key=None))
    assert answered.awaiting_since is None


def test_a_patient_message_in_an_open_conversation_clears_nothing_of_the_workflow():
    change = rules.patient_message(OPEN, at=NOW, preview="hi", reply_by=None, auto_reply_at=None, auto_key=None)
    assert change.clear == ()


def test_the_colleague_it_was_escalated_to_settles_it_by_replying_or_taking_it():
    escalated = _after(OPEN, rules.escalate("lead", NOW))
    reply = rules.staff_reply(escalated, at=NOW, preview="ok", staff_id="lead", staff_label="Lena", unseen=False)
    assert _after(escalated, reply.change).escalated_to is None
    other = rules.staff_reply(escalated, at=NOW, preview="ok", staff_id="sam", staff_label="Sam", unseen=False)
    assert _after(escalated, other.change).escalated_to == "lead"
    assert _after(escalated, rules.assign(escalated, "lead", "Lena")).escalated_to is None
    assert _after(escalated, rules.assign(escalated, "sam", "Sam")).escalated_to == "lead"


def test_views_of_a_conversation_name_the_people_whose_lists_it_is_in():
    state = _after(_after(OPEN, rules.assign(OPEN, "sam", "Sam")), rules.escalate("lead", NOW))
    assert rules.views_of(state) == {"assigned", "mine#sam", "escalated#lead"}
    closed = _after(state, rules.close(NOW, None))
    assert rules.views_of(closed) == {"closed"}
    assert rules.views_of(OPEN._replace(discharged=True)) == frozenset()


def test_count_changes_move_one_out_and_one_in():
    held = _after(OPEN, rules.assign(OPEN, "sam", "Sam"))
    assert rules.count_changes(OPEN, held) == {"new": -1, "assigned": 1, "mine#sam": 1}
    assert rules.count_changes(held, held) == {}


def test_merge_keeps_both_changes_and_adds_counters():
    merged = rules.merge(rules.Change({"a": 1}, ("b",), {"n": 1}), rules.Change({"b": 2}, ("c",), {"n": 2}))
    assert merged.set == {"a": 1, "b": 2} and "b" not in merged.clear and "c" in merged.clear
    assert merged.add == {"n": 3}


_steps = st.lists(st.sampled_from(["assign_sam", "assign_jo", "release", "close", "await", "reopen", "escalate",
                                   "settle", "patient", "reply_sam", "discharge", "rejoin"]), max_size=25)


def _step(state: ConversationState, name: str) -> rules.Change:
    later = (state.last_activity_at or NOW) + timedelta(minutes=1)
    return {
        "assign_sam": lambda: rules.assign(state, "sam", "Sam"),
        "assign_jo": lambda: rules.assign(state, "jo", "Jo"),
        "release": rules.release,
        "close": lambda: rules.close(later, later + timedelta(days=2)),
        "await": lambda: rules.await_patient(later),
        "reopen": rules.reopen,
        "escalate": lambda: rules.escalate("lead", later),
        "settle": rules.settle_escalation,
        "patient": lambda: rules.patient_message(state, at=later, preview="x", reply_by=later + timedelta(hours=3),
                                                 auto_reply_at=None, auto_key=None),
        "reply_sam": lambda: rules.staff_reply(state, at=later, preview="x", staff_id="sam", staff_label="Sam",
                                               unseen=False).change,
        "discharge": lambda: rules.discharge(later),
        "rejoin": rules.rejoin,
    }[name]()


@settings(max_examples=300, deadline=None)
@given(_steps)
def test_counts_kept_by_adding_changes_always_equal_the_views_the_conversation_is_in(steps):
    """Whatever happens, a conversation is in exactly one status list (unless discharged) and the counts agree."""
    counts: dict[str, int] = {name: 1 for name in rules.views_of(OPEN)}
    state = OPEN
    for name in steps:
        after = _after(state, _step(state, name))
        for view, delta in rules.count_changes(state, after).items():
            counts[view] = counts.get(view, 0) + delta
        state = after
    assert {k for k, v in counts.items() if v} == set(rules.views_of(state))
    assert all(v in (0, 1) for v in counts.values())
    statuses = [v for v in rules.views_of(state) if "#" not in v]
    assert len(statuses) == (0 if state.discharged else 1)
