"""The communication agreement: what messaging a team is for, in words a young person reads, versioned per team. Pure.

LYNC: "keep service users aware of the scope and purpose of available digital communications" and "set reasonable
expectations from the start". Every team starts with a good default; the team lead can reword the parts that are
theirs to decide and publish a new version, which every patient accepts before their next message. Two parts are
Teamline's and cannot be edited away: that it is not for emergencies, and that red-flag words are flagged openly.
Opening hours and reply times are filled in from the team's policy when the agreement is shown, so they are never
out of date (changing the hours is not a new version: the live hours are shown everywhere anyway).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, NamedTuple

from chalicelib.domain.availability import WEEKDAY_NAMES, AvailabilityPolicy, ReplyTarget, _clock_words
from chalicelib.errors import ValidationError

MAX_SECTION = 600
PLACEHOLDERS = ("team_name", "hours", "reply_target")


class Section(NamedTuple):
    key: str
    heading: str
    default: str
    editable: bool


SECTIONS: tuple[Section, ...] = (
    Section("purpose", "What messaging is for",
            "Ask about your care between visits. Ask about your treatment or your medicines. Tell us about a "
            "problem that is not urgent, or how you feel.", True),
    Section("not_emergencies", "It is not for emergencies",
            "The team does not read messages all the time. So a message is never the way to get help fast. If you "
            "need help now, use the numbers next to the message box. They are your team's own line, 999 or A&E, "
            "NHS 111, Shout, Childline and Samaritans.", False),
    Section("hours", "When the team reads messages",
            "The {team_name} team reads messages {hours}. They aim to reply within {reply_target}. If you write when "
            "they are closed, you get an automatic reply saying when they will see it.", True),
    Section("who_reads", "Who reads your messages",
            "Your care team, not one person. Whoever is working that day reads and answers. They may talk about what "
            "you write with other people caring for you.", True),
    Section("record", "Your health record",
            "Messages are kept and may be added to your health record, like notes from an appointment.", True),
    Section("red_flags", "When something sounds urgent",
            "If you write that you might hurt yourself, that you are not safe, or that you are very ill, Teamline "
            "shows you who to call right away, before you send. You can still send it. The team will see that it "
            "is urgent.", False),
    Section("misuse", "Keeping messaging fair",
            "If there are too many messages for the team, they will talk with you first. They might agree a plan "
            "with you. They might limit how many messages you can send for a while, or pause them. Each step has a "
            "reason and a date to look at it again. You can always see what you both agreed.", True),
)
EDITABLE = tuple(s.key for s in SECTIONS if s.editable)


class Agreement(NamedTuple):
    """A team's current agreement: its version, the sections the lead reworded, and who published it when."""

    version: int
    texts: dict[str, str]
    published_at: datetime | None
    published_by: str

    def to_stored(self) -> dict[str, Any]:
        return {"version": self.version, "texts": dict(self.texts),
                "published_at": self.published_at.isoformat() if self.published_at else None,
                "published_by": self.published_by}


def parse_agreement(stored: Mapping[str, Any] | None) -> Agreement:
    """The stored agreement, or version 1: Teamline's default."""
    if not stored:
        return Agreement(1, {}, None, "")
    published = stored.get("published_at")
    return Agreement(int(stored.get("version") or 1), dict(stored.get("texts") or {}),
                     datetime.fromisoformat(published) if published else None, str(stored.get("published_by") or ""))


def section_text(agreement: Agreement, key: str) -> str:
    """The words of one section as the team has them (before the hours are filled in)."""
    section = next(s for s in SECTIONS if s.key == key)
    return agreement.texts.get(key, section.default) if section.editable else section.default


def render(agreement: Agreement, *, team_name: str, availability: AvailabilityPolicy) -> list[dict[str, str]]:
    """The agreement as shown: every section's heading and text, with the team's hours and reply time filled in."""
    values = {"team_name": team_name, "hours": hours_text(availability),
              "reply_target": reply_target_text(availability.reply_target)}
    shown = []
    for section in SECTIONS:
        parts = []
        for literal, name, _, _ in string.Formatter().parse(section_text(agreement, section.key)):
            parts.append(literal)
            if name is not None:
                parts.append(values.get(name, ""))
        shown.append({"key": section.key, "heading": section.heading, "text": "".join(parts)})
    return shown


def clean_texts(raw: Mapping[str, object]) -> dict[str, str]:
    """The lead's wording for the editable sections; a text equal to the default is not stored (defaults improve)."""
    cleaned: dict[str, str] = {}
    for section in SECTIONS:
        if not section.editable or section.key not in raw:
            continue
        field = f"agreement_{section.key}"
        text = " ".join(str(raw[section.key] or "").split())
        if not text:
            raise ValidationError(f'Write the "{section.heading}" part; it cannot be empty.', field=field)
        if len(text) > MAX_SECTION:
            raise ValidationError(f"Keep each part to {MAX_SECTION} characters or fewer.", field=field)
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        except ValueError as exc:
            raise ValidationError("A { or } is missing its partner. Placeholders look like {hours}.",
                                  field=field) from exc
        unknown = [n for n in names if n not in PLACEHOLDERS]
        if unknown:
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise ValidationError(f"Unknown placeholder {{{unknown[0]}}}. You can use {allowed}.", field=field)
        if text != section.default:
            cleaned[section.key] = text
    return cleaned


def published(current: Agreement, texts: dict[str, str], now: datetime, by: str) -> Agreement:
    """The next version of the agreement with these texts: every patient accepts it before their next message."""
    return Agreement(current.version + 1, texts, now, by)


# --- words for hours -------------------------------------------------------------------------------------------


def _clock(value: time | None) -> str:
    """ "9am", "12:30pm", "midday"; a window ending at ``None`` ends at midnight."""
    return "midnight" if value is None else _clock_words(datetime.combine(date(2026, 1, 1), value))


def hours_text(policy: AvailabilityPolicy) -> str:
    """The weekly hours in words: "Monday to Friday, 9am to 5pm, and Saturday, 10am to 1pm"."""
    by_day: dict[int, str] = {}
    for day in range(7):
        spans = sorted((w for w in policy.windows if w.weekday == day), key=lambda w: w.start)
        if spans:
            by_day[day] = " and ".join(f"{_clock(w.start)} to {_clock(w.end)}" for w in spans)
    if not by_day:
        return "only at the times they tell you"
    groups: list[tuple[int, int, str]] = []
    for day in sorted(by_day):
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == by_day[day]:
            groups[-1] = (groups[-1][0], day, by_day[day])
        else:
            groups.append((day, day, by_day[day]))
    phrases = [f"{_days(first, last)}, {spans}" for first, last, spans in groups]
    listed = phrases[0] if len(phrases) == 1 else "; ".join(phrases[:-1]) + "; and " + phrases[-1]
    return f"{listed} (not on bank holidays)"


def _days(first: int, last: int) -> str:
    if first == last:
        return WEEKDAY_NAMES[first]
    if last == first + 1:
        return f"{WEEKDAY_NAMES[first]} and {WEEKDAY_NAMES[last]}"
    return f"{WEEKDAY_NAMES[first]} to {WEEKDAY_NAMES[last]}"


def reply_target_text(target: ReplyTarget) -> str:
    """ "1 working day", "4 working hours"."""
    unit = "working day" if target.unit == "working_days" else "working hour"
    return f"{target.amount} {unit}{'' if target.amount == 1 else 's'}"
