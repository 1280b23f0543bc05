"""DynamoDB runs each API call atomically; moto's in-process backend does not lock at all, so two threads can
interleave inside one TransactWriteItems (and its roll-back copies whole tables). For tests that race real threads,
:func:`one_call_at_a_time` makes each moto DynamoDB call atomic, as DynamoDB's are. It changes nothing about what a
call does, only that two never overlap."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_lock = threading.Lock()


@contextmanager
def one_call_at_a_time() -> Iterator[None]:
    original = DynamoHandler.call_action

    def atomic(self: Any) -> Any:
        with _lock:
            return original(self)

    DynamoHandler.call_action = atomic  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoHandler.call_action = original  # type: ignore[method-assign]
