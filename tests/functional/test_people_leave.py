"""People leave: a clinician leaves a team or the Trust, a patient is discharged; one-time passwords expire.

Issue: hardening, points 2 and 9. "Mine" once showed another team's conversations (assignments were
read across teams, so a clinician covering a colleague who also worked in another team, or removed
from a team while holding an assignment, saw that team's patients). Every team view is now scoped to
the team, and leaving a team hands its conversations back.
"""

from __future__ import annotations

import re
from datetime import timedelta

from chalicelib.models.conversation import ConversationItem
from scripts.world import NOW, reply_as_staff, send_as_patient
from tests.support import storage
from tests.support.http import body_json, page_text

NEW_PASSWORD = "lighthouse keeper 42"
CONFIRM = {"confirm": "yes"}  # the admin pages ask first (what will happen), then act


def _give_role(api, world, persona: str, team: str, role: str = "clinician"):
    return api.post(f"/admin/staff/{world.staff[persona]}/roles", "admin",
                    form={"team_id": team, "role": role, "confirm": "yes"})


def _patient_in_team_y(api, world, new_browser) -> str:
    """Patient C joins team Y; returns their id."""
    response = api.post(f"/api/staff/teams/{world.team_y}/invites", "clinician_y", json_body={
        "given_name": "Cleo", "family_name": "Other", "date_of_birth": "2010-06-06"})
    code = body_json(response)["code"]
    browser = new_browser()
    browser.get("/join")
    browser.post("/join", {"code": code, "dob_day": "6", "dob_month": "6", "dob_year": "2010"})
    joined = browser.post("/join/account", {"code": code, "dob_day": "6", "dob_month": "6", "dob_year": "2010",
                                            "username": "cleo.o", "password": NEW_PASSWORD,
                                            "confirm_password": NEW_PASSWORD, "agreement": "yes"})
    assert joined.status_code == 303
    return storage.invite(code).patient_id


def test_mine_shows_only_this_teams_conversations_for_a_clinician_in_two_teams(api, world, new_browser, pinned_clock):
    assert _give_role(api, world, "clinician_x", world.team_y).status_code == 303
    cleo = _patient_in_team_y(api, world, new_browser)
    api.forget_sessions()  # roles are read per request; a fresh session is simply tidy
    send_as_patient(world, "patient_a", "Team X question", NOW)
    api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/claim", "clinician_x")
    api.post(f"/staff/teams/{world.team_y}/patients/{cleo}/claim", "clinician_x")
    mine_x = page_text(api.get(f"/staff/teams/{world.team_x}?view=mine", "clinician_x"))
    mine_y = page_text(api.get(f"/staff/teams/{world.team_y}?view=mine", "clinician_x"))
    assert "Alice Patient" in mine_x and "Cleo Other" not in mine_x
    assert "Cleo Other" in mine_y and "Alice Patient" not in mine_y


def test_a_cover_sees_only_the_covered_teams_conversations(api, world, new_browser):
    """Carl covers Lena in team X; Lena also holds a conversation in team Y that Carl must not see."""
    _give_role(api, world, "lead_x", world.team_y)
    cleo = _patient_in_team_y(api, world, new_browser)
    api.forget_sessions()
    api.post(f"/staff/teams/{world.team_y}/patients/{cleo}/claim", "lead_x")
    send_as_patient(world, "patient_b", "For Lena", NOW)
    api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_b']}/claim", "lead_x")
    away = api.post(f"/api/staff/teams/{world.team_x}/away", "lead_x", json_body={
        "start": (NOW - timedelta(hours=1)).isoformat(), "end": (NOW + timedelta(days=2)).isoformat(),
        "cover_id": world.staff["clinician_x"]})
    assert away.status_code == 200
    mine = page_text(api.get(f"/staff/teams/{world.team_x}?view=mine", "clinician_x"))
    assert "Bob Patient" in mine and "Cleo Other" not in mine


def test_leaving_a_team_hands_its_conversations_back_and_ends_away_periods_covers_and_seniority(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Who has this?", NOW)
    api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/claim", "clinician_x")
    api.post(f"/api/staff/teams/{world.team_x}/away", "lead_x", json_body={
        "start": NOW.isoformat(), "end": (NOW + timedelta(days=3)).isoformat(), "cover_id": world.staff["clinician_x"]})
    assert storage.team(world.team_x).away
    carl = world.staff["clinician_x"]
    api.post(f"/staff/teams/{world.team_x}/settings/seniors", "lead_x", form={f"senior_{carl}": "yes"})
    assert storage.team(world.team_x).seniors == [carl]
    removed = api.post(f"/admin/staff/{world.staff['clinician_x']}/roles", "admin",
                       form={"team_id": world.team_x, "role": "none"})
    assert removed.status_code == 303
    assert storage.team(world.team_x).seniors == []  # were he to rejoin, he would not take escalations unasked
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.assigned_staff_id is None and conv.gsi4pk is None
    assert storage.team(world.team_x).away == {}  # Lena's period named Carl as cover: it went with him
    events = storage.audit_by_staff(world.staff["admin"])
    assert any(e.event_type == "conversation.assigned" and e.detail.get("reason") == "left_team" for e in events)
    inbox = page_text(api.get(f"/staff/teams/{world.team_x}", "lead_x"))
    assert "Carl" not in inbox


def test_a_deactivated_account_is_signed_out_at_once_and_leaves_every_team(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Hello", NOW)
    api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/claim", "clinician_x")
    assert api.get("/api/me", "clinician_x").status_code == 200
    response = api.post(f"/admin/staff/{world.staff['clinician_x']}/deactivate", "admin", form=CONFIRM)
    assert response.status_code == 303
    assert api.get("/api/me", "clinician_x").status_code == 401
    staff = storage.staff(world.staff["clinician_x"])
    assert staff.active is False and staff.team_roles == {}
    assert storage.member(world.team_x, staff.staff_id) is None
    assert storage.sessions_of(staff.staff_id) == []
    assert storage.conversation(world.team_x, world.patients["patient_a"]).assigned_staff_id is None
    assert "staff.deactivated" in [e.event_type for e in storage.audit_by_staff(world.staff["admin"])]


def test_a_deactivated_clinician_cannot_sign_in(api, world, new_browser):
    from scripts.world import PASSWORD, give_password

    give_password(world, "clinician_x")
    api.post(f"/admin/staff/{world.staff['clinician_x']}/deactivate", "admin", form=CONFIRM)
    assert new_browser().staff_sign_in("clinician_x@test.nhs.uk", PASSWORD).status_code == 401


def test_an_admin_cannot_deactivate_themselves_or_someone_of_another_trust(api, world):
    assert api.post(f"/admin/staff/{world.staff['admin']}/deactivate", "admin", form=CONFIRM).status_code == 409
    assert api.post("/admin/staff/01aaaaaaaaaaaaaaaaaaaaaaaa/deactivate", "admin", form=CONFIRM).status_code == 404
    assert api.post(f"/admin/staff/{world.staff['clinician_x']}/deactivate", "lead_x", form=CONFIRM).status_code == 403
    assert storage.staff(world.staff["clinician_x"]).active is True


def test_a_discharged_patient_loses_the_team_but_the_record_is_kept(api, world, pinned_clock):
    patient_id = world.patients["patient_a"]
    send_as_patient(world, "patient_a", "Before discharge", NOW)
    reply_as_staff(world, "clinician_x", "patient_a", "All the best", NOW + timedelta(minutes=5))
    assert api.get(f"/p/teams/{world.team_x}", "patient_a").status_code == 200
    assert api.post(f"/staff/teams/{world.team_x}/patients/{patient_id}/discharge", "clinician_x").status_code == 403
    response = api.post(f"/staff/teams/{world.team_x}/patients/{patient_id}/discharge", "lead_x")
    assert response.status_code == 303
    assert api.get(f"/p/teams/{world.team_x}", "patient_a").status_code == 404
    assert api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                    json_body={"client_id": "00000000-0000-4000-8000-000000000001", "body": "hi"}).status_code == 404
    assert world.team_x not in storage.patient(patient_id).teams
    conv = storage.conversation(world.team_x, patient_id)
    assert conv.discharged_at == NOW and conv.gsi1pk is None  # out of the inbox, kept for the record
    assert [m.body for m in storage.messages(world.team_x, patient_id)] == ["Before discharge", "All the best"]
    thread = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{patient_id}", "clinician_x"))
    assert "Before discharge" in thread
    reply = api.post(f"/api/staff/teams/{world.team_x}/conversations/{patient_id}/messages", "clinician_x",
                     json_body={"client_id": "00000000-0000-4000-8000-000000000002", "body": "Still there?"})
    assert reply.status_code == 409
    assert "Alice Patient" not in page_text(api.get(f"/staff/teams/{world.team_x}", "clinician_x"))
    assert "patient.discharged" in [e.event_type for e in storage.audit_about_patient(patient_id)]


def test_a_one_time_password_stops_working_after_72_hours(api, world, new_browser, pinned_clock):
    response = api.post("/admin/staff", "admin", form={
        "given_name": "Nina", "family_name": "Nurse", "email": "nina@test.nhs.uk", "job_title": "Staff nurse",
        "team_id": world.team_x, "role": "clinician"})
    otp = re.search(r"data-one-time-password>([a-z0-9-]+)<", page_text(response)).group(1)
    pinned_clock.set(NOW + timedelta(hours=73))
    expired = new_browser()
    refused = expired.staff_sign_in("nina@test.nhs.uk", otp)
    assert refused.status_code == 401 and "has expired" in page_text(refused)
    pinned_clock.set(NOW + timedelta(hours=71))
    assert new_browser().staff_sign_in("nina@test.nhs.uk", otp).headers["Location"] == "/staff/password"


def test_conversations_of_a_team_are_never_in_another_teams_assigned_index(world, pinned_clock):
    """The index key itself names the team: a query for one team cannot return another's."""
    send_as_patient(world, "patient_a", "x", NOW)
    reply_as_staff(world, "clinician_x", "patient_a", "y", NOW + timedelta(minutes=1))
    conv: ConversationItem = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.gsi4pk is not None and world.team_x in conv.gsi4pk
