"""An invite can never take over an account, and account recovery is its own open, audited action.

Issue: hardening, point 1. Found when Teamline was attacked: a clinician of another team invited
someone with the NHS number and birthday of a registered patient, set a new password with the code,
and was signed in as that patient. Now an invite only ever *adds a team* to a registered account,
and only the account holder can accept it (signing in as themselves, or from their home page); a
forgotten password is account recovery, issued by a clinician who shares the patient, rate-limited,
ending every session and told to the patient and every team.
"""

from __future__ import annotations

import re
from datetime import timedelta

from chalicelib.services import notifications
from scripts.world import NOW, PASSWORD
from tests.support import storage
from tests.support.http import body_json, error_summary, page_text

NHS = "9434765919"
DOB = "2010-03-27"
DOB_BOXES = {"dob_day": "27", "dob_month": "3", "dob_year": "2010"}
MAYA_PASSWORD = "lighthouse orange nine"
ATTACKER_PASSWORD = "i am not maya at all"


def _code_from(page) -> str:
    return re.search(r"data-invite-code>([A-Z0-9-]+)<", page_text(page)).group(1)


def _invite(api, team: str, as_: str, *, given: str = "Maya", nhs: str = NHS, dob: str = DOB):
    return api.post(f"/api/staff/teams/{team}/invites", as_, json_body={
        "given_name": given, "family_name": "Patel", "date_of_birth": dob, "nhs_number": nhs})


def _register_maya(api, world, new_browser):
    """Maya joins team X with her NHS number and stays signed in on her phone; returns (patient id, phone)."""
    code = body_json(_invite(api, world.team_x, "clinician_x"))["code"]
    phone = new_browser()
    phone.get("/join")
    phone.post("/join", {"code": code, **DOB_BOXES})
    joined = phone.post("/join/account", {"code": code, **DOB_BOXES, "username": "maya.p", "password": MAYA_PASSWORD,
                                          "confirm_password": MAYA_PASSWORD, "agreement": "yes"})
    assert joined.status_code == 303
    return storage.invite(code).patient_id, phone


def test_an_invite_with_a_registered_patients_details_can_never_set_their_password(api, world, new_browser):
    maya_id, maya_phone = _register_maya(api, world, new_browser)
    code = body_json(_invite(api, world.team_y, "clinician_y", given="M"))["code"]  # another team, her details
    attacker = new_browser()
    attacker.get("/join")
    page = attacker.post("/join", {"code": code, **DOB_BOXES})
    assert page.status_code == 200
    assert "Sign in and add the team" in page_text(page) and "Choose a password" not in page_text(page)
    takeover = attacker.post("/join/account", {"code": code, **DOB_BOXES, "username": "mine.now",
                                                "password": ATTACKER_PASSWORD, "confirm_password": ATTACKER_PASSWORD,
                                                "agreement": "yes"})
    assert takeover.status_code == 409
    guess = attacker.post("/join/existing", {"code": code, **DOB_BOXES, "username": "maya.p",
                                             "password": ATTACKER_PASSWORD, "agreement": "yes"})
    assert guess.status_code == 401
    assert attacker.session_cookie is None
    assert storage.patient(maya_id).username == "maya.p"
    assert world.team_y not in storage.patient(maya_id).teams
    assert maya_phone.get("/api/me").status_code == 200  # the real patient is still signed in
    assert new_browser().patient_sign_in("maya.p", MAYA_PASSWORD).status_code == 303
    assert storage.invite(code).used_at is None


def test_inviting_someone_already_registered_elsewhere_looks_exactly_like_a_new_invite(api, world, new_browser):
    _register_maya(api, world, new_browser)
    registered = _invite(api, world.team_y, "clinician_y", given="Someone")
    stranger = _invite(api, world.team_y, "clinician_y", given="Someone", nhs="4010232137", dob="2011-01-01")
    assert registered.status_code == stranger.status_code == 201
    assert set(body_json(registered)) == set(body_json(stranger)) == {"code", "expires_at"}
    page = api.post(f"/staff/teams/{world.team_y}/invites", "clinician_y", form={
        "given_name": "Someone", "family_name": "Else", **DOB_BOXES, "nhs_number": NHS})
    text = page_text(page)
    assert page.status_code == 200 and "Invite code for Someone" in text
    assert "Maya" not in text and "Team X" not in text and "already" not in text


def test_a_registered_patient_adds_the_team_by_signing_in_as_themselves(api, world, new_browser):
    maya_id, _ = _register_maya(api, world, new_browser)
    code = body_json(_invite(api, world.team_y, "clinician_y"))["code"]
    phone = new_browser()
    phone.get("/join")
    phone.post("/join", {"code": code, **DOB_BOXES})
    added = phone.post("/join/existing", {"code": code, **DOB_BOXES, "username": "maya.p", "password": MAYA_PASSWORD,
                                          "agreement": "yes"})
    assert added.status_code == 303
    maya = storage.patient(maya_id)
    assert set(maya.teams) == {world.team_x, world.team_y}
    assert storage.conversation(world.team_y, maya_id) is not None
    assert new_browser().patient_sign_in("maya.p", MAYA_PASSWORD).status_code == 303  # password unchanged
    accepted = [e for e in storage.audit_about_patient(maya_id) if e.event_type == "invite.accepted"]
    assert sorted(e.detail["purpose"] for e in accepted) == ["add_team", "join"]


def test_a_pending_invitation_is_answered_from_the_patients_home(api, world, new_browser):
    maya_id, phone = _register_maya(api, world, new_browser)
    _invite(api, world.team_y, "clinician_y")
    home = phone.get("/p")
    assert "Team Y Oncology would like to message with you" in page_text(home)
    accepted = phone.post(f"/p/invitations/{world.team_y}", {"answer": "accept"})
    assert accepted.status_code == 303 and accepted.headers["Location"] == f"/p/teams/{world.team_y}"
    assert phone.get(f"/p/teams/{world.team_y}").status_code == 200
    assert "would like to message with you" not in page_text(phone.get("/p"))
    # Declining another team's invitation leaves the account as it was, and is audited.
    _invite(api, world.team_y, "clinician_y")  # already a member: nothing new to answer
    assert phone.post(f"/p/invitations/{world.team_y}", {"answer": "accept"}).status_code == 404
    assert set(storage.patient(maya_id).teams) == {world.team_x, world.team_y}


def test_a_declined_invitation_is_gone_and_audited(api, world, new_browser):
    maya_id, phone = _register_maya(api, world, new_browser)
    code = body_json(_invite(api, world.team_y, "clinician_y"))["code"]
    phone.get("/p")
    assert phone.post(f"/p/invitations/{world.team_y}", {"answer": "decline"}).status_code == 303
    assert world.team_y not in storage.patient(maya_id).teams
    assert storage.invite(code).used_at is not None
    assert "invite.declined" in [e.event_type for e in storage.audit_about_patient(maya_id)]


def test_another_patient_cannot_answer_someone_elses_invitation(api, world, new_browser):
    _register_maya(api, world, new_browser)
    _invite(api, world.team_y, "clinician_y")
    assert api.post(f"/p/invitations/{world.team_y}", "patient_a", form={"answer": "accept"}).status_code == 404


# --- account recovery -----------------------------------------------------------------------------------


def _recover(api, world, as_="clinician_x", patient="patient_a"):
    return api.post(f"/staff/teams/{world.team_x}/patients/{world.patients[patient]}/recovery", as_)


A_DOB = {"dob_day": "1", "dob_month": "4", "dob_year": "2009"}  # patient A's birthday in the persona world


def test_account_recovery_resets_the_password_ends_every_session_and_tells_every_team(api, world, new_browser,
                                                                                       pinned_clock):
    patient_id = world.patients["patient_a"]
    # Patient A is in both teams, with a phone signed in.
    api.post(f"/api/staff/teams/{world.team_y}/invites", "clinician_y", json_body={
        "given_name": "Alice", "family_name": "Patient", "date_of_birth": "2009-04-01"})
    old_phone = new_browser()
    old_phone.patient_sign_in("patienta", PASSWORD)
    assert api.get("/api/me", "patient_a").status_code == 200  # a second device, signed in
    page = _recover(api, world)
    assert page.status_code == 200
    assert "Password reset code for Alice" in page_text(page) and "will see a note" in page_text(page)
    code = _code_from(page)
    assert storage.invite(code).purpose == "recover"
    assert "account.recovery_issued" in [e.event_type for e in storage.audit_about_patient(patient_id)]

    new_phone = new_browser()
    new_phone.get("/join")
    choose = new_phone.post("/join", {"code": code, **A_DOB})
    assert "choose a new password" in page_text(choose)
    done = new_phone.post("/join/recover", {"code": code, **A_DOB, "password": "brand new words 5",
                                            "confirm_password": "brand new words 5"})
    assert done.status_code == 303
    assert old_phone.get("/api/me").status_code == 401 and api.get("/api/me", "patient_a").status_code == 401
    assert new_phone.get("/api/me").status_code == 200 and len(storage.sessions_of(patient_id)) == 1
    assert storage.patient(patient_id).username == "patienta"
    assert new_browser().patient_sign_in("patienta", PASSWORD).status_code == 401
    notice = [m for m in storage.messages(world.team_x, patient_id) if m.sender_kind == "system"]
    assert len(notice) == 1 and "Carl (Specialist nurse)" in notice[0].body and "reset" in notice[0].body
    assert "account.recovered" in [e.event_type for e in storage.audit_about_patient(patient_id)]
    recipients, _ = notifications.recipients_for(notice[0], now=pinned_clock.now())
    assert [(r.actor_id, r.audience) for r in recipients] == [(patient_id, "patient")]
    # The clinician sees the note in the conversation too.
    assert "password was reset" in page_text(api.get(f"/staff/teams/{world.team_x}/patients/{patient_id}",
                                                     "lead_x"))


def test_account_recovery_is_limited_to_three_codes_a_day_per_patient(api, world, pinned_clock):
    assert [_recover(api, world).status_code for _ in range(3)] == [200, 200, 200]
    assert _recover(api, world, as_="lead_x").status_code == 429
    pinned_clock.set(NOW + timedelta(days=1, minutes=1))
    api.forget_sessions()
    assert _recover(api, world).status_code == 200


def test_a_recovery_code_cannot_open_a_new_account_or_add_a_team(api, world, new_browser):
    code = _code_from(_recover(api, world))
    browser = new_browser()
    browser.get("/join")
    browser.post("/join", {"code": code, **A_DOB})
    as_new = browser.post("/join/account", {"code": code, **A_DOB, "username": "someone.new",
                                            "password": ATTACKER_PASSWORD, "confirm_password": ATTACKER_PASSWORD,
                                            "agreement": "yes"})
    assert as_new.status_code == 409 and browser.session_cookie is None


def test_an_invite_code_cannot_reset_a_password(api, world, new_browser):
    maya_id, _ = _register_maya(api, world, new_browser)
    code = body_json(_invite(api, world.team_y, "clinician_y"))["code"]
    browser = new_browser()
    browser.get("/join")
    reset = browser.post("/join/recover", {"code": code, **DOB_BOXES, "password": ATTACKER_PASSWORD,
                                           "confirm_password": ATTACKER_PASSWORD})
    assert reset.status_code == 409
    assert "not for resetting a password" in error_summary(reset)
    assert new_browser().patient_sign_in("maya.p", MAYA_PASSWORD).status_code == 303
