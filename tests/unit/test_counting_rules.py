"""What counts on the workload dashboard: the rules, item by item (pure: no storage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.policy import build_policy
from chalicelib.models.conversation import ClientMessageItem, MessageItem
from chalicelib.models.notes import NoteItem
from chalicelib.models.safety import SafetyStepItem
from chalicelib.services import counting_rules as rules

POLICY = build_policy("t1", "Team", None, None, None)  # Mon-Fri 09:00-17:00 London
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def message(sender: str, at: datetime, **extra) -> MessageItem:
    return MessageItem("CONV#t1#p1", f"MSG#{at.isoformat()}", message_id="m", team_id="t1", patient_id="p1",
                       sender_kind=sender, body="text", sent_at=at, **extra)


def counts(item) -> dict[str, int]:
    found: dict[str, int] = {}
    for tally in rules.tallies(item, POLICY):
        for name, value in tally.counts.items():
            found[name] = found.get(name, 0) + value
    return found


def test_a_patients_message_counts_in_and_whether_the_team_was_closed():
    assert counts(message("patient", MONDAY_10)) == {"in": 1, "in_closed": 0}
    assert counts(message("patient", MONDAY_10 + timedelta(hours=9))) == {"in": 1, "in_closed": 1}  # 19:00
    assert counts(message("patient", MONDAY_10 - timedelta(days=2))) == {"in": 1, "in_closed": 1}  # Saturday


def test_a_reply_counts_out_for_its_clinician_and_its_time_against_the_reply_by():
    answered = message("staff", MONDAY_10, sender_id="s1", sender_label="Sam (Nurse)",
                       answers_since=MONDAY_10 - timedelta(minutes=90), reply_by=MONDAY_10 + timedelta(hours=1))
    assert counts(answered) == {"out": 1, "replied:s1": 1, "answered": 1, "answered_in_target": 1}
    tallies = rules.tallies(answered, POLICY)
    assert [t.samples for t in tallies if t.samples] == [{"reply": [5400]}]
    assert [t.labels for t in tallies if t.labels] == [{"name:s1": "Sam (Nurse)"}]
    late = message("staff", MONDAY_10, sender_id="s1", answers_since=MONDAY_10 - timedelta(days=3),
                   reply_by=MONDAY_10 - timedelta(hours=1))
    assert counts(late)["answered_in_target"] == 0
    chat = message("staff", MONDAY_10, sender_id="s1")  # answering nothing that was waiting
    assert counts(chat) == {"out": 1, "replied:s1": 1}


def test_auto_replies_count_by_kind_and_other_items_count_nothing():
    assert counts(message("auto", MONDAY_10, auto_kind="out_of_hours")) == {"auto:out_of_hours": 1}
    assert counts(message("system", MONDAY_10)) == {}
    guard = ClientMessageItem("CONV#t1#p1", "CMID#x", message_sk="MSG#x", body_sha256="0")
    assert rules.tallies(guard, POLICY) == [] and not rules.watched(guard)


def test_every_rule_records_and_a_ladder_step_counts_on_its_day():
    assert all(rule.recording for rule in rules.RULES)
    for step, counter in (("plan", "misuse_plan"), ("cap", "misuse_capped"), ("pause", "misuse_paused")):
        assert counts(ladder(step)) == {counter: 1}
    assert counts(ladder("reminder")) == {} and counts(ladder("plan_ended")) == {}


def ladder(step: str) -> SafetyStepItem:
    return SafetyStepItem("CONV#t1#p1", f"STEP#{MONDAY_10.isoformat()}#s", step_id="s", team_id="t1",
                          patient_id="p1", step=step, by_id="s9", by_name="Lead", at=MONDAY_10)


def note(step: str | None, subject: tuple[str, str] | None, kind: str = "event") -> NoteItem:
    return NoteItem("CONV#t1#p1", f"NOTE#{MONDAY_10.isoformat()}#n", note_id="n", team_id="t1", patient_id="p1",
                    note_kind=kind, author_id="s9", author_label="Lead", body="A line", at=MONDAY_10, step=step,
                    subject_id=subject[0] if subject else None, subject_label=subject[1] if subject else None)


def test_a_conversation_that_becomes_a_clinicians_counts_as_claimed_and_one_escalated_to_them_as_escalated():
    assert rules.recording("claims_and_escalations")
    claimed = note("assigned", ("s1", "Sam (Nurse)"))
    assert counts(claimed) == {"claimed:s1": 1}
    assert [t.labels for t in rules.tallies(claimed, POLICY)] == [{"name:s1": "Sam (Nurse)"}]
    assert counts(note("escalated", ("s2", "Dr Lee (Consultant)"), kind="escalation")) == {"escalated:s2": 1}
    # a clinician's own note, a status change, a note without a subject: nothing
    assert counts(note(None, None, kind="note")) == {} and counts(note("assigned", None)) == {}
    assert counts(note("closed", ("s1", "Sam"))) == {}
