"""Fault tier: the real app, in-process through ``chalice.test.Client``, on a moto server spoken to over HTTP.

DynamoDB is a moto server (as under ``make run``), so botocore really sends every call over a socket,
and ``tests/support/faults.py`` sits between botocore and that socket to make a chosen share of calls
go wrong as DynamoDB and networks do. The request deadline is short here (3 s) so "DynamoDB stopped
answering" is seen in seconds.
"""

from __future__ import annotations

import os

# PynamoDB fixes its endpoint at import: start the DynamoDB first.
from scripts.local_stack import EmbeddedDynamoDB

_DYNAMODB = EmbeddedDynamoDB()
os.environ.update({
    "TEAMLINE_STAGE": "test",
    "TEAMLINE_PASSWORD_PROFILE": "cheapest",
    "TEAMLINE_DYNAMODB_ENDPOINT": _DYNAMODB.start(),
    "TEAMLINE_MAIN_TABLE": "faults-main",
    "TEAMLINE_AUDIT_TABLE": "faults-audit",
    "TEAMLINE_REQUEST_DEADLINE_SECONDS": "3",
    # The embedded moto server answers one request at a time and is shared by up to a dozen processes
    # here: on a busy 2-core machine an answer can take seconds. "DynamoDB stopped answering" is
    # simulated by the fault hooks, not by this timeout.
    "TEAMLINE_DYNAMODB_READ_TIMEOUT_SECONDS": "20",
})

# Then Teamline's own botocore hooks (round-trip counter, request deadline), then the fault hooks after
# them: a real network fails after botocore's before-send handlers have run, not before.
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

import chalicelib.models.db  # noqa: E402, F401
from chalicelib import clock  # noqa: E402
from scripts.world import NOW, World, build_world  # noqa: E402
from tests.support import faults  # noqa: E402, F401 - registers the fault hooks
from tests.support.http import Api  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def dynamodb_server() -> Iterator[str]:
    yield os.environ["TEAMLINE_DYNAMODB_ENDPOINT"]
    _DYNAMODB.stop()


@pytest.fixture(autouse=True)
def empty_tables(dynamodb_server: str) -> None:
    """Every test starts with empty tables (the persona world has fixed ids and emails)."""
    from chalicelib.models.base import all_models, create_tables

    for model in all_models():
        if model.exists():
            model.delete_table()
    create_tables(wait=True)


@pytest.fixture
def pinned_clock() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(NOW, running=True)  # running: sends in a loop need distinct instants
    clock.use_clock(fixed)
    yield fixed
    clock.use_clock(None)


@pytest.fixture
def world(pinned_clock: clock.FixedClock) -> World:
    """The persona world, built through the services (with no faults)."""
    return build_world(pinned_clock.now())


@pytest.fixture
def app_client() -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client


@pytest.fixture
def api(app_client: Any, world: World, pinned_clock: clock.FixedClock) -> Api:
    return Api(app_client, world, pinned_clock)
