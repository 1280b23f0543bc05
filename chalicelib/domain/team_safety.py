"""A team's safety settings: its own urgent lines, its red-flag words, who is told out of hours, its daily cap. Pure.

These are team policy (data the lead edits, kept in the team's item, cached per policy version with the rest of the
policy), so the red-flag and cap checks on a send cost no round trip. The Trust's own lines are set by a Trust admin
and copied onto each team's item for the same reason.

Checks here turn what a lead typed into values, or raise a ValidationError naming the field; nothing half-valid is
kept. Storage shapes are plain dicts (``to_stored``) so the team's JSON attribute stays readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from chalicelib.domain import red_flags
from chalicelib.domain.agreement import Agreement, parse_agreement
from chalicelib.domain.safety import CRISIS_ROUTES, EMERGENCY_ROUTES, EmergencyRoute, routes_with
from chalicelib.errors import ValidationError

MAX_LINES = 3
MAX_NAME = 60
MAX_WHEN = 140
MAX_OWN_PHRASES = 60
MAX_ADVICE = 300
MAX_DAILY_NEW = 500
_PHONE_CHARS = re.compile(r"^[0-9 +()\-]+$")
DEFAULT_ADVICE = "What you wrote may need checking quickly."


class UrgentLine(NamedTuple):
    """A number that matters for a team's patients: "Acute oncology 24-hour line", "0161 446 3658", when to ring it."""

    name: str
    phone: str
    when: str = ""

    @property
    def href(self) -> str:
        return "tel:" + ("+" if self.phone.strip().startswith("+") else "") + re.sub(r"\D", "", self.phone)

    @property
    def route(self) -> EmergencyRoute:
        """The line as the routes shown with every compose box and auto-reply."""
        when = f" ({self.when})" if self.when else ""
        return EmergencyRoute(self.name, f"call the {self.name} on {self.phone}{when}", self.href)

    def to_stored(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "when": self.when}


class SafetyPolicy(NamedTuple):
    """Everything about a team that the red-flag check, the caps and the help-now routes need."""

    lines: tuple[UrgentLine, ...] = ()
    trust_lines: tuple[UrgentLine, ...] = ()
    presets: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    advice: str = DEFAULT_ADVICE
    #: Someone in the team is on call out of hours: urgent conversations notify staff at any time.
    on_call: bool = True
    #: The most new conversations the team takes a day (None: no cap).
    daily_new_limit: int | None = None
    agreement: Agreement = parse_agreement(None)

    @property
    def own_lines(self) -> tuple[UrgentLine, ...]:
        """The team's lines, then the Trust's."""
        return (*self.lines, *self.trust_lines)

    @property
    def routes(self) -> tuple[EmergencyRoute, ...]:
        """Every way to get help now, the team's and Trust's own lines first."""
        return routes_with(line.route for line in self.own_lines)

    @property
    def crisis_routes(self) -> tuple[EmergencyRoute, ...]:
        """For thoughts of suicide, self-harm or not being safe: 999 and the crisis lines, then the team's own."""
        return (*CRISIS_ROUTES, *(line.route for line in self.own_lines))

    @property
    def first_line(self) -> UrgentLine | None:
        """The line a condition red flag tells the young person to ring (None: NHS 111 and 999 instead)."""
        own = self.own_lines
        return own[0] if own else None

    @property
    def matcher(self) -> red_flags.Matcher:
        """The compiled red-flag phrases: crisis (always), the team's presets, its own words."""
        return _matcher(self.presets, self.phrases)

    def advice_for(self, category: str) -> str:
        """What the pre-send panel and the urgent auto-reply say about a condition red flag."""
        _, _, name = category.partition(".")
        preset = red_flags.shipped().presets.get(name)
        return preset.advice if preset else self.advice

    def to_stored(self) -> dict[str, Any]:
        return {"lines": [line.to_stored() for line in self.lines], "presets": list(self.presets),
                "phrases": list(self.phrases), "advice": self.advice, "on_call": self.on_call,
                "daily_new_limit": self.daily_new_limit}


def national_routes() -> tuple[EmergencyRoute, ...]:
    return EMERGENCY_ROUTES


# --- reading what is stored -----------------------------------------------------------------------------------


def _stored_lines(raw: Iterable[Mapping[str, Any]] | None) -> tuple[UrgentLine, ...]:
    return tuple(UrgentLine(str(line["name"]), str(line["phone"]), str(line.get("when") or "")) for line in raw or ())


def build_safety(stored: Mapping[str, Any] | None, trust_lines: Iterable[Mapping[str, Any]] | None,
                 agreement: Mapping[str, Any] | None) -> SafetyPolicy:
    """A team's safety settings from its item (absent parts take the defaults)."""
    data = stored or {}
    limit = data.get("daily_new_limit")
    return SafetyPolicy(
        lines=_stored_lines(data.get("lines")),
        trust_lines=_stored_lines(trust_lines),
        presets=tuple(p for p in data.get("presets") or () if p in red_flags.shipped().presets),
        phrases=tuple(data.get("phrases") or ()),
        advice=str(data.get("advice") or DEFAULT_ADVICE),
        on_call=bool(data.get("on_call", True)),
        daily_new_limit=int(limit) if limit else None,
        agreement=parse_agreement(agreement),
    )


@lru_cache(maxsize=64)
def _matcher(presets: tuple[str, ...], phrases: tuple[str, ...]) -> red_flags.Matcher:
    """Compiled once per distinct set of words per container (a few milliseconds), then shared."""
    return red_flags.team_matcher(presets, phrases)


# --- checking what a lead or admin typed ------------------------------------------------------------------------


def clean_text(value: object, limit: int, field: str, what: str, *, required: bool, seen_by: str = "") -> str:
    """One line of text someone typed, spaces tidied; ValidationError naming ``field`` if empty (when required) or
    too long. ``seen_by`` ends the "write it" message ("The young person sees it.")."""
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError(f"Write the {what}.{' ' + seen_by if seen_by else ''}", field=field)
    if len(text) > limit:
        raise ValidationError(f"Keep the {what} to {limit} characters or fewer.", field=field)
    return text


def clean_line(raw: Mapping[str, Any], index: int) -> UrgentLine | None:
    """One line from a form (``name``, ``phone``, ``when``); None if all three are empty."""
    values = {k: " ".join(str(raw.get(k) or "").split()) for k in ("name", "phone", "when")}
    if not any(values.values()):
        return None
    name = clean_text(values["name"], MAX_NAME, f"line_{index}_name", "name of the line", required=True)
    phone = values["phone"]
    digits = re.sub(r"\D", "", phone)
    if not phone or not _PHONE_CHARS.match(phone) or not 3 <= len(digits) <= 15:
        raise ValidationError("Write the phone number with digits and spaces only, like 0161 446 3658.",
                              field=f"line_{index}_phone")
    when = clean_text(values["when"], MAX_WHEN, f"line_{index}_when", "note on when to ring it", required=False)
    return UrgentLine(name, phone, when)


def clean_lines(raw: Sequence[Mapping[str, Any]]) -> tuple[UrgentLine, ...]:
    """Up to three lines, in the order given; empty rows are dropped."""
    if len(raw) > MAX_LINES:
        raise ValidationError(f"Add up to {MAX_LINES} lines.", field="lines")
    return tuple(line for index, row in enumerate(raw) if (line := clean_line(row, index)) is not None)


def clean_red_flags(presets: Iterable[str], phrases_text: str, advice: object) -> tuple[tuple[str, ...],
                                                                                          tuple[str, ...], str]:
    """The presets switched on, the team's own phrases (one a line, each checked), and the advice shown for them."""
    known = red_flags.shipped().presets
    chosen = tuple(p for p in dict.fromkeys(presets) if p)
    unknown = [p for p in chosen if p not in known]
    if unknown:
        raise ValidationError(f"There is no red-flag list called {unknown[0]!r}.", field="presets")
    phrases = tuple(dict.fromkeys(line.strip() for line in str(phrases_text or "").splitlines() if line.strip()))
    if len(phrases) > MAX_OWN_PHRASES:
        raise ValidationError(f"Add up to {MAX_OWN_PHRASES} phrases of your own.", field="phrases")
    for phrase in phrases:
        red_flags.parse_phrase(phrase)  # raises naming the phrase
    text = clean_text(advice, MAX_ADVICE, "advice", "advice shown with your own words", required=bool(phrases))
    return chosen, phrases, text or DEFAULT_ADVICE


def clean_daily_limit(value: object) -> int | None:
    """The most new conversations a day (empty: no cap)."""
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAILY_NEW:
        raise ValidationError(f"Write a whole number from 1 to {MAX_DAILY_NEW}, or leave it empty for no cap.",
                              field="daily_new_limit")
    return int(text)
