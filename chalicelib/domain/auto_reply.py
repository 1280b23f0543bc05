"""Auto-replies: which one applies, what it says, and how often a patient gets one.

LYNC recommends a bounce-back when the team is closed or a named contact is away. This module chooses the kind of
auto-reply from an availability ``Status``, checks the team's editable templates, renders them, and adds the safety
footer that teams cannot edit. It is pure: the caller passes in the status, who is away and the values to fill in.

Wording rule: an auto-reply is sent by the system, so it never implies that a person has read the message.

No-flood rule: one auto-reply per conversation per *period key*. A patient who sends several messages in one closed
period gets one auto-reply for that period and a reply-by on each message. A closed period is one contiguous closed
span (``closed:<period_id>``, the UTC instant the team next opens), however many reasons it passes through (e.g. Friday
evening into a bank holiday Monday). While the team is open but the assigned clinician is away, the key is
``away:<staff id>:<away until, UTC ISO>``, so a new absence or a different assigned clinician earns a fresh auto-reply.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from chalicelib.domain.availability import Status
from chalicelib.domain.safety import EMERGENCY_ROUTES, EmergencyRoute, help_now_sentence
from chalicelib.errors import ValidationError

Kind = Literal["out_of_hours", "bank_holiday", "closure", "paused", "staff_away"]
KINDS: tuple[Kind, ...] = ("out_of_hours", "bank_holiday", "closure", "paused", "staff_away")
MAX_TEMPLATE_CHARS = 1000
_CLOSED_KINDS: dict[str, Kind] = {kind: kind for kind in KINDS if kind != "staff_away"}

PLACEHOLDERS: tuple[str, ...] = (
    "team_name", "next_opening", "reply_by", "closure_reason", "pause_reason",
    "holiday_name", "cover_name", "cover_role", "assigned_name", "named_contact", "named_contact_from",
)  # fmt: skip

#: The rota's named contact ("Sam (Specialist nurse)") and when they will see the message: any kind may use them.
_ROTA = frozenset({"named_contact", "named_contact_from"})
_CLOSED_COMMON = frozenset({"team_name", "next_opening", "reply_by"}) | _ROTA
ALLOWED_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "out_of_hours": _CLOSED_COMMON,
    "bank_holiday": _CLOSED_COMMON | {"holiday_name"},
    "closure": _CLOSED_COMMON | {"closure_reason"},
    "paused": _CLOSED_COMMON | {"pause_reason"},
    # The team is open when a clinician is away, so there is no next opening to name.
    "staff_away": frozenset({"team_name", "reply_by", "assigned_name", "cover_name", "cover_role"}) | _ROTA,
}

DEFAULT_TEMPLATES: dict[str, str] = {
    "out_of_hours": (
        "Thanks for your message. The {team_name} team is closed right now and will open again {next_opening}. "
        "Your message is safe and the team will see it then."
    ),
    "bank_holiday": (
        "Thanks for your message. The {team_name} team is closed for {holiday_name} and will open again "
        "{next_opening}. Your message is safe and the team will see it then."
    ),
    "closure": (
        "Thanks for your message. The {team_name} team is closed right now ({closure_reason}) and will open again "
        "{next_opening}. Your message is safe and the team will see it then."
    ),
    "paused": (
        "Thanks for your message. Messages to the {team_name} team are paused right now ({pause_reason}). "
        "They start again {next_opening}. Your message is safe and the team will see it then."
    ),
    "staff_away": (
        "Thanks for your message. {assigned_name} is away, so {cover_name} ({cover_role}) is covering for them. "
        "Your message is safe with the {team_name} team."
    ),
}


@dataclass(frozen=True)
class AwayInfo:
    """The patient's assigned clinician is away until ``until``; ``cover_name`` (``cover_role``) is covering."""

    staff_name: str
    cover_name: str
    cover_role: str
    until: datetime


def _field_path(kind: str) -> str:
    return f"auto_replies.{kind}"


def _placeholder_list(names: frozenset[str]) -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS if name in names)


def validate_template(kind: str, text: str) -> str:
    """Return the template (trimmed) if it is usable for ``kind``; raise ValidationError naming what is wrong."""
    if kind not in ALLOWED_PLACEHOLDERS:
        raise ValidationError(f"There is no auto-reply called {kind!r}.", field="auto_replies")
    path = _field_path(kind)
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("Write the auto-reply text; it cannot be empty.", field=path)
    text = text.strip()
    if len(text) > MAX_TEMPLATE_CHARS:
        raise ValidationError(f"Keep the auto-reply to {MAX_TEMPLATE_CHARS} characters or fewer.", field=path)
    allowed = ALLOWED_PLACEHOLDERS[kind]
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(
            "A { or } is missing its partner. Placeholders look like {team_name}; write {{ or }} for a plain brace.",
            field=path,
        ) from exc
    unknown: list[str] = []
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if spec or conversion is not None or not name.isidentifier():
            # Format specs, conversions, attribute and index access ({x.y}, {x[0]}, {x!r}) could reach into objects.
            shown = "{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
            raise ValidationError(
                f"{shown} is not a placeholder. Placeholders are plain names like {{team_name}}.", field=path
            )
        if name not in allowed and name not in unknown:
            unknown.append(name)
    if unknown:
        named = ", ".join("{" + name + "}" for name in unknown)
        noun = "placeholder" if len(unknown) == 1 else "placeholders"
        raise ValidationError(
            f"Unknown {noun} {named}. You can use: {_placeholder_list(allowed)}.", field=path, unknown=unknown
        )
    return text


def render(kind: str, template: str, values: dict[str, str]) -> str:
    """Fill a validated template with ``values``; every placeholder it uses must have a value."""
    text = validate_template(kind, template)
    parts: list[str] = []
    # Substituting by hand rather than str.format keeps values literal even if they contain braces.
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            if name not in values:
                raise ValueError(f"no value for {{{name}}} in the {kind} auto-reply")
            parts.append(values[name])
    return "".join(parts)


def safety_footer(reply_by_text: str, routes: tuple[EmergencyRoute, ...] = EMERGENCY_ROUTES) -> str:
    """Return the footer the system appends to every auto-reply: when the team aims to reply, and help-now routes.

    ``routes`` are the team's and Trust's own urgent lines followed by the national ones
    (``chalicelib.domain.team_safety.SafetyPolicy.routes``).
    """
    return f"The team aims to reply by {reply_by_text}. Teamline is not for emergencies. {help_now_sentence(routes)}"


def compose(kind: str, template: str, values: dict[str, str],
            routes: tuple[EmergencyRoute, ...] = EMERGENCY_ROUTES) -> str:
    """Return the full auto-reply: the rendered template, a blank line, then the safety footer (uses ``reply_by``)."""
    return render(kind, template, values) + "\n\n" + safety_footer(values["reply_by"], routes)


def choose(status: Status, *, assigned_away: AwayInfo | None) -> Kind | None:
    """Return which auto-reply applies: the closed reason, else ``staff_away`` if the assigned clinician is away."""
    if not status.open:
        return _CLOSED_KINDS[status.reason]
    if assigned_away is not None:
        return "staff_away"
    return None


def period_key(status: Status, away: AwayInfo | None, assigned_staff_id: str | None) -> str | None:
    """Return the no-flood key (one auto-reply per conversation per key), or None when no auto-reply applies."""
    if not status.open:
        return f"closed:{status.period_id}"
    if away is None:
        return None
    if not assigned_staff_id:
        raise ValueError("an away clinician needs the assigned staff id to key the auto-reply")
    # UTC so the same absence gives the same key whichever offset it was stored with.
    return f"away:{assigned_staff_id}:{away.until.astimezone(UTC).isoformat()}"
