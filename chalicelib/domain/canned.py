"""Canned replies: a team's saved answers, with placeholders filled in before the clinician edits and sends. Pure.

Placeholders are checked when the lead saves a reply (an unknown one is a clear error, never a
surprise in a message to a young person) and filled when a clinician inserts one into the reply box.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from chalicelib.domain.availability import WEEKDAY_NAMES, AvailabilityPolicy
from chalicelib.domain.rota import clock_text
from chalicelib.errors import ValidationError

PLACEHOLDERS = ("patient_first_name", "named_contact", "team_hours")
MAX_TITLE = 80
MAX_BODY = 2000


def _unknown(body: str, field: str) -> list[str]:
    try:
        fields = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise ValidationError("A { or } is missing its partner. Placeholders look like {patient_first_name}.",
                              field=field) from exc
    unknown: list[str] = []
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if spec or conversion is not None or name not in PLACEHOLDERS:
            unknown.append("{" + name + "}")
    return unknown


def check_reply(title: object, body: object) -> tuple[str, str]:
    """A canned reply's title and text, trimmed, if both are usable; else a ValidationError naming the field."""
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("Give the reply a short title.", field="title")
    if len(title.strip()) > MAX_TITLE:
        raise ValidationError(f"Keep the title to {MAX_TITLE} characters or fewer.", field="title")
    if not isinstance(body, str) or not body.strip():
        raise ValidationError("Write the reply's text.", field="body")
    if len(body.strip()) > MAX_BODY:
        raise ValidationError(f"Keep the reply to {MAX_BODY} characters or fewer.", field="body")
    unknown = _unknown(body.strip(), "body")
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ValidationError(f"Unknown placeholder {', '.join(unknown)}. You can use: {allowed}.", field="body")
    return title.strip(), body.strip()


def fill(body: str, values: Mapping[str, str]) -> str:
    """The reply with its placeholders filled (a checked reply only uses known ones)."""
    return body.format_map({name: values.get(name, "") for name in PLACEHOLDERS})


def team_hours(policy: AvailabilityPolicy) -> str:
    """The team's weekly hours in words: "Monday to Friday, 9am to 5pm"."""
    by_day: list[str] = []
    for weekday in range(7):
        spans = sorted((w.start, w.end) for w in policy.windows if w.weekday == weekday)
        by_day.append(", ".join(f"{clock_text(a)} to {clock_text(b) if b else 'midnight'}" for a, b in spans))
    groups: list[tuple[int, int, str]] = []
    for weekday, text in enumerate(by_day):
        if groups and groups[-1][2] == text and groups[-1][1] == weekday - 1:
            groups[-1] = (groups[-1][0], weekday, text)
        else:
            groups.append((weekday, weekday, text))
    parts = []
    for first, last, text in groups:
        if not text:
            continue
        days = WEEKDAY_NAMES[first] if first == last else f"{WEEKDAY_NAMES[first]} to {WEEKDAY_NAMES[last]}"
        parts.append(f"{days}, {text}")
    return "; ".join(parts) or "no regular hours"
