"""The Trust admin's pages: teams, staff accounts with one-time passwords, roles, resets; all audited."""

from __future__ import annotations

import json
import re

from chalicelib.auth.passwords import verify_password
from chalicelib.models.audit import AuditEvent
from chalicelib.models.people import StaffItem
from chalicelib.models.team import roster as team_roster
from chalicelib.services import accounts
from scripts.world import NOW, PASSWORD
from tests.support import storage
from tests.support.http import error_summary, page_text

NEW_PASSWORD = "lighthouse keeper 42"


def _otp(response) -> str:
    found = re.search(r"data-one-time-password>([a-z0-9-]+)<", page_text(response))
    assert found, page_text(response)[:500]
    return found.group(1)


def _admin_events(world) -> list[AuditEvent]:
    return storage.audit_by_staff(world.staff["admin"])


def _staff_by_email(world, email) -> StaffItem | None:
    return next((s for s in accounts.list_trust_staff(world.trust_id) if s.email == email), None)


def _create_staff(api, world, email="nina@test.nhs.uk", **extra):
    form = {"given_name": "Nina", "family_name": "Nurse", "email": email, "job_title": "Staff nurse",
            "team_id": world.team_x, "role": "clinician", **extra}
    return api.post("/admin/staff", "admin", form=form)


def test_only_a_trust_admin_reaches_the_admin_pages_and_the_admin_lands_on_them(api, world):
    page = api.get("/admin", "admin")
    assert page.status_code == 200
    assert "Test Trust" in page_text(page) and "2 teams" in page_text(page)
    assert "Team X Diabetes" in page_text(api.get("/admin/teams", "admin"))
    assert "Lena Staff" in page_text(api.get("/admin/staff", "admin"))
    landing = api.get("/staff", "admin")  # not "You are not in a team yet"
    assert landing.status_code == 302 and landing.headers["Location"] == "/admin"
    for persona in ("lead_x", "clinician_x", "clinician_y", "patient_a", "ig"):
        assert api.get("/admin", persona).status_code == 403, persona
        assert api.post("/admin/teams", persona, form={"name": "Sneaky"}).status_code == 403, persona
    anonymous = api.get("/admin")
    assert anonymous.status_code == 302 and anonymous.headers["Location"] == "/staff/sign-in?next=/admin"
    assert [t.name for t in accounts.list_trust_teams(world.trust_id)] == ["Team X Diabetes", "Team Y Oncology"]


def test_admin_creates_a_team_and_it_is_audited(api, world):
    response = api.post("/admin/teams", "admin", form={"name": "  Renal   Young People ", "phone": "020 7946 0003",
                                                       "description": "Kidney care"})
    team = next(t for t in accounts.list_trust_teams(world.trust_id) if t.name == "Renal Young People")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/teams/{team.team_id}?done=created"
    assert "Team added." in page_text(api.get(response.headers["Location"], "admin"))
    assert team.phone == "020 7946 0003" and team.trust_id == world.trust_id
    created = [e for e in _admin_events(world) if e.event_type == "team.created" and e.team_id == team.team_id]
    assert len(created) == 1


def test_a_team_needs_a_name_and_a_shared_number_and_nothing_is_created_otherwise(api, world):
    for form, field in (({"name": ""}, "name"), ({"name": "Ok team", "phone": "call Dr Smith's mobile"}, "phone")):
        response = api.post("/admin/teams", "admin", form=form)
        assert response.status_code == 400
        assert f'href="#{field}"' in page_text(response)
    assert len(accounts.list_trust_teams(world.trust_id)) == 2


def test_admin_creates_staff_and_sees_a_one_time_password_once(api, world):
    response = _create_staff(api, world)
    assert response.status_code == 200
    otp = _otp(response)
    staff = _staff_by_email(world, "nina@test.nhs.uk")
    assert staff is not None and staff.must_change_password is True
    assert staff.team_roles == {world.team_x: "clinician"}
    assert verify_password(staff.password_hash, otp)
    assert storage.member(world.team_x, staff.staff_id).role == "clinician"
    assert otp not in page_text(api.get("/admin/staff", "admin"))
    assert otp not in page_text(api.get(f"/admin/staff/{staff.staff_id}", "admin"))
    assert otp not in storage.everything_stored()
    created = [e for e in _admin_events(world) if e.event_type == "staff.created"
               and e.detail["staff_id"] == staff.staff_id]
    assert len(created) == 1 and created[0].detail["roles"] == {world.team_x: "clinician"}


def test_a_duplicate_email_is_a_conflict_and_nothing_is_created(api, world):
    before = len(accounts.list_trust_staff(world.trust_id))
    audited = len(_admin_events(world))
    response = _create_staff(api, world, email=" Clinician_X@Test.NHS.uk")
    assert response.status_code == 409
    assert "already has a Teamline account" in error_summary(response)
    assert len(accounts.list_trust_staff(world.trust_id)) == before
    members = [m.staff_id for m in team_roster(world.team_x)]
    assert sorted(members) == sorted([world.staff["lead_x"], world.staff["clinician_x"]])
    assert len(_admin_events(world)) == audited


def test_new_staff_must_change_the_one_time_password_at_first_sign_in(api, world, new_browser):
    otp = _otp(_create_staff(api, world))
    other_device = new_browser()
    other_device.staff_sign_in("nina@test.nhs.uk", otp)
    browser = new_browser()
    signed_in = browser.staff_sign_in("nina@test.nhs.uk", otp)
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/staff/password"
    assert browser.get("/staff/password").status_code == 200
    changed = browser.post("/staff/password", {"current_password": otp, "new_password": NEW_PASSWORD,
                                               "confirm_password": NEW_PASSWORD})
    assert changed.status_code == 303 and changed.headers["Location"] == "/staff?password_changed=1"
    staff = _staff_by_email(world, "nina@test.nhs.uk")
    assert staff.must_change_password is False
    assert browser.get("/api/me").status_code == 200
    assert other_device.get("/api/me").status_code == 401
    assert [s.key for s in storage.sessions_of(staff.staff_id)] == [storage.session(browser_token_hash(browser)).key]
    assert new_browser().staff_sign_in("nina@test.nhs.uk", otp).status_code == 401
    fresh = new_browser()
    assert fresh.staff_sign_in("nina@test.nhs.uk", NEW_PASSWORD).headers["Location"] == "/staff"
    assert "staff.password_changed" in [e.event_type for e in storage.audit_by_staff(staff.staff_id)]


def browser_token_hash(browser) -> str:
    from chalicelib.ids import token_hash

    return token_hash(browser.session_cookie.split(".", 2)[2])


def test_staff_with_a_one_time_password_cannot_open_patient_data_before_changing_it(api, world, new_browser):
    otp = _otp(_create_staff(api, world))
    browser = new_browser()
    browser.staff_sign_in("nina@test.nhs.uk", otp)
    page = browser.get(f"/staff/teams/{world.team_x}")
    assert page.status_code == 302 and page.headers["Location"] == "/staff/password"
    api_call = browser.get(f"/api/staff/teams/{world.team_x}/inbox")
    assert api_call.status_code == 403
    assert json.loads(api_call.body)["error"]["code"] == "password_change_required"
    assert browser.get("/staff/password").status_code == 200


def test_changing_a_password_checks_the_current_one_and_the_new_ones(api, world, new_browser):
    otp = _otp(_create_staff(api, world))
    browser = new_browser()
    browser.staff_sign_in("nina@test.nhs.uk", otp)
    browser.get("/staff/password")
    for form, status, message in (
        ({"current_password": "not it at all", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
         401, "current password is not right"),
        ({"current_password": otp, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "!"},
         400, "do not match"),
        ({"current_password": otp, "new_password": "short", "confirm_password": "short"}, 400, "at least 10"),
        ({"current_password": otp, "new_password": otp, "confirm_password": otp}, 400, "not used here before"),
    ):
        response = browser.post("/staff/password", form)
        assert response.status_code == status, form
        assert message in error_summary(response), form
    assert _staff_by_email(world, "nina@test.nhs.uk").must_change_password is True


def test_admin_gives_a_clinician_a_role_in_another_team(api, world):
    assert api.get(f"/staff/teams/{world.team_x}", "clinician_y").status_code == 404
    form = {"team_id": world.team_x, "role": "clinician"}
    asked = api.post(f"/admin/staff/{world.staff['clinician_y']}/roles", "admin", form=form)
    assert asked.status_code == 200  # a grant of access: first, what it will allow
    assert "Give Yasmin Staff access to Team X Diabetes?" in page_text(asked)
    assert "read and reply to every conversation" in page_text(asked)
    assert storage.member(world.team_x, world.staff["clinician_y"]) is None  # nothing changed yet
    response = api.post(f"/admin/staff/{world.staff['clinician_y']}/roles", "admin", form={**form, "confirm": "yes"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/staff/{world.staff['clinician_y']}?done=roles"
    assert api.get(f"/staff/teams/{world.team_x}", "clinician_y").status_code == 200
    assert storage.member(world.team_x, world.staff["clinician_y"]).role == "clinician"
    changed = [e for e in _admin_events(world) if e.event_type == "staff.role_changed"]
    assert len(changed) == 1 and changed[0].team_id == world.team_x
    assert changed[0].detail == {"staff_id": world.staff["clinician_y"], "role": "clinician"}


def test_a_clinician_removed_from_a_team_can_no_longer_open_its_inbox(api, world):
    assert api.get(f"/api/staff/teams/{world.team_x}/inbox", "clinician_x").status_code == 200
    response = api.post(f"/admin/staff/{world.staff['clinician_x']}/roles", "admin",
                        form={"team_id": world.team_x, "role": "none"})
    assert response.status_code == 303
    assert api.get(f"/api/staff/teams/{world.team_x}/inbox", "clinician_x").status_code == 404
    assert api.get(f"/staff/teams/{world.team_x}", "clinician_x").status_code == 404
    thread = f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages"
    assert api.get(thread, "clinician_x").status_code == 404
    assert storage.member(world.team_x, world.staff["clinician_x"]) is None
    assert storage.staff(world.staff["clinician_x"]).team_roles == {}
    removed = [e for e in _admin_events(world) if e.event_type == "staff.role_changed"]
    assert len(removed) == 1 and removed[0].detail == {"staff_id": world.staff["clinician_x"], "role": None}


def test_a_role_must_be_clinician_or_lead_in_a_team_of_the_trust(api, world):
    for form in ({"team_id": world.team_x, "role": "consultant"}, {"team_id": "nosuchteam", "role": "clinician"}):
        response = api.post(f"/admin/staff/{world.staff['clinician_y']}/roles", "admin", form={**form, "confirm": "yes"})
        assert response.status_code == 400, form
    assert storage.staff(world.staff["clinician_y"]).team_roles == {world.team_y: "clinician"}


def test_a_password_reset_ends_their_sessions_and_gives_a_new_one_time_password(api, world, new_browser):
    staff_id = world.staff["clinician_x"]
    assert api.get("/api/me", "clinician_x").status_code == 200
    asked = api.post(f"/admin/staff/{staff_id}/password-reset", "admin", form={})  # not confirmed: it asks
    assert asked.status_code == 200 and "Reset Carl Staff&#39;s password?" in page_text(asked)
    assert "signed out on every device" in page_text(asked)
    assert api.get("/api/me", "clinician_x").status_code == 200 and storage.staff(staff_id).must_change_password is False
    response = api.post(f"/admin/staff/{staff_id}/password-reset", "admin", form={"confirm": "yes"})
    assert response.status_code == 200
    assert "Password reset for Carl Staff" in page_text(response)
    otp = _otp(response)
    assert api.get("/api/me", "clinician_x").status_code == 401
    assert storage.sessions_of(staff_id) == []
    staff = storage.staff(staff_id)
    assert staff.must_change_password is True and verify_password(staff.password_hash, otp)
    assert new_browser().staff_sign_in("clinician_x@test.nhs.uk", otp).headers["Location"] == "/staff/password"
    reset = [e for e in _admin_events(world) if e.event_type == "staff.password_reset"]
    assert len(reset) == 1 and reset[0].detail == {"staff_id": staff_id}


def test_an_admin_cannot_reach_staff_of_another_trust(api, world):
    _, other_admin = accounts.do_bootstrap_trust(NOW, trust_name="Other Trust", email="admin@other.nhs.uk",
                                                 given_name="Olga", family_name="Other", password=PASSWORD,
                                                 trust_id="trust2")
    reset = api.post(f"/admin/staff/{other_admin.staff_id}/password-reset", "admin", form={"confirm": "yes"})
    assert reset.status_code == 404
    assert api.get(f"/admin/staff/{other_admin.staff_id}", "admin").status_code == 404
    roles = api.post(f"/admin/staff/{other_admin.staff_id}/roles", "admin", form={"team_id": world.team_x,
                                                                                 "role": "clinician"})
    assert roles.status_code == 404
    assert storage.staff(other_admin.staff_id).team_roles == {}
    assert "Olga" not in page_text(api.get("/admin/staff", "admin"))
