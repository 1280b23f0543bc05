"""Rules for the people data Teamline holds: names, dates of birth, NHS numbers, usernames and emails."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.people import (
    clean_date_of_birth,
    clean_dob_parts,
    clean_email,
    clean_name,
    clean_nhs_number,
    clean_username,
    takes_escalations,
)
from chalicelib.errors import ValidationError

TODAY = date(2026, 11, 25)


def _refused(fn, *args, expect: str, **kwargs) -> str:
    """Call ``fn`` and return the message of the ValidationError it must raise, naming the ``expect`` field."""
    with pytest.raises(ValidationError) as caught:
        fn(*args, **kwargs)
    assert caught.value.field == expect
    assert caught.value.status == 400
    return caught.value.message


# --- names ------------------------------------------------------------------------------------------------


def test_a_name_has_its_spaces_collapsed():
    assert clean_name("  Mary   Jane \n", field="given_name", label="first name") == "Mary Jane"


@pytest.mark.parametrize("name", ["Zoë", "O'Neill", "Smith-Jones", "李", "Siobhán"])
def test_real_names_are_kept_as_typed(name):
    assert clean_name(name, field="given_name", label="first name") == name


def test_a_missing_name_asks_for_it_by_its_label():
    assert _refused(clean_name, "   ", field="family_name", label="last name", expect="family_name") == "Enter the last name."
    assert _refused(clean_name, None, field="family_name", label="last name", expect="family_name") == "Enter the last name."


@pytest.mark.parametrize("name", ["<script>", "a{b}", "x" * 61, "tab\x07bell"])
def test_names_with_markup_or_over_60_characters_are_refused(name):
    _refused(clean_name, name, field="given_name", label="first name", expect="given_name")


def test_a_name_of_exactly_60_characters_is_accepted():
    assert clean_name("y" * 60, field="given_name", label="first name") == "y" * 60


# --- dates of birth --------------------------------------------------------------------------------------


def test_a_date_of_birth_is_returned_as_an_iso_date():
    assert clean_date_of_birth(" 2010-03-27 ", today=TODAY) == "2010-03-27"


@pytest.mark.parametrize("value", ["", "27/03/2010", "2010-02-30", "2010-13-01", "yesterday", None])
def test_a_date_of_birth_must_be_a_real_date(value):
    assert "real date" in _refused(clean_date_of_birth, value, today=TODAY, expect="date_of_birth")


def test_a_date_of_birth_must_be_in_the_past():
    _refused(clean_date_of_birth, "2026-11-25", today=TODAY, expect="date_of_birth")
    _refused(clean_date_of_birth, "2027-01-01", today=TODAY, expect="date_of_birth")
    assert clean_date_of_birth("2026-11-24", today=TODAY) == "2026-11-24"  # a newborn is fine


def test_teamline_is_for_people_up_to_30():
    assert clean_date_of_birth("1996-01-01", today=TODAY) == "1996-01-01"
    assert "up to 30" in _refused(clean_date_of_birth, "1995-12-31", today=TODAY, expect="date_of_birth")


def test_the_field_name_can_be_chosen():
    _refused(clean_date_of_birth, "nope", today=TODAY, field="dob", expect="dob")


def test_a_date_of_birth_typed_in_day_month_year_boxes():
    assert clean_dob_parts(" 27", "3 ", "2010", today=TODAY) == "2010-03-27"
    assert clean_dob_parts("1", "1", "2010", today=TODAY) == "2010-01-01"
    for parts in (("31", "2", "2010"), ("", "3", "2010"), ("x", "3", "2010"), (None, None, None), ("27", "3", "10")):
        _refused(clean_dob_parts, *parts, today=TODAY, expect="date_of_birth")


# --- NHS numbers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("9434765919", "9434765919"), ("943 476 5919", "9434765919"), ("943-476-5919", "9434765919"),
    (" 9434765919 ", "9434765919"), ("4010232137", "4010232137"),
])
def test_a_valid_nhs_number_is_stored_as_ten_digits(typed, stored):
    assert clean_nhs_number(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_an_nhs_number_is_optional(typed):
    assert clean_nhs_number(typed) is None


@pytest.mark.parametrize("typed", [
    "9434765918",  # wrong check digit
    "9434765910",
    "943476591",  # nine digits
    "94347659190",  # eleven digits
    "94347659l9",  # a letter
    "0000000001",
])
def test_an_nhs_number_with_a_wrong_length_letters_or_check_digit_is_refused(typed):
    assert "10-digit NHS number" in _refused(clean_nhs_number, typed, expect="nhs_number")


def test_a_number_whose_check_digit_would_be_10_is_never_valid():
    # 1234567890: the weighted sum of its first nine digits leaves remainder 1, so no check digit exists.
    weights = range(10, 1, -1)
    assert sum(int(d) * w for d, w in zip("123456789", weights, strict=True)) % 11 == 1
    for last in "0123456789":
        _refused(clean_nhs_number, "123456789" + last, expect="nhs_number")


# --- usernames ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("zoe", "zoe"), ("Zoe.Y", "zoe.y"), ("  zoe_99 ", "zoe_99"), ("9lives", "9lives"), ("a-b", "a-b"),
    ("z" * 30, "z" * 30),
])
def test_usernames_are_lower_cased_and_trimmed(typed, stored):
    assert clean_username(typed) == stored


@pytest.mark.parametrize("typed", ["", "ab", "z" * 31, ".zoe", "-zoe", "_zoe", "zoe young", "zoë", "zoe@home",
                                   "zoe/../x", None])
def test_usernames_outside_the_rules_are_refused(typed):
    assert "username" in _refused(clean_username, typed, expect="username")


# --- emails -------------------------------------------------------------------------------------------------


def test_staff_emails_are_trimmed_and_lower_cased():
    assert clean_email("  Carl.Staff@NHS.net ") == "carl.staff@nhs.net"
    assert clean_email("a+b@trust.nhs.uk") == "a+b@trust.nhs.uk"


@pytest.mark.parametrize("typed", ["", "carl", "carl@", "@nhs.net", "carl@nhs", "carl staff@nhs.net",
                                   "carl@nhs.n", "a@b@nhs.net", "x" * 65 + "@nhs.net", None])
def test_malformed_emails_are_refused(typed):
    _refused(clean_email, typed, expect="email")


def test_only_the_lead_and_clinicians_the_lead_marked_senior_take_escalations():
    assert takes_escalations("lead", marked_senior=False)
    assert takes_escalations("clinician", marked_senior=True)
    assert not takes_escalations("clinician", marked_senior=False)
    assert not takes_escalations(None, marked_senior=True)  # not in the team: never, whatever the mark says
