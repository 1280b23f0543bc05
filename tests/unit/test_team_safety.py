"""A team's safety settings (``chalicelib.domain.team_safety``) and the help-now routes (``domain.safety``)."""

from __future__ import annotations

import pytest

from chalicelib.domain.safety import EMERGENCY_ROUTES, help_now_sentence
from chalicelib.domain.team_safety import (
    SafetyPolicy,
    UrgentLine,
    build_safety,
    clean_daily_limit,
    clean_lines,
    clean_red_flags,
)
from chalicelib.errors import ValidationError

ONCOLOGY = UrgentLine("Acute oncology 24-hour line", "0161 446 3658", "any time")


def test_the_national_routes_include_samaritans_and_are_always_there():
    labels = [r.label for r in EMERGENCY_ROUTES]
    assert labels == ["999", "NHS 111", "Shout", "Childline", "Samaritans"]
    assert "116 123" in help_now_sentence()
    assert SafetyPolicy().routes == EMERGENCY_ROUTES


def test_the_teams_lines_come_first_then_the_trusts_then_the_national_ones():
    trust = UrgentLine("Trust crisis line", "0800 952 0000")
    settings = SafetyPolicy(lines=(ONCOLOGY,), trust_lines=(trust,))
    assert [r.label for r in settings.routes][:3] == [ONCOLOGY.name, trust.name, "999"]
    assert settings.first_line == ONCOLOGY
    assert settings.routes[0].href == "tel:01614463658"
    assert [r.label for r in settings.crisis_routes][:2] == ["999", "Shout"]
    assert "NHS 111" not in [r.label for r in settings.crisis_routes]


def test_lines_are_checked_and_empty_rows_dropped():
    rows = [{"name": ONCOLOGY.name, "phone": ONCOLOGY.phone, "when": "any time"}, {"name": "", "phone": ""}]
    assert clean_lines(rows) == (ONCOLOGY,)
    with pytest.raises(ValidationError) as raised:
        clean_lines([{"name": "Line", "phone": "call me"}])
    assert raised.value.field == "line_0_phone"
    with pytest.raises(ValidationError) as raised:
        clean_lines([{"name": "", "phone": "0161 446 3658"}])
    assert raised.value.field == "line_0_name"
    with pytest.raises(ValidationError):
        clean_lines([{"name": "a", "phone": "111"}] * 4)


def test_red_flag_words_are_checked_phrase_by_phrase():
    presets, phrases, advice = clean_red_flags(["chemotherapy_fever"], "port site ... red\n\nline leaking\n", "Ring us")
    assert presets == ("chemotherapy_fever",) and phrases == ("port site ... red", "line leaking")
    with pytest.raises(ValidationError) as raised:
        clean_red_flags(["no_such_list"], "", "")
    assert raised.value.field == "presets"
    with pytest.raises(ValidationError) as raised:
        clean_red_flags([], "fe*", "advice")
    assert raised.value.field == "phrases" and "fe*" in raised.value.message
    with pytest.raises(ValidationError) as raised:
        clean_red_flags([], "port site", "")
    assert raised.value.field == "advice"


@pytest.mark.parametrize(("value", "expected"), [("", None), ("  ", None), ("25", 25)])
def test_the_daily_cap_is_a_number_or_nothing(value, expected):
    assert clean_daily_limit(value) == expected


@pytest.mark.parametrize("value", ["0", "501", "ten", "-3"])
def test_a_daily_cap_out_of_range_is_refused(value):
    with pytest.raises(ValidationError):
        clean_daily_limit(value)


def test_stored_settings_read_back_and_unknown_presets_are_ignored():
    settings = SafetyPolicy(lines=(ONCOLOGY,), presets=("chemotherapy_fever",), phrases=("port site",),
                            advice="Ring us", on_call=False, daily_new_limit=30)
    stored = settings.to_stored()
    assert build_safety(stored, None, None) == settings
    assert build_safety({**stored, "presets": ["chemotherapy_fever", "gone"]}, None, None).presets == (
        "chemotherapy_fever",)
    assert build_safety(None, None, None) == SafetyPolicy()
