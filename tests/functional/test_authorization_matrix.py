"""Every route × every persona, against an explicit table of expected statuses (``tests/support/personas.py``).

The table is keyed by (METHOD, path) exactly as Chalice registers the route. A route missing from the
table fails the suite, so a new route cannot ship without someone deciding who may call it.

Path parameters are filled with team X, patient A, clinician X and ``app.css`` (see ``route_path``);
each call gets a fresh session, and POSTs carry the caller's anti-forgery token and a small body
(``route_body``), so what differs between personas is only who they are. Patient B is allowed on
patient routes because they are keyed by the caller's own id; a separate check here proves B only
ever sees B's own thread.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.web.routing import ROUTES, RouteSpec
from scripts.world import send_as_patient
from tests.support.http import app_routes, body_json, page_text
from tests.support.personas import EXPECTED, PERSONAS


def specs() -> dict[tuple[str, str], RouteSpec]:
    """The route registry's record of each (METHOD, path), read after the app has registered its routes."""
    app_routes()  # imports the app
    return {(method, spec.path): spec for spec in ROUTES for method in spec.methods}

#: Patient routes that show one conversation: they must show the caller's own thread and nobody else's.
OWN_THREAD_ROUTES = {("GET", "/p/teams/{team_id}"), ("GET", "/api/patient/teams/{team_id}/messages")}
MARKERS = {"patient_a": "MARKER-AAA only Alice wrote this", "patient_b": "MARKER-BBB only Bob wrote this"}


def test_every_route_has_a_row_in_the_matrix():
    registered = set(app_routes())
    missing = sorted(registered - set(EXPECTED))
    stale = sorted(set(EXPECTED) - registered)
    assert not missing, (
        "These routes have no row in EXPECTED (tests/support/personas.py); "
        f"decide who may call them and add one: {missing}")
    assert not stale, f"These rows in EXPECTED match no route any more; remove them: {stale}"


def test_every_route_goes_through_teamlines_route_wrapper():
    # The wrapper adds security headers, error handling and logging; ROUTES is its record.
    assert sorted(set(app_routes()) - set(specs())) == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_exactly_the_expected_status_on_every_route(route_caller, world, persona):
    column = PERSONAS.index(persona)
    for patient, marker in MARKERS.items():
        send_as_patient(world, patient, marker, route_caller.clock.now())
    wrong = []
    for method, path in sorted(app_routes(), key=lambda route: route[1].endswith(DONE_LAST)):
        if (method, path) not in EXPECTED:
            continue  # reported by test_every_route_has_a_row_in_the_matrix
        response = route_caller.call(method, path, persona)
        expected = EXPECTED[(method, path)][column]
        if response.status_code != expected:
            wrong.append(f"{method} {path}: expected {expected}, got {response.status_code} {response.body[:120]!r}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


#: Routes that end something for good (a discharge, a deactivation): called after the rest, so they do
#: not change what later routes of the same persona find.
DONE_LAST = ("/discharge", "/deactivate", "/safety/end")


def _sign_in_page(path: str) -> str:
    return "/staff/sign-in" if path.startswith(("/staff", "/admin")) else "/sign-in"


def test_anonymous_callers_are_sent_to_the_right_sign_in_page_or_get_401_json(route_caller):
    registry = specs()
    checked = 0
    for method, path in app_routes():
        spec = registry[(method, path)]
        if spec.auth == "public":
            continue
        checked += 1
        response = route_caller.call(method, path, "anonymous")
        assert response.status_code != 200, f"{method} {path} answered an anonymous caller"
        if spec.kind == "api":
            assert response.status_code == 401, (method, path)
            assert body_json(response)["error"]["code"] == "not_signed_in", (method, path)
        else:
            assert response.status_code == (302 if method == "GET" else 303), (method, path)
            location = response.headers["Location"]
            assert location.split("?")[0] == _sign_in_page(path), (method, path, location)
    assert checked >= 40


@pytest.mark.parametrize("patient", ["patient_a", "patient_b"])
def test_a_patient_reading_team_x_sees_only_their_own_thread(route_caller, world, patient):
    for author, marker in MARKERS.items():
        send_as_patient(world, author, marker, route_caller.clock.now())
    other = "patient_b" if patient == "patient_a" else "patient_a"
    for method, path in sorted(OWN_THREAD_ROUTES):
        response = route_caller.call(method, path, patient)
        assert response.status_code == 200
        text = page_text(response)
        assert MARKERS[patient] in text, (patient, path)
        assert MARKERS[other] not in text, (patient, path)


def test_nobody_can_remove_another_persons_notification_device(route_caller, world):
    from tests.support import storage
    from tests.support.http import MATRIX_DEVICE

    route_caller.give_device("patient", world.patients["patient_a"])
    for persona in ("patient_b", "clinician_x", "admin"):
        for path in ("/api/push/subscriptions/{device_id}/delete", "/account/devices/{device_id}/remove"):
            response = route_caller.call("POST", path, persona, own_device=False)
            assert response.status_code == 404, (persona, path)
    assert storage.subscription(world.patients["patient_a"], MATRIX_DEVICE) is not None


# --- people in two teams, people who left, a cover ------------------------------------------------------------


@pytest.fixture
def multi_team_world(world, pinned_clock):
    """The persona world plus: a clinician in X and Y, a patient of X and Y, a clinician removed from X, a cover."""
    from chalicelib.models.people import StaffItem, get_staff
    from chalicelib.models.team import get_team
    from chalicelib.scopes import StaffTeam
    from chalicelib.services import accounts, invites, team_settings
    from scripts.demo_data import actor_for
    from scripts.world import PASSWORD

    now = pinned_clock.now()
    admin = actor_for(get_staff(world.staff["admin"]), now)
    for persona, roles in (("clinician_xy", {world.team_x: "clinician", world.team_y: "clinician"}),
                           ("removed_x", {world.team_x: "clinician"}),
                           ("cover_x", {world.team_x: "clinician"})):
        created = accounts.do_create_staff(now, admin, email=f"{persona}@test.nhs.uk", given_name=persona.title(),
                                           family_name="Multi", job_title="Nurse", team_roles=roles)
        created.staff.update(actions=[StaffItem.must_change_password.set(False)])
        world.staff[persona] = created.staff.staff_id
    accounts.do_set_team_role(now, admin, world.staff["removed_x"], team_id=world.team_x, role=None)
    lead = actor_for(get_staff(world.staff["lead_x"]), now)
    team_x, team_y = get_team(world.team_x), get_team(world.team_y)
    team_settings.do_set_away(now, StaffTeam(lead, team_x, "lead", {}), staff_id=world.staff["lead_x"],
                              start=now, end=now + timedelta(days=5), cover_id=world.staff["cover_x"])
    # Patient XY: joins team X, then adds team Y by signing in as themselves.
    for index, team in enumerate((team_x, team_y)):
        staff = actor_for(get_staff(world.staff["lead_x" if index == 0 else "clinician_y"]), now)
        result = invites.do_invite_patient(StaffTeam(staff, team, "lead", {}), now, given_name="Pat",
                                           family_name="Both", date_of_birth="2010-01-01", nhs_number="4010232137")
        checked = invites.check_invite(now, code=result.code, date_of_birth="2010-01-01", address="matrix")
        if index == 0:
            invites.do_accept_invite(now, checked, username="patxy", password=PASSWORD, agreed=True)
        else:
            invites.do_join_signed(now, checked, username="patxy", password=PASSWORD, agreed=True, address="matrix")
        world.patients["patient_xy"] = result.patient_id
    return world


@pytest.mark.parametrize("persona", ["clinician_xy", "patient_xy", "removed_x", "cover_x"])
def test_people_in_two_teams_who_left_or_cover_get_exactly_what_their_situation_allows(route_caller,
                                                                                     multi_team_world, persona):
    from tests.support.personas import multi_team_expected

    for patient, marker in MARKERS.items():
        send_as_patient(multi_team_world, patient, marker, route_caller.clock.now())
    wrong = []
    for method, path in sorted(app_routes(), key=lambda route: route[1].endswith(DONE_LAST)):
        if (method, path) not in EXPECTED:
            continue
        response = route_caller.call(method, path, persona)
        expected = multi_team_expected(persona, (method, path))
        if response.status_code != expected:
            wrong.append(f"{method} {path}: expected {expected}, got {response.status_code} {response.body[:120]!r}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)
