"""Jinja filters Teamline's templates use."""

from __future__ import annotations

from typing import Any


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split()[:2]).upper()


def install(env: Any) -> None:
    """Register the filters on a Jinja environment."""
    env.filters["initials"] = _initials
