"""Inviting a young person at clinic, and them joining on their phone: codes, birthdays, agreement.

An invite for someone already registered, and account recovery, are in test_account_takeover.py.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from chalicelib.ids import normalise_invite_code, token_hash
from chalicelib.models import keys
from chalicelib.models.invite import InviteItem
from chalicelib.models.people import PatientItem
from scripts.world import NOW
from tests.support import storage
from tests.support.http import body_json, error_summary, page_text

VALID_NHS = "9434765919"  # a valid check digit
INVALID_NHS = "9434765918"
DOB = "2010-03-27"
DOB_BOXES = {"dob_day": "27", "dob_month": "3", "dob_year": "2010"}
NEW_PASSWORD = "purple giraffe tea"


def _invite(api, world, *, as_="clinician_x", team=None, given="Zoe", family="Young", dob=DOB, nhs=None):
    body = {"given_name": given, "family_name": family, "date_of_birth": dob}
    if nhs is not None:
        body["nhs_number"] = nhs
    return api.post(f"/api/staff/teams/{team or world.team_x}/invites", as_, json_body=body)


def _code(api, world, **kwargs) -> str:
    response = _invite(api, world, **kwargs)
    assert response.status_code == 201, response.body
    return body_json(response)["code"]


def _check(browser, code, **dob):
    browser.get(f"/join?code={code}")
    return browser.post("/join", {"code": code, **(dob or DOB_BOXES)})


def _accept(browser, code, *, username="zoe.y", password=NEW_PASSWORD, confirm=None, agreement="yes", dob=None):
    form = {"code": code, **(dob or DOB_BOXES), "username": username, "password": password,
            "confirm_password": password if confirm is None else confirm}
    if agreement:
        form["agreement"] = agreement
    return browser.post("/join/account", form)


def _patient(patient_id) -> PatientItem:
    return storage.patient(patient_id)


def _invite_item(code) -> InviteItem:
    return storage.invite(code)


# --- inviting ---------------------------------------------------------------------------------------------


def test_clinician_invites_a_patient_and_sees_the_code_and_a_qr_code(api, world):
    response = api.post(f"/staff/teams/{world.team_x}/invites", "clinician_x",
                        form={"given_name": "Zoe", "family_name": "Young", "dob_day": "27", "dob_month": "3",
                              "dob_year": "2010", "nhs_number": VALID_NHS})
    assert response.status_code == 200
    html = page_text(response)
    code = re.search(r"data-invite-code>([A-Z0-9-]+)<", html).group(1)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", code)
    figure = html[html.index('class="tl-invite__qr"'):]
    assert "<svg" in figure[:300] and "</svg>" in figure
    assert "teamline.test/join" in html
    invite = _invite_item(code)
    assert invite.team_id == world.team_x and invite.created_by == world.staff["clinician_x"]
    assert invite.valid_until == NOW + timedelta(days=7)
    assert _patient(invite.patient_id).status == "invited"


def test_an_invite_is_audited_with_the_team_and_patient(api, world):
    code = body_json(_invite(api, world))["code"]
    patient_id = _invite_item(code).patient_id
    events = [e for e in storage.audit_about_patient(patient_id) if e.event_type == "patient.invited"]
    assert len(events) == 1
    assert events[0].team_id == world.team_x and events[0].actor_id == world.staff["clinician_x"]


def test_an_nhs_number_with_a_wrong_check_digit_is_refused_and_nothing_is_created(api, world):
    before = storage.items_in_team(world.team_x)
    response = _invite(api, world, nhs=INVALID_NHS)
    assert response.status_code == 400
    assert body_json(response)["error"]["field"] == "nhs_number"
    assert storage.nhs_number_owner(world.trust_id, INVALID_NHS) is None
    assert storage.items_in_team(world.team_x) == before


def test_an_nhs_number_may_be_typed_with_spaces(api, world):
    response = _invite(api, world, nhs="943 476 5919")
    assert response.status_code == 201
    assert _patient(_invite_item(body_json(response)["code"]).patient_id).nhs_number == VALID_NHS


def test_invite_details_are_checked_and_the_bad_field_is_named(api, world):
    for field, overrides in (
        ("given_name", {"given": ""}),
        ("family_name", {"family": "<b>Young</b>"}),
        ("date_of_birth", {"dob": "2010-02-30"}),
        ("date_of_birth", {"dob": "2026-12-25"}),  # in the future
        ("date_of_birth", {"dob": "1980-01-01"}),  # Teamline is for young people
    ):
        response = _invite(api, world, **overrides)
        assert response.status_code == 400, overrides
        assert body_json(response)["error"]["field"] == field, overrides


def test_an_nhs_number_registered_with_another_birthday_gets_an_ordinary_code_that_leads_nowhere(api, world,
                                                                                                new_browser):
    """Nothing tells a clinician that an NHS number is registered; the young person cannot join with a wrong birthday."""
    first = _invite(api, world, nhs=VALID_NHS)
    clash = _invite(api, world, nhs=VALID_NHS, dob="2011-05-05")
    assert clash.status_code == first.status_code == 201
    assert set(body_json(clash)) == set(body_json(first)) == {"code", "expires_at"}
    code = body_json(clash)["code"]
    for dob in ({"dob_day": "5", "dob_month": "5", "dob_year": "2011"}, DOB_BOXES):  # typed, and the real one
        page = _check(new_browser(), code, **dob)
        assert page.status_code == 400 and "does not match" in error_summary(page)


def test_inviting_the_same_nhs_number_and_birthday_again_reuses_the_patient(api, world):
    first = body_json(_invite(api, world, nhs=VALID_NHS))
    again = body_json(_invite(api, world, nhs=VALID_NHS, given="Zoë"))
    assert _invite_item(again["code"]).patient_id == _invite_item(first["code"]).patient_id
    assert first["code"] != again["code"]


def test_a_clinician_cannot_recover_the_account_of_a_patient_of_another_team(api, world):
    before = len(_all_invites())
    own_team = api.post(f"/staff/teams/{world.team_y}/patients/{world.patients['patient_a']}/recovery", "clinician_y")
    assert own_team.status_code == 404
    other_team = api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/recovery", "clinician_y")
    assert other_team.status_code == 404
    assert len(_all_invites()) == before


def _all_invites() -> list[InviteItem]:
    return storage.invites()


def test_invite_codes_are_never_stored_in_clear(api, world):
    page = api.post(f"/staff/teams/{world.team_x}/invites", "clinician_x",
                    form={"given_name": "Zoe", "family_name": "Young", "dob_day": "27", "dob_month": "3",
                          "dob_year": "2010"})
    codes = [re.search(r"data-invite-code>([A-Z0-9-]+)<", page_text(page)).group(1), _code(api, world, given="Yan")]
    dumped = storage.everything_stored()
    for code in codes:
        assert code not in dumped
        assert normalise_invite_code(code) not in dumped
        assert _invite_item(code).key == keys.invite(token_hash(normalise_invite_code(code)))


# --- joining --------------------------------------------------------------------------------------------


def test_patient_joins_with_code_and_birthday_and_lands_on_their_teams_signed_in(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    form = browser.get(f"/join?code={code}")
    assert f'value="{code}"' in page_text(form)
    checked = browser.post("/join", {"code": code, **DOB_BOXES})
    assert checked.status_code == 200
    assert "Hi Zoe" in page_text(checked) and "not for emergencies" in page_text(checked).lower()
    joined = _accept(browser, code)
    assert joined.status_code == 303
    assert joined.headers["Location"] == "/p?welcome=1"
    assert browser.session_cookie
    home = browser.get("/p?welcome=1")
    assert home.status_code == 200 and "Team X Diabetes" in page_text(home)
    patient = _patient(_invite_item(code).patient_id)
    assert patient.status == "active" and patient.username == "zoe.y" and patient.agreement_accepted_at == NOW
    sent = browser.post(f"/api/patient/teams/{world.team_x}/messages",
                        json_body={"client_id": str(uuid.uuid4()), "body": "Hello, it's Zoe"})
    assert sent.status_code == 201
    inbox = body_json(api.get(f"/api/staff/teams/{world.team_x}/inbox", "clinician_x"))["conversations"]
    assert inbox[0]["patient_id"] == patient.patient_id and inbox[0]["waiting"] is True
    accepted = [e for e in storage.audit_about_patient(patient.patient_id) if e.event_type == "invite.accepted"]
    assert len(accepted) == 1


def test_a_code_typed_in_lower_case_with_spaces_works(api, world, new_browser):
    code = _code(api, world)
    typed = " ".join(normalise_invite_code(code).lower()[i:i + 3] for i in range(0, 10, 3))
    assert _check(new_browser(), typed).status_code == 200


def test_the_joined_patient_signs_in_later_with_their_username_and_password(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    _check(browser, code)
    _accept(browser, code, username="Zoe.Y")
    later = new_browser()
    assert later.patient_sign_in("zoe.y", NEW_PASSWORD).status_code == 303


def test_an_invite_code_works_only_once(api, world, new_browser):
    code = _code(api, world)
    first = new_browser()
    _check(first, code)
    assert _accept(first, code).status_code == 303
    second = new_browser()
    again = _check(second, code)
    assert again.status_code == 410
    assert "already been used" in error_summary(again)
    assert second.session_cookie is None


def test_an_invite_code_lasts_7_days(api, world, new_browser, pinned_clock):
    code = _code(api, world)
    pinned_clock.set(NOW + timedelta(days=7) - timedelta(seconds=1))
    assert _check(new_browser(), code).status_code == 200
    pinned_clock.set(NOW + timedelta(days=7))
    expired = _check(new_browser(), code)
    assert expired.status_code == 410
    assert "expired" in error_summary(expired)


def test_a_wrong_code_gets_a_clear_message(api, world, new_browser):
    _code(api, world)
    wrong = _check(new_browser(), "ABCD-EFGH-JK")
    assert wrong.status_code == 404
    assert "code is not right" in error_summary(wrong)
    short = _check(new_browser(), "ABC")
    assert short.status_code == 400
    assert "has 10 letters and numbers" in error_summary(short)


def test_a_wrong_birthday_gets_a_clear_message_and_is_counted_against_the_code(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    for day in ("1", "2", "3", "4", "5"):
        wrong = _check(browser, code, dob_day=day, dob_month="3", dob_year="2010")
        assert wrong.status_code == 400
        assert "date of birth does not match" in error_summary(wrong)
    sixth = _check(new_browser(), code)  # even the right birthday, from anywhere
    assert sixth.status_code == 429
    assert int(sixth.headers["Retry-After"]) > 0
    assert _invite_item(code).used_at is None


def test_a_patient_who_mistyped_their_birthday_a_few_times_can_still_finish_joining(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    for day in ("1", "2", "3", "4"):
        assert _check(browser, code, dob_day=day, dob_month="3", dob_year="2010").status_code == 400
    assert _check(browser, code).status_code == 200
    assert _accept(browser, code).status_code == 303


def test_guessing_codes_from_one_address_is_limited(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    for _ in range(20):
        assert _check(browser, "ZZZZ-ZZZZ-ZZ").status_code == 404
    blocked = _check(browser, code)
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_joining_needs_the_agreement_box_ticked_and_changes_nothing_without_it(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    _check(browser, code)
    response = _accept(browser, code, agreement=None)
    assert response.status_code == 400
    assert "tick the box" in error_summary(response).lower()
    assert browser.session_cookie is None
    invite = _invite_item(code)
    assert invite.used_at is None and _patient(invite.patient_id).status == "invited"


def test_a_username_must_follow_the_rules(api, world, new_browser):
    for username in ("ab", "-zoe", "zoe young", "zoë", "z" * 31):
        code = _code(api, world)  # a fresh code each time: every check counts against a code's attempts
        browser = new_browser()
        _check(browser, code)
        response = _accept(browser, code, username=username)
        assert response.status_code == 400, username
        assert "username" in error_summary(response), username
        assert _invite_item(code).used_at is None


def test_a_taken_username_is_refused_clearly_and_nothing_changes(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    _check(browser, code)
    response = _accept(browser, code, username="PatientA")
    assert response.status_code == 409
    assert error_summary(response) == "That username is taken. Try another."
    assert browser.session_cookie is None
    invite = _invite_item(code)
    patient = _patient(invite.patient_id)
    assert invite.used_at is None
    assert patient.status == "invited" and patient.username is None and patient.password_hash is None
    assert storage.username_owner("patienta") == world.patients["patient_a"]
    assert storage.items_in_conversation(world.team_x, patient.patient_id) == 0
    # and the patient can carry on with another name
    assert _accept(browser, code, username="zoe.y").status_code == 303


def test_a_password_must_be_long_enough_and_typed_twice_the_same(api, world, new_browser):
    for password, confirm, message in (
        ("short pw", None, "at least 10 characters"),
        ("password123", None, "too easy to guess"),
        (NEW_PASSWORD, "purple giraffe coffee", "not the same"),
    ):
        code = _code(api, world)
        browser = new_browser()
        _check(browser, code)
        response = _accept(browser, code, password=password, confirm=confirm)
        assert response.status_code == 400, password
        assert message in error_summary(response), password
        assert _invite_item(code).used_at is None
        assert browser.session_cookie is None
