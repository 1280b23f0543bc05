"""Finding a patient in a team's list, and how each row of the list reads. Pure: no I/O.

A clinician types one thing into the search box: a last name (or "Last, First"), a date of birth or
an NHS number. ``parse_search`` decides which it is, and says plainly what to type when it is none
of them, so a search never silently finds nothing because it was read the wrong way.

Each row of the list is a patient who has joined the team, one who was invited and has not joined
yet, or one the team discharged (kept for the record); ``row_status`` says which, in words.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

from chalicelib.errors import ValidationError

FIELD = "q"
MAX_SEARCH = 60
WHAT_TO_TYPE = "Enter a last name, a date of birth like 31/12/2010, or a 10-digit NHS number."

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
# Patterns as strings, compiled on first use (``re`` caches them): the module loads on every cold start.
_DAY_MONTH_YEAR = r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$"
_ISO_DATE = r"^(\d{4})-(\d{1,2})-(\d{1,2})$"
_WORDY_DATE = r"^(\d{1,2}) ([a-z]{3,9})\.? (\d{4})$"
_NHS_NUMBER = r"^\d{3}[ -]?\d{3}[ -]?\d{4}$"
#: Never in a name search: markup, and "#", which separates the parts of the index's sort keys.
_NOT_IN_A_NAME = r"[\x00-\x1f<>{}#]"


class Search(NamedTuple):
    """What a clinician searched for: ``kind`` is name, date_of_birth or nhs_number."""

    kind: str
    text: str  # as typed, tidied: shown back on the page
    family: str = ""  # name: the start of a last name, or a whole last name when ``given`` is set
    given: str | None = None  # name: the start of a first name ("Smith, Jo")
    value: str = ""  # date_of_birth: YYYY-MM-DD; nhs_number: 10 digits


def parse_search(value: object, *, today: date) -> Search | None:
    """What the search box holds; None when it is empty. Raises ValidationError for what is none of the three."""
    text = " ".join(str(value or "").split())
    if not text:
        return None
    if len(text) > MAX_SEARCH:
        raise ValidationError(f"Search for {MAX_SEARCH} characters or fewer.", field=FIELD)
    if any(ch.isdigit() for ch in text):
        if re.match(_NHS_NUMBER, text):
            return Search("nhs_number", text, value=_nhs_number(text))
        return Search("date_of_birth", text, value=_date_of_birth(text, today))
    if re.search(_NOT_IN_A_NAME, text):
        raise ValidationError("Search for a name using letters, spaces, hyphens and apostrophes.", field=FIELD)
    family, comma, given = (part.strip() for part in text.partition(","))
    if not family:
        raise ValidationError("Put the last name before the comma, for example Smith, Jo.", field=FIELD)
    return Search("name", text, family=family, given=given if comma else None)


def _nhs_number(text: str) -> str:
    import nhs_number

    digits = re.sub(r"[ -]", "", text)
    if not nhs_number.is_valid(digits):
        raise ValidationError("That is not a valid NHS number. Check the 10 digits.", field=FIELD)
    return digits


def _date_of_birth(text: str, today: date) -> str:
    lowered = text.lower()
    parts: tuple[str, str, str] | None = None
    if found := re.match(_DAY_MONTH_YEAR, lowered):
        parts = (found.group(1), found.group(2), found.group(3))
    elif found := re.match(_ISO_DATE, lowered):
        parts = (found.group(3), found.group(2), found.group(1))
    elif (found := re.match(_WORDY_DATE, lowered)) and (month := _month_number(found.group(2))):
        parts = (found.group(1), str(month), found.group(3))
    if parts is None:
        raise ValidationError(WHAT_TO_TYPE, field=FIELD)
    try:
        born = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError as exc:
        raise ValidationError("Enter a real date of birth, for example 31/12/2010.", field=FIELD) from exc
    if born > today:
        raise ValidationError("A date of birth must be in the past.", field=FIELD)
    return born.isoformat()


def _month_number(word: str) -> int | None:
    """1-12 for a month's name or its first three letters or more ("sept", "september")."""
    for number, name in enumerate(_MONTHS, start=1):
        if name.startswith(word) and len(word) >= 3:
            return number
    return None


# --- how a row reads ------------------------------------------------------------------------------------


class RowStatus(NamedTuple):
    """Where a patient stands with the team, and any invitation still out to them."""

    kind: str  # joined | invited | discharged
    label: str
    #: When an invitation's code stops working (an invited row, or a discharged patient invited again).
    invite_until: datetime | None = None
    invite_live: bool = False


def row_status(now: datetime, *, invited: bool, discharged_at: datetime | None,
               invite_until: datetime | None) -> RowStatus:
    """The status of one row: an invited row, or a conversation (joined unless discharged)."""
    live = invite_until is not None and now < invite_until
    if invited:
        return RowStatus("invited", "Invited, not joined yet" if live else "Invited, not joined", invite_until, live)
    if discharged_at is not None:
        return RowStatus("discharged", "Discharged", invite_until, live)
    return RowStatus("joined", "Joined")


def date_of_birth_text(value: str | None) -> str | None:
    """A stored date of birth (YYYY-MM-DD) as people write it: 1 April 2009."""
    if not value:
        return None
    born = date.fromisoformat(value)
    return f"{born.day} {_MONTHS[born.month - 1].capitalize()} {born.year}"


def nhs_number_text(value: str | None) -> str | None:
    """An NHS number spaced as it is printed on letters: 943 476 5919."""
    if not value:
        return None
    return f"{value[:3]} {value[3:6]} {value[6:]}"
