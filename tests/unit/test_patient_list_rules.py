"""Reading the patient list's search box, and how a row's status and details read (chalicelib.domain.patient_list)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import nhs_number
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.patient_list import (
    Search,
    date_of_birth_text,
    nhs_number_text,
    parse_search,
    row_status,
)
from chalicelib.errors import ValidationError
from chalicelib.models import keys

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def _refused(text: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_search(text, today=TODAY)
    assert caught.value.field == "q" and caught.value.status == 400
    return caught.value.message


# --- what the box holds -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_an_empty_search_is_no_search(text):
    assert parse_search(text, today=TODAY) is None


def test_a_name_is_the_start_of_a_last_name_with_its_spaces_collapsed():
    assert parse_search("  da   Sil ", today=TODAY) == Search("name", "da Sil", family="da Sil")


def test_a_comma_separates_a_whole_last_name_from_the_start_of_a_first_name():
    assert parse_search("Smith, Jo", today=TODAY) == Search("name", "Smith, Jo", family="Smith", given="Jo")
    assert parse_search("Smith,", today=TODAY) == Search("name", "Smith,", family="Smith", given="")


@pytest.mark.parametrize("typed", ["1/4/2009", "01/04/2009", "1.4.2009", "1-4-2009", "1 4 2009", "2009-04-01",
                                   "2009-4-1", "1 April 2009", "1 apr 2009", "1 Apr. 2009", "01 APRIL 2009"])
def test_a_date_of_birth_may_be_written_the_ways_people_write_it(typed):
    assert parse_search(typed, today=TODAY) == Search("date_of_birth", typed, value="2009-04-01")


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919"])
def test_an_nhs_number_may_be_spaced_or_not(typed):
    assert parse_search(typed, today=TODAY) == Search("nhs_number", typed, value="9434765919")


@pytest.mark.parametrize(("typed", "says"), [
    ("9434765918", "not a valid NHS number"),
    ("31/2/2010", "real date of birth"),
    ("1 Smarch 2010", "a date of birth like 31/12/2010"),
    ("26/11/2026", "in the past"),
    ("12345", "a 10-digit NHS number"),
    ("Smith 2", "a date of birth like 31/12/2010"),
    ("<b>", "letters, spaces"),
    ("Smith#Jo", "letters, spaces"),
    (", Jo", "before the comma"),
    ("a" * 61, "60 characters"),
])
def test_what_is_none_of_the_three_is_refused_saying_what_to_type(typed, says):
    assert says in _refused(typed)


@given(st.dates(min_value=date(1990, 1, 1), max_value=TODAY), st.sampled_from(["{d}/{m}/{y}", "{d:02}/{m:02}/{y}",
                                                                                   "{y}-{m:02}-{d:02}", "{d}.{m}.{y}"]))
def test_any_past_date_written_any_supported_way_is_found_as_that_date(born, pattern):
    typed = pattern.format(d=born.day, m=born.month, y=born.year)
    assert parse_search(typed, today=TODAY) == Search("date_of_birth", typed, value=born.isoformat())


@given(st.integers(min_value=0, max_value=999_999_999))
def test_any_nine_digits_with_their_check_digit_are_an_nhs_number_and_any_other_tenth_digit_is_refused(nine):
    digits = f"{nine:09d}"
    valid = [d for d in "0123456789" if nhs_number.is_valid(digits + d)]
    for tenth in "0123456789":
        number = digits + tenth
        if tenth in valid:
            assert parse_search(number, today=TODAY) == Search("nhs_number", number, value=number)
        else:
            assert "not a valid NHS number" in _refused(number)


@given(st.text(alphabet=st.characters(categories=("L",)) | st.sampled_from(" -'"), min_size=1, max_size=60))
def test_any_name_of_letters_spaces_hyphens_and_apostrophes_is_a_last_name_search(text):
    tidy = " ".join(text.split())
    found = parse_search(text, today=TODAY)
    if not tidy:
        assert found is None
    else:
        assert found == Search("name", tidy, family=tidy)


# --- a row's status -----------------------------------------------------------------------------------------


def test_a_conversation_is_a_joined_patient_unless_discharged():
    assert row_status(NOW, invited=False, discharged_at=None, invite_until=None).kind == "joined"
    discharged = row_status(NOW, invited=False, discharged_at=NOW, invite_until=None)
    assert (discharged.kind, discharged.label, discharged.invite_until, discharged.invite_live) == (
        "discharged", "Discharged", None, False)


def test_an_invited_row_says_whether_its_code_still_works():
    until = NOW + timedelta(days=7)
    live = row_status(NOW, invited=True, discharged_at=None, invite_until=until)
    ran_out = row_status(until, invited=True, discharged_at=None, invite_until=until)
    assert (live.kind, live.label, live.invite_live) == ("invited", "Invited, not joined yet", True)
    assert (ran_out.kind, ran_out.label, ran_out.invite_live) == ("invited", "Invited, not joined", False)


def test_a_discharged_patient_invited_again_shows_the_new_codes_life():
    until = NOW + timedelta(days=7)
    again = row_status(NOW, invited=False, discharged_at=NOW - timedelta(days=30), invite_until=until)
    assert (again.kind, again.invite_until, again.invite_live) == ("discharged", until, True)


# --- details ----------------------------------------------------------------------------------------------


def test_dates_of_birth_and_nhs_numbers_read_as_they_are_printed():
    assert date_of_birth_text("2009-04-01") == "1 April 2009"
    assert date_of_birth_text("2010-12-31") == "31 December 2010"
    assert nhs_number_text("9434765919") == "943 476 5919"
    assert date_of_birth_text(None) is None and nhs_number_text(None) is None


def test_an_invited_rows_key_never_spells_the_patient_id():
    pk, _ = keys.team_invitee("team1", "01m8942m20h6cxye9vpe2qvpt4")
    assert "01m8942m20h6cxye9vpe2qvpt4" not in pk
    assert keys.team_invitee("team1", "p1") == keys.team_invitee("team1", "p1") != keys.team_invitee("team2", "p1")
