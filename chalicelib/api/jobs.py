"""Background handlers: the overdue sweep (scheduled) and push delivery (the main table's stream).

In AWS, EventBridge and Lambda's stream reader call these; ``make run`` calls the same functions
itself (scripts/drivers.py), because ``chalice local`` runs neither.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

from chalicelib import clock
from chalicelib.logs import log_event
from chalicelib.services import overdue
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


def sweep_overdue() -> overdue.SweepResult:
    """Mark overdue conversations now, and log what was done (ids and counts only)."""
    result = overdue.run_sweep(clock.now())
    log_event("overdue_sweep", count=result.marked, kind="overdue", outcome=f"{result.teams} teams")
    return result


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="mark_overdue")
def mark_overdue(event: Any) -> None:
    sweep_overdue()


#: Chalice needs a stream ARN when the app is loaded; `make deploy` sets TEAMLINE_MAIN_STREAM_ARN to the main
#: table's stream (an output of the infrastructure stack) before `chalice deploy` loads the app.
STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:eu-west-2:000000000000:table/teamline-main/stream/1970-01-01T00:00:00.000"


def deliver_pushes(images: list[dict[str, Any]]) -> Any:
    """Push notifications for newly stored messages (the push code is loaded only in this function's Lambda)."""
    from chalicelib.push import dispatch

    return dispatch.handle_new_images(images, now=clock.now(), send=dispatch.default_send)


@bp.on_dynamodb_record(stream_arn=get_settings().main_stream_arn or STREAM_ARN_PLACEHOLDER, batch_size=25,
                       starting_position="LATEST", name="deliver_push")
def on_main_table_change(event: Any) -> None:
    deliver_pushes([record.new_image for record in event if record.event_name == "INSERT" and record.new_image])
