"""The one place that talks to DynamoDB outside PynamoDB's model methods.

It owns: the shared connection used for cross-item reads and transactions, turning botocore and
PynamoDB faults into Teamline's own errors (``storage``), and a call observer so tests and
benchmarks can count round trips (``observe_calls``) without patching anything.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore import handlers as _botocore_handlers
from botocore.exceptions import BotoCoreError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import ServiceUnavailable
from chalicelib.models.base import MainItem, _Meta

# --- call observation ---------------------------------------------------------------------------


class CallCounter:
    """Counts DynamoDB API calls (round trips) by operation name."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, operation: str) -> None:
        self.calls.append(operation)

    @property
    def total(self) -> int:
        return len(self.calls)

    @property
    def by_operation(self) -> Counter[str]:
        return Counter(self.calls)

    def reset(self) -> None:
        self.calls.clear()


_listeners: list[Any] = []
_listeners_lock = threading.Lock()


def _on_before_call(model: Any = None, **_: Any) -> None:
    if not _listeners or model is None:
        return
    for listener in list(_listeners):
        listener(model.name)


# A botocore event hook, registered once for every botocore session created after this import
# (PynamoDB creates its sessions lazily, on the first call in each thread, i.e. after this).
if ("before-call.dynamodb", _on_before_call) not in _botocore_handlers.BUILTIN_HANDLERS:
    _botocore_handlers.BUILTIN_HANDLERS.append(("before-call.dynamodb", _on_before_call))


@contextmanager
def observe_calls(counter: CallCounter | None = None) -> Iterator[CallCounter]:
    """Count every DynamoDB call made inside the block (all threads of this process)."""
    counter = counter or CallCounter()
    with _listeners_lock:
        _listeners.append(counter)
    try:
        yield counter
    finally:
        with _listeners_lock:
            _listeners.remove(counter)


# --- the request's deadline --------------------------------------------------------------------------

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("teamline_deadline", default=None)


class DeadlineExceeded(ServiceUnavailable):
    """The request ran out of time before a DynamoDB call could be made: answer 503 now, while we still can."""

    code = "timeout"
    default_message = "Teamline is taking too long to answer. Nothing more was changed. Please try again."


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """No DynamoDB call (or retry of one) starts more than ``seconds`` after entering the block.

    A Lambda behind API Gateway that overruns its timeout is killed and the caller gets a bare 502;
    with a deadline a few seconds short of the timeout, Teamline answers its own JSON 503 instead.
    """
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _on_before_send(**_: Any) -> None:
    """Refuse to start another attempt once the request's deadline has passed (runs per HTTP attempt)."""
    limit = _deadline.get()
    if limit is not None and time.monotonic() > limit:
        raise DeadlineExceeded()


if ("before-send.dynamodb", _on_before_send) not in _botocore_handlers.BUILTIN_HANDLERS:
    _botocore_handlers.BUILTIN_HANDLERS.append(("before-send.dynamodb", _on_before_send))


# --- faults -----------------------------------------------------------------------------------------


@contextmanager
def storage() -> Iterator[None]:
    """Turn a DynamoDB fault inside the block into ``ServiceUnavailable`` (503: nothing changed, try again).

    Every read helper in ``chalicelib.models`` runs its calls inside this, so no caller has to know
    PynamoDB's or botocore's exception types. Conditional-write failures are *not* faults: writers that
    expect them (a guard item, a revision check) catch ``TransactWriteError`` themselves, outside.
    """
    try:
        yield
    except (PynamoDBException, BotoCoreError) as exc:
        if isinstance(exc.__cause__, DeadlineExceeded) or isinstance(exc.__context__, DeadlineExceeded):
            raise DeadlineExceeded() from exc
        raise ServiceUnavailable() from exc


STORAGE_FAULTS: tuple[type[BaseException], ...] = (PynamoDBException, BotoCoreError)
"""What a DynamoDB fault that escaped ``storage()`` looks like (the route wrapper maps these to a 503)."""


# --- shared connection ----------------------------------------------------------------------------

_connection: Connection | None = None


def connection() -> Connection:
    """Return the process-wide low-level connection (created on first use)."""
    global _connection
    if _connection is None:
        _connection = Connection(
            region=_Meta.region,
            host=_Meta.host,
            connect_timeout_seconds=_Meta.connect_timeout_seconds,
            read_timeout_seconds=_Meta.read_timeout_seconds,
            max_retry_attempts=_Meta.max_retry_attempts,
        )
    return _connection


class Transaction(TransactWrite):
    """A TransactWrite that remembers a label per item, so a cancellation can say which item failed.

    DynamoDB reports cancellation reasons in request order, and PynamoDB sends condition checks,
    then deletes, then puts, then updates, whatever order they were added in.
    """

    def __init__(self) -> None:
        super().__init__(connection=connection())
        self._labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}

    def condition_check(self, *args: Any, label: str = "", **kwargs: Any) -> None:  # type: ignore[override]
        super().condition_check(*args, **kwargs)
        self._labels["check"].append(label)

    def delete(self, *args: Any, label: str = "", **kwargs: Any) -> None:  # type: ignore[override]
        super().delete(*args, **kwargs)
        self._labels["delete"].append(label)

    def save(self, *args: Any, label: str = "", **kwargs: Any) -> None:  # type: ignore[override]
        super().save(*args, **kwargs)
        self._labels["put"].append(label)

    def update(self, *args: Any, label: str = "", **kwargs: Any) -> None:  # type: ignore[override]
        super().update(*args, **kwargs)
        self._labels["update"].append(label)

    @property
    def labels(self) -> list[str]:
        return [*self._labels["check"], *self._labels["delete"], *self._labels["put"], *self._labels["update"]]

    def failed_labels(self, error: TransactWriteError) -> set[str]:
        """The labels of the items whose condition failed."""
        codes = cancellation_codes(error)
        return {label for label, code in zip(self.labels, codes, strict=False) if code == "ConditionalCheckFailed"}


def transaction() -> Transaction:
    """Start a write transaction; use as ``with transaction() as tx: tx.save(item, label="guard")``."""
    return Transaction()


@contextmanager
def committed() -> Iterator[Transaction]:
    """A transaction for writes whose conditions are not expected to fail: any failure is a 503.

    Use it where a cancelled transaction can only mean trouble (no guard item, no revision check whose
    failure the caller handles); writers that expect a condition to fail use ``transaction()``.
    """
    tx = Transaction()
    try:
        with tx:
            yield tx
    except (PynamoDBException, BotoCoreError) as exc:
        raise ServiceUnavailable() from exc


def batch_get(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], MainItem]:
    """Fetch main-table items by key in one BatchGetItem; missing items are simply absent.

    Items come back as their own classes (the ``kind`` discriminator), keyed by (pk, sk).
    """
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    with storage():
        return {item.key: item for item in MainItem.batch_get(wanted)}


def get(key: tuple[str, str], kind: type[MainItem], *, consistent: bool = False) -> Any:
    """One item of an expected kind by key (GetItem), or None if absent or of another kind."""
    with storage():
        try:
            item = MainItem.get(*key, consistent_read=consistent)
        except MainItem.DoesNotExist:
            return None
    return item if isinstance(item, kind) else None


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """Return the per-item cancellation codes of a failed transaction (None where the item was fine)."""
    reasons = error.cancellation_reasons or []
    return [reason.code if reason is not None else None for reason in reasons]
