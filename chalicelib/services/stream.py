"""The main table's stream: every committed change, handed batch by batch to the consumers that care.

A stream record exists if and only if its write committed, so consumers never act on something that
was not stored. Each consumer gets the new images of inserted items and must be idempotent: Lambda
redelivers a batch that raised, to every consumer. Push delivery is the first consumer; others (the
workload dashboard's counters) join by adding themselves to ``CONSUMERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

Consumer = Callable[[list[dict[str, Any]], datetime], Any]


def _push(images: list[dict[str, Any]], now: datetime) -> Any:
    """Push notifications for newly stored messages (the push code is loaded only when a batch arrives)."""
    from chalicelib.push.config import default_send
    from chalicelib.services.notifications import handle_new_images

    return handle_new_images(images, now=now, send=default_send)


def _counters(images: list[dict[str, Any]], now: datetime) -> Any:
    """The workload dashboard's per-team, per-day counters (each stored item counted once)."""
    from chalicelib.services.counting import count_inserts

    return count_inserts(images, now)


CONSUMERS: list[Consumer] = [_push, _counters]


def handle_inserts(images: list[dict[str, Any]], now: datetime, consumers: list[Consumer] | None = None) -> list[Any]:
    """Hand one batch of inserted items to every consumer, in order; the first failure fails the batch."""
    return [consumer(images, now) for consumer in (CONSUMERS if consumers is None else consumers)]
