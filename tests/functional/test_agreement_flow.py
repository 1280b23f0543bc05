"""The communication agreement through the real app: the join page shows the team's own agreement and records the
version accepted; no message before acceptance; a new version is accepted again before the next message; staff see
the version and time; only the lead publishes."""

from __future__ import annotations

import json
import uuid

from scripts.world import NOW
from tests.support import storage
from tests.support.http import body_json, error_summary, page_text

REWORDED = "Questions about your chemotherapy and how you feel between appointments."


def _publish(api, world, persona: str = "lead_x", text: str = REWORDED):
    return api.post(f"/staff/teams/{world.team_x}/safety/agreement", persona, form={"agreement_purpose": text})


def _send(api, world, persona: str = "patient_a", body: str = "Hello"):
    return api.post(f"/api/patient/teams/{world.team_x}/messages", persona,
                    json_body={"client_id": str(uuid.uuid4()), "body": body})


def test_the_lead_publishes_a_new_version_kept_for_the_record_and_audited(api, world):
    response = _publish(api, world)
    assert response.status_code == 303
    team = storage.team(world.team_x)
    assert team.agreement["version"] == 2 and team.agreement["texts"] == {"purpose": REWORDED}
    versions = storage.agreement_versions(world.team_x)
    assert [v.version for v in versions] == [2] and versions[0].texts == {"purpose": REWORDED}
    events = [e for e in storage.audit_by_staff(world.staff["lead_x"]) if e.event_type == "team.agreement_published"]
    assert events and events[-1].detail == {"version": 2, "reworded": ["purpose"]}


def test_a_clinician_cannot_publish_and_nothing_changes(api, world):
    before = storage.team(world.team_x).policy_version
    assert _publish(api, world, "clinician_x").status_code == 403
    assert storage.team(world.team_x).policy_version == before and storage.team(world.team_x).agreement is None


def test_bad_wording_is_refused_with_the_part_named_and_nothing_changes(api, world):
    response = _publish(api, world, text="We read messages {sometimes}")
    assert response.status_code == 400 and "{sometimes}" in (error_summary(response) or "")
    assert storage.team(world.team_x).agreement is None


def test_after_a_new_version_no_message_is_stored_until_the_patient_agrees_again(api, world):
    _publish(api, world)
    patient_a = world.patients["patient_a"]
    before = storage.items_in_conversation(world.team_x, patient_a)
    refused = _send(api, world)
    assert refused.status_code == 409 and body_json(refused)["error"]["code"] == "agreement_needed"
    assert body_json(refused)["error"]["version"] == 2
    assert storage.items_in_conversation(world.team_x, patient_a) == before

    page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert "The team has updated how messaging works" in page and REWORDED in page and "data-compose" not in page

    unticked = api.post(f"/p/teams/{world.team_x}/agreement", "patient_a", form={"version": "2"})
    assert unticked.status_code == 400 and storage.conversation(world.team_x, patient_a).agreement_version == 1
    stale = api.post(f"/p/teams/{world.team_x}/agreement", "patient_a", form={"version": "1", "agreement": "yes"})
    assert stale.status_code == 409

    agreed = api.post(f"/p/teams/{world.team_x}/agreement", "patient_a", form={"version": "2", "agreement": "yes"})
    assert agreed.status_code == 303
    conv = storage.conversation(world.team_x, patient_a)
    assert conv.agreement_version == 2 and conv.agreement_accepted_at == NOW
    accepted = [e for e in storage.audit_by_patient(patient_a) if e.event_type == "agreement.accepted"]
    assert accepted[-1].detail == {"version": 2}
    assert _send(api, world).status_code == 201
    assert "data-compose" in page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))


def test_the_json_twin_shows_and_accepts_the_agreement(api, world):
    _publish(api, world)
    view = body_json(api.get(f"/api/patient/teams/{world.team_x}/agreement", "patient_b"))
    assert view["agreement_status"] == {"current_version": 2, "accepted_version": 1,
                                        "accepted_at": view["agreement_status"]["accepted_at"], "needed": True}
    assert any(s["text"] == REWORDED for s in view["agreement"]["sections"])
    accepted = api.post(f"/api/patient/teams/{world.team_x}/agreement", "patient_b", json_body={"version": 2})
    assert accepted.status_code == 200 and body_json(accepted)["agreement_status"]["needed"] is False
    assert api.post(f"/api/patient/teams/{world.team_x}/agreement", "patient_b",
                    json_body={"version": "two"}).status_code == 400


def test_staff_see_which_version_was_accepted_and_when(api, world):
    page = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}", "clinician_x"))
    assert "Agreement: version 1, today at 10:30am" in page
    _publish(api, world)
    page = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}", "clinician_x"))
    assert "(version 2 not yet accepted)" in page


def test_joining_shows_the_teams_own_agreement_and_records_the_version_accepted(api, world, new_browser):
    _publish(api, world)
    code = json.loads(api.post(f"/api/staff/teams/{world.team_x}/invites", "clinician_x", json_body={
        "given_name": "Ada", "family_name": "Greement", "date_of_birth": "2010-03-04"}).body)["code"]
    browser = new_browser()
    browser.get("/join")
    values = {"code": code, "dob_day": "4", "dob_month": "3", "dob_year": "2010"}
    page = page_text(browser.post("/join", values))
    assert REWORDED in page and "Agreement version 2" in page and 'name="agreement_version" value="2"' in page
    joined = browser.post("/join/account", {**values, "agreement": "yes", "agreement_version": "2",
                                            "username": "ada.g", "password": "long enough password",
                                            "confirm_password": "long enough password"})
    assert joined.status_code == 303
    patient_id = storage.username_owner("ada.g")
    assert storage.conversation(world.team_x, patient_id).agreement_version == 2
    browser.follow(joined)  # the home page: the signed-in page's anti-forgery token
    sent = browser.post(f"/api/patient/teams/{world.team_x}/messages",
                        json_body={"client_id": str(uuid.uuid4()), "body": "Hello team"})
    assert sent.status_code == 201
