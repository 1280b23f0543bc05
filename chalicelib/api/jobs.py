"""Background handlers: scheduled jobs and the main table's stream.

In AWS, EventBridge and Lambda's stream reader call these; ``make run`` calls the same functions
itself (scripts/drivers.py reads ``SCHEDULES``), because ``chalice local`` runs neither. A job is a
service function plus a line here: ``@every(minutes, "name")`` registers it with Chalice (and so with
``chalice deploy``) and with the local driver at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from chalice import Blueprint, Rate

from chalicelib import clock
from chalicelib.logs import log_event
from chalicelib.services import overdue, stream
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


class Job(NamedTuple):
    """A scheduled job: its name, how often it runs, and the function that does it (no arguments)."""

    name: str
    every_seconds: int
    run: Callable[[], Any]


SCHEDULES: list[Job] = []


def every(minutes: int, name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Run the decorated function every ``minutes`` in AWS (EventBridge) and under ``make run``."""
    def register(fn: Callable[[], Any]) -> Callable[[], Any]:
        SCHEDULES.append(Job(name, minutes * 60, fn))
        bp.schedule(Rate(minutes, unit=Rate.MINUTES), name=name)(lambda event: fn())
        return fn
    return register


@every(15, "mark_overdue")
def sweep_overdue() -> overdue.SweepResult:
    """Mark overdue conversations now, and log what was done (ids and counts only)."""
    result = overdue.run_sweep(clock.now())
    log_event("overdue_sweep", count=result.marked, kind="overdue", outcome=f"{result.teams} teams")
    return result


@every(5, "inbox_sweep")
def inbox_sweep() -> Any:
    """Give what waited for a named contact to them as their shift starts; set the inbox views' counts."""
    from chalicelib.services.routing import run_inbox_sweep

    result = run_inbox_sweep(clock.now())
    log_event("inbox_sweep", count=result.routed, kind="routed", outcome=f"{result.teams} teams")
    return result


@every(1, "retry_pushes")
def retry_pushes() -> Any:
    """Send again the pushes that failed for a passing reason and are due (the push code loads only here)."""
    from chalicelib.push.config import default_send
    from chalicelib.services.notifications import retry_due

    return retry_due(clock.now(), send=default_send)


@every(1, "make_exports")
def make_exports() -> int:
    """Make the transcripts and FHIR bundles of large exports (small ones are made when filed)."""
    from chalicelib.services.filing import make_pending

    return make_pending(clock.now())


@every(24 * 60, "records_reminder")
def remind_unfiled() -> int:
    """Daily: refresh each team's unfiled count and remind the leads of teams with conversations to file."""
    from chalicelib.services.records import run_unfiled_reminder

    return run_unfiled_reminder(clock.now())


@every(60, "retention")
def apply_retention() -> Any:
    """Hourly: carry on the day's retention pass from its checkpoint (a pass starts at most once a day)."""
    from chalicelib.services.retention import run_retention

    return run_retention(clock.now())


#: Chalice needs a stream ARN when the app is loaded; `make deploy` sets TEAMLINE_MAIN_STREAM_ARN to the main
#: table's stream (an output of the infrastructure stack) before `chalice deploy` loads the app.
STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:eu-west-2:000000000000:table/teamline-main/stream/1970-01-01T00:00:00.000"


def deliver_pushes(images: list[dict[str, Any]]) -> Any:
    """Run the stream consumers (push delivery first) over newly inserted items; returns push's result."""
    return stream.handle_inserts(images, clock.now())[0]


@bp.on_dynamodb_record(stream_arn=get_settings().main_stream_arn or STREAM_ARN_PLACEHOLDER, batch_size=25,
                       starting_position="LATEST", name="deliver_push")
def on_main_table_change(event: Any) -> None:
    deliver_pushes([record.new_image for record in event if record.event_name == "INSERT" and record.new_image])
