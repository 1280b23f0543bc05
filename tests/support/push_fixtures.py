"""Web Push for the wire and browser tiers: one local push service, and delivery from the stream to it.

Their conftests import the fixtures ``push_service`` and ``push``. ``chalice local`` never reads the
DynamoDB stream, so :class:`PushDelivery` does what ``make run``'s driver does: it polls the stream
from the test process and hands new items to ``jobs.deliver_pushes``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

import pytest

from scripts.demo_stack import Stack
from scripts.push_service import FakePushService, ReceivedPush

if TYPE_CHECKING:
    from chalicelib.services.notifications import DispatchResult

_push_lock = threading.Lock()
_push_service: FakePushService | None = None
_push_users = 0


@contextmanager
def shared_push_service() -> Iterator[FakePushService]:
    """The one :class:`FakePushService` of this process (both tiers share it), stopped after its last user."""
    global _push_service, _push_users
    with _push_lock:
        if _push_service is None:
            _push_service = FakePushService().__enter__()
        _push_users += 1
        service = _push_service
    try:
        yield service
    finally:
        with _push_lock:
            _push_users -= 1
            last = _push_users == 0
            if last:
                _push_service = None
        if last:
            service.__exit__(None, None, None)


class PushDelivery:
    """Delivers pushes as ``make run`` does: reads the main table's stream and calls ``jobs.deliver_pushes``.

    Made at the start of a test, it reads from the stream's LATEST position, so only what is written
    from then on is delivered. Delivery runs in the caller's thread, inside :meth:`until`: when that
    returns, every push it waited for has been sent *and* its outcome recorded (a 410's subscription
    is already deleted).
    """

    def __init__(self, service: FakePushService) -> None:
        from scripts.drivers import StreamPoller

        self.service = service
        self.results: list[DispatchResult] = []
        self._poll = StreamPoller(self._handle)
        self._poll()  # take the stream's LATEST position now

    def _handle(self, images: list[dict]) -> None:
        from chalicelib.api import jobs

        self.results.append(jobs.deliver_pushes(images))

    def until(self, count: int, *, endpoint: str | None = None, timeout: float = 15.0) -> list[ReceivedPush]:
        """Deliver until the push service has seen ``count`` requests (to ``endpoint``, if given); return them."""
        deadline = time.monotonic() + timeout
        while True:
            self._poll()
            received = [r for r in self.service.received if endpoint is None or r.endpoint == endpoint]
            if len(received) >= count:
                return received
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(received)} of {count} pushes arrived within {timeout}s "
                                   f"(dispatch results: {self.results})")
            # A bounded pause before polling the stream again (delivery happens in this thread, in _poll).
            with suppress(TimeoutError):
                self.service.wait_for(len(self.service.received) + 1, timeout=min(0.1, remaining))

    def settle(self) -> int:
        """Hand over whatever the stream holds now; returns how many items were handed over."""
        return self._poll()


@pytest.fixture(scope="session")
def push_service() -> Iterator[FakePushService]:
    """The process's local push service (one per session, shared by both tiers)."""
    with shared_push_service() as service:
        yield service


@pytest.fixture
def push(push_service: FakePushService, stack: Stack) -> PushDelivery:
    """Push delivery from the stream, from this point on, to a push service that has forgotten earlier tests."""
    push_service.reset()
    return PushDelivery(push_service)
