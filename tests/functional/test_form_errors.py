"""Forms follow the NHS.UK error pattern: every mistake at once, each linked to its field, values kept.

Issue: the patient's phone, point 4. A form with three mistakes used to show one at a time and untick
the agreement box; an empty send showed nothing. Now a summary lists every problem the form can find
without asking the database, each field says its own, what was typed (and ticked) is still there, and
nothing is stored or counted. The JSON API's error keeps ``code``/``message``/``field`` (the first
problem) and adds ``errors`` with all of them.
"""

from __future__ import annotations

from chalicelib.errors import Checks, ValidationError, ValidationErrors
from tests.support import storage
from tests.support.http import body_json, error_summary_links, field_errors, page_text

DOB_BOXES = {"dob_day": "27", "dob_month": "3", "dob_year": "2010"}


def _code(api, world) -> str:
    response = api.post(f"/api/staff/teams/{world.team_x}/invites", "clinician_x", json_body={
        "given_name": "Zoe", "family_name": "Young", "date_of_birth": "2010-03-27"})
    return str(body_json(response)["code"])


def _checked(browser, code):
    browser.get("/join")
    assert browser.post("/join", {"code": code, **DOB_BOXES}).status_code == 200


def test_the_code_page_lists_both_mistakes_and_keeps_what_was_typed(new_browser):
    browser = new_browser()
    browser.get("/join")
    page = browser.post("/join", {"code": "k7qm", "dob_day": "31", "dob_month": "2", "dob_year": "2010"})
    assert page.status_code == 400
    assert [href for href, _ in error_summary_links(page)] == ["#code", "#date_of_birth"]
    assert set(field_errors(page)) == {"code", "dob"}  # the date's message belongs to its fieldset
    text = page_text(page)
    assert 'value="k7qm"' in text and 'value="31"' in text
    assert "<title>Error: " in text


def test_a_new_account_with_four_mistakes_lists_them_all_and_stores_nothing(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    _checked(browser, code)
    page = browser.post("/join/account", {"code": code, **DOB_BOXES, "username": "zo", "password": "short",
                                          "confirm_password": "different"})
    assert page.status_code == 400
    items = error_summary_links(page)
    assert [href for href, _ in items] == ["#agreement", "#username", "#password", "#confirm_password"]
    assert set(field_errors(page)) == {"agreement", "username", "password", "confirm_password"}
    assert dict(items)["#password"] == field_errors(page)["password"] == "Your password must be at least 10 characters long."
    assert 'value="zo"' in page_text(page)
    invite = storage.invite(code)
    assert invite.used_at is None and storage.patient(invite.patient_id).username is None
    assert browser.session_cookie is None


def test_the_agreement_stays_ticked_when_something_else_is_wrong(api, world, new_browser):
    code = _code(api, world)
    browser = new_browser()
    _checked(browser, code)
    page = browser.post("/join/account", {"code": code, **DOB_BOXES, "agreement": "yes", "username": "zoe young",
                                          "password": "a long enough phrase", "confirm_password": "a long enough phrase"})
    assert [href for href, _ in error_summary_links(page)] == ["#username"]
    assert 'name="agreement" type="checkbox" value="yes" checked' in page_text(page)
    # ...and is never ticked for someone who did not tick it.
    unticked = browser.post("/join/account", {"code": code, **DOB_BOXES, "username": "zoe young"})
    assert "checked" not in page_text(unticked).split('name="agreement"')[1].split(">")[0]


def test_signing_in_with_empty_boxes_says_what_is_missing_and_counts_nothing(new_browser):
    browser = new_browser()
    browser.get("/sign-in")
    page = browser.post("/sign-in", {"username": " ", "password": ""})
    assert page.status_code == 400
    assert error_summary_links(page) == [("#username", "Enter your username."), ("#password", "Enter your password.")]
    assert storage.rate_counters("signin-address", "127.0.0.1") == []
    wrong = browser.post("/sign-in", {"username": "nobody", "password": "not the password"})
    assert wrong.status_code == 401 and storage.rate_counters("signin-address", "127.0.0.1")  # this one counts


def test_an_existing_account_and_a_new_password_list_every_mistake(api, world, new_browser, pinned_clock):
    patient = world.patients["patient_a"]
    recovery = api.post(f"/staff/teams/{world.team_x}/patients/{patient}/recovery", "clinician_x")
    code = page_text(recovery).split("data-invite-code>")[1].split("<")[0]
    browser = new_browser()
    a_dob = {"dob_day": "1", "dob_month": "4", "dob_year": "2009"}
    browser.get("/join")
    assert browser.post("/join", {"code": code, **a_dob}).status_code == 200
    page = browser.post("/join/recover", {"code": code, **a_dob, "password": "password123", "confirm_password": ""})
    assert [href for href, _ in error_summary_links(page)] == ["#password", "#confirm_password"]
    assert storage.invite(code).used_at is None


def test_an_empty_send_without_scripts_says_what_to_do_next_to_the_box(api, world):
    stored = storage.items_in_conversation(world.team_x, world.patients["patient_a"])
    response = api.post(f"/p/teams/{world.team_x}/messages", "patient_a",
                        form={"client_id": "6f1c1f9e-1b6a-4d3b-9a1e-2f4b5c6d7e8f", "body": "   "})
    assert response.status_code == 400
    assert error_summary_links(response) == [("#body", "Write a message before sending.")]
    assert field_errors(response) == {"body": "Write a message before sending."}
    assert 'action="/p/teams/' in page_text(response) and 'messages#compose"' in page_text(response)
    assert storage.items_in_conversation(world.team_x, world.patients["patient_a"]) == stored


def test_the_json_error_keeps_its_shape_and_lists_every_problem(api, world):
    response = api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                        json_body={"client_id": "not-a-uuid", "body": ""})
    assert response.status_code == 400
    error = body_json(response)["error"]
    assert (error["code"], error["field"], error["message"]) == ("invalid_input", "body",
                                                                 "Write a message before sending.")
    assert [e["field"] for e in error["errors"]] == ["body", "client_id"]
    one = api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                   json_body={"client_id": "6f1c1f9e-1b6a-4d3b-9a1e-2f4b5c6d7e8f", "body": ""})
    assert "errors" not in body_json(one)["error"]  # one problem: exactly the shape it always had


def test_checks_raise_nothing_one_error_or_all_of_them():
    checks = Checks()
    assert checks.run(lambda: "fine") == "fine"
    checks.done()
    checks.fail("First.", field="a")
    try:
        checks.done()
    except ValidationErrors:
        raise AssertionError("one problem is a plain ValidationError") from None
    except ValidationError as error:
        assert error.field == "a"
    checks.run(lambda: (_ for _ in ()).throw(ValidationErrors([ValidationError("B.", field="b"),
                                                               ValidationError("C.", field="c")])))
    try:
        checks.done()
    except ValidationErrors as errors:
        assert errors.problems() == [("a", "First."), ("b", "B."), ("c", "C.")]
        assert errors.to_dict()["error"]["field"] == "a"
    else:
        raise AssertionError("three problems were not raised")


# --- copy that misled -------------------------------------------------------------------------------------


def test_signed_in_pages_offer_neither_joining_nor_staff_sign_in(api, world):
    for path, persona in (("/p", "patient_a"), (f"/p/teams/{world.team_x}", "patient_a"), ("/p/account", "patient_a"),
                          (f"/staff/teams/{world.team_x}", "clinician_x")):
        text = page_text(api.get(path, persona))
        assert "Join with a code" not in text and "Staff sign in" not in text, path
    signed_out = page_text(api.get("/sign-in"))
    assert "Join with a code" in signed_out and "Staff sign in" in signed_out


def test_the_sign_in_page_says_any_device_works_and_a_forgotten_password_is_for_the_care_team(api):
    text = page_text(api.get("/sign-in"))
    assert "new phone" not in text.lower()
    assert "You can sign in on any phone, tablet or computer." in text
    assert "Forgotten your password?" in text and "Ask your care team" in text
