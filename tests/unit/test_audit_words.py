"""Every kind of audit event can be read in plain words (a new event type without words fails here)."""

from __future__ import annotations

import pytest

from chalicelib.models.audit import AuditEventType
from chalicelib.services import audit_words

NAMES = {"s1": "Sam Okafor", "s2": "Jess Morgan", "p1": "Ellie Newcomer"}


def _words(detail=None, actor="Sam Okafor") -> audit_words.Words:
    return audit_words.Words(actor, "Ellie Newcomer", "Young Adult Diabetes Service", detail or {},
                             lambda i: NAMES.get(i, "someone no longer in Teamline"),
                             lambda t: "Teenage Cancer Service" if t == "t2" else "a team")


@pytest.mark.parametrize("event_type", list(AuditEventType))
def test_every_event_type_has_a_label_and_a_sentence_without_codes_or_ids(event_type):
    assert event_type.value in audit_words.DESCRIPTIONS, (
        f"{event_type.name} has no plain words: add it to chalicelib/services/audit_words.py")
    detail = {"staff_id": "s2", "from": "s1", "to": "s2", "cover_id": "s1", "issued_by": "s1", "role": "lead",
              "roles": {"t2": "clinician"}, "sessions": 2, "rows": 7, "changed": ["name"], "ig_lead": True}
    sentence = audit_words.describe(event_type.value, _words(detail))
    label = audit_words.label(event_type.value)
    assert sentence and label and label != event_type.value
    assert event_type.value not in sentence and "{" not in sentence and "None" not in sentence


def test_the_sentences_an_ig_lead_reads():
    assign = audit_words.describe("conversation.assigned", _words({"from": None, "to": "s2"}))
    assert assign == "Sam Okafor assigned Ellie Newcomer's conversation with Young Adult Diabetes Service to Jess Morgan"
    taken = audit_words.describe("conversation.assigned", _words({"from": None, "to": "s1"}))
    assert taken == "Sam Okafor took Ellie Newcomer's conversation with Young Adult Diabetes Service"
    left = audit_words.describe("conversation.assigned", _words({"from": "s2", "to": None, "reason": "left_team"}))
    assert left.endswith("because they left the team") and left.startswith("Jess Morgan no longer holds")
    assert audit_words.describe("staff.role_changed", _words({"staff_id": "s2", "role": None})) == (
        "Sam Okafor removed Jess Morgan from Young Adult Diabetes Service")
    assert audit_words.describe("staff.created", _words({"staff_id": "s2", "roles": {"t2": "lead"},
                                                         "trust_admin": True})) == (
        "Sam Okafor created an account for Jess Morgan as a team lead in Teenage Cancer Service, a Trust admin")
    patient_sent = audit_words.describe("message.sent", _words({"auto_reply": "out_of_hours"}, actor="Ellie Newcomer"))
    assert patient_sent == "Ellie Newcomer sent a message to Young Adult Diabetes Service and got an automatic reply"
    assert audit_words.describe("staff.sign_in_failed", _words({"account": "unknown"}, actor="Someone")) == (
        "Someone tried to sign in to an account that does not exist")


def test_an_event_type_from_a_newer_release_is_still_shown():
    assert audit_words.describe("rota.archived", _words()) == "Sam Okafor: rota.archived"
    assert audit_words.label("rota.archived") == "rota.archived"
    assert ("conversation.viewed", "Conversation read") in audit_words.kinds()
