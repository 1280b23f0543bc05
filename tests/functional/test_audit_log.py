"""The audit log an IG lead reads: by patient, by staff member, by day; Trust admins only; itself audited."""

from __future__ import annotations

import uuid

from tests.support import storage
from tests.support.http import page_text


def test_ig_lead_sees_who_read_a_patients_conversation(api, world):
    api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
             json_body={"client_id": str(uuid.uuid4()), "body": "private"})
    api.get(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x")
    page = api.get(f"/admin/audit?patient={world.patients['patient_a']}", "admin")
    assert page.status_code == 200
    text = page_text(page)
    assert "conversation.viewed" in text and "Carl Staff" in text and "message.sent" in text
    assert "private" not in text  # the log never holds message text


def test_the_audit_log_finds_a_patient_by_nhs_number_and_lists_a_staff_members_actions(api, world):
    response = api.post(f"/api/staff/teams/{world.team_x}/invites", "lead_x", json_body={
        "given_name": "Nia", "family_name": "Jones", "date_of_birth": "2011-02-03", "nhs_number": "9434765919"})
    assert response.status_code == 201
    by_number = page_text(api.get("/admin/audit?nhs_number=943+476+5919", "admin"))
    assert "patient.invited" in by_number and "Nia Jones" in by_number
    by_staff = page_text(api.get(f"/admin/audit?staff={world.staff['lead_x']}", "admin"))
    assert "patient.invited" in by_staff
    unknown = api.get("/admin/audit?nhs_number=4010232137", "admin")
    assert unknown.status_code == 404


def test_only_trust_admins_read_the_audit_log_and_reading_it_is_audited(api, world):
    for persona, status in (("anonymous", 302), ("patient_a", 403), ("clinician_x", 403), ("lead_x", 403)):
        assert api.get("/admin/audit", persona).status_code == status
    assert api.get("/admin/audit?day=2026-13-40", "admin").status_code == 400
    assert api.get("/admin/audit?patient=not-an-id", "admin").status_code == 400
    assert api.get("/admin/audit", "admin").status_code == 200
    reads = [e for e in storage.audit_by_staff(world.staff["admin"]) if e.event_type == "audit.viewed"]
    assert len(reads) == 1
