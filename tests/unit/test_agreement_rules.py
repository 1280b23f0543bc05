"""The communication agreement (``chalicelib.domain.agreement``): a good default filled in from the team's policy,
what a lead may reword, and versions."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from chalicelib.domain import agreement
from chalicelib.domain.availability import DEFAULT_POLICY, AvailabilityPolicy, ReplyTarget, Window
from chalicelib.errors import ValidationError

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def _texts(shown: list[dict[str, str]]) -> dict[str, str]:
    return {s["key"]: s["text"] for s in shown}


def test_the_default_says_what_it_is_for_not_for_emergencies_hours_who_reads_record_and_misuse():
    shown = _texts(agreement.render(agreement.parse_agreement(None), team_name="Team X", availability=DEFAULT_POLICY))
    assert set(shown) == {"purpose", "not_emergencies", "hours", "who_reads", "record", "red_flags", "misuse"}
    assert "Monday to Friday, 9am to 5pm" in shown["hours"] and "1 working day" in shown["hours"]
    assert "999" in shown["not_emergencies"] and "health record" in shown["record"]


def test_hours_are_filled_in_from_the_policy_so_they_are_never_out_of_date():
    policy = AvailabilityPolicy(windows=(*[Window(d, time(9), time(12, 30)) for d in range(4)],
                                         *[Window(d, time(13, 30), time(17)) for d in range(4)],
                                         Window(4, time(9), time(13)), Window(5, time(10), time(12))),
                                reply_target=ReplyTarget("working_hours", 4))
    text = agreement.hours_text(policy)
    assert text.startswith("Monday to Thursday, 9am to 12:30pm and 1:30pm to 5pm; Friday, 9am to 1pm; and Saturday")
    assert agreement.reply_target_text(policy.reply_target) == "4 working hours"


def test_a_lead_rewords_their_parts_but_never_the_emergency_or_red_flag_parts():
    texts = agreement.clean_texts({"purpose": "Questions about your treatment.", "not_emergencies": "Anything goes"})
    assert texts == {"purpose": "Questions about your treatment."}
    shown = _texts(agreement.render(agreement.Agreement(2, {**texts, "not_emergencies": "Anything goes"}, NOW, "Lena"),
                                    team_name="Team X", availability=DEFAULT_POLICY))
    assert shown["purpose"] == "Questions about your treatment."
    assert "not read messages all the time" in shown["not_emergencies"]


@pytest.mark.parametrize("text", ["", "x" * 601, "We read at {opening_hours}", "a { b"])
def test_bad_wording_is_refused_naming_the_part(text):
    with pytest.raises(ValidationError) as raised:
        agreement.clean_texts({"hours": text})
    assert raised.value.field == "agreement_hours"


def test_wording_equal_to_the_default_is_not_stored_and_publishing_moves_the_version_on():
    default = agreement.section_text(agreement.parse_agreement(None), "purpose")
    assert agreement.clean_texts({"purpose": default}) == {}
    first = agreement.parse_agreement(None)
    second = agreement.published(first, {}, NOW, "Lena (Consultant)")
    assert (first.version, second.version) == (1, 2)
    assert agreement.parse_agreement(second.to_stored()) == second
