"""Scheduled jobs. In AWS EventBridge runs them; ``make run`` calls the same functions on a timer."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

from chalicelib import clock
from chalicelib.logs import log_event
from chalicelib.services import overdue

bp = Blueprint(__name__)


def sweep_overdue() -> overdue.SweepResult:
    """Mark overdue conversations now, and log what was done (ids and counts only)."""
    result = overdue.run_sweep(clock.now())
    log_event("overdue_sweep", count=result.marked, kind="overdue", outcome=f"{result.teams} teams")
    return result


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="mark_overdue")
def mark_overdue(event: Any) -> None:
    sweep_overdue()
