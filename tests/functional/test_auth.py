"""Signing in and out through the real forms: cookies, lifetimes, rate limits, audit and forged cookies."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest

from chalicelib.auth import ratelimit
from chalicelib.ids import token_hash
from chalicelib.models.ratelimit import RateCounterItem
from scripts.world import NOW, PASSWORD, give_password
from tests.support import storage
from tests.support.http import SESSION_COOKIE, body_json, error_summary, page_text, set_cookies

ADMIN_EMAIL = "admin@test.nhs.uk"  # bootstrapped with a chosen password: no change required at sign-in
LOCAL_ADDRESS = "127.0.0.1"  # chalice's test gateway reports every request from here


def _token(cookie_value: str) -> str:
    return cookie_value.split(".", 2)[2]


def _events_by_patient(patient_id: str) -> list[str]:
    return [e.event_type for e in storage.audit_by_patient(patient_id)]


def _events_by_staff(staff_id: str) -> list[str]:
    return [e.event_type for e in storage.audit_by_staff(staff_id)]


def use_up(limit: ratelimit.Limit, subject: str, now) -> None:
    """Arrange: ``subject`` has used all of ``limit`` in the current window (one real hit, then the count raised)."""
    ratelimit.hit(now, (limit, subject))
    [counter] = storage.rate_counters(limit.scope, subject)
    counter.update(actions=[RateCounterItem.attempts.set(limit.limit)])


def _me(browser) -> int:
    return browser.get("/api/me").status_code


# --- signing in ------------------------------------------------------------------------------------------


def test_staff_member_signs_in_with_email_and_password_and_lands_on_staff_home(new_browser, world):
    browser = new_browser()
    response = browser.staff_sign_in(ADMIN_EMAIL, PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff"
    me = browser.get("/api/me")
    assert me.status_code == 200
    assert body_json(me)["kind"] == "staff" and body_json(me)["id"] == world.staff["admin"]


def test_staff_email_is_matched_without_regard_to_case_or_spaces(new_browser, world):
    browser = new_browser()
    assert browser.staff_sign_in("  Admin@Test.NHS.uk ", PASSWORD).headers["Location"] == "/staff"


def test_patient_signs_in_with_username_and_lands_on_their_teams(new_browser, world):
    browser = new_browser()
    response = browser.patient_sign_in(world.usernames["patient_a"], PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/p"
    assert body_json(browser.get("/api/me"))["id"] == world.patients["patient_a"]
    assert browser.get("/p").status_code == 200


def test_sign_in_goes_on_to_a_same_site_next_page_but_never_off_site(new_browser, world):
    browser = new_browser()
    browser.get("/sign-in?next=/p/account")
    ok = browser.post("/sign-in", {"username": "patienta", "password": PASSWORD, "next": "/p/account"})
    assert ok.headers["Location"] == "/p/account"
    for hostile in ("//evil.example/p", "https://evil.example/", "/\\evil.example", "/\t/evil.example",
                    "/\n/evil.example", "/\r\n/evil.example", "/\u3000/evil.example"):
        other = new_browser()
        other.get("/sign-in")
        response = other.post("/sign-in", {"username": "patienta", "password": PASSWORD, "next": hostile})
        assert response.headers["Location"] == "/p", hostile


@pytest.mark.parametrize("kind", ["staff", "patient"])
def test_wrong_password_and_unknown_account_get_the_same_message_and_status(new_browser, world, kind):
    if kind == "staff":
        path, field, known = "/staff/sign-in", "email", ADMIN_EMAIL
        unknown = "nobody@test.nhs.uk"
    else:
        path, field, known = "/sign-in", "username", "patienta"
        unknown = "nobody"
    results = []
    for account in (known, unknown):
        browser = new_browser()
        browser.get(path)
        response = browser.post(path, {field: account, "password": "not the password at all"})
        assert browser.session_cookie is None
        results.append((response.status_code, error_summary(response)))
    assert results[0][0] == 401
    assert results[0] == results[1]
    assert results[0][1] is not None and "is not right" in results[0][1]


def test_a_new_session_token_is_issued_at_each_sign_in(new_browser, world):
    tokens = set()
    for _ in range(3):
        browser = new_browser()
        browser.patient_sign_in("patienta", PASSWORD)
        tokens.add(_token(browser.session_cookie))
    assert len(tokens) == 3
    assert len(storage.sessions_of(world.patients["patient_a"])) >= 3


def test_a_browser_that_signs_in_again_gets_a_different_token(new_browser, world):
    browser = new_browser()
    browser.patient_sign_in("patienta", PASSWORD)
    first = browser.session_cookie
    browser.patient_sign_in("patienta", PASSWORD)
    assert browser.session_cookie != first


def test_the_session_cookie_is_host_prefixed_secure_httponly_lax_and_site_wide(new_browser, world):
    browser = new_browser()
    browser.get("/staff/sign-in")
    response = browser.post("/staff/sign-in", {"email": ADMIN_EMAIL, "password": PASSWORD})
    cookie = set_cookies(response)[SESSION_COOKIE]
    assert cookie.name.startswith("__Host-")
    assert cookie.attributes.get("secure") is True
    assert cookie.attributes.get("httponly") is True
    assert str(cookie.attributes.get("samesite")).lower() == "lax"
    assert cookie.attributes.get("path") == "/"
    assert "domain" not in cookie.attributes  # __Host- cookies must not name a domain
    assert int(cookie.attributes["max-age"]) == 12 * 3600


def test_a_patient_cookie_lasts_for_the_patients_absolute_lifetime(new_browser, world):
    browser = new_browser()
    browser.get("/sign-in")
    response = browser.post("/sign-in", {"username": "patienta", "password": PASSWORD})
    assert int(set_cookies(response)[SESSION_COOKIE].attributes["max-age"]) == 90 * 24 * 3600


def test_the_pre_session_form_cookie_is_host_prefixed_and_httponly(app_client):
    response = app_client.http.get("/sign-in", headers={"host": "teamline.test"})
    cookie = set_cookies(response)["__Host-teamline_csrf"]
    assert cookie.attributes.get("secure") is True and cookie.attributes.get("httponly") is True
    assert cookie.attributes.get("path") == "/" and str(cookie.attributes.get("samesite")).lower() == "lax"
    assert f'name="csrf_token" value="{cookie.value}"' in page_text(response)


def test_the_session_token_has_at_least_128_bits(new_browser, world):
    browser = new_browser()
    browser.patient_sign_in("patienta", PASSWORD)
    token = _token(browser.session_cookie)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 128


def test_the_database_stores_only_a_hash_of_the_session_token(new_browser, world):
    browser = new_browser()
    browser.patient_sign_in("patienta", PASSWORD)
    token = _token(browser.session_cookie)
    assert token not in storage.everything_stored()
    assert storage.session(token_hash(token)).actor_id == world.patients["patient_a"]


def test_sign_in_forms_refuse_a_post_without_the_matching_form_cookie(app_client, new_browser, world):
    no_cookie = app_client.http.post(
        "/sign-in", headers={"host": "teamline.test", "content-type": "application/x-www-form-urlencoded"},
        body=b"username=patienta&password=correct+horse+battery&csrf_token=" + b"x" * 43)
    assert no_cookie.status_code == 403
    assert SESSION_COOKIE not in set_cookies(no_cookie)
    browser = new_browser()
    browser.get("/sign-in")
    mismatched = browser.post("/sign-in", {"username": "patienta", "password": PASSWORD, "csrf_token": "y" * 43})
    assert mismatched.status_code == 403
    assert browser.session_cookie is None


def test_a_sign_in_posted_from_another_site_is_refused(new_browser, world):
    browser = new_browser()
    browser.get("/sign-in")
    response = browser.post("/sign-in", {"username": "patienta", "password": PASSWORD},
                            headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert browser.session_cookie is None


def test_signed_in_forms_need_the_sessions_own_anti_forgery_token(new_browser, world):
    browser = new_browser()
    browser.patient_sign_in("patienta", PASSWORD)
    form_token = browser.jar["__Host-teamline_csrf"]  # the pre-session token is not the session's
    live = len(storage.sessions_of(world.patients["patient_a"]))
    for token in (None, form_token, "x" * 43):
        fields = {} if token is None else {"csrf_token": token}
        response = browser.post("/p/account/sign-out-everywhere", fields, csrf=False)
        assert response.status_code == 403, token
    assert _me(browser) == 200
    assert len(storage.sessions_of(world.patients["patient_a"])) == live


# --- lifetimes -------------------------------------------------------------------------------------------


def test_staff_session_survives_just_under_30_minutes_idle_and_ends_at_30(new_browser, world, pinned_clock):
    early, late = new_browser(), new_browser()
    early.staff_sign_in(ADMIN_EMAIL, PASSWORD)
    late.staff_sign_in(ADMIN_EMAIL, PASSWORD)
    pinned_clock.set(NOW + timedelta(minutes=29, seconds=59))
    assert _me(early) == 200
    pinned_clock.set(NOW + timedelta(minutes=30))
    assert _me(late) == 401


def test_an_idle_staff_session_sends_the_page_to_staff_sign_in_and_clears_the_cookie(new_browser, world, pinned_clock):
    browser = new_browser()
    browser.staff_sign_in(ADMIN_EMAIL, PASSWORD)
    pinned_clock.set(NOW + timedelta(minutes=31))
    response = browser.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/sign-in?next=/admin"
    assert set_cookies(response)[SESSION_COOKIE].attributes.get("max-age") == "0"


def test_staff_session_ends_after_12_hours_even_when_in_constant_use(new_browser, world, pinned_clock):
    browser = new_browser()
    give_password(world, "clinician_x")
    browser.staff_sign_in("clinician_x@test.nhs.uk", PASSWORD)
    thread = f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages"
    at = NOW
    while at < NOW + timedelta(hours=12) - timedelta(minutes=20):
        at += timedelta(minutes=20)
        pinned_clock.set(at)
        assert browser.get(thread).status_code == 200, at
    pinned_clock.set(NOW + timedelta(hours=11, minutes=59, seconds=59))
    assert _me(browser) == 200
    pinned_clock.set(NOW + timedelta(hours=12))
    assert _me(browser) == 401


def test_patient_session_survives_29_days_idle_and_ends_at_30(new_browser, world, pinned_clock):
    early, late = new_browser(), new_browser()
    early.patient_sign_in("patienta", PASSWORD)
    late.patient_sign_in("patienta", PASSWORD)
    pinned_clock.set(NOW + timedelta(days=29, hours=23))
    assert _me(early) == 200
    pinned_clock.set(NOW + timedelta(days=30))
    assert _me(late) == 401


def test_last_seen_is_refreshed_at_most_every_5_minutes(new_browser, world, pinned_clock):
    browser = new_browser()
    browser.patient_sign_in("patienta", PASSWORD)
    hashed = token_hash(_token(browser.session_cookie))
    send = f"/api/patient/teams/{world.team_x}/messages"
    pinned_clock.set(NOW + timedelta(minutes=4, seconds=59))
    assert browser.post(send, json_body={"client_id": str(uuid.uuid4()), "body": "one"}).status_code == 201
    assert storage.session(hashed).last_seen_at == NOW
    pinned_clock.set(NOW + timedelta(minutes=5))
    assert browser.post(send, json_body={"client_id": str(uuid.uuid4()), "body": "two"}).status_code == 201
    touched = storage.session(hashed)
    assert touched.last_seen_at == NOW + timedelta(minutes=5)
    assert touched.expires_at == NOW + timedelta(minutes=5) + timedelta(days=30)


def test_a_staff_member_reading_the_inbox_stays_signed_in(new_browser, world, pinned_clock):
    browser = new_browser()
    give_password(world, "clinician_x")
    browser.staff_sign_in("clinician_x@test.nhs.uk", PASSWORD)
    inbox = f"/staff/teams/{world.team_x}"
    for minutes in (20, 40, 60):  # never 30 minutes without a request
        pinned_clock.set(NOW + timedelta(minutes=minutes))
        assert browser.get(inbox).status_code == 200, minutes


def test_a_patient_reading_their_conversation_keeps_their_session_alive(new_browser, world, pinned_clock):
    browser = new_browser()
    browser.patient_sign_in("patienta", PASSWORD)
    for days in (20, 40):
        pinned_clock.set(NOW + timedelta(days=days))
        assert browser.get(f"/p/teams/{world.team_x}").status_code == 200, days


# --- signing out -----------------------------------------------------------------------------------------


def test_sign_out_ends_the_session_and_the_old_cookie_no_longer_works(new_browser, app_client, world):
    browser = new_browser()
    browser.patient_sign_in("patienta", PASSWORD)
    old_cookie = browser.session_cookie
    response = browser.post("/sign-out")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?signed_out=1"
    assert set_cookies(response)[SESSION_COOKIE].attributes.get("max-age") == "0"
    assert storage.session(token_hash(_token(old_cookie))) is None
    replay = {"host": "teamline.test", "cookie": f"{SESSION_COOKIE}={old_cookie}"}
    assert app_client.http.get("/api/me", headers=replay).status_code == 401
    page = app_client.http.get("/p", headers=replay)
    assert page.status_code == 302 and page.headers["Location"].startswith("/sign-in")
    assert "session.signed_out" in _events_by_patient(world.patients["patient_a"])


def test_staff_sign_out_returns_to_the_staff_sign_in_page(new_browser, world):
    browser = new_browser()
    browser.staff_sign_in(ADMIN_EMAIL, PASSWORD)
    assert browser.post("/sign-out").headers["Location"] == "/staff/sign-in?signed_out=1"
    assert _me(browser) == 401


def test_sign_out_of_all_devices_ends_every_session_of_that_patient_only(new_browser, api, world):
    phone, tablet, here = new_browser(), new_browser(), new_browser()
    for browser in (phone, tablet, here):
        browser.patient_sign_in("patienta", PASSWORD)
    other_patient = new_browser()
    other_patient.patient_sign_in("patientb", PASSWORD)
    here.get("/p/account")
    response = here.post("/p/account/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in?signed_out=all"
    assert [_me(b) for b in (phone, tablet, here)] == [401, 401, 401]
    assert storage.sessions_of(world.patients["patient_a"]) == []
    assert _me(other_patient) == 200
    assert "session.signed_out_everywhere" in _events_by_patient(world.patients["patient_a"])


# --- rate limits -----------------------------------------------------------------------------------------


def test_staff_sign_in_is_limited_per_account_too(new_browser, world):
    browser = new_browser()
    browser.get("/staff/sign-in")
    for _ in range(10):
        browser.post("/staff/sign-in", {"email": ADMIN_EMAIL, "password": "wrong password"})
    blocked = browser.post("/staff/sign-in", {"email": ADMIN_EMAIL, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


# --- audit -----------------------------------------------------------------------------------------------


def test_sign_in_success_and_failure_are_audited(new_browser, world):
    browser = new_browser()
    browser.get("/staff/sign-in")
    browser.post("/staff/sign-in", {"email": ADMIN_EMAIL, "password": "not my password"})
    browser.post("/staff/sign-in", {"email": ADMIN_EMAIL, "password": PASSWORD})
    events = _events_by_staff(world.staff["admin"])
    assert "staff.sign_in_failed" in events and "staff.signed_in" in events
    patient = new_browser()
    patient.get("/sign-in")
    patient.post("/sign-in", {"username": "patientb", "password": "not my password"})
    patient.post("/sign-in", {"username": "patientb", "password": PASSWORD})
    events = _events_by_patient(world.patients["patient_b"])
    assert "patient.sign_in_failed" in events and "patient.signed_in" in events


# --- forged and malformed cookies ------------------------------------------------------------------------


def test_a_cookie_claiming_another_patient_with_a_real_token_is_rejected(app_client, api, world):
    real = api.persona("patient_a").cookie
    token = _token(real)
    forged = f"patient.{world.patients['patient_b']}.{token}"
    headers = {"host": "teamline.test", "cookie": f"{SESSION_COOKIE}={forged}"}
    assert app_client.http.get("/api/me", headers=headers).status_code == 401
    assert app_client.http.get(f"/api/patient/teams/{world.team_x}/messages", headers=headers).status_code == 401
    as_staff = {"host": "teamline.test", "cookie": f"{SESSION_COOKIE}=staff.{world.staff['admin']}.{token}"}
    assert app_client.http.get("/api/me", headers=as_staff).status_code == 401
    assert app_client.http.get("/admin", headers=as_staff).status_code == 302


@pytest.mark.parametrize("value", [
    "garbage", "patient..", "patient.abc", "robot.abc.0123456789012345678901", "patient.a-b.0123456789012345678901",
    "patient.abc.short", "patient.abc." + "x" * 300, '"patient.abc.0123456789012345678901',
])
def test_malformed_session_cookies_count_as_signed_out(app_client, value):
    headers = {"host": "teamline.test", "cookie": f"{SESSION_COOKIE}={value}"}
    response = app_client.http.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert body_json(response)["error"]["code"] == "not_signed_in"


def test_a_well_formed_cookie_with_an_unknown_token_is_refused_and_cleared(app_client, world):
    headers = {"host": "teamline.test",
               "cookie": f"{SESSION_COOKIE}=patient.{world.patients['patient_a']}.{'z' * 43}"}
    response = app_client.http.get("/p", headers=headers)
    assert response.status_code == 302
    assert set_cookies(response)[SESSION_COOKIE].attributes.get("max-age") == "0"
