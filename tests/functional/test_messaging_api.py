"""Sending and reading messages through the JSON API: idempotency, validation, access and read state."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from tests.support import storage
from tests.support.http import body_json


def _send_path(world, team=None):
    return f"/api/patient/teams/{team or world.team_x}/messages"


def _messages(world, patient="patient_a", team=None):
    return storage.messages(team or world.team_x, world.patients[patient])


def test_patient_sends_a_message_and_it_is_stored_with_an_audit_event(api, world):
    client_id = str(uuid.uuid4())
    response = api.post(_send_path(world), "patient_a", json_body={"client_id": client_id, "body": "  Hello team  "})
    assert response.status_code == 201
    data = body_json(response)
    assert data["created"] is True
    assert data["message"]["body"] == "Hello team"
    assert data["message"]["client_id"] == client_id
    stored = _messages(world)
    assert [m.body for m in stored if m.sender_kind == "patient"] == ["Hello team"]
    audit = [e for e in storage.audit_about_patient(world.patients["patient_a"]) if e.event_type == "message.sent"]
    assert len(audit) == 1 and audit[0].message_id == data["message"]["id"]


def test_resending_the_same_client_id_returns_the_stored_message_and_creates_nothing(api, world):
    client_id = str(uuid.uuid4())
    first = body_json(api.post(_send_path(world), "patient_a", json_body={"client_id": client_id, "body": "Once"}))
    again = api.post(_send_path(world), "patient_a", json_body={"client_id": client_id, "body": "Once"})
    assert again.status_code == 200
    assert body_json(again)["created"] is False
    assert body_json(again)["message"]["id"] == first["message"]["id"]
    assert len([m for m in _messages(world) if m.sender_kind == "patient"]) == 1


def test_same_client_id_with_a_different_body_is_a_conflict_and_changes_nothing(api, world):
    client_id = str(uuid.uuid4())
    api.post(_send_path(world), "patient_a", json_body={"client_id": client_id, "body": "First"})
    before = storage.conversation(world.team_x, world.patients["patient_a"])
    response = api.post(_send_path(world), "patient_a", json_body={"client_id": client_id, "body": "Different"})
    assert response.status_code == 409
    assert body_json(response)["error"]["code"] == "conflict"
    after = storage.conversation(world.team_x, world.patients["patient_a"])
    assert after.revision == before.revision
    assert [m.body for m in _messages(world) if m.sender_kind == "patient"] == ["First"]


def test_empty_and_too_long_messages_are_refused_with_the_field_named(api, world):
    for body in ("", "   \n  ", "x" * 2001):
        response = api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": body})
        assert response.status_code == 400
        assert body_json(response)["error"]["field"] == "body"
    assert _messages(world) == []


def test_a_message_of_exactly_2000_characters_after_trimming_is_accepted(api, world):
    body = "  " + "y" * 2000 + "  "
    response = api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": body})
    assert response.status_code == 201
    assert len(body_json(response)["message"]["body"]) == 2000


def test_a_client_id_that_is_not_a_uuid_is_refused(api, world):
    response = api.post(_send_path(world), "patient_a", json_body={"client_id": "123", "body": "Hi"})
    assert response.status_code == 400
    assert body_json(response)["error"]["field"] == "client_id"
    # Only the conversation record is in the partition: no guard, no message.
    assert storage.items_in_conversation(world.team_x, world.patients["patient_a"]) == 1


def test_bad_json_and_wrong_content_type_get_clear_errors(api, world):
    bad = api.request("POST", _send_path(world), "patient_a", headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert body_json(bad)["error"]["message"]
    wrong = api.post(_send_path(world), "patient_a", form={"body": "hi", "client_id": str(uuid.uuid4())})
    assert wrong.status_code == 415


def test_message_html_is_stored_as_text_and_escaped_on_pages(api, world):
    payload = "<script>alert(1)</script> <b>bold</b>"
    api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": payload})
    page = api.get(f"/p/teams/{world.team_x}", "patient_a")
    assert page.status_code == 200
    html = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_patient_cannot_send_to_a_team_they_are_not_in(api, world):
    response = api.post(_send_path(world, world.team_y), "patient_a",
                        json_body={"client_id": str(uuid.uuid4()), "body": "Hi"})
    assert response.status_code == 404
    assert _messages(world, team=world.team_y) == []


def test_patient_cannot_read_another_patients_thread(api, world):
    api.post(_send_path(world), "patient_b", json_body={"client_id": str(uuid.uuid4()), "body": "Bob's secret"})
    mine = body_json(api.get(_send_path(world), "patient_a"))
    assert all("Bob's secret" not in m["body"] for m in mine["messages"])


def test_send_without_the_csrf_header_is_refused_and_stores_nothing(api, world):
    response = api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Hi"},
                        csrf=False)
    assert response.status_code == 403
    assert body_json(response)["error"]["code"] == "csrf_failed"
    assert _messages(world) == []


def test_cross_site_requests_are_refused_even_with_a_token(api, world):
    response = api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Hi"},
                        headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403
    response = api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Hi"},
                        headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert _messages(world) == []


def test_clinician_sees_the_message_in_the_inbox_and_replies_and_patient_sees_reply(api, world):
    api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Help with insulin"})
    inbox = body_json(api.get(f"/api/staff/teams/{world.team_x}/inbox", "clinician_x"))
    first = inbox["conversations"][0]
    assert first["patient_id"] == world.patients["patient_a"] and first["waiting"] is True
    thread = body_json(api.get(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages",
                               "clinician_x"))
    assert [m["body"] for m in thread["messages"]][-1] == "Help with insulin"
    reply = api.post(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages",
                     "clinician_x", json_body={"client_id": str(uuid.uuid4()), "body": "Let's talk at 2",
                                               "seen_upto": thread["messages"][-1]["cursor"]})
    assert reply.status_code == 201
    assert body_json(reply)["message"]["sender_label"] == "Carl (Specialist nurse)"
    seen = body_json(api.get(_send_path(world), "patient_a"))
    last = seen["messages"][-1]
    assert last["body"] == "Let's talk at 2" and last["sender"] == "staff"
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.waiting_since is None and conv.assigned_staff_id == world.staff["clinician_x"]


def test_read_state_shows_on_both_sides(api, world):
    api.post(_send_path(world), "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Are you there?"})
    unread = body_json(api.get(_send_path(world), "patient_a"))["messages"][-1]
    assert unread["read"] is False
    api.get(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x")
    assert body_json(api.get(_send_path(world), "patient_a"))["messages"][-1]["read"] is True
    api.post(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x",
             json_body={"client_id": str(uuid.uuid4()), "body": "Yes"})
    staff_view = body_json(api.get(
        f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x"))
    assert staff_view["messages"][-1]["read"] is False
    api.post(f"/api/patient/teams/{world.team_x}/read", "patient_a", json_body={})
    staff_view = body_json(api.get(
        f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x"))
    assert staff_view["messages"][-1]["read"] is True


def test_every_staff_read_of_a_conversation_is_audited(api, world):
    path = f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages"
    api.get(path, "clinician_x")
    api.get(path, "lead_x")
    views = [e for e in storage.audit_about_patient(world.patients["patient_a"])
             if e.event_type == "conversation.viewed"]
    assert sorted(e.actor_id for e in views) == sorted([world.staff["clinician_x"], world.staff["lead_x"]])


def test_clinician_of_another_team_cannot_read_or_reply(api, world):
    path = f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages"
    assert api.get(path, "clinician_y").status_code == 404
    response = api.post(path, "clinician_y", json_body={"client_id": str(uuid.uuid4()), "body": "Hi"})
    assert response.status_code == 404
    assert [m for m in _messages(world) if m.sender_kind == "staff"] == []


def test_conversation_pages_walk_back_through_history(api, world, pinned_clock):
    from datetime import timedelta

    from scripts.world import send_as_patient

    start = pinned_clock.now()
    for i in range(35):
        send_as_patient(world, "patient_a", f"message {i}", start + timedelta(seconds=i))
    first = body_json(api.get(_send_path(world), "patient_a"))
    assert [m["body"] for m in first["messages"]][-1] == "message 34"
    assert len(first["messages"]) == 30 and first["older_cursor"]
    older = body_json(api.get(_send_path(world) + f"?before={quote(first['older_cursor'])}", "patient_a"))
    # The older page ends just before the first page begins: nothing skipped, nothing repeated.
    assert older["messages"][-1]["cursor"] < first["messages"][0]["cursor"]
    all_bodies = {m["body"] for m in first["messages"] + older["messages"] if m["sender"] == "patient"}
    assert all_bodies == {f"message {i}" for i in range(35)}
    assert older["older_cursor"] is None
    assert api.get(_send_path(world) + "?before=not-a-cursor", "patient_a").status_code == 400


def test_inbox_lists_waiting_conversations_first_newest_first(api, world, pinned_clock):
    from datetime import timedelta

    from scripts.world import reply_as_staff, send_as_patient

    now = pinned_clock.now()
    send_as_patient(world, "patient_b", "older waiting", now - timedelta(minutes=30))
    send_as_patient(world, "patient_a", "answered", now - timedelta(minutes=20))
    reply_as_staff(world, "clinician_x", "patient_a", "done", now - timedelta(minutes=10))
    inbox = body_json(api.get(f"/api/staff/teams/{world.team_x}/inbox", "clinician_x"))["conversations"]
    assert [c["patient_id"] for c in inbox] == [world.patients["patient_b"], world.patients["patient_a"]]
    assert [c["waiting"] for c in inbox] == [True, False]
    assert api.get(f"/api/staff/teams/{world.team_x}/inbox?cursor=garbage", "clinician_x").status_code == 400
