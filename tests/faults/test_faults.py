"""Nothing lost, nothing duplicated, nothing unhandled, when DynamoDB misbehaves (issue: hardening, point 10).

Hundreds of sends go through the real app while a share of DynamoDB calls are throttled, answered 500,
time out before they are sent, or *time out after the write committed* (the client cannot know
whether it happened). The client retries with the same message id, as the PWA's outbox does. Then:
every 2xx is durably stored, nothing is stored twice, no request reached the last-resort handler,
and every error was JSON.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
import uuid
from typing import Any

import pytest

from scripts.world import NOW, World
from tests.support import storage
from tests.support.faults import FaultInjector, injected
from tests.support.http import Api, app_routes
from tests.support.personas import EXPECTED, PERSONAS

SENDS = 240
RETRIES = 6


class Unhandled(logging.Handler):
    """Collects the last-resort handler's log lines (there must be none)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "unhandled_error" in record.getMessage():
            self.lines.append(record.getMessage())


@pytest.fixture
def unhandled() -> Any:
    handler = Unhandled()
    logger = logging.getLogger("teamline")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def _send(api: Api, team: str, client_id: str, body: str) -> Any:
    return api.post(f"/api/patient/teams/{team}/messages", "patient_a", json_body={"client_id": client_id, "body": body})


def test_hundreds_of_sends_under_faults_store_every_acknowledged_message_exactly_once(api: Api, world: World,
                                                                                      unhandled: Unhandled):
    api.persona("patient_a")  # signed in before the faults start
    acknowledged: dict[str, str] = {}
    statuses: dict[int, int] = {}
    injector = FaultInjector(rate=0.3)
    with injected(injector):
        for i in range(SENDS):
            client_id, body = str(uuid.uuid4()), f"message {i}"
            for _ in range(RETRIES):
                response = _send(api, world.team_x, client_id, body)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                assert response.headers["Content-Type"].startswith("application/json")
                payload = json.loads(response.body)
                if response.status_code in (200, 201):
                    acknowledged[client_id] = body
                    assert payload["message"]["body"] == body and payload["message"]["client_id"] == client_id
                    break
                assert response.status_code == 503, (response.status_code, payload)
                assert payload["error"]["code"] in ("unavailable", "timeout") and payload["error"]["message"]
    stored = storage.messages(world.team_x, world.patients["patient_a"])
    by_client: dict[str, list[str]] = {}
    for message in stored:
        if message.sender_kind == "patient":
            by_client.setdefault(message.client_id, []).append(message.body)
    assert all(len(bodies) == 1 for bodies in by_client.values()), "a message was stored twice"
    for client_id, body in acknowledged.items():
        assert by_client.get(client_id) == [body], "an acknowledged message is not stored"
    assert unhandled.lines == []
    assert sum(injector.injected.values()) > SENDS / 2 and set(injector.injected) == {
        "throttle", "server_error", "timeout_before", "timeout_after"}
    assert len(acknowledged) >= SENDS * 0.95, statuses  # the client's retries get nearly everything through
    conversation = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conversation.team_unread == len(by_client)  # the conversation's state counted each message once


def _send_in_own_process(args: tuple[World, int, Any]) -> int:
    """One Lambda container's worth: import the app fresh, wait for the others, send one message."""
    world, index, barrier = args
    from chalicelib import clock
    from scripts.world import send_as_patient

    barrier.wait(timeout=60)
    result = send_as_patient(world, "patient_a", f"all at once {index}", clock.now())
    return 201 if result.created else 200


@pytest.mark.parametrize("senders", [5, 12])
def test_sends_to_one_conversation_at_the_same_instant_all_succeed(world: World, senders: int):
    """Separate processes (as separate Lambda containers) race on one conversation; jittered retries win."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(senders)
        with context.Pool(senders) as pool:
            results = pool.map(_send_in_own_process, [(world, i, barrier) for i in range(senders)])
    assert results == [201] * senders
    stored = storage.messages(world.team_x, world.patients["patient_a"])
    bodies = sorted(m.body for m in stored if m.sender_kind == "patient")
    assert bodies == sorted(f"all at once {i}" for i in range(senders))
    # Racing sends in one closed period still earn at most one automatic reply (the loser re-plans).
    assert len([m for m in stored if m.sender_kind == "auto"]) <= 1


def test_when_dynamodb_stops_answering_teamline_answers_its_own_503_before_its_deadline(api: Api, world: World):
    api.persona("patient_a")
    hang = FaultInjector(rate=1.0, kinds=("hang",))
    started = time.monotonic()
    with injected(hang):
        response = _send(api, world.team_x, str(uuid.uuid4()), "anyone there?")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert json.loads(response.body)["error"]["code"] == "timeout"
    # The deadline is 3 s here: no attempt starts after it, and one attempt lasts at most the read timeout.
    assert elapsed < 3 + FaultInjector.HANG_SECONDS + 2, elapsed


def _allowed_get_routes() -> list[tuple[str, str]]:
    """(persona, path template) for every signed-in GET route, with a persona who may call it (a 200 in the matrix)."""
    from chalicelib.web.routing import ROUTES

    signed_in = {spec.path for spec in ROUTES if spec.auth != "public" and "GET" in spec.methods}
    found = []
    for method, path in app_routes():
        if method != "GET" or path not in signed_in:
            continue
        statuses = dict(zip(PERSONAS, EXPECTED[(method, path)], strict=True))
        persona = next((p for p, status in statuses.items() if status == 200 and p != "anonymous"), None)
        if persona is not None:
            found.append((persona, path))
    return found


def test_every_signed_in_page_and_api_read_maps_a_storage_outage_to_a_deliberate_503(world: World, app_client: Any,
                                                                                       pinned_clock: Any,
                                                                                       unhandled: Unhandled):
    from tests.support.http import RouteCaller, route_path

    caller = RouteCaller(app_client, world, pinned_clock)
    caller.arrange()
    routes = _allowed_get_routes()
    assert len(routes) >= 15
    outage = FaultInjector(rate=1.0, kinds=("server_error",))
    wrong = []
    for persona, path in routes:
        caller.persona_session(persona)
        with injected(outage):
            response = caller.call("GET", path, persona, sign_in=False)
        if response.status_code != 503:
            wrong.append(f"GET {route_path(path, world)} as {persona}: {response.status_code}")
    assert wrong == []
    assert unhandled.lines == []
    assert NOW
