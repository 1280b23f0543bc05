"""Functional tier: the real Chalice app through chalice.test.Client, DynamoDB in-process (moto mock_aws).

Each test gets empty tables, a pinned clock and the persona world; ``api`` sends requests as a
persona with the right cookie and anti-forgery header.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

os.environ["TEAMLINE_STAGE"] = "test"
os.environ["TEAMLINE_PASSWORD_PROFILE"] = "cheapest"
os.environ.pop("TEAMLINE_DYNAMODB_ENDPOINT", None)  # mock_aws only intercepts models without a host

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import clock  # noqa: E402
from chalicelib.models.db import CallCounter, observe_calls  # noqa: E402
from tests.support.world import Persona, World, build_world, sign_in  # noqa: E402

#: A Wednesday in term time, mid-morning in London: teams are open unless a test says otherwise.
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


@pytest.fixture
def pinned_clock() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(NOW)
    clock.use_clock(fixed)
    yield fixed
    clock.use_clock(None)


@pytest.fixture
def dynamodb() -> Iterator[None]:
    with mock_aws():
        from chalicelib.models.base import create_tables

        create_tables(wait=False)
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


class Api:
    """Requests as a persona: JSON or form bodies, the session cookie and the anti-forgery header."""

    def __init__(self, client: Any, world: World, now: datetime) -> None:
        self.client = client
        self.world = world
        self.now = now
        self._personas: dict[str, Persona] = {}

    def persona(self, name: str) -> Persona:
        if name not in self._personas:
            self._personas[name] = sign_in(self.world, name, self.now)
        return self._personas[name]

    def request(self, method: str, path: str, as_: str = "anonymous", *, json_body: Any = None,
                form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                csrf: bool = True) -> Any:
        persona = self.persona(as_)
        all_headers = persona.headers()
        if not csrf:
            all_headers.pop("x-csrf-token", None)
        body = b""
        if json_body is not None:
            all_headers["content-type"] = "application/json"
            body = json.dumps(json_body).encode()
        elif form is not None:
            all_headers["content-type"] = "application/x-www-form-urlencoded"
            fields = dict(form)
            if csrf and persona.csrf and "csrf_token" not in fields:
                fields["csrf_token"] = persona.csrf
            body = urlencode(fields).encode()
        all_headers.update(headers or {})
        return self.client.http.request(method, path, headers=all_headers, body=body)

    def get(self, path: str, as_: str = "anonymous", **kwargs: Any) -> Any:
        return self.request("GET", path, as_, **kwargs)

    def post(self, path: str, as_: str = "anonymous", **kwargs: Any) -> Any:
        return self.request("POST", path, as_, **kwargs)


@pytest.fixture
def api(app_client: Any, world: World, pinned_clock: clock.FixedClock) -> Api:
    return Api(app_client, world, pinned_clock.now())


@pytest.fixture
def calls() -> Iterator[CallCounter]:
    with observe_calls() as counter:
        yield counter


def body_json(response: Any) -> Any:
    return json.loads(response.body)
