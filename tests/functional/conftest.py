"""Functional tier: the real Chalice app through chalice.test.Client, DynamoDB in-process (moto mock_aws).

Each test gets empty tables, a pinned clock and the persona world; ``api`` sends requests as a
persona with the right cookie and anti-forgery header. What the fixtures hand out lives in
``tests/support/`` (``http`` for requests and responses, ``storage`` for reading what was stored)
and ``scripts/world.py`` (the personas).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

os.environ["TEAMLINE_STAGE"] = "test"
os.environ["TEAMLINE_PASSWORD_PROFILE"] = "cheapest"
os.environ.pop("TEAMLINE_DYNAMODB_ENDPOINT", None)  # mock_aws only intercepts models without a host

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import clock  # noqa: E402
from chalicelib.models.db import CallCounter, observe_calls  # noqa: E402
from scripts.world import NOW, World, build_world  # noqa: E402
from tests.support.http import Api, Browser, RouteCaller  # noqa: E402


@pytest.fixture
def pinned_clock() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(NOW)
    clock.use_clock(fixed)
    yield fixed
    clock.use_clock(None)


@pytest.fixture
def dynamodb() -> Iterator[None]:
    with mock_aws():
        from chalicelib.models import export_files
        from chalicelib.models.base import create_tables

        create_tables(wait=False)
        export_files.reset()  # a client made inside this mock_aws, talking to its S3
        export_files.create_bucket()
        yield


@pytest.fixture
def world(dynamodb: None, pinned_clock: clock.FixedClock) -> World:
    return build_world(pinned_clock.now())


@pytest.fixture
def app_client(dynamodb: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client


@pytest.fixture
def api(app_client: Any, world: World, pinned_clock: clock.FixedClock) -> Api:
    return Api(app_client, world, pinned_clock)


@pytest.fixture
def calls() -> Iterator[CallCounter]:
    with observe_calls() as counter:
        yield counter


@pytest.fixture
def new_browser(app_client: Any, world: World, pinned_clock: clock.FixedClock) -> Callable[[], Browser]:
    """Make a fresh browser (its own cookie jar) against the app."""
    return lambda: Browser(app_client)


@pytest.fixture
def route_caller(app_client: Any, world: World, pinned_clock: clock.FixedClock) -> RouteCaller:
    caller = RouteCaller(app_client, world, pinned_clock)
    caller.arrange()
    return caller
