"""The misuse ladder and content warnings through the real app: every step recorded, audited and shown to the young
person with its reason; changing or ending a step in force needs the lead; bad input changes nothing; a content
warning is for staff only."""

from __future__ import annotations

from datetime import timedelta

from scripts.world import NOW, reply_as_staff, send_as_patient
from tests.support import storage
from tests.support.http import body_json, error_summary, page_text

REVIEW = (NOW + timedelta(days=14)).date().isoformat()


def _path(world, tail: str = "") -> str:
    return f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/safety{tail}"


def _step(api, world, persona: str, **form: str):
    fields = {"reason": "Lots of messages at night", "review_at": REVIEW, **form}
    return api.post(_path(world, "/steps"), persona, form=fields)


def test_a_clinicians_reminder_is_their_own_message_a_recorded_step_and_an_audit_row(api, world):
    response = api.post(_path(world, "/reminder"), "clinician_x", form={"text": ""})
    assert response.status_code == 303
    patient_a = world.patients["patient_a"]
    reminder = storage.messages(world.team_x, patient_a)[-1]
    assert reminder.sender_kind == "staff" and reminder.sender_id == world.staff["clinician_x"]
    assert "A quick reminder about messaging" in reminder.body
    steps = storage.safety_steps(world.team_x, patient_a)
    assert [(s.step, s.message_id) for s in steps] == [("reminder", reminder.message_id)]
    assert [e.event_type for e in storage.audit_by_staff(world.staff["clinician_x"])][-1] == "misuse.reminder"
    assert "A quick reminder about messaging" in page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))


def test_a_plan_set_by_a_clinician_is_shown_to_the_young_person_and_only_the_lead_changes_or_ends_it(api, world):
    patient_a = world.patients["patient_a"]
    assert _step(api, world, "clinician_x", kind="plan", text="appointment questions only").status_code == 303
    conv = storage.conversation(world.team_x, patient_a)
    assert conv.misuse["plan"]["text"] == "appointment questions only"
    notice = storage.messages(world.team_x, patient_a)[-1]
    assert notice.sender_kind == "system" and "Why: Lots of messages at night" in notice.body
    page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert "Your plan with the team: appointment questions only" in page

    changed = _step(api, world, "clinician_x", kind="plan", text="one message a day")
    assert changed.status_code == 403
    assert storage.conversation(world.team_x, patient_a).misuse["plan"]["text"] == "appointment questions only"
    assert api.post(_path(world, "/end"), "clinician_x", form={"kind": "plan"}).status_code == 403
    assert _step(api, world, "lead_x", kind="plan", text="one message a day").status_code == 303
    assert api.post(_path(world, "/end"), "lead_x", form={"kind": "plan"}).status_code == 303
    assert storage.conversation(world.team_x, patient_a).misuse is None
    assert [s.step for s in storage.safety_steps(world.team_x, patient_a)] == ["plan_ended", "plan", "plan"]
    events = [e.event_type for e in storage.audit_about_patient(patient_a)]
    assert events.count("misuse.plan_set") == 2 and "misuse.step_ended" in events


def test_a_pause_set_by_a_clinician_is_lifted_only_by_the_lead(api, world):
    patient_a = world.patients["patient_a"]
    assert _step(api, world, "clinician_x", kind="pause", text="Ring the clinic instead").status_code == 303
    assert api.post(_path(world, "/end"), "clinician_x", form={"kind": "pause"}).status_code == 403
    assert storage.conversation(world.team_x, patient_a).misuse["pause"]["text"] == "Ring the clinic instead"
    assert api.post(_path(world, "/end"), "lead_x", form={"kind": "pause"}).status_code == 303
    assert "no longer paused" in storage.messages(world.team_x, patient_a)[-1].body
    ended_again = api.post(_path(world, "/end"), "lead_x", form={"kind": "pause"})
    assert ended_again.status_code == 409


def test_a_step_needs_a_reason_and_a_review_date_in_range_and_bad_input_changes_nothing(api, world):
    patient_a = world.patients["patient_a"]
    before = storage.items_in_conversation(world.team_x, patient_a)
    cases = [({"kind": "pause", "reason": ""}, "Write the reason"),
             ({"kind": "pause", "review_at": (NOW - timedelta(days=1)).date().isoformat()}, "in the future"),
             ({"kind": "pause", "review_at": (NOW + timedelta(days=120)).date().isoformat()}, "within 92 days"),
             ({"kind": "cap", "limit": "0"}, "from 1 to 20"),
             ({"kind": "plan", "text": ""}, "Write the plan"),
             ({"kind": "pause", "review_at": "next week"}, "Enter a review date")]
    for fields, expected in cases:
        response = _step(api, world, "lead_x", **fields)
        assert response.status_code == 400, fields
        assert expected in (error_summary(response) or ""), (fields, error_summary(response))
    assert _step(api, world, "lead_x", kind="nonsense").status_code == 403
    assert storage.items_in_conversation(world.team_x, patient_a) == before


def test_the_young_person_and_the_team_see_the_whole_history(api, world):
    _step(api, world, "clinician_x", kind="cap", limit="3", period="week")
    _step(api, world, "clinician_x", kind="plan", text="appointment questions only")
    mine = page_text(api.get(f"/p/teams/{world.team_x}/agreement", "patient_a"))
    assert "Limit on messages" in mine and "Plan agreed" in mine and "up to 3 messages a week" in mine
    assert "Lots of messages at night" in mine
    theirs = page_text(api.get(f"/p/teams/{world.team_x}/agreement", "patient_b"))
    assert "Lots of messages at night" not in theirs  # B's page is B's own conversation
    staff = page_text(api.get(_path(world), "clinician_x"))
    assert "Limit on messages" in staff and "by Carl (Specialist nurse)" in staff
    profile = body_json(api.get(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/safety",
                                "lead_x"))
    assert set(profile["ladder"]) == {"plan", "cap"} and profile["ladder"]["cap"]["remaining"] == 3
    assert [h["step"] for h in profile["history"]] == ["plan", "cap"]


def test_staff_of_another_team_cannot_reach_a_profile_or_set_a_step(api, world):
    assert api.get(_path(world), "clinician_y").status_code == 404
    assert _step(api, world, "clinician_y", kind="pause").status_code == 404
    assert storage.conversation(world.team_x, world.patients["patient_a"]).misuse is None


# --- content warnings ---------------------------------------------------------------------------------------------


def _warn(api, world, persona: str, cursor: str, **form: str):
    return api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/warnings", persona,
                    form={"cursor": cursor, **form})


def test_a_content_warning_hides_a_message_from_colleagues_until_opened_and_never_shows_to_the_patient(api, world):
    message = send_as_patient(world, "patient_a", "Something distressing happened", NOW).message
    assert _warn(api, world, "clinician_x", message.sk, note="Describes self-harm").status_code == 303
    stored = [m for m in storage.messages(world.team_x, world.patients["patient_a"]) if m.sk == message.sk][0]
    assert stored.content_warning["note"] == "Describes self-harm"
    assert stored.content_warning["by"] == world.staff["clinician_x"]
    staff_page = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}", "lead_x"))
    assert "Content warning: Describes self-harm. Open the message" in staff_page
    assert "Content warning" not in page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    events = [e for e in storage.audit_by_staff(world.staff["clinician_x"])
              if e.event_type == "message.content_warning_changed"]
    assert events[-1].message_id == message.message_id and events[-1].detail == {"on": True}
    assert _warn(api, world, "lead_x", message.sk, action="remove").status_code == 303
    stored = [m for m in storage.messages(world.team_x, world.patients["patient_a"]) if m.sk == message.sk][0]
    assert stored.content_warning is None


def test_a_content_warning_goes_only_on_a_young_persons_message_in_this_conversation(api, world):
    reply = reply_as_staff(world, "clinician_x", "patient_a", "A reply", NOW).message
    before = storage.items_in_conversation(world.team_x, world.patients["patient_a"])
    assert _warn(api, world, "clinician_x", reply.sk).status_code == 404
    other = send_as_patient(world, "patient_b", "B's message", NOW).message
    assert _warn(api, world, "clinician_x", other.sk).status_code == 404  # B's message is not in A's conversation
    assert _warn(api, world, "clinician_x", "MSG#not-a-cursor").status_code == 400
    mine = send_as_patient(world, "patient_a", "A's message", NOW).message
    assert _warn(api, world, "clinician_y", mine.sk).status_code == 404
    assert all(m.content_warning is None for m in storage.messages(world.team_x, world.patients["patient_b"]))
    assert storage.items_in_conversation(world.team_x, world.patients["patient_a"]) == before + 2  # A's message, its guard
