"""How long a conversation's data is kept (``chalicelib.domain.retention``): NHS records guidance, checked."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.retention import DEFAULT_YEARS, age_on, birthday, check_years, keep_until
from chalicelib.errors import ValidationError

LAST = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def test_an_adult_conversation_is_kept_eight_years_after_its_last_activity():
    assert keep_until(LAST, date(2000, 1, 1)) == datetime(2034, 11, 25, 10, 30, tzinfo=UTC)


def test_a_child_is_kept_until_their_25th_birthday_when_that_is_later():
    born = date(2014, 6, 3)  # 12 at the last message: 8 years on they are 20
    assert keep_until(LAST, born) == datetime(2039, 6, 4, tzinfo=UTC)  # the whole of the 25th birthday


def test_someone_who_was_17_is_kept_until_their_26th_birthday():
    born = date(2009, 4, 1)
    assert age_on(born, LAST.date()) == 17
    assert keep_until(LAST, born) == datetime(2035, 4, 2, tzinfo=UTC)


def test_without_a_date_of_birth_only_the_years_count_and_a_trust_may_keep_longer():
    assert keep_until(LAST, None) == datetime(2034, 11, 25, 10, 30, tzinfo=UTC)
    assert keep_until(LAST, None, 10) == datetime(2036, 11, 25, 10, 30, tzinfo=UTC)
    assert keep_until(LAST, None, 3) == keep_until(LAST, None, DEFAULT_YEARS)  # never below the Code's minimum


def test_a_29_february_birthday_falls_on_28_february():
    assert birthday(date(2012, 2, 29), 25) == date(2037, 2, 28)


@pytest.mark.parametrize("value", ["7", "31", "eight", ""])
def test_retention_years_outside_8_to_30_are_refused(value):
    with pytest.raises(ValidationError) as raised:
        check_years(value)
    assert raised.value.field == "years"


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
       st.dates(min_value=date(1995, 1, 1), max_value=date(2020, 1, 1)), st.integers(8, 30))
@settings(max_examples=300, deadline=None)
def test_keep_until_is_never_earlier_than_either_rule(last, born, years):
    if born > last.date():
        return
    until = keep_until(last, born, years)
    assert until >= keep_until(last, None, years)
    if age_on(born, last.date()) < 18:
        assert until.date() > birthday(born, 25)
