"""The bank holiday table says exactly what the holidays package says (it exists only to spare cold starts)."""

from __future__ import annotations

from datetime import date

from chalicelib.domain import bank_holidays


def test_the_table_matches_the_holidays_package_for_every_nation_and_year() -> None:
    assert bank_holidays._table() == bank_holidays.build_table(), (
        "bank_holidays.json is out of date: run `python -m chalicelib.domain.bank_holidays`")


def test_years_outside_the_table_ask_the_package() -> None:
    assert bank_holidays.holiday_names("ENG", 2050) == bank_holidays.from_package("ENG", 2050)
    assert date(2050, 12, 25) in bank_holidays.holiday_names("SCT", 2050)


def test_scotland_has_st_andrews_day_and_england_does_not() -> None:
    assert date(2026, 11, 30) in bank_holidays.holiday_names("SCT", 2026)
    assert date(2026, 11, 30) not in bank_holidays.holiday_names("ENG", 2026)
