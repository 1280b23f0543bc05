"""Turning the safety forms into values: urgent-line rows, switched-on presets, a review date in the team's timezone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.team_safety import MAX_LINES
from chalicelib.errors import ValidationError


def line_rows(form: Mapping[str, str]) -> list[dict[str, str]]:
    """The lines form's rows (``line_0_name``, ``line_0_phone``, ``line_0_when``...), in order."""
    return [{key: form.get(f"line_{i}_{key}", "") for key in ("name", "phone", "when")} for i in range(MAX_LINES)]


def chosen_presets(form: Mapping[str, str], known: list[str]) -> list[str]:
    """The condition presets ticked (``preset_<id>=yes``)."""
    return [p for p in known if form.get(f"preset_{p}") == "yes"]


def review_date(value: object, tz: str) -> datetime:
    """A ``date`` input (``2026-12-24``) as the start of that day in the team's timezone (when a step lapses)."""
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise ValidationError("Enter a review date, for example 24/12/2026.", field="review_at") from exc
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))


def checked(form: Mapping[str, Any], name: str) -> bool:
    return str(form.get(name) or "") == "yes"
