"""Drive, locally, the handlers ``chalice local`` never runs: schedules and stream events.

In AWS, EventBridge runs the scheduled handlers and Lambda reads the DynamoDB stream. Locally this
driver does both from the ``make run`` process by calling the same handler functions, so the local
app behaves like the deployed one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Schedule:
    """Run ``handler`` every ``every`` seconds."""

    name: str
    every: float
    handler: Callable[[], None]
    next_run: float = field(default=0.0)


class LocalEventDriver:
    """Calls the app's scheduled and stream handlers on a timer."""

    def __init__(self, schedules: list[Schedule] | None = None, stream_pollers: list[Callable[[], int]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.schedules = schedules if schedules is not None else default_schedules()
        self.stream_pollers = stream_pollers if stream_pollers is not None else default_stream_pollers()
        self.monotonic = monotonic

    def tick(self) -> None:
        """Run whatever is due, and deliver any new stream records."""
        now = self.monotonic()
        for schedule in self.schedules:
            if now >= schedule.next_run:
                schedule.next_run = now + schedule.every
                schedule.handler()
        for poll in self.stream_pollers:
            poll()


def default_schedules() -> list[Schedule]:
    """The app's scheduled handlers, at the rates app.py declares for EventBridge."""
    from chalicelib.api import jobs

    return [Schedule("mark_overdue", 15 * 60, jobs.sweep_overdue)]


def default_stream_pollers() -> list[Callable[[], int]]:
    """The app's stream consumers (added as features need them)."""
    return []
