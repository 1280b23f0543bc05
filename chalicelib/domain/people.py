"""Rules for the people data Teamline holds: names, dates of birth, NHS numbers, usernames, emails; who is senior."""

from __future__ import annotations

import re
from datetime import date

from chalicelib.errors import ValidationError

_NAME = re.compile(r"^[^\x00-\x1f<>{}]{1,60}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,29}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,200}\.[A-Za-z]{2,}$")


def clean_name(value: object, *, field: str, label: str) -> str:
    """A person's given or family name: 1-60 characters, no markup."""
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError(f"Enter the {label}.", field=field)
    if not _NAME.match(text):
        raise ValidationError(f"The {label} must be 60 characters or fewer and contain no < > {{ }}.", field=field)
    return text


def clean_date_of_birth(value: object, *, today: date, field: str = "date_of_birth") -> str:
    """A date of birth as YYYY-MM-DD, in the past, for someone aged 0-30 (Teamline serves young people)."""
    text = str(value or "").strip()
    try:
        born = date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError("Enter the date of birth as a real date, for example 2010-03-27.", field=field) from exc
    if born >= today:
        raise ValidationError("The date of birth must be in the past.", field=field)
    if today.year - born.year > 30:
        raise ValidationError("Teamline is for young people aged up to 30. Check the date of birth.", field=field)
    return born.isoformat()


def clean_dob_parts(day: object, month: object, year: object, *, today: date, field: str = "date_of_birth") -> str:
    """A date of birth typed as day, month and year boxes (the NHS.UK date input)."""
    try:
        built = date(int(str(year).strip()), int(str(month).strip()), int(str(day).strip()))
    except (TypeError, ValueError) as exc:
        raise ValidationError("Enter your date of birth as a real date, for example 27 3 2010.", field=field) from exc
    return clean_date_of_birth(built.isoformat(), today=today, field=field)


def clean_nhs_number(value: object, *, field: str = "nhs_number") -> str | None:
    """An optional NHS number: 10 digits with a valid check digit (the ``nhs-number`` package)."""
    import nhs_number

    text = re.sub(r"[\s-]", "", str(value or ""))
    if not text:
        return None
    if not text.isdigit() or len(text) != 10 or not nhs_number.is_valid(text):
        raise ValidationError("Enter a valid 10-digit NHS number, or leave it blank.", field=field)
    return text


def clean_username(value: object, *, field: str = "username") -> str:
    """A patient's chosen username: 3-30 of a-z, 0-9, dot, dash, underscore."""
    text = str(value or "").strip().lower()
    if not _USERNAME.match(text):
        raise ValidationError(
            "Choose a username of 3 to 30 letters or numbers (you can also use . - _).", field=field
        )
    return text


def clean_email(value: object, *, field: str = "email") -> str:
    """A staff email address, lower-cased."""
    text = str(value or "").strip().lower()
    if not _EMAIL.match(text):
        raise ValidationError("Enter an email address like name@nhs.net.", field=field)
    return text


#: Team roles that are senior by definition: the team lead.
SENIOR_ROLES = frozenset({"lead"})


def takes_escalations(team_role: str | None, marked_senior: bool) -> bool:
    """Whether a member of a team can be escalated to: a consultant or senior clinician of that team.

    The one rule for it (the escalate form offers only these people, and the escalation refuses anyone
    else). Job titles are free text a Trust admin types ("Consultant", "Clinical nurse specialist",
    "ST3"...), so seniority is never guessed from them; it is explicit. The team lead is senior by their
    role; any other clinician is senior when the team lead has marked them so (team settings, "Who takes
    escalations"). Someone with no role in the team (``team_role`` None) never is, whatever the mark says.
    """
    if team_role is None:
        return False
    return team_role in SENIOR_ROLES or marked_senior
