"""The one-off upgrade for data written before the patient list: older conversations and invites get listed."""

from __future__ import annotations

from chalicelib.models import conversation as conversation_store
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.patient_list import invitee_stub
from chalicelib.models.people import get_staff
from chalicelib.models.team import get_team
from chalicelib.scopes import StaffTeam
from chalicelib.services import invites
from scripts.demo_data import actor_for
from scripts.upgrade_patient_list import main as upgrade
from scripts.world import NOW
from tests.support import storage
from tests.support.http import body_json

NHS_C = "4010232137"


def _invite(world, given, family, dob, *, nhs=None, persona="clinician_x", team_id=None):
    staff = get_staff(world.staff[persona])
    team = get_team(team_id or world.team_x)
    st = StaffTeam(actor_for(staff, NOW), team, staff.team_roles[team.team_id], {})
    return invites.do_invite_patient(st, NOW, given_name=given, family_name=family, date_of_birth=dob, nhs_number=nhs)


def _join(result, dob, username):
    checked = invites.check_invite(NOW, code=result.code, date_of_birth=dob, address=f"test-{username}")
    invites.do_accept_invite(NOW, checked, username=username, password="correct horse battery", agreed=True)


def _as_before_the_patient_list(conv: ConversationItem) -> None:
    conv.update(actions=[ConversationItem.date_of_birth.remove(), ConversationItem.nhs_number.remove(),
                         ConversationItem.gsi7pk.remove(), ConversationItem.gsi7sk.remove(),
                         ConversationItem.gsi8pk.remove(), ConversationItem.gsi8sk.remove()])


def _all(api, world, query=""):
    response = api.get(f"/api/staff/teams/{world.team_x}/patients{query}", "clinician_x")
    assert response.status_code == 200
    return body_json(response)["patients"]


def _rows(api, world, query=""):
    return {row["name"]: row for row in _all(api, world, query)}


def test_older_conversations_and_invites_are_listed_after_the_upgrade_and_a_second_run_changes_nothing(api, world,
                                                                                                      capsys):
    alice = conversation_store.load(world.team_x, world.patients["patient_a"])
    _as_before_the_patient_list(alice)
    older = _invite(world, "Olive", "Older", "2011-05-06")
    invitee_stub(world.team_x, older.patient_id).delete()
    registered = _invite(world, "Rosa", "Registered", "2009-04-01", nhs=NHS_C, persona="clinician_y",
                         team_id=world.team_y)
    _join(registered, "2009-04-01", "rosa.r")
    _invite(world, "Typed", "Name", "2009-04-01", nhs=NHS_C)  # someone registered elsewhere: nothing typed is kept
    invitee_stub(world.team_x, registered.patient_id).delete()
    twice = _invite(world, "Jo", "Joined", "2010-02-03")
    second = invites.do_invite_patient(_staff_team(world), NOW, given_name="Jo", family_name="Joined",
                                       date_of_birth="2010-02-03")
    assert second.patient_id != twice.patient_id
    _join(twice, "2010-02-03", "jo.j")
    invitee_stub(world.team_x, second.patient_id).delete()

    assert "Alice Patient" not in _rows(api, world) and "Olive Older" not in _rows(api, world)
    assert "Alice Patient" not in _rows(api, world, "?q=1/4/2009")

    assert upgrade([]) == 0
    assert capsys.readouterr().out.strip() == "Completed 1 conversation(s) and listed 2 invited patient(s)."

    rows = _rows(api, world)
    assert rows["Alice Patient"]["status"] == "joined" and rows["Alice Patient"]["date_of_birth"] == "2009-04-01"
    assert rows["Olive Older"]["status"] == "invited" and rows["Olive Older"]["date_of_birth"] == "2011-05-06"
    assert "Typed Name" not in rows and "Rosa Registered" not in rows  # never the registered record instead
    assert sorted(r["status"] for r in _all(api, world) if r["name"] == "Jo Joined") == ["invited", "joined"]
    assert "Alice Patient" in _rows(api, world, "?q=1/4/2009")
    assert storage.invited_row(world.team_x, twice.patient_id) is None  # joined: no invited row for them

    assert upgrade([]) == 0
    assert capsys.readouterr().out.strip() == "Completed 0 conversation(s) and listed 0 invited patient(s)."


def _staff_team(world) -> StaffTeam:
    staff = get_staff(world.staff["clinician_x"])
    team = get_team(world.team_x)
    return StaffTeam(actor_for(staff, NOW), team, "clinician", {})
