"""DynamoDB round trips per request, counted with ``observe_calls`` (no patching), and no Scan anywhere.

A Lambda request's latency is mostly its round trips to DynamoDB, so the hot paths have a budget:
a patient's send is the authenticating BatchGetItem plus one transaction, a page of the inbox is the
BatchGetItem plus one Query. Sessions are touched at most every 5 minutes, inside the transaction
when there is one, so the budgets below hold for a session that does not need touching and grow by
exactly one write for a read that does.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from chalicelib.models.db import observe_calls
from scripts.world import NOW, send_as_patient
from tests.support.http import app_routes
from tests.support.personas import EXPECTED, PERSONAS


def _calls(fn) -> list[str]:
    with observe_calls() as counter:
        response = fn()
    assert response.status_code < 400, response.body[:300]
    return counter.calls


def _signed_in(api, *personas):
    for persona in personas:
        api.persona(persona)  # creating the session is arrangement, not part of the request


def test_a_patient_send_is_one_batch_get_and_one_transaction(api, world):
    _signed_in(api, "patient_a")
    path = f"/api/patient/teams/{world.team_x}/messages"
    calls = _calls(lambda: api.post(path, "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Hi"}))
    assert calls == ["BatchGetItem", "TransactWriteItems"]


def test_a_patient_send_that_touches_the_session_still_costs_two_round_trips(api, world, pinned_clock):
    _signed_in(api, "patient_a")
    pinned_clock.set(NOW + timedelta(minutes=6))
    path = f"/api/patient/teams/{world.team_x}/messages"
    calls = _calls(lambda: api.post(path, "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Hi"}))
    assert calls == ["BatchGetItem", "TransactWriteItems"]


def test_the_form_send_without_scripts_costs_the_same(api, world):
    _signed_in(api, "patient_a")
    calls = _calls(lambda: api.post(f"/p/teams/{world.team_x}/messages", "patient_a",
                                    form={"client_id": str(uuid.uuid4()), "body": "Hi"}))
    assert calls == ["BatchGetItem", "TransactWriteItems"]


def test_a_staff_reply_is_one_batch_get_and_one_transaction(api, world):
    _signed_in(api, "clinician_x")
    path = f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages"
    calls = _calls(lambda: api.post(path, "clinician_x", json_body={"client_id": str(uuid.uuid4()), "body": "Hello"}))
    assert calls == ["BatchGetItem", "TransactWriteItems"]


def test_a_page_of_the_staff_inbox_is_one_batch_get_and_one_query(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Waiting", pinned_clock.now())
    _signed_in(api, "clinician_x", "lead_x")
    for persona in ("clinician_x", "lead_x"):
        assert _calls(lambda p=persona: api.get(f"/staff/teams/{world.team_x}", p)) == ["BatchGetItem", "Query"]
        assert _calls(lambda p=persona: api.get(f"/api/staff/teams/{world.team_x}/inbox", p)) == ["BatchGetItem", "Query"]


def test_a_read_with_a_session_due_a_touch_costs_exactly_one_more_write(api, world, pinned_clock):
    _signed_in(api, "clinician_x")
    pinned_clock.set(NOW + timedelta(minutes=5))
    inbox = f"/staff/teams/{world.team_x}"
    assert _calls(lambda: api.get(inbox, "clinician_x")) == ["BatchGetItem", "UpdateItem", "Query"]
    assert _calls(lambda: api.get(inbox, "clinician_x")) == ["BatchGetItem", "Query"]


def test_the_patient_conversation_page_takes_at_most_three_round_trips(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Question", pinned_clock.now())
    _signed_in(api, "patient_a", "clinician_x")
    api.post(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x",
             json_body={"client_id": str(uuid.uuid4()), "body": "Answer"})
    first = _calls(lambda: api.get(f"/p/teams/{world.team_x}", "patient_a"))  # marks the reply read
    assert first == ["BatchGetItem", "Query", "UpdateItem"]
    again = _calls(lambda: api.get(f"/p/teams/{world.team_x}", "patient_a"))  # nothing new: no write
    assert again == ["BatchGetItem", "Query"]
    assert len(_calls(lambda: api.get(f"/api/patient/teams/{world.team_x}/messages", "patient_a"))) <= 3


def test_the_patient_home_page_is_two_batch_gets(api, world):
    _signed_in(api, "patient_a")
    assert _calls(lambda: api.get("/p", "patient_a")) == ["BatchGetItem", "BatchGetItem"]


def _success(status: int) -> bool:
    return 200 <= status < 400


def test_no_route_ever_scans_a_table(route_caller, world):
    for author in ("patient_a", "patient_b"):
        send_as_patient(world, author, f"hello from {author}", route_caller.clock.now())
    with observe_calls() as counter:
        called = 0
        for method, path in app_routes():
            row = EXPECTED.get((method, path))
            if row is None:
                continue  # the matrix test reports it
            allowed = [p for p, status in zip(PERSONAS, row, strict=True) if _success(status) and p != "anonymous"]
            refused = [p for p, status in zip(PERSONAS, row, strict=True) if not _success(status)]
            # Up to two allowed callers (the deep paths) and one refused caller (the error path).
            for persona in allowed[:2] + refused[:1] + (["anonymous"] if not allowed else []):
                route_caller.call(method, path, persona)
                called += 1
    operations = counter.by_operation
    assert called > len(app_routes())
    assert {"BatchGetItem", "Query", "TransactWriteItems"} <= set(operations)
    assert operations["Scan"] == 0, operations
