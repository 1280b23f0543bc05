"""Rate-limit counters: attempts in one fixed window for one subject (the rules are in ``auth.ratelimit``).

Counting is one conditional update per counter (``attempts < limit``); several counters for one
attempt go in one transaction, so an attempt costs one round trip whatever it is counted against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.errors import ServiceUnavailable
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import batch_get, cancellation_codes, committed, get, transaction


class RateCounterItem(MainItem, discriminator="rate_counter"):
    """Attempts in one fixed window for one subject (an account or a network address)."""

    attempts = NumberAttribute(default=0)
    #: When the last attempt was counted (sign-in backoff waits from here).
    last_at = UTCDateTimeAttribute(null=True)


class KnownDeviceItem(MainItem, discriminator="known_device"):
    """A browser that has signed in to an account before (by the SHA-256 of its device cookie).

    Failed sign-ins from a stranger's browser count against the account; the owner's own browser is
    not held back by them, so nobody can lock a person out by guessing their password.
    """

    account = UnicodeAttribute()


class Counter(NamedTuple):
    """One counter to bump: which limit and subject, which window, its ceiling and when it expires."""

    scope: str
    subject: str
    window_start: datetime
    limit: int
    expires_at: datetime


def _item(counter: Counter) -> RateCounterItem:
    return RateCounterItem(*keys.rate_counter(counter.scope, counter.subject, keys.iso(counter.window_start)))


def _actions(counter: Counter, at: datetime | None = None) -> list[Any]:
    # The kind is set too: an item made by UpdateItem has only the attributes the update names, and
    # without its discriminator a later read would not know it is a rate counter.
    actions = [RateCounterItem.attempts.add(1), RateCounterItem.expires_at.set(counter.expires_at),
               RateCounterItem.kind.set(RateCounterItem)]
    return [*actions, RateCounterItem.last_at.set(at)] if at is not None else actions


def _condition(counter: Counter) -> Any:
    return RateCounterItem.attempts.does_not_exist() | (RateCounterItem.attempts < counter.limit)


def bump(counters: list[Counter]) -> list[Counter]:
    """Count one attempt on each counter unless one is full; return the full ones (empty: counted)."""
    if len(counters) == 1:
        try:
            _item(counters[0]).update(actions=_actions(counters[0]), condition=_condition(counters[0]))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return counters
            raise ServiceUnavailable() from exc
        return []
    try:
        with transaction() as tx:
            for counter in counters:
                tx.update(_item(counter), actions=_actions(counter), condition=_condition(counter))
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        full = [counter for counter, code in zip(counters, codes, strict=False) if code == "ConditionalCheckFailed"]
        if full:
            return full
        raise ServiceUnavailable() from exc
    return []


def attempts(counter: Counter) -> int:
    """How many attempts a counter holds in its window (0 if none)."""
    item = _item(counter)
    found = get(item.key, RateCounterItem)
    return int(found.attempts or 0) if found is not None else 0


class Seen(NamedTuple):
    """What a counter holds: attempts in its window and when the last was counted."""

    attempts: int
    last_at: datetime | None


def read(counters: list[Counter], device_hash: str | None) -> tuple[list[Seen], str | None]:
    """Several counters and, if given, which account a known device belongs to; one BatchGetItem."""
    wanted = [_item(c).key for c in counters] + ([keys.known_device(device_hash)] if device_hash else [])
    found = batch_get(wanted)
    seen = []
    for counter in counters:
        item = found.get(_item(counter).key)
        seen.append(Seen(int(item.attempts or 0), item.last_at) if isinstance(item, RateCounterItem) else Seen(0, None))
    device = found.get(keys.known_device(device_hash)) if device_hash else None
    return seen, device.account if isinstance(device, KnownDeviceItem) else None


def count(counters: list[Counter], at: datetime, also_save: list[Any]) -> None:
    """Count one attempt on each counter (no ceiling: the check was made before) with other items, in one transaction."""
    with committed() as tx:
        for counter in counters:
            tx.update(_item(counter), actions=_actions(counter, at))
        for item in also_save:
            tx.save(item)


def known_device(device_hash: str, account: str, expires_at: datetime) -> KnownDeviceItem:
    """The item that marks a browser as one that has signed in to ``account``."""
    return KnownDeviceItem(*keys.known_device(device_hash), account=account, expires_at=expires_at)
