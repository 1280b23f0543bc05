"""How long a conversation's data is kept, following NHS records guidance. Pure: no I/O.

The default follows the Records Management Code of Practice (NHS England, 2023), retention schedule
"Health records": an adult's record is kept 8 years after the conclusion of treatment; a child's
until their 25th birthday, or their 26th if they were 17 when treatment concluded (and the later of
the two applies to a young person who was a child for part of it). Teamline's patients are 11 to 25,
so both rules matter. Teamline reads "conclusion of treatment" as the conversation's last activity:
the team may still be treating the young person, in which case the clock starts again with every
message.

A Trust may keep data longer (its IG lead sets the years on the Trust admin page); it cannot go below
the Code's minimum here. Past retention, only messages already filed to the clinical record are
deleted: the copy in the record is the one the Code is about. Unfiled messages are never deleted by
retention; they are flagged to the team lead instead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

DEFAULT_YEARS = 8
MIN_YEARS = 8
MAX_YEARS = 30
CHILD_UNTIL_BIRTHDAY = 25
SEVENTEEN_UNTIL_BIRTHDAY = 26


def add_years(at: datetime, years: int) -> datetime:
    """The same moment ``years`` later (29 February becomes 28 February)."""
    try:
        return at.replace(year=at.year + years)
    except ValueError:
        return at.replace(year=at.year + years, day=28)


def birthday(born: date, age: int) -> date:
    """The date someone born on ``born`` turns ``age`` (29 February birthdays fall on 28 February)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return born.replace(year=born.year + age, day=28)


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def keep_until(last_activity: datetime, date_of_birth: date | None, years: int = DEFAULT_YEARS) -> datetime:
    """The moment a conversation whose last activity was ``last_activity`` may be deleted (if filed).

    ``years`` after the last activity, and for someone who was under 18 then, not before their 25th
    birthday (26th if they were 17). Without a date of birth only the years apply.
    """
    until = add_years(last_activity, max(years, MIN_YEARS))
    if date_of_birth is None:
        return until
    age = age_on(date_of_birth, last_activity.date())
    if age >= 18:
        return until
    turns = birthday(date_of_birth, SEVENTEEN_UNTIL_BIRTHDAY if age == 17 else CHILD_UNTIL_BIRTHDAY)
    # The end of that birthday, in UTC: the day itself is kept.
    child_until = datetime(turns.year, turns.month, turns.day, tzinfo=last_activity.tzinfo) + timedelta(days=1)
    return max(until, child_until)


def candidates_before(now: datetime, years: int) -> datetime:
    """Conversations whose last activity is at or before this may be past retention (the years alone)."""
    return add_years(now, -max(years, MIN_YEARS))


def check_years(value: object) -> int:
    """A Trust's retention in whole years: from the Code's minimum up to a sane maximum."""
    from chalicelib.errors import ValidationError

    try:
        years = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError("Enter the number of years as a whole number, like 8.", field="years") from exc
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise ValidationError(f"Keep data for between {MIN_YEARS} and {MAX_YEARS} years. The Records Management "
                              f"Code of Practice asks for at least {MIN_YEARS}.", field="years")
    return years
