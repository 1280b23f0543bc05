"""Sign-in throttling that slows an attacker down without locking the real person out.

Counting every attempt against an account lets anyone lock a named person out with ten wrong
passwords, and counting against an address alone fails a ward whose tablets share one NAT address.
So failures (only failures) are counted three ways, and checked before a password is:

* **this account from this address** (``PAIR``): after a few failures each further attempt waits
  longer (1 s, 2 s, 4 s, ...), and after ``PAIR.limit`` the pair must wait out the window;
* **this account from browsers that have never signed in to it** (``STRANGERS``): a distributed
  guesser is stopped, but the owner's own browser, which carries a device cookie from an earlier
  sign-in, is not held back by them;
* **this address** (``ADDRESS``): generous, for a ward of tablets behind one address.

The check is one BatchGetItem (three counters and the device cookie's record); a failure is counted
in the same transaction as its audit row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from chalicelib.auth.ratelimit import Limit, counter
from chalicelib.errors import RateLimited
from chalicelib.ids import token_hash
from chalicelib.models import ratelimit as store

PAIR = Limit("signin-pair", 10, timedelta(minutes=15))
STRANGERS = Limit("signin-strangers", 50, timedelta(hours=1))
ADDRESS = Limit("signin-address", 300, timedelta(minutes=15))
#: Failures from one address before each further attempt on the account has to wait.
BACKOFF_AFTER = 3
DEVICE_LIFETIME = timedelta(days=180)


class Attempt(NamedTuple):
    """One sign-in attempt: the account named (``patient:<username>``/``staff:<email>``), from where, by which browser."""

    account: str
    address: str
    device_token: str | None

    @property
    def device_hash(self) -> str | None:
        return token_hash(self.device_token) if self.device_token else None


def _counters(attempt: Attempt, now: datetime) -> list[store.Counter]:
    return [counter(PAIR, f"{attempt.account}@{attempt.address}", now),
            counter(STRANGERS, attempt.account, now),
            counter(ADDRESS, attempt.address, now)]


def check(attempt: Attempt, now: datetime) -> bool:
    """Raise RateLimited if this attempt must wait; return whether the browser is known to the account."""
    pair, strangers, address = _counters(attempt, now)
    (seen_pair, seen_strangers, seen_address), device_account = store.read([pair, strangers, address],
                                                                           attempt.device_hash)
    known = device_account == attempt.account
    waits = []
    if seen_pair.attempts >= PAIR.limit:
        waits.append(pair.expires_at)
    elif seen_pair.attempts >= BACKOFF_AFTER and seen_pair.last_at is not None:
        waits.append(seen_pair.last_at + timedelta(seconds=2 ** (seen_pair.attempts - BACKOFF_AFTER)))
    if not known and seen_strangers.attempts >= STRANGERS.limit:
        waits.append(strangers.expires_at)
    if seen_address.attempts >= ADDRESS.limit:
        waits.append(address.expires_at)
    wait_until = max(waits, default=None)
    if wait_until is not None and wait_until > now:
        raise RateLimited(retry_after=int((wait_until - now).total_seconds()) + 1)
    return known


def record_failure(attempt: Attempt, now: datetime, *, known: bool, also_save: list[Any]) -> None:
    """Count a failed attempt (a known browser's failures do not count against the account as a stranger's)."""
    pair, strangers, address = _counters(attempt, now)
    store.count([pair, address] if known else [pair, strangers, address], now, also_save)


def remember_device(attempt: Attempt, token: str, now: datetime) -> Any:
    """The item (to save with the new session) that makes this browser known to the account."""
    return store.known_device(token_hash(token), attempt.account, now + DEVICE_LIFETIME)
