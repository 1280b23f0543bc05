"""The team's patient list: paging in both orders, the three statuses, search, and what each costs.

Rows are arranged through the invite services (invited, joined) and, where a test needs many
patients or chosen activity times, through the conversation factory; what the list shows is read
through the page and its JSON twin, and what is stored through ``tests.support.storage``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.auth.actor import Actor
from chalicelib.models import conversation as conversation_store
from chalicelib.models.base import MainItem
from chalicelib.models.db import observe_calls
from chalicelib.models.people import get_patient, get_staff
from chalicelib.models.team import get_team
from chalicelib.scopes import StaffTeam
from chalicelib.services import invites
from scripts.demo_data import actor_for
from scripts.world import NOW, World, send_as_patient
from tests.support import storage
from tests.support.http import body_json, error_summary, page_text

NHS_A = "9434765919"
NHS_B = "9434765870"
NHS_C = "4010232137"
UNREGISTERED_NHS = "4010232129"  # a valid check digit that nobody has


# --- arranging ----------------------------------------------------------------------------------------------


def _staff_team(world: World, persona: str, team_id: str) -> StaffTeam:
    staff = get_staff(world.staff[persona])
    team = get_team(team_id)
    assert staff is not None and team is not None
    return StaffTeam(actor_for(staff, NOW), team, staff.team_roles[team_id], {})


def _invite(world: World, given: str, family: str, dob: str, *, nhs: str | None = None, persona: str = "clinician_x",
            team_id: str | None = None, at=NOW) -> invites.InviteResult:
    st = _staff_team(world, persona, team_id or world.team_x)
    return invites.do_invite_patient(st, at, given_name=given, family_name=family, date_of_birth=dob, nhs_number=nhs)


def _join(result: invites.InviteResult, dob: str, username: str, *, at=NOW) -> str:
    checked = invites.check_invite(at, code=result.code, date_of_birth=dob, address=f"test-{username}")
    invites.do_accept_invite(at, checked, username=username, password="correct horse battery", agreed=True)
    return result.patient_id


def _many(world: World, count: int, *, family: str = "Many", dob: str = "2010-06-15") -> list[str]:
    """``count`` joined patients of team X, straight from the factory, each active a minute after the last."""
    ids = []
    for i in range(count):
        patient_id = f"p{i:025d}"
        conv = conversation_store.new_conversation(world.team_x, patient_id, patient_name=f"Pat{i:03d} {family}",
                                                   family_name=family, given_name=f"Pat{i:03d}",
                                                   now=NOW - timedelta(days=1) + timedelta(minutes=i),
                                                   date_of_birth=dob)
        conv.save()
        ids.append(patient_id)
    return ids


def _walk(api, world: World, persona: str = "clinician_x", **params: str) -> list[dict[str, Any]]:
    """Every row of the JSON list, following next_cursor until it ends (at most 50 pages)."""
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = api.get(f"/api/staff/teams/{world.team_x}/patients?{_qs(query)}", persona)
        assert response.status_code == 200, response.body[:300]
        page = body_json(response)
        assert len(page["patients"]) <= 20
        rows += page["patients"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError("the cursor never ended")


def _qs(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["name"] for row in rows]


@contextmanager
def _items_read() -> Iterator[list[int]]:
    """How many items each Query evaluated (DynamoDB's ScannedCount), as the app's own client saw them."""
    events = MainItem._get_connection().connection.client.meta.events
    seen: list[int] = []

    def after(parsed: dict[str, Any], **_: Any) -> None:
        seen.append(int(parsed.get("ScannedCount", 0)))

    events.register("after-call.dynamodb.Query", after)
    try:
        yield seen
    finally:
        events.unregister("after-call.dynamodb.Query", after)


# --- paging -------------------------------------------------------------------------------------------------


def test_paging_newest_activity_first_walks_every_patient_exactly_once(api, world):
    _many(world, 45)
    _invite(world, "Ivy", "Invited", "2011-02-03", at=NOW + timedelta(minutes=5))
    send_as_patient(world, "patient_b", "Latest news", NOW + timedelta(minutes=10))

    rows = _walk(api, world)

    assert len(rows) == 48 == len({(r["patient_id"], r["name"]) for r in rows})  # 45 + A + B + the invited one
    assert rows[0]["name"] == "Bob Patient" and rows[1]["name"] == "Ivy Invited"
    stamps = [r["last_message"]["at"] if r["last_message"] else None for r in rows]
    assert [s for s in stamps if s] == sorted([s for s in stamps if s], reverse=True)
    many = [n for n in _names(rows) if n.endswith("Many")]
    assert many == [f"Pat{i:03d} Many" for i in range(44, -1, -1)]


def test_paging_by_name_walks_every_patient_exactly_once_a_to_z(api, world):
    _many(world, 41)
    _invite(world, "Aaron", "Aardvark", "2011-02-03")

    rows = _walk(api, world, order="name")

    assert len(rows) == 44 == len(set(_names(rows)))
    assert rows[0]["name"] == "Aaron Aardvark"
    families = [name.split(" ", 1)[1].lower() for name in _names(rows)]
    assert families == sorted(families)
    assert sorted(_names(rows)) == sorted([f"Pat{i:03d} Many" for i in range(41)] + ["Aaron Aardvark",
                                                                                       "Alice Patient", "Bob Patient"])


def test_the_page_links_to_the_next_page_and_back_to_the_first(api, world):
    _many(world, 25)
    first = api.get(f"/staff/teams/{world.team_x}/patients?order=name", "clinician_x")
    assert first.status_code == 200
    html = page_text(first)
    next_link = re.search(r'href="\?([^"]+)" rel="next"', html)
    assert next_link and "order=name" in next_link.group(1) and "First page" not in html
    second = api.get(f"/staff/teams/{world.team_x}/patients?{next_link.group(1).replace('&amp;', '&')}", "clinician_x")
    second_html = page_text(second)
    assert second.status_code == 200 and 'rel="next"' not in second_html and "First page" in second_html
    assert second_html.count("data-patient-status=") == 27 - 20
    assert "Pat024 Many" in second_html and "Pat024 Many" not in html


def test_a_team_with_no_patients_says_how_to_invite_one(api, world):
    response = api.get(f"/staff/teams/{world.team_y}/patients", "clinician_y")
    assert response.status_code == 200
    assert "No patients yet" in page_text(response) and f"/staff/teams/{world.team_y}/invites" in page_text(response)


# --- what each row shows ----------------------------------------------------------------------------------


def test_each_row_shows_name_birthday_nhs_number_status_and_last_message(api, world):
    joined = _join(_invite(world, "Jo", "Joined", "2009-04-01", nhs=NHS_A), "2009-04-01", "jo.joined")
    _invite(world, "Ivy", "Invited", "2011-02-03", nhs=NHS_B)
    send_as_patient(world, "patient_a", "My sensor fell off", NOW + timedelta(minutes=1))

    rows = {r["name"]: r for r in _walk(api, world)}

    jo = rows["Jo Joined"]
    assert (jo["patient_id"], jo["status"], jo["status_text"]) == (joined, "joined", "Joined")
    assert (jo["date_of_birth"], jo["date_of_birth_text"]) == ("2009-04-01", "1 April 2009")
    assert (jo["nhs_number"], jo["nhs_number_text"]) == (NHS_A, "943 476 5919")
    assert jo["last_message"] is None
    ivy = rows["Ivy Invited"]
    assert (ivy["patient_id"], ivy["status"], ivy["status_text"], ivy["invite_live"]) == (
        None, "invited", "Invited, not joined yet", True)
    assert ivy["invite_until"] == "2026-12-02T10:30:00.000000Z" and ivy["nhs_number_text"] == "943 476 5870"
    alice = rows["Alice Patient"]
    assert alice["last_message"]["preview"] == "My sensor fell off" and alice["last_message"]["sender"] == "patient"
    assert alice["date_of_birth_text"] == "1 April 2009" and alice["nhs_number"] is None

    html = page_text(api.get(f"/staff/teams/{world.team_x}/patients", "clinician_x"))
    assert "943 476 5919" in html and "1 April 2009" in html and "Invited, not joined yet" in html
    assert "My sensor fell off" in html and "Not recorded" in html  # patient A has no NHS number
    assert html.count("Recover account<") == 3  # joined patients only: A, B and Jo, not the invited one


def test_an_invite_whose_code_ran_out_says_so(api, world, pinned_clock):
    _invite(world, "Ivy", "Invited", "2011-02-03")
    pinned_clock.set(NOW + timedelta(days=8))
    ivy = next(r for r in _walk(api, world) if r["name"] == "Ivy Invited")
    assert (ivy["status_text"], ivy["invite_live"]) == ("Invited, not joined", False)
    assert "Invite them again for a new one" in page_text(api.get(f"/staff/teams/{world.team_x}/patients",
                                                                   "clinician_x"))


def test_an_invited_patient_is_one_row_until_they_join_and_then_one_joined_row(api, world):
    result = _invite(world, "Ivy", "Invited", "2011-02-03")
    again = _invite(world, "Ivy", "Invited", "2011-02-03", nhs=None)  # a second code for a new person record
    assert storage.invited_row(world.team_x, result.patient_id) is not None

    _join(result, "2011-02-03", "ivy.i")

    assert storage.invited_row(world.team_x, result.patient_id) is None
    rows = [r for r in _walk(api, world) if r["name"] == "Ivy Invited"]
    assert sorted(r["status"] for r in rows) == ["invited", "joined"]  # the other code is another invite
    assert next(r for r in rows if r["status"] == "joined")["patient_id"] == result.patient_id
    assert again.patient_id != result.patient_id


def test_inviting_the_same_nhs_number_again_replaces_the_invited_row(api, world, pinned_clock):
    _invite(world, "Ivy", "Invited", "2011-02-03", nhs=NHS_B)
    pinned_clock.set(NOW + timedelta(days=2))
    _invite(world, "Ivy", "Invitee", "2011-02-03", nhs=NHS_B, at=NOW + timedelta(days=2))

    rows = [r for r in _walk(api, world) if r["status"] == "invited"]

    assert _names(rows) == ["Ivy Invitee"]
    assert rows[0]["invite_until"] == "2026-12-04T10:30:00.000000Z"


def test_an_invited_row_shows_what_the_clinician_typed_never_the_registered_record(api, world):
    """A patient registered through team Y, invited by team X with a different name: X sees only what X typed."""
    registered = _join(_invite(world, "Rosa", "Registered", "2009-04-01", nhs=NHS_C, persona="clinician_y",
                               team_id=world.team_y), "2009-04-01", "rosa.r")
    _invite(world, "R", "Typed", "2009-04-01", nhs=NHS_C)

    rows = [r for r in _walk(api, world) if r["status"] == "invited"]
    response = api.get(f"/api/staff/teams/{world.team_x}/patients?order=name", "clinician_x")

    assert _names(rows) == ["R Typed"] and rows[0]["patient_id"] is None
    assert "Rosa" not in response.body.decode() and registered not in response.body.decode()


def test_a_page_cursor_never_names_an_invited_patients_record(api, world):
    invited = [_invite(world, f"Ivy{i:02d}", "Invited", "2011-02-03").patient_id for i in range(21)]
    cursor = body_json(api.get(f"/api/staff/teams/{world.team_x}/patients", "clinician_x"))["next_cursor"]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert json.loads(decoded) and not any(patient_id in decoded for patient_id in invited)


def test_declining_an_invitation_takes_the_invited_row_away(api, world):
    registered = _join(_invite(world, "Rosa", "Registered", "2009-04-01", nhs=NHS_C, persona="clinician_y",
                               team_id=world.team_y), "2009-04-01", "rosa.r")
    _invite(world, "Rosa", "Registered", "2009-04-01", nhs=NHS_C)
    assert storage.invited_row(world.team_x, registered) is not None
    patient = get_patient(registered)
    assert patient is not None

    invites.do_answer_invitation(NOW, _patient_actor(patient), world.team_x, accept=False)

    assert storage.invited_row(world.team_x, registered) is None
    assert [r for r in _walk(api, world) if r["name"].startswith("Rosa")] == []


def _patient_actor(patient) -> Actor:
    return actor_for(patient, NOW)


def test_a_discharged_patient_stays_one_row_marked_discharged_and_invited_again_on_the_same_row(api, world):
    patient_id = _join(_invite(world, "Dee", "Discharged", "2009-04-01", nhs=NHS_A), "2009-04-01", "dee.d")
    assert api.post(f"/staff/teams/{world.team_x}/patients/{patient_id}/discharge", "lead_x", form={}).status_code == 303

    dee = [r for r in _walk(api, world) if r["name"] == "Dee Discharged"]
    assert [(r["status"], r["status_text"], r["invite_until"]) for r in dee] == [("discharged", "Discharged", None)]
    assert dee[0]["discharged_at"] == "2026-11-25T10:30:00.000000Z"

    result = _invite(world, "Dee", "Discharged", "2009-04-01", nhs=NHS_A)
    dee = [r for r in _walk(api, world) if r["name"] == "Dee Discharged"]
    assert [(r["status"], r["invite_live"]) for r in dee] == [("discharged", True)]
    assert storage.invited_row(world.team_x, patient_id) is None
    html = page_text(api.get(f"/staff/teams/{world.team_x}/patients", "clinician_x"))
    assert "Invited again: their code works until" in html

    patient = get_patient(patient_id)
    assert patient is not None and result.patient_id == patient_id
    invites.do_answer_invitation(NOW, actor_for(patient, NOW), world.team_x, accept=True)
    dee = [r for r in _walk(api, world) if r["name"] == "Dee Discharged"]
    assert [(r["status"], r["invite_until"]) for r in dee] == [("joined", None)]


# --- search -------------------------------------------------------------------------------------------------


def _search(api, world, text: str, persona: str = "clinician_x", team_id: str | None = None) -> list[dict[str, Any]]:
    response = api.get(f"/api/staff/teams/{team_id or world.team_x}/patients?{_qs({'q': text})}", persona)
    assert response.status_code == 200, response.body[:300]
    return body_json(response)["patients"]


def test_search_by_last_name_prefix_and_by_last_and_first_name(api, world):
    _invite(world, "Sam", "Smith", "2010-01-01")
    _invite(world, "Jo", "Smithson", "2010-01-02")
    _invite(world, "Jo", "Smith", "2010-01-03")
    _invite(world, "Jo", "Jones", "2010-01-04")

    assert _names(_search(api, world, "smi")) == ["Jo Smith", "Sam Smith", "Jo Smithson"]
    assert _names(_search(api, world, "SMITH, J")) == ["Jo Smith"]
    assert _names(_search(api, world, "Smith,")) == ["Jo Smith", "Sam Smith"]
    assert _names(_search(api, world, "Patient")) == ["Alice Patient", "Bob Patient"]
    assert _search(api, world, "Smyth") == []


def test_search_by_date_of_birth_in_the_ways_people_write_it(api, world):
    _invite(world, "Bea", "Birthday", "2009-04-01")
    for typed in ("1/4/2009", "01/04/2009", "1.4.2009", "2009-04-01", "1 April 2009", "1 apr 2009", "01-04-2009"):
        assert _names(_search(api, world, typed)) == ["Bea Birthday", "Alice Patient"], typed
    assert _search(api, world, "2/4/2009") == []


def test_search_by_nhs_number_finds_the_patient_only_in_their_own_team(api, world):
    rosa = _join(_invite(world, "Rosa", "Registered", "2009-04-01", nhs=NHS_C, persona="clinician_y",
                         team_id=world.team_y), "2009-04-01", "rosa.r")

    assert _search(api, world, "401 023 2137") == []  # registered in the Trust, but not in team X
    found = _search(api, world, "4010232137", persona="clinician_y", team_id=world.team_y)
    assert [(r["patient_id"], r["status"]) for r in found] == [(rosa, "joined")]

    _invite(world, "Rosa", "R", "2009-04-01", nhs=NHS_C)
    assert [(r["name"], r["status"]) for r in _search(api, world, "401-023-2137")] == [("Rosa R", "invited")]
    assert _search(api, world, UNREGISTERED_NHS) == []


def test_a_search_by_name_or_birthday_never_shows_another_teams_patient(api, world):
    _join(_invite(world, "Yan", "Patient", "2009-04-01", persona="clinician_y", team_id=world.team_y),
          "2009-04-01", "yan.p")

    assert "Yan Patient" not in _names(_search(api, world, "patient"))
    assert "Yan Patient" not in _names(_search(api, world, "1/4/2009"))
    assert _names(_search(api, world, "patient", persona="clinician_y", team_id=world.team_y)) == ["Yan Patient"]


def test_a_clinician_of_another_team_cannot_search_this_one(api, world):
    for persona, status in (("clinician_y", 404), ("admin", 404), ("patient_a", 403)):
        response = api.get(f"/api/staff/teams/{world.team_x}/patients?q=patient", persona)
        assert response.status_code == status, persona
        assert "Alice" not in response.body.decode()


@pytest.mark.parametrize(("typed", "says"), [
    ("31/02/2010", "real date of birth"),
    ("1/1/2099", "in the past"),
    ("9434765918", "not a valid NHS number"),
    ("12345", "a 10-digit NHS number"),
    ("<script>", "letters, spaces"),
    (", Jo", "before the comma"),
    ("x" * 61, "60 characters"),
])
def test_a_search_that_cannot_be_read_is_a_clear_error_and_changes_nothing(api, world, typed, says):
    before = storage.patient_list_rows(world.team_x)

    page = api.get(f"/staff/teams/{world.team_x}/patients?{_qs({'q': typed})}", "clinician_x")
    json_response = api.get(f"/api/staff/teams/{world.team_x}/patients?{_qs({'q': typed})}", "clinician_x")

    assert page.status_code == 400 and says in (error_summary(page) or "")
    assert 'href="#q"' in page_text(page) and "data-patients" not in page_text(page)
    assert json_response.status_code == 400
    assert body_json(json_response)["error"]["field"] == "q" and says in body_json(json_response)["error"]["message"]
    assert len(storage.patient_list_rows(world.team_x)) == len(before)


def test_a_bad_order_or_a_cursor_from_elsewhere_is_refused(api, world):
    _many(world, 21, family="Smith")
    name_cursor = body_json(api.get(f"/api/staff/teams/{world.team_x}/patients?order=name",
                                    "clinician_x"))["next_cursor"]
    search_cursor = body_json(api.get(f"/api/staff/teams/{world.team_x}/patients?q=smith",
                                      "clinician_x"))["next_cursor"]
    base = f"/api/staff/teams/{world.team_x}/patients"
    for query in ({"order": "oldest"}, {"cursor": "not-a-cursor"}, {"cursor": name_cursor},  # gsi3 cursor for gsi7
                  {"q": "jones", "cursor": search_cursor}):  # another search's cursor
        response = api.get(f"{base}?{_qs(query)}", "clinician_x")
        assert response.status_code == 400, query
        assert body_json(response)["error"]["field"] in ("order", "cursor"), query
    page = api.get(f"/staff/teams/{world.team_x}/patients?cursor=nonsense", "clinician_x")
    assert page.status_code == 400 and error_summary(page) == "That page link is not valid."
    assert 'href="#maincontent"' in page_text(page)
    other_team = api.get(f"/api/staff/teams/{world.team_y}/patients?{_qs({'order': 'name', 'cursor': name_cursor})}",
                         "clinician_y")
    assert other_team.status_code == 400


# --- cost ---------------------------------------------------------------------------------------------------


def test_each_page_and_search_is_the_session_batch_get_and_one_query_reading_only_what_it_shows(api, world):
    _many(world, 60)
    api.persona("clinician_x")  # signing in is arrangement
    base = f"/api/staff/teams/{world.team_x}/patients"
    for query in ({}, {"order": "name"}, {"q": "many"}, {"q": "15/6/2010"}):
        with observe_calls() as counter, _items_read() as read:
            response = api.get(f"{base}?{_qs(query)}", "clinician_x")
        assert response.status_code == 200
        assert len(body_json(response)["patients"]) == 20
        assert counter.calls == ["BatchGetItem", "Query"], query
        assert read == [21], query  # the page and one more: whatever the size of the team
    with observe_calls() as counter:
        assert api.get(f"/staff/teams/{world.team_x}/patients", "clinician_x").status_code == 200
    assert counter.calls == ["BatchGetItem", "Query"]


def test_an_nhs_number_search_costs_the_same_whether_or_not_the_number_is_registered(api, world):
    _invite(world, "Rosa", "R", "2009-04-01", nhs=NHS_C)
    api.persona("clinician_x")
    costs = []
    for number in (NHS_C, UNREGISTERED_NHS):
        with observe_calls() as counter:
            api.get(f"/api/staff/teams/{world.team_x}/patients?q={number}", "clinician_x")
        costs.append(counter.calls)
    assert costs[0] == costs[1] == ["BatchGetItem", "GetItem", "BatchGetItem"]


# --- the conversation's header -------------------------------------------------------------------------------


def test_the_conversation_page_shows_the_patients_date_of_birth_and_nhs_number(api, world):
    patient_id = _join(_invite(world, "Jo", "Joined", "2009-04-01", nhs=NHS_A), "2009-04-01", "jo.joined")

    html = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{patient_id}", "clinician_x"))
    header = html[html.index("<h1"):html.index("data-messages")]

    assert "Jo Joined" in header and "1 April 2009" in header and "943 476 5919" in header
    other = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_b']}", "clinician_x"))
    assert "12 September 2008" in other and "NHS number: <strong>not recorded" in other
