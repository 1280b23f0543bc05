"""Auto-replies: template checks, choosing the kind, the no-flood key, rendering and the safety footer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.domain.auto_reply import (
    ALLOWED_PLACEHOLDERS,
    DEFAULT_TEMPLATES,
    KINDS,
    AwayInfo,
    choose,
    compose,
    period_key,
    render,
    safety_footer,
    validate_template,
)
from chalicelib.domain.availability import Status
from chalicelib.domain.safety import EMERGENCY_ROUTES
from chalicelib.errors import ValidationError

OPEN = Status(True, "open", None, None, datetime(2026, 11, 4, 17, tzinfo=UTC), None)
EVENING = Status(False, "out_of_hours", None, datetime(2026, 11, 5, 9, tzinfo=UTC), None, "2026-11-05T09:00:00+00:00")
AWAY = AwayInfo("Sam Patel", "Jo Reid", "specialist nurse", datetime(2026, 11, 9, 9, tzinfo=UTC))

VALUES = {
    "team_name": "Young Adult Diabetes",
    "next_opening": "tomorrow at 9am",
    "reply_by": "Friday at 5pm",
    "closure_reason": "team training day",
    "pause_reason": "we are short-staffed",
    "holiday_name": "Christmas Day",
    "cover_name": "Jo Reid",
    "cover_role": "specialist nurse",
    "assigned_name": "Sam Patel",
}


def test_every_default_template_validates_for_its_kind() -> None:
    assert set(DEFAULT_TEMPLATES) == set(KINDS) == set(ALLOWED_PLACEHOLDERS)
    for kind, text in DEFAULT_TEMPLATES.items():
        assert validate_template(kind, text) == text


@pytest.mark.parametrize("kind", KINDS)
def test_default_templates_never_claim_a_person_has_read_the_message(kind: str) -> None:
    text = render(kind, DEFAULT_TEMPLATES[kind], VALUES).lower()

    for claim in ("read your", "have seen", "we've seen", "got your message and", "will reply"):
        assert claim not in text
    assert "safe" in text


def test_staff_away_default_names_the_cover_and_their_role() -> None:
    text = render("staff_away", DEFAULT_TEMPLATES["staff_away"], VALUES)

    assert "Sam Patel is away, so Jo Reid (specialist nurse) is covering" in text


def test_unknown_placeholder_is_named_in_the_error_with_the_kinds_field() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_template("out_of_hours", "Closed until {next_opening}, love {nurse_name}.")

    assert caught.value.field == "auto_replies.out_of_hours"
    assert "{nurse_name}" in caught.value.message
    assert "{next_opening}" in caught.value.message  # the message lists what is allowed
    assert caught.value.to_dict()["error"]["unknown"] == ["nurse_name"]


def test_cover_name_is_only_allowed_in_the_staff_away_reply() -> None:
    assert validate_template("staff_away", "{cover_name} is covering.")

    with pytest.raises(ValidationError) as caught:
        validate_template("closure", "{cover_name} is covering.")
    assert caught.value.field == "auto_replies.closure"
    assert "{cover_name}" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 1001,
        "Closed until {next_opening",
        "Closed until next_opening}",
        "Closed until {}",
        "Closed until {0}",
        "Closed until {next_opening!r}",
        "Closed until {next_opening:>20}",
        "Closed until {next_opening.__class__}",
        "Closed until {next_opening[0]}",
    ],
)
def test_unusable_templates_are_rejected_with_the_kinds_field(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_template("out_of_hours", text)

    assert caught.value.field == "auto_replies.out_of_hours"


def test_template_of_exactly_1000_characters_is_accepted() -> None:
    assert len(validate_template("out_of_hours", "x" * 1000)) == 1000


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_template("holiday", "Hello")
    assert caught.value.field == "auto_replies"


def test_render_fills_placeholders_and_keeps_doubled_braces_and_values_literal() -> None:
    text = render(
        "closure",
        "{team_name} closed ({closure_reason}) {{until}} {next_opening}",
        VALUES | {"closure_reason": "{team_name}"},
    )

    assert text == "Young Adult Diabetes closed ({team_name}) {until} tomorrow at 9am"


def test_render_refuses_a_template_whose_value_is_missing() -> None:
    with pytest.raises(ValueError, match="holiday_name"):
        render("bank_holiday", "Closed for {holiday_name}", {"team_name": "Renal"})


def test_safety_footer_gives_the_reply_time_and_every_emergency_route() -> None:
    footer = safety_footer("Tuesday at 5pm")

    assert "Tuesday at 5pm" in footer
    for number in ("999", "A&E", "111", "SHOUT to 85258", "0800 1111"):
        assert number in footer
    assert footer.endswith(
        "If you need help now: call 999 or go to A&E in an emergency, call NHS 111, text SHOUT to 85258, "
        "call Childline on 0800 1111 (under 19), or call Samaritans on 116 123 (any age, any time)."
    )


def test_emergency_routes_have_tappable_links() -> None:
    assert [route.href for route in EMERGENCY_ROUTES] == ["tel:999", "tel:111", "sms:85258?body=SHOUT", "tel:08001111",
                                                          "tel:116123"]


def test_compose_always_appends_the_safety_footer() -> None:
    message = compose("out_of_hours", "Closed until {next_opening}.", VALUES)

    assert message == "Closed until tomorrow at 9am.\n\n" + safety_footer("Friday at 5pm")


@pytest.mark.parametrize("reason", ["out_of_hours", "bank_holiday", "closure", "paused"])
def test_choose_uses_the_closed_reason_even_when_the_assigned_clinician_is_away(reason: str) -> None:
    closed = Status(False, reason, "detail", EVENING.next_opening, None, EVENING.period_id)  # type: ignore[arg-type]

    assert choose(closed, assigned_away=None) == reason
    assert choose(closed, assigned_away=AWAY) == reason


def test_choose_sends_staff_away_only_when_open_and_the_assigned_clinician_is_away() -> None:
    assert choose(OPEN, assigned_away=AWAY) == "staff_away"
    assert choose(OPEN, assigned_away=None) is None


def test_several_messages_in_one_closed_period_share_one_period_key() -> None:
    later_same_span = Status(False, "bank_holiday", "Good Friday", EVENING.next_opening, None, EVENING.period_id)

    assert period_key(EVENING, None, "staff-1") == "closed:2026-11-05T09:00:00+00:00"
    assert period_key(later_same_span, AWAY, "staff-1") == period_key(EVENING, None, "staff-1")


def test_away_key_changes_with_the_clinician_and_the_absence_but_not_the_offset() -> None:
    key = period_key(OPEN, AWAY, "staff-1")
    same_until_other_offset = AwayInfo(
        "Sam Patel", "Jo Reid", "specialist nurse", AWAY.until.astimezone(timezone(timedelta(hours=1)))
    )
    next_absence = AwayInfo("Sam Patel", "Jo Reid", "specialist nurse", AWAY.until + timedelta(days=7))

    assert key == "away:staff-1:2026-11-09T09:00:00+00:00"
    assert period_key(OPEN, same_until_other_offset, "staff-1") == key
    assert period_key(OPEN, next_absence, "staff-1") != key
    assert period_key(OPEN, AWAY, "staff-2") != key


def test_no_period_key_when_open_and_nobody_is_away() -> None:
    assert period_key(OPEN, None, "staff-1") is None
    assert period_key(OPEN, None, None) is None
