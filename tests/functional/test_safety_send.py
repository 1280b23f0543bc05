"""Safety at send, through the real app: red flags (urgent, top of the inbox, a reply leading with the team's line,
staff told out of hours when someone is on call), pauses and caps refused kindly with nothing stored, the red-flag
path never capped or paused, caps that hold under racing sends, the team's daily cap, and two round trips."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.send_gate import MessageLimitReached
from chalicelib.models.db import observe_calls
from chalicelib.services import notifications, sending
from scripts.world import NOW, patient_conversation, reply_as_staff, send_as_patient
from tests.support import storage
from tests.support.atomic_moto import one_call_at_a_time
from tests.support.http import body_json, error_summary, page_text

SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # team X is closed
LINE_NAME = "Diabetes out-of-hours line"
LINE_PHONE = "020 7946 0777"
KETONES = "I've been sick 3 times and my ketones are 2.1"


def _lead_sets(api, world, part: str, form: dict[str, str]) -> None:
    response = api.post(f"/staff/teams/{world.team_x}/safety/{part}", "lead_x", form=form)
    assert response.status_code == 303, page_text(response)[:400]
    assert f"/safety?saved={part.replace('-', '_')}" in response.headers["Location"]


def _team_line_and_ketones(api, world) -> None:
    _lead_sets(api, world, "lines", {"line_0_name": LINE_NAME, "line_0_phone": LINE_PHONE,
                                     "line_0_when": "evenings and weekends"})
    _lead_sets(api, world, "red-flags", {"preset_diabetes_ketones": "yes", "phrases": "", "advice": ""})


def _send(api, world, persona: str, body: str):
    return api.post(f"/api/patient/teams/{world.team_x}/messages", persona,
                    json_body={"client_id": str(uuid.uuid4()), "body": body})


def _step(api, world, persona: str, **fields):
    body = {"reason": "Agreed at clinic", "review_at": (NOW + timedelta(days=14)).isoformat(), **fields}
    return api.post(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/safety/steps",
                    persona, json_body=body)


# --- red flags ---------------------------------------------------------------------------------------------------


def test_a_red_flag_is_urgent_tops_the_inbox_and_its_reply_leads_with_the_teams_line(api, world, pinned_clock):
    _team_line_and_ketones(api, world)
    assert _send(api, world, "patient_b", "Hello, a question about my pump").status_code == 201
    flagged = _send(api, world, "patient_a", KETONES)
    pinned_clock.set(NOW + timedelta(minutes=5))
    assert _send(api, world, "patient_b", "And another question").status_code == 201  # newer than the red flag

    assert flagged.status_code == 201
    sent = body_json(flagged)
    reply = sent["auto_reply"]
    assert sent["message"]["flagged"] is True
    assert reply["auto_kind"] == "red_flag"
    lead = reply["body"].split("\n\n")[0]
    assert lead.startswith("Vomiting, or blood ketones of 1.5 or more")
    assert f"Ring the {LINE_NAME} now on {LINE_PHONE}." in lead
    patient_a = world.patients["patient_a"]
    stored = [m for m in storage.messages(world.team_x, patient_a) if m.sender_kind == "patient"]
    assert stored[-1].red_flags == ["condition.diabetes_ketones"]
    assert storage.conversation(world.team_x, patient_a).urgent is True
    inbox = body_json(api.get(f"/api/staff/teams/{world.team_x}/inbox", "clinician_x"))["conversations"]
    assert [c["patient_id"] for c in inbox][:2] == [patient_a, world.patients["patient_b"]]
    assert inbox[0]["urgent"] is True
    sent_events = [e for e in storage.audit_by_patient(patient_a) if e.event_type == "message.sent"]
    assert sent_events[-1].detail == {"auto_reply": "red_flag", "red_flags": ["condition.diabetes_ketones"]}


def test_staff_see_the_red_flag_on_the_message_and_the_young_person_sees_it_was_marked_urgent(api, world):
    _team_line_and_ketones(api, world)
    _send(api, world, "patient_a", KETONES)
    staff_page = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}",
                                   "clinician_x"))
    assert "Red flag" in staff_page and "Vomiting or high ketones (diabetes)" in staff_page
    patient_page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert "Marked urgent for the team" in patient_page and "Red flag" not in patient_page


def test_crisis_words_are_flagged_for_every_team_even_with_no_lists_switched_on(api, world):
    response = _send(api, world, "patient_a", "honestly i just want to kms")
    reply = body_json(response)["auto_reply"]["body"]
    assert "call 999 or go to A&E now" in reply and "116 123" in reply and "85258" in reply
    assert storage.conversation(world.team_x, world.patients["patient_a"]).urgent is True


def test_a_red_flag_and_its_reply_are_still_two_round_trips(api, world):
    _team_line_and_ketones(api, world)
    api.persona("patient_a")
    with observe_calls() as counter:
        assert _send(api, world, "patient_a", KETONES).status_code == 201
    assert counter.calls == ["BatchGetItem", "TransactWriteItems"]


def test_staff_are_told_of_a_red_flag_out_of_hours_only_when_someone_is_on_call(api, world):
    _team_line_and_ketones(api, world)
    urgent = send_as_patient(world, "patient_a", KETONES, SATURDAY)
    recipients, is_urgent = notifications.recipients_for(urgent.message, now=SATURDAY)
    assert is_urgent and {r.actor_id for r in recipients} == {world.staff["lead_x"], world.staff["clinician_x"]}
    _lead_sets(api, world, "limits", {"daily_new_limit": ""})  # on_call unticked: nobody is on call
    again = send_as_patient(world, "patient_a", KETONES, SATURDAY + timedelta(minutes=1))
    assert notifications.recipients_for(again.message, now=SATURDAY + timedelta(minutes=1)) == ([], True)


# --- pauses and caps ----------------------------------------------------------------------------------------------


def test_a_paused_patient_is_refused_clearly_and_nothing_is_stored(api, world):
    _team_line_and_ketones(api, world)
    assert _step(api, world, "clinician_x", kind="pause", text="Ring the clinic on weekdays.").status_code == 201
    patient_a = world.patients["patient_a"]
    before = storage.items_in_conversation(world.team_x, patient_a)
    audit_before = len(storage.audit_by_patient(patient_a))
    refused = _send(api, world, "patient_a", "Can I change my appointment?")
    assert refused.status_code == 409
    error = body_json(refused)["error"]
    assert error["code"] == "messaging_paused"
    assert "paused until" in error["message"] and "Ring the clinic on weekdays." in error["message"]
    assert LINE_PHONE in error["message"] and error["routes"][0]["label"] == LINE_NAME
    form = api.post(f"/p/teams/{world.team_x}/messages", "patient_a",
                    form={"client_id": str(uuid.uuid4()), "body": "Can I change my appointment?"})
    assert form.status_code == 409 and "paused until" in (error_summary(form) or "")
    assert "Can I change my appointment?" in page_text(form)  # the draft is kept
    assert storage.items_in_conversation(world.team_x, patient_a) == before
    assert len(storage.audit_by_patient(patient_a)) == audit_before


def test_the_red_flag_path_is_never_blocked_by_a_pause(api, world):
    _team_line_and_ketones(api, world)
    _step(api, world, "clinician_x", kind="pause")
    response = _send(api, world, "patient_a", KETONES)
    assert response.status_code == 201 and body_json(response)["auto_reply"]["auto_kind"] == "red_flag"


def test_a_pause_lapses_at_its_review_date(api, world, pinned_clock):
    _step(api, world, "clinician_x", kind="pause", review_at=(NOW + timedelta(days=2)).isoformat())
    assert _send(api, world, "patient_a", "Still paused?").status_code == 409
    pinned_clock.set(NOW + timedelta(days=2))
    assert _send(api, world, "patient_a", "Back again").status_code == 201


def test_a_cap_refuses_kindly_once_used_up_counts_again_the_next_day_and_never_stops_a_red_flag(api, world,
                                                                                               pinned_clock):
    _team_line_and_ketones(api, world)
    assert _step(api, world, "lead_x", kind="cap", limit=2, period="day").status_code == 201
    assert [_send(api, world, "patient_a", f"question {i}").status_code for i in range(3)] == [201, 201, 409]
    refused = body_json(_send(api, world, "patient_a", "one more"))["error"]
    assert refused["code"] == "message_limit" and "from tomorrow" in refused["message"]
    assert LINE_PHONE in refused["message"]
    assert _send(api, world, "patient_a", KETONES).status_code == 201  # past the cap, and not counted
    assert storage.conversation(world.team_x, world.patients["patient_a"]).cap_count == 2
    pinned_clock.set(NOW + timedelta(days=1))
    assert _send(api, world, "patient_a", "a new day").status_code == 201


def _cap_at_one_left(api, world) -> None:
    assert _step(api, world, "lead_x", kind="cap", limit=3, period="day").status_code == 201
    for i in range(2):
        assert _send(api, world, "patient_a", f"before the race {i}").status_code == 201


def test_sends_that_all_loaded_the_conversation_at_cap_minus_one_store_exactly_one(api, world):
    _cap_at_one_left(api, world)
    loaded = [patient_conversation(world, "patient_a", world.team_x, NOW) for _ in range(5)]  # all see 2 of 3
    outcomes = []
    for index, pc in enumerate(loaded):
        try:
            sending.do_patient_send(pc, client_id=str(uuid.uuid4()), body=f"racing {index}", now=NOW)
            outcomes.append("stored")
        except MessageLimitReached:
            outcomes.append("refused")
    assert outcomes == ["stored", "refused", "refused", "refused", "refused"]
    stored = [m.body for m in storage.messages(world.team_x, world.patients["patient_a"]) if m.sender_kind == "patient"]
    assert [b for b in stored if b.startswith("racing")] == ["racing 0"]
    assert storage.conversation(world.team_x, world.patients["patient_a"]).cap_count == 3


@pytest.mark.parametrize("senders", [2, 6])
def test_n_parallel_sends_at_cap_minus_one_exactly_one_is_accepted(api, world, senders):
    _cap_at_one_left(api, world)
    start = threading.Barrier(senders)

    def send(index: int) -> str:
        pc = patient_conversation(world, "patient_a", world.team_x, NOW)
        start.wait()  # everyone has loaded the conversation at 2 of 3 before anyone commits
        try:
            sending.do_patient_send(pc, client_id=str(uuid.uuid4()), body=f"parallel {index}", now=NOW)
        except MessageLimitReached:
            return "refused"
        return "stored"

    with one_call_at_a_time(), ThreadPoolExecutor(max_workers=senders) as pool:
        outcomes = list(pool.map(send, range(senders)))
    assert sorted(outcomes) == ["refused"] * (senders - 1) + ["stored"]
    stored = [m for m in storage.messages(world.team_x, world.patients["patient_a"]) if m.body.startswith("parallel")]
    assert len(stored) == 1
    assert storage.conversation(world.team_x, world.patients["patient_a"]).cap_count == 3


# --- the team's daily cap ----------------------------------------------------------------------------------------


def test_past_the_teams_daily_cap_new_conversations_get_a_busy_reply_but_a_red_flag_never_does(api, world):
    _team_line_and_ketones(api, world)
    _lead_sets(api, world, "limits", {"on_call": "yes", "daily_new_limit": "1"})
    first = body_json(_send(api, world, "patient_a", "A question"))
    assert first["auto_reply"] is None
    api.persona("patient_b")
    with observe_calls() as counter:
        busy = body_json(_send(api, world, "patient_b", "Another question"))
    assert busy["auto_reply"]["auto_kind"] == "busy"
    assert "more new messages today than it can safely answer" in busy["auto_reply"]["body"]
    assert LINE_PHONE in busy["auto_reply"]["body"]
    # The send that found the team full paid for the failed attempt once (and the reload); this container now knows.
    assert counter.calls == ["BatchGetItem", "TransactWriteItems", "GetItem", "TransactWriteItems"]
    assert storage.intake_taken(world.team_x, "2026-11-25") == 1
    reply_as_staff(world, "clinician_x", "patient_a", "Answered", NOW + timedelta(minutes=1))
    with observe_calls() as counter:
        again = body_json(_send(api, world, "patient_a", "A new question"))
    assert again["auto_reply"]["auto_kind"] == "busy" and counter.calls == ["BatchGetItem", "TransactWriteItems"]
    reply_as_staff(world, "clinician_x", "patient_b", "Answered", NOW + timedelta(minutes=2))
    flagged = body_json(_send(api, world, "patient_b", KETONES))
    assert flagged["auto_reply"]["auto_kind"] == "red_flag"
    assert storage.intake_taken(world.team_x, "2026-11-25") == 1


def test_new_conversations_racing_for_the_last_place_are_counted_once(api, world):
    _lead_sets(api, world, "limits", {"on_call": "yes", "daily_new_limit": "1"})
    loaded = [patient_conversation(world, p, world.team_x, NOW) for p in ("patient_a", "patient_b")]
    results = [sending.do_patient_send(pc, client_id=str(uuid.uuid4()), body="racing", now=NOW) for pc in loaded]
    kinds = sorted(str(r.auto_reply.auto_kind) if r.auto_reply else "none" for r in results)
    assert kinds == ["busy", "none"]
    assert storage.intake_taken(world.team_x, "2026-11-25") == 1
