"""Fixed-window rate limits kept in DynamoDB, so every Lambda container shares one count.

A limit is checked and counted in one conditional update (``count < limit``); several limits for
one attempt (per account *and* per address) go in one transaction so an attempt costs one round trip.
Counters expire with TTL and are ignored after their window even if TTL has not removed them yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from chalicelib.errors import RateLimited
from chalicelib.models import ratelimit as store


class Limit(NamedTuple):
    """At most ``limit`` attempts per ``window`` for one subject in one scope."""

    scope: str
    limit: int
    window: timedelta


INVITE_PER_ADDRESS = Limit("invite-address", 20, timedelta(hours=1))
INVITE_DOB_PER_CODE = Limit("invite-dob", 5, timedelta(days=8))
#: Account recovery codes a team can issue for one patient in a day.
RECOVERY_PER_PATIENT = Limit("recovery-patient", 3, timedelta(days=1))


def _window_start(limit: Limit, now: datetime) -> datetime:
    seconds = int(limit.window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def counter(limit: Limit, subject: str, now: datetime) -> store.Counter:
    """The counter of ``limit`` for ``subject`` in the window holding ``now``."""
    start = _window_start(limit, now)
    return store.Counter(limit.scope, subject, start, limit.limit, start + limit.window)


def _retry_after(counters: list[store.Counter], now: datetime) -> int:
    return int((max(c.expires_at for c in counters) - now).total_seconds()) + 1


def hit(now: datetime, *checks: tuple[Limit, str]) -> None:
    """Count one attempt against each (limit, subject); raise RateLimited if any is exhausted."""
    full = store.bump([counter(limit, subject, now) for limit, subject in checks])
    if full:
        raise RateLimited(retry_after=_retry_after(full, now))


def check(now: datetime, limit: Limit, subject: str) -> None:
    """Raise RateLimited if ``subject`` has used up ``limit`` in this window, without counting an attempt.

    For limits that count only failures (birthday guesses): check first, count with ``hit`` on failure.
    """
    current = counter(limit, subject, now)
    if store.attempts(current) >= limit.limit:
        raise RateLimited(retry_after=_retry_after([current], now))
