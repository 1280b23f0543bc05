"""Admin that is safe to use: confirmations before anything that grants access or acts on an account,
every problem of a form at once, team details edited in place, staff found by search and filters."""

from __future__ import annotations

import html

from chalicelib.models.team import team_policy
from chalicelib.services import accounts
from tests.support import storage
from tests.support.http import error_summary_items, page_text


def _staff_page(api, world, persona: str) -> str:
    return html.unescape(page_text(api.get(f"/admin/staff/{world.staff[persona]}", "admin")))


def test_a_staff_members_page_shows_their_teams_and_roles_and_nothing_acts_from_a_list(api, world):
    text = _staff_page(api, world, "lead_x")
    assert "Lena Staff" in text and "Team X Diabetes" in text and "team lead" in text
    assert "Reset Lena Staff's password" in text and "Deactivate Lena Staff's account" in text
    listing = page_text(api.get("/admin/staff", "admin"))
    assert "/roles" not in listing and "password-reset" not in listing  # no per-row role dropdowns or reset buttons


def test_making_a_clinician_a_lead_asks_first_but_taking_access_away_does_not(api, world):
    staff_id = world.staff["clinician_x"]
    promote = {"team_id": world.team_x, "role": "lead"}
    asked = api.post(f"/admin/staff/{staff_id}/roles", "admin", form=promote)
    assert asked.status_code == 200 and "change the team's hours" in html.unescape(page_text(asked))
    assert storage.member(world.team_x, staff_id).role == "clinician"
    done = api.post(f"/admin/staff/{staff_id}/roles", "admin", form={**promote, "confirm": "yes"})
    assert done.status_code == 303 and storage.member(world.team_x, staff_id).role == "lead"
    assert "Roles saved." in page_text(api.get(done.headers["Location"], "admin"))
    demote = api.post(f"/admin/staff/{staff_id}/roles", "admin", form={"team_id": world.team_x, "role": "clinician"})
    assert demote.status_code == 303 and storage.member(world.team_x, staff_id).role == "clinician"


def test_a_role_form_reports_every_problem_at_once(api, world):
    response = api.post(f"/admin/staff/{world.staff['clinician_y']}/roles", "admin", form={"role": "consultant"})
    assert response.status_code == 400
    assert [field for field, _ in error_summary_items(response)] == ["team_id", "role"]
    assert storage.staff(world.staff["clinician_y"]).team_roles == {world.team_y: "clinician"}


def test_the_add_staff_form_reports_every_problem_at_once_and_creates_nothing(api, world):
    before = len(accounts.list_trust_staff(world.trust_id))
    response = api.post("/admin/staff", "admin", form={"given_name": "", "family_name": "", "email": "not-an-email",
                                                       "job_title": "x" * 61, "team_id": world.team_x, "role": "boss"})
    assert response.status_code == 400
    assert [field for field, _ in error_summary_items(response)] == ["given_name", "family_name", "email", "job_title",
                                                                   "role"]
    assert len(accounts.list_trust_staff(world.trust_id)) == before
    assert 'value="not-an-email"' in page_text(response)  # what was typed is kept


def test_giving_information_governance_access_asks_first_then_opens_the_audit_log_and_nothing_else(api, world):
    staff_id = world.staff["clinician_y"]
    asked = api.post(f"/admin/staff/{staff_id}/access", "admin", form={"trust_admin": "no", "ig_lead": "yes"})
    assert asked.status_code == 200 and "read the audit log (no clinical access comes with it)" in page_text(asked)
    assert api.get("/admin/audit", "clinician_y").status_code == 403
    done = api.post(f"/admin/staff/{staff_id}/access", "admin", form={"ig_lead": "yes", "confirm": "yes"})
    assert done.status_code == 303 and storage.staff(staff_id).is_ig_lead is True
    assert api.get("/admin/audit", "clinician_y").status_code == 200
    assert api.get("/admin", "clinician_y").status_code == 403
    assert api.get(f"/staff/teams/{world.team_x}", "clinician_y").status_code == 404
    events = [e for e in storage.audit_by_staff(world.staff["admin"]) if e.event_type == "staff.access_changed"]
    assert [e.detail for e in events] == [{"staff_id": staff_id, "ig_lead": True}]
    removed = api.post(f"/admin/staff/{staff_id}/access", "admin", form={"ig_lead": "no"})  # taking away: no question
    assert removed.status_code == 303 and storage.staff(staff_id).is_ig_lead is False


def test_an_admin_cannot_take_away_their_own_admin_access(api, world):
    response = api.post(f"/admin/staff/{world.staff['admin']}/access", "admin", form={"trust_admin": "no"})
    assert response.status_code == 400 and "your own Trust admin access" in page_text(response)
    assert storage.staff(world.staff["admin"]).is_trust_admin is True


def test_deactivation_says_what_will_happen_and_acts_only_when_confirmed(api, world):
    staff_id = world.staff["clinician_x"]
    page = api.get(f"/admin/staff/{staff_id}/deactivate", "admin")
    assert page.status_code == 200 and "can no longer sign in" in page_text(page)
    assert 'name="confirm" value="yes"' in page_text(page)
    unconfirmed = api.post(f"/admin/staff/{staff_id}/deactivate", "admin", form={})
    assert unconfirmed.status_code == 200 and storage.staff(staff_id).active is True
    done = api.post(f"/admin/staff/{staff_id}/deactivate", "admin", form={"confirm": "yes"})
    assert done.status_code == 303 and storage.staff(staff_id).active is False
    assert "Account deactivated." in page_text(api.get(done.headers["Location"], "admin"))
    own = api.post(f"/admin/staff/{world.staff['admin']}/deactivate", "admin", form={"confirm": "yes"})
    assert own.status_code == 409 and storage.staff(world.staff["admin"]).active is True


def test_a_teams_name_and_shared_number_are_edited_in_place_and_patients_see_them(api, world):
    team_before = storage.team(world.team_x)
    policy_before = team_policy(team_before)  # cached per policy version
    response = api.post(f"/admin/teams/{world.team_x}", "admin",
                        form={"name": "Young Adult Diabetes", "phone": "020 7946 0999", "description": ""})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/teams/{world.team_x}?done=saved"
    team = storage.team(world.team_x)
    assert (team.name, team.phone) == ("Young Adult Diabetes", "020 7946 0999")
    assert team.policy_version == team_before.policy_version + 1
    assert team_policy(team).team_name == "Young Adult Diabetes" and policy_before.team_name == "Team X Diabetes"
    assert [t.name for t in accounts.list_trust_teams(world.trust_id)] == ["Team Y Oncology", "Young Adult Diabetes"]
    assert "Young Adult Diabetes" in page_text(api.get("/p", "patient_a"))
    edits = [e for e in storage.audit_by_staff(world.staff["admin"]) if e.event_type == "team.updated"]
    assert [e.detail for e in edits] == [{"changed": ["name", "shared phone number"]}]


def test_a_team_form_reports_every_problem_at_once_and_changes_nothing(api, world):
    response = api.post(f"/admin/teams/{world.team_x}", "admin",
                        form={"name": "", "phone": "ring Dr Smith's mobile", "description": "d" * 201})
    assert response.status_code == 400
    assert [field for field, _ in error_summary_items(response)] == ["name", "description", "phone"]
    assert storage.team(world.team_x).name == "Team X Diabetes"
    new = api.post("/admin/teams", "admin", form={"name": "", "phone": "nope"})
    assert [field for field, _ in error_summary_items(new)] == ["name", "phone"]
    assert len(accounts.list_trust_teams(world.trust_id)) == 2


def test_staff_are_found_by_name_or_email_and_filtered_by_team_role_access_and_status(api, world):
    api.post(f"/admin/staff/{world.staff['clinician_y']}/deactivate", "admin", form={"confirm": "yes"})

    def names(query: str) -> list[str]:
        text = page_text(api.get(f"/admin/staff?{query}", "admin"))
        return sorted(n for n in ("Ada Admin", "Lena Staff", "Carl Staff", "Yasmin Staff", "Iris Governance")
                      if f">{n}</a>" in text)

    assert names("q=carl") == ["Carl Staff"]
    assert names("q=LEAD_X%40test") == ["Lena Staff"]
    assert names(f"team={world.team_x}") == ["Carl Staff", "Lena Staff"]
    assert names("role=lead") == ["Lena Staff"]
    assert names("access=ig_lead") == ["Iris Governance"]
    assert names("access=trust_admin") == ["Ada Admin"]
    assert names("status=deactivated") == ["Yasmin Staff"]
    assert "Showing 1 of 5 staff." in page_text(api.get("/admin/staff?q=iris", "admin"))


def test_the_information_governance_lead_lands_on_the_audit_log(api, world):
    landing = api.get("/staff", "ig")
    assert landing.status_code == 302 and landing.headers["Location"] == "/admin/audit"
    assert 'href="/admin/audit"' in page_text(api.get("/admin/audit", "ig"))
    assert 'href="/admin"' not in page_text(api.get("/admin/audit", "ig"))
