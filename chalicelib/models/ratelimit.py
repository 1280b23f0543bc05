"""Rate-limit counters: attempts in one fixed window for one subject (the rules are in ``auth.ratelimit``).

Counting is one conditional update per counter (``attempts < limit``); several counters for one
attempt go in one transaction, so an attempt costs one round trip whatever it is counted against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.errors import ServiceUnavailable
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import cancellation_codes, get, transaction


class RateCounterItem(MainItem, discriminator="rate_counter"):
    """Attempts in one fixed window for one subject (an account or a network address)."""

    attempts = NumberAttribute(default=0)


class Counter(NamedTuple):
    """One counter to bump: which limit and subject, which window, its ceiling and when it expires."""

    scope: str
    subject: str
    window_start: datetime
    limit: int
    expires_at: datetime


def _item(counter: Counter) -> RateCounterItem:
    return RateCounterItem(*keys.rate_counter(counter.scope, counter.subject, keys.iso(counter.window_start)))


def _actions(counter: Counter) -> list[Any]:
    # The kind is set too: an item made by UpdateItem has only the attributes the update names, and
    # without its discriminator a later read would not know it is a rate counter.
    return [RateCounterItem.attempts.add(1), RateCounterItem.expires_at.set(counter.expires_at),
            RateCounterItem.kind.set(RateCounterItem)]


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
