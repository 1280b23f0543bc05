"""Push fixtures shared by the wire and browser tiers (their conftests import them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import stack as stack_support
from tests.support.push_service import FakePushService


@pytest.fixture(scope="session")
def push_service() -> Iterator[FakePushService]:
    """The process's local push service (one per session, shared by both tiers)."""
    with stack_support.shared_push_service() as service:
        yield service


@pytest.fixture
def push(push_service: FakePushService, stack: stack_support.Stack) -> stack_support.PushDelivery:
    """Push delivery from the stream, from this point on, to a push service that has forgotten earlier tests."""
    push_service.reset()
    return stack_support.PushDelivery(push_service)
