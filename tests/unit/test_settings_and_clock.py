"""Stage settings refuse unsafe combinations, and the clock override parses and behaves as documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.clock import FixedClock, SystemClock, parse_override
from chalicelib.errors import ConfigurationError
from chalicelib.settings import load_settings

INSTANT = "2026-11-28T10:00:00+00:00"
#: What `make deploy` gives a deployed stage (scripts/deploy/project.py), with made-up but well-formed values.
DEPLOYED = {
    "TEAMLINE_VAPID_SUBJECT": "mailto:teamline-support@northfield.nhs.uk",
    "TEAMLINE_VAPID_PUBLIC_KEY": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER": "/teamline/prod/vapid-private-key",
    "TEAMLINE_MAIN_STREAM_ARN": "arn:aws:dynamodb:eu-west-2:111122223333:table/teamline-prod-main/stream/2026-11-30T10:00:00.000",
}


# --- settings ---------------------------------------------------------------------------------------------------


def test_defaults_are_the_safe_local_ones():
    settings = load_settings({})
    assert settings.stage == "local" and not settings.deployed
    assert settings.secure_cookies is True
    assert settings.password_profile == "rfc9106_low_memory"
    assert settings.clock_override is None
    assert settings.main_table == "teamline-local-main" and settings.audit_table == "teamline-local-audit"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_deployed_stage_refuses_a_pinned_clock(stage):
    with pytest.raises(ConfigurationError, match="CLOCK_OVERRIDE"):
        load_settings({"TEAMLINE_STAGE": stage, "TEAMLINE_CLOCK_OVERRIDE": INSTANT})
    with pytest.raises(ConfigurationError):
        load_settings({"TEAMLINE_STAGE": stage, "TEAMLINE_CLOCK_OVERRIDE": INSTANT + "~running"})


@pytest.mark.parametrize("stage", ["local", "test"])
def test_local_and_test_stages_may_pin_the_clock(stage):
    assert load_settings({"TEAMLINE_STAGE": stage, "TEAMLINE_CLOCK_OVERRIDE": INSTANT}).clock_override == INSTANT


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_the_cheapest_password_hashing_is_refused_outside_the_test_stage(stage):
    with pytest.raises(ConfigurationError, match="cheapest"):
        load_settings({"TEAMLINE_STAGE": stage, "TEAMLINE_PASSWORD_PROFILE": "cheapest"})


def test_the_test_stage_may_hash_passwords_cheaply():
    assert load_settings({"TEAMLINE_STAGE": "test", "TEAMLINE_PASSWORD_PROFILE": "cheapest"}).password_profile == "cheapest"


def test_an_unknown_password_profile_is_refused():
    with pytest.raises(ConfigurationError):
        load_settings({"TEAMLINE_STAGE": "test", "TEAMLINE_PASSWORD_PROFILE": "md5"})


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("value", ["false", "FALSE", "False"])
def test_a_deployed_stage_refuses_insecure_cookies(stage, value):
    with pytest.raises(ConfigurationError, match="Insecure cookies"):
        load_settings({"TEAMLINE_STAGE": stage, "TEAMLINE_SECURE_COOKIES": value})


def test_local_stages_may_use_plain_http_cookies_and_anything_but_false_means_secure():
    assert load_settings({"TEAMLINE_STAGE": "local", "TEAMLINE_SECURE_COOKIES": "false"}).secure_cookies is False
    assert load_settings({**DEPLOYED, "TEAMLINE_STAGE": "prod", "TEAMLINE_SECURE_COOKIES": "no"}).secure_cookies is True


@pytest.mark.parametrize("stage", ["Prod", "prod-2", "p", "a-very-long-stage-name", "2prod"])
def test_a_stage_name_that_cannot_name_tables_and_functions_is_refused(stage):
    with pytest.raises(ConfigurationError, match="TEAMLINE_STAGE"):
        load_settings({**DEPLOYED, "TEAMLINE_STAGE": stage})


def test_a_trust_may_name_its_own_deployed_stages():
    assert load_settings({**DEPLOYED, "TEAMLINE_STAGE": "training"}).deployed is True


def test_a_deployed_stage_is_marked_deployed():
    assert load_settings({**DEPLOYED, "TEAMLINE_STAGE": "prod"}).deployed is True
    assert load_settings({"TEAMLINE_STAGE": "test"}).deployed is False


def test_table_names_and_endpoint_come_from_the_environment():
    settings = load_settings({**DEPLOYED, "TEAMLINE_STAGE": "dev", "TEAMLINE_MAIN_TABLE": "m", "TEAMLINE_AUDIT_TABLE": "a",
                              "TEAMLINE_DYNAMODB_ENDPOINT": "http://127.0.0.1:5000", "AWS_REGION": "eu-west-1"})
    assert (settings.main_table, settings.audit_table) == ("m", "a")
    assert settings.dynamodb_endpoint == "http://127.0.0.1:5000" and settings.region == "eu-west-1"


def test_a_deployed_stage_with_every_setting_make_deploy_gives_it_starts():
    settings = load_settings({**DEPLOYED, "TEAMLINE_STAGE": "prod"})
    assert settings.vapid_subject == DEPLOYED["TEAMLINE_VAPID_SUBJECT"]


@pytest.mark.parametrize("subject", [
    None, "", "teamline@northfield.nhs.uk", "mailto:teamline-admin@example.nhs.uk", "mailto:ops@example.com",
    "mailto:...@example", "https://example.org/contact", "mailto:me@localhost", "mailto:<your address>",
])
def test_a_deployed_stage_refuses_a_missing_or_placeholder_vapid_subject(subject):
    env = {**DEPLOYED, "TEAMLINE_STAGE": "prod"}
    env.pop("TEAMLINE_VAPID_SUBJECT")
    if subject is not None:
        env["TEAMLINE_VAPID_SUBJECT"] = subject
    with pytest.raises(ConfigurationError, match="TEAMLINE_VAPID_SUBJECT"):
        load_settings(env)


@pytest.mark.parametrize("missing", ["TEAMLINE_VAPID_PUBLIC_KEY", "TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER",
                                     "TEAMLINE_MAIN_STREAM_ARN"])
def test_a_deployed_stage_refuses_to_start_without_what_make_deploy_sets(missing):
    env = {**DEPLOYED, "TEAMLINE_STAGE": "prod"}
    env.pop(missing)
    with pytest.raises(ConfigurationError, match=missing):
        load_settings(env)


def test_a_deployed_stage_refuses_the_placeholder_stream_of_an_undeployed_app():
    from chalicelib.api.jobs import STREAM_ARN_PLACEHOLDER

    with pytest.raises(ConfigurationError, match="TEAMLINE_MAIN_STREAM_ARN"):
        load_settings({**DEPLOYED, "TEAMLINE_STAGE": "prod", "TEAMLINE_MAIN_STREAM_ARN": STREAM_ARN_PLACEHOLDER})


def test_a_deployed_stage_refuses_a_local_vapid_key_file():
    with pytest.raises(ConfigurationError, match="TEAMLINE_VAPID_PRIVATE_KEY_FILE"):
        load_settings({**DEPLOYED, "TEAMLINE_STAGE": "prod", "TEAMLINE_VAPID_PRIVATE_KEY_FILE": "/tmp/vapid.json"})


def test_every_problem_is_named_at_once():
    with pytest.raises(ConfigurationError) as refused:
        load_settings({"TEAMLINE_STAGE": "prod"})
    for name in ("TEAMLINE_VAPID_SUBJECT", "TEAMLINE_VAPID_PUBLIC_KEY", "TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER",
                 "TEAMLINE_MAIN_STREAM_ARN"):
        assert name in str(refused.value)


def test_local_stages_keep_their_example_vapid_subject():
    assert load_settings({"TEAMLINE_STAGE": "local"}).vapid_subject == "mailto:teamline-admin@example.nhs.uk"


# --- the clock -----------------------------------------------------------------------------------------------------


def test_an_override_pins_the_clock_to_that_instant():
    clock = parse_override(INSTANT)
    assert clock.now() == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert clock.now() == clock.now()


def test_an_override_with_an_offset_is_read_as_that_instant_in_utc():
    now = parse_override("2026-06-01T10:00:00+01:00").now()
    assert now == datetime(2026, 6, 1, 9, 0, tzinfo=UTC) and now.utcoffset() == timedelta(0)


def test_a_running_override_starts_at_the_instant_and_keeps_going():
    clock = parse_override(INSTANT + "~running")
    assert isinstance(clock, FixedClock)
    assert clock._running is True  # how it then moves is pinned below with an injected monotonic clock
    first = clock.now()
    assert timedelta(0) <= first - datetime(2026, 11, 28, 10, 0, tzinfo=UTC) < timedelta(minutes=1)
    assert parse_override(INSTANT)._running is False


@pytest.mark.parametrize("value", ["", "tomorrow", "2026-11-28 10:00", "2026-11-28T10:00:00", "2026-11-28T10:00:00~running",
                                   "2026-13-28T10:00:00+00:00", INSTANT + "~walking"])
def test_an_override_that_is_not_an_instant_with_an_offset_is_refused(value):
    with pytest.raises(ConfigurationError):
        parse_override(value)


def test_a_running_clock_moves_with_the_monotonic_clock_it_is_given():
    ticks = iter([100.0, 100.0, 160.5, 160.5, 200.0])
    clock = FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC), running=True, monotonic=lambda: next(ticks))
    assert clock.now() == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert clock.now() == datetime(2026, 11, 28, 10, 1, 0, 500000, tzinfo=UTC)
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # set() restarts the run from the new instant
    assert clock.now() == datetime(2026, 12, 1, 9, 0, 39, 500000, tzinfo=UTC)


def test_a_fixed_clock_stays_put_until_it_is_set():
    clock = FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC), monotonic=lambda: 1.0)
    clock.set(datetime(2026, 11, 28, 11, 0, tzinfo=UTC))
    assert clock.now() == datetime(2026, 11, 28, 11, 0, tzinfo=UTC)


def test_a_fixed_clock_needs_a_timezone():
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 11, 28, 10, 0))


def test_the_system_clock_is_timezone_aware_utc():
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
