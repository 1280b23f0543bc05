"""Fixed-window rate limits kept in DynamoDB, so every Lambda container shares one count.

A limit is checked and counted in one conditional update (``count < limit``); several limits for
one attempt (per account *and* per address) go in one transaction so an attempt costs one round trip.
Counters expire with TTL and are ignored after their window even if TTL has not removed them yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.errors import RateLimited
from chalicelib.models import db, keys
from chalicelib.models.ratelimit import RateCounterItem


class Limit(NamedTuple):
    """At most ``limit`` attempts per ``window`` for one subject in one scope."""

    scope: str
    limit: int
    window: timedelta


SIGN_IN_PER_ACCOUNT = Limit("signin-account", 10, timedelta(minutes=15))
#: Generous: a hospital's tablets share one public address.
SIGN_IN_PER_ADDRESS = Limit("signin-address", 300, timedelta(minutes=15))
INVITE_PER_ADDRESS = Limit("invite-address", 20, timedelta(hours=1))
INVITE_DOB_PER_CODE = Limit("invite-dob", 5, timedelta(days=8))


def _window_start(limit: Limit, now: datetime) -> datetime:
    seconds = int(limit.window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def _counter(limit: Limit, subject: str, now: datetime) -> tuple[RateCounterItem, datetime]:
    start = _window_start(limit, now)
    item = RateCounterItem(*keys.rate_counter(limit.scope, subject, keys.iso(start)))
    return item, start + limit.window


def _actions(limit: Limit, expires: datetime) -> list:
    # The kind is set too: an item made by UpdateItem has only the attributes the update names, and
    # without its discriminator a later read would not know it is a rate counter.
    return [RateCounterItem.attempts.add(1), RateCounterItem.expires_at.set(expires),
            RateCounterItem.kind.set(RateCounterItem)]


def _condition(limit: Limit):  # type: ignore[no-untyped-def]
    return RateCounterItem.attempts.does_not_exist() | (RateCounterItem.attempts < limit.limit)


def hit(now: datetime, *checks: tuple[Limit, str]) -> None:
    """Count one attempt against each (limit, subject); raise RateLimited if any is exhausted."""
    if len(checks) == 1:
        limit, subject = checks[0]
        item, expires = _counter(limit, subject, now)
        try:
            item.update(actions=_actions(limit, expires), condition=_condition(limit))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise RateLimited(retry_after=int((expires - now).total_seconds()) + 1) from exc
            raise
        return
    try:
        with db.transaction() as tx:
            for limit, subject in checks:
                item, expires = _counter(limit, subject, now)
                tx.update(item, actions=_actions(limit, expires), condition=_condition(limit))
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if "ConditionalCheckFailed" in codes:
            failed = [checks[i][0] for i, code in enumerate(codes) if code == "ConditionalCheckFailed"]
            longest = max(_counter(limit, "x", now)[1] for limit in failed)
            raise RateLimited(retry_after=int((longest - now).total_seconds()) + 1) from exc
        raise


def check(now: datetime, limit: Limit, subject: str) -> None:
    """Raise RateLimited if ``subject`` has used up ``limit`` in this window, without counting an attempt.

    For limits that count only failures (birthday guesses): check first, count with ``hit`` on failure.
    """
    item, expires = _counter(limit, subject, now)
    found = db.batch_get([item.key]).get(item.key)
    if isinstance(found, RateCounterItem) and int(found.attempts or 0) >= limit.limit:
        raise RateLimited(retry_after=int((expires - now).total_seconds()) + 1)
