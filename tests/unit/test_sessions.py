"""Session rules, without I/O: cookie parsing, lifetimes, verification, touching and anti-forgery tokens.

``chalicelib.auth.sessions`` imports the models, and the models read stage settings at import. The
functional tier must choose those settings (test stage, in-process DynamoDB) before anything imports
them, and unit modules are collected first, so this module imports ``sessions`` inside a fixture.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Unauthenticated
from chalicelib.models import keys  # the key builders read no settings

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
TOKEN = "A" * 43


@pytest.fixture(scope="module")
def sessions():
    from chalicelib.auth import sessions as module

    return module


# --- cookie values -----------------------------------------------------------------------------------------


def test_a_well_formed_cookie_value_parses_into_its_claim(sessions):
    credential = sessions.parse_cookie_value(f"patient.01abc.{TOKEN}")
    assert (credential.actor_kind, credential.actor_id, credential.token) == ("patient", "01abc", TOKEN)
    assert sessions.parse_cookie_value(credential.cookie_value()) == credential


def test_a_token_may_itself_contain_dots(sessions):
    credential = sessions.parse_cookie_value("staff.01abc.part.one.and.two.xxxxxxxx")
    assert credential.token == "part.one.and.two.xxxxxxxx"


@pytest.mark.parametrize("value", [
    None, "", "patient", "patient.01abc", f".01abc.{TOKEN}", f"robot.01abc.{TOKEN}", f"Patient.01abc.{TOKEN}",
    f"patient..{TOKEN}", f"patient.01-abc.{TOKEN}", f"patient.01 abc.{TOKEN}", f"patient.01abc/..{TOKEN}",
    "patient.01abc.tooshort", "patient.01abc." + "x" * 21, "patient.01abc." + "x" * 300,
])
def test_malformed_cookie_values_are_treated_as_no_cookie(sessions, value):
    assert sessions.parse_cookie_value(value) is None


def test_the_shortest_accepted_token_is_22_characters(sessions):
    assert sessions.parse_cookie_value("patient.01abc." + "x" * 22) is not None


def test_the_claim_names_the_session_by_the_hash_of_its_token_and_the_profile_by_kind(sessions):
    from chalicelib.ids import token_hash

    patient = sessions.parse_cookie_value(f"patient.01abc.{TOKEN}")
    staff = sessions.parse_cookie_value(f"staff.01abc.{TOKEN}")
    assert patient.session_key == keys.session(token_hash(TOKEN))
    assert TOKEN not in patient.session_key[0]
    assert patient.profile_key == keys.patient("01abc")
    assert staff.profile_key == keys.staff("01abc")


# --- new sessions -----------------------------------------------------------------------------------------


def test_a_new_session_has_a_random_token_of_at_least_128_bits_and_a_separate_csrf_token(sessions):
    item, credential = sessions.new_session(NOW, "patient", "01abc")
    raw = base64.urlsafe_b64decode(credential.token + "=" * (-len(credential.token) % 4))
    assert len(raw) * 8 >= 128
    assert item.csrf_token and item.csrf_token != credential.token
    other, again = sessions.new_session(NOW, "patient", "01abc")
    assert again.token != credential.token and other.csrf_token != item.csrf_token


def test_a_new_session_is_stored_under_the_hash_of_its_token_never_the_token(sessions):
    item, credential = sessions.new_session(NOW, "staff", "01abc")
    assert credential.token not in repr(item.serialize())
    assert (item.pk, item.sk) == credential.session_key


def test_staff_sessions_last_30_minutes_idle_and_12_hours_in_all(sessions):
    item, _ = sessions.new_session(NOW, "staff", "01abc")
    assert item.idle_timeout_seconds == 30 * 60
    assert item.absolute_expiry == NOW + timedelta(hours=12)
    assert item.expires_at == NOW + timedelta(minutes=30)
    assert item.gsi1pk == keys.actor_sessions("01abc")


def test_patient_sessions_last_30_days_idle_and_90_days_in_all(sessions):
    item, _ = sessions.new_session(NOW, "patient", "01abc", device_label="x" * 200)
    assert item.idle_timeout_seconds == 30 * 24 * 3600
    assert item.absolute_expiry == NOW + timedelta(days=90)
    assert item.expires_at == NOW + timedelta(days=30)
    assert len(item.device_label) == 80


# --- verification -------------------------------------------------------------------------------------------


def _pair(sessions, kind="staff", actor="01abc"):
    item, credential = sessions.new_session(NOW, kind, actor)
    return item, credential


def test_a_live_session_for_the_claimed_actor_verifies(sessions):
    item, credential = _pair(sessions)
    assert sessions.verify(item, credential, NOW + timedelta(minutes=29, seconds=59)) is item


def test_no_session_does_not_verify(sessions):
    _, credential = _pair(sessions)
    with pytest.raises(Unauthenticated):
        sessions.verify(None, credential, NOW)


def test_a_session_of_another_actor_or_kind_does_not_verify(sessions):
    item, credential = _pair(sessions, "patient", "01abc")
    for claim in (sessions.Credential("patient", "01xyz", credential.token),
                  sessions.Credential("staff", "01abc", credential.token)):
        with pytest.raises(Unauthenticated):
            sessions.verify(item, claim, NOW)


def test_a_session_idle_for_its_whole_timeout_does_not_verify(sessions):
    item, credential = _pair(sessions)
    with pytest.raises(Unauthenticated, match="not used for a while"):
        sessions.verify(item, credential, NOW + timedelta(minutes=30))


def test_a_session_past_its_absolute_expiry_does_not_verify_even_if_just_used(sessions):
    item, credential = _pair(sessions)
    item.last_seen_at = NOW + timedelta(hours=11, minutes=59)
    assert sessions.verify(item, credential, NOW + timedelta(hours=11, minutes=59, seconds=59))
    with pytest.raises(Unauthenticated, match="session has ended"):
        sessions.verify(item, credential, NOW + timedelta(hours=12))


# --- touching -------------------------------------------------------------------------------------------------


def test_a_session_needs_touching_only_after_5_minutes(sessions):
    item, _ = _pair(sessions)
    assert not sessions.needs_touch(item, NOW + timedelta(minutes=4, seconds=59))
    assert sessions.needs_touch(item, NOW + timedelta(minutes=5))


def test_a_touched_session_expires_after_its_idle_timeout_but_never_after_its_absolute_expiry(sessions):
    item, _ = _pair(sessions)
    assert sessions.touched_expiry(item, NOW + timedelta(hours=1)) == NOW + timedelta(hours=1, minutes=30)
    assert sessions.touched_expiry(item, NOW + timedelta(hours=11, minutes=50)) == NOW + timedelta(hours=12)


# --- anti-forgery ---------------------------------------------------------------------------------------------


def test_only_the_sessions_own_csrf_token_matches(sessions):
    item, credential = _pair(sessions)
    assert sessions.csrf_matches(item, item.csrf_token)
    for presented in (None, "", credential.token, item.csrf_token[:-1], item.csrf_token + "x"):
        assert not sessions.csrf_matches(item, presented)
