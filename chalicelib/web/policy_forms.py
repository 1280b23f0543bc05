"""Turn the team-settings forms into policy data, and policy data back into form values.

The tablet form shows one text box per weekday ("09:00-12:30, 13:30-17:00"; empty means closed).
Errors from the policy rules name windows by index; they are mapped back to the weekday's box so the
page can point at the right field.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.availability import WEEKDAY_NAMES, AvailabilityPolicy, policy_to_dict
from chalicelib.errors import ValidationError

_RANGE = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*(?:-|–|to)\s*(\d{1,2}[:.]\d{2}|24[:.]00)\s*$")


def _hhmm(text: str) -> str:
    hours, minutes = re.split(r"[:.]", text)
    return f"{int(hours):02d}:{minutes}"


def parse_day(day: int, text: str) -> list[dict[str, Any]]:
    """Parse one weekday's box: comma-separated ranges like ``09:00-12:30``."""
    windows = []
    for part in [p for p in re.split(r"[,;]", text or "") if p.strip()]:
        match = _RANGE.match(part)
        if not match:
            raise ValidationError(
                f"Write {WEEKDAY_NAMES[day]}'s hours like 09:00-12:30, 13:30-17:00 (or leave it empty if closed).",
                field=f"hours_{day}",
            )
        windows.append({"weekday": day, "start": _hhmm(match.group(1)), "end": _hhmm(match.group(2))})
    return windows


def day_texts(policy: AvailabilityPolicy) -> dict[str, str]:
    """Form values for the seven weekday boxes."""
    data = policy_to_dict(policy)
    texts: dict[str, list[str]] = {f"hours_{d}": [] for d in range(7)}
    for window in sorted(data["windows"], key=lambda w: (w["weekday"], w["start"])):
        texts[f"hours_{window['weekday']}"].append(f"{window['start']}-{window['end']}")
    return {key: ", ".join(values) for key, values in texts.items()}


def hours_form_to_policy(form: dict[str, str], current: AvailabilityPolicy) -> dict[str, Any]:
    """Build the policy dict from the hours form, keeping the current closures and pause."""
    windows: list[dict[str, Any]] = []
    for day in range(7):
        windows.extend(parse_day(day, form.get(f"hours_{day}", "")))
    data = policy_to_dict(current)
    data["windows"] = windows
    data["timezone"] = (form.get("timezone") or "Europe/London").strip()
    data["nation"] = form.get("nation") or "england_wales"
    amount = (form.get("reply_amount") or "").strip()
    if not amount.isdigit():
        raise ValidationError("Enter the reply target as a whole number.", field="reply_amount")
    data["reply_target"] = {"unit": form.get("reply_unit") or "working_days", "amount": int(amount)}
    return data


def form_field(error: ValidationError, data: dict[str, Any]) -> str | None:
    """Map a policy error's field (``windows.3.end``) to the form box it came from (``hours_2``)."""
    field = error.field or ""
    match = re.match(r"^windows\.(\d+)", field)
    if match:
        index = int(match.group(1))
        windows = data.get("windows") or []
        if index < len(windows):
            return f"hours_{windows[index]['weekday']}"
    if field.startswith("reply_target"):
        return "reply_amount"
    return field or None


def point_at_day(error: ValidationError, data: dict[str, Any]) -> ValidationError:
    """Point a policy error at its weekday's box, and name the day in the message.

    The error summary is read on its own (and first, by a screen reader): "This window overlaps another
    window on the same day" there does not say which of seven boxes is wrong.
    """
    error.field = form_field(error, data)
    match = re.fullmatch(r"hours_(\d)", error.field or "")
    if match:
        day = WEEKDAY_NAMES[int(match.group(1))]
        if day not in error.message:
            error.message = f"{day}: {error.message[:1].lower()}{error.message[1:]}"
    return error


def local_datetime(value: str | None, tz: str, *, field: str) -> datetime:
    """Read a ``datetime-local`` input (``2026-12-24T13:00``) as a time in the team's timezone."""
    try:
        naive = datetime.fromisoformat((value or "").strip())
    except ValueError as exc:
        raise ValidationError("Enter a date and time, for example 24/12/2026 13:00.", field=field) from exc
    if naive.tzinfo is not None:
        return naive
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - the policy's zone is validated
        raise ValidationError("The team's timezone is not valid.", field="timezone") from exc
    return naive.replace(tzinfo=zone)
