"""Sign-in throttling slows an attacker without locking the real person out (issue: hardening, points 5 and 6).

Failures count per account-and-address (with backoff), per account from browsers that never signed in
to it, and per address (generously: a ward's tablets share one). Finding no account costs what
finding one does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.auth import passwords, throttle
from chalicelib.errors import RateLimited, SignInFailed
from chalicelib.models.db import observe_calls
from chalicelib.services import signin
from scripts.world import NOW, PASSWORD
from tests.support.http import set_cookies


def _try(username: str, password: str, address: str, at=NOW, device: str | None = None):
    return signin.do_patient_sign_in(at, username=username, password=password, address=address, device_token=device)


def _fail(username: str, address: str, times: int, at=NOW, step=timedelta(seconds=0), device: str | None = None):
    """Fail ``times`` times, each after the backoff the last one asked for; returns when the next may go."""
    for _ in range(times):
        while True:
            try:
                _try(username, "wrong password!", address, at, device)
            except SignInFailed:
                at += step
                break
            except RateLimited as limited:
                at += timedelta(seconds=limited.retry_after)
    return at


def test_an_attacker_who_fails_from_one_address_is_slowed_with_growing_waits(world):
    at = NOW
    for _ in range(throttle.BACKOFF_AFTER):
        with pytest.raises(SignInFailed):
            _try("patienta", "wrong password!", "203.0.113.9", at)
    waits = []
    for _ in range(4):
        with pytest.raises(RateLimited) as limited:
            _try("patienta", "wrong password!", "203.0.113.9", at)
        waits.append(limited.value.retry_after)
        at += timedelta(seconds=limited.value.retry_after)
        with pytest.raises(SignInFailed):
            _try("patienta", "wrong password!", "203.0.113.9", at)
    assert waits == sorted(waits) and waits[-1] > waits[0]  # each wait at least as long as the last, and growing


def test_the_real_person_signs_in_from_their_own_phone_while_an_attacker_is_locked_out(world):
    attacker = "198.51.100.7"
    at = _fail("patienta", attacker, throttle.PAIR.limit)
    with pytest.raises(RateLimited):
        _try("patienta", PASSWORD, attacker, at)  # even the right password: the attacker must wait
    assert _try("patienta", PASSWORD, "192.0.2.44", at).max_age > 0  # the real person, elsewhere


def test_a_distributed_guesser_is_stopped_but_a_browser_that_signed_in_before_is_not(world):
    known = _try("patienta", PASSWORD, "192.0.2.44").device_token
    at = NOW
    for address in range(throttle.STRANGERS.limit):
        at = _fail("patienta", f"10.0.{address // 250}.{address % 250}", 1, at)
    with pytest.raises(RateLimited):
        _try("patienta", PASSWORD, "10.9.9.9", at)  # a new browser at a new address: held back
    assert _try("patienta", PASSWORD, "10.9.9.9", at, device=known).max_age > 0  # the owner's browser: not


def test_a_ward_of_tablets_behind_one_address_is_not_throttled_by_each_other(world):
    ward = "203.0.113.50"
    at = NOW
    for username in ("patienta", "patientb"):
        at = _fail(username, ward, 2, at)
    for _ in range(20):  # many successful sign-ins from one address never count
        assert _try("patientb", PASSWORD, ward, at).max_age > 0
    assert _try("patienta", PASSWORD, ward, at).max_age > 0


def test_an_unknown_account_costs_the_same_reads_hash_and_write_as_a_known_one(world):
    """Timing reveals nothing: the same DynamoDB calls (in order) and one argon2 hash either way."""
    def cost(username: str, address: str) -> tuple[list[str], int]:
        hashes = passwords.WORK["argon2"]
        with observe_calls() as calls, pytest.raises(SignInFailed):
            _try(username, "wrong password!", address)
        return calls.calls, passwords.WORK["argon2"] - hashes

    assert cost("patienta", "192.0.2.1") == cost("nobody-at-all", "192.0.2.2")


def test_a_successful_sign_in_gives_the_browser_a_device_cookie(new_browser, world):
    browser = new_browser()
    browser.get("/sign-in")
    response = browser.post("/sign-in", {"username": "patienta", "password": PASSWORD})
    cookie = set_cookies(response)["__Host-teamline_device"]
    assert cookie.attributes["httponly"] and cookie.attributes["secure"]
    assert int(cookie.attributes["max-age"]) > 90 * 24 * 3600


def test_a_throttled_form_says_when_to_try_again(new_browser, world):
    browser = new_browser()
    browser.get("/sign-in")
    statuses = [browser.post("/sign-in", {"username": "patienta", "password": "nope nope nope"}).status_code
                for _ in range(throttle.BACKOFF_AFTER + 1)]
    assert statuses[:-1] == [401] * throttle.BACKOFF_AFTER and statuses[-1] == 429
    assert int(browser.last.headers["Retry-After"]) >= 1
    assert browser.session_cookie is None
