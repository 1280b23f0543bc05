"""Web Push end to end in-process: subscriptions, who is notified, one push per device, failures, refs.

Pushes are real RFC 8291/8292 traffic to a local push service on loopback that checks the VAPID JWT
and decrypts every body, so these tests prove what actually leaves Teamline.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.models import push as push_models
from chalicelib.push import config as push_config
from chalicelib.push.sender import PushSender
from chalicelib.push.vapid import ensure_local_keys
from chalicelib.services import notifications
from chalicelib.settings import get_settings
from scripts.push_service import FakePushService, Stall
from scripts.world import reply_as_staff, send_as_patient
from tests.support import storage
from tests.support.http import body_json, page_text

SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


@pytest.fixture
def push_env(tmp_path: Any) -> Iterator[Any]:
    """Settings for push in this test: a local key file and the loopback push service allowed."""
    from chalicelib.push import config

    path = str(tmp_path / "vapid.json")
    keys_ = ensure_local_keys(path, "mailto:push-tests@example.nhs.uk")
    saved = {k: os.environ.get(k) for k in ("TEAMLINE_VAPID_PRIVATE_KEY_FILE", "TEAMLINE_PUSH_HOSTS")}
    os.environ["TEAMLINE_VAPID_PRIVATE_KEY_FILE"] = path
    os.environ["TEAMLINE_PUSH_HOSTS"] = "127.0.0.1,fcm.googleapis.com"
    get_settings.cache_clear()
    config._local_keys.cache_clear()
    yield keys_
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    config._local_keys.cache_clear()


def _subscribe(api, persona, service, keys_, device_id=None):
    endpoint, p256dh, auth, _ = service.new_subscription(application_server_key=keys_.public)
    response = api.post("/api/push/subscriptions", persona, json_body={
        "device_id": device_id or uuid.uuid4().hex, "endpoint": endpoint,
        "keys": {"p256dh": p256dh, "auth": auth}, "label": f"{persona} phone"})
    assert response.status_code == 201, response.body
    return endpoint


def _sender(keys_) -> Any:
    return PushSender(keys_, sleep=lambda _: None, max_attempts=3)


def _images(world, patient="patient_a") -> list[dict[str, Any]]:
    return [m.serialize() for m in storage.messages(world.team_x, world.patients[patient])]


def _dispatch(world, keys_, now, images=None, patient="patient_a"):
    return notifications.handle_new_images(images if images is not None else _images(world, patient), now=now,
                                      send=_sender(keys_).send)


def test_a_clinicians_reply_pushes_a_generic_notification_to_each_patient_device(api, world, push_service, push_env,
                                                                                  pinned_clock):
    now = pinned_clock.now()
    phone = _subscribe(api, "patient_a", push_service, push_env)
    tablet = _subscribe(api, "patient_a", push_service, push_env)
    reply = reply_as_staff(world, "clinician_x", "patient_a", "Your blood results are normal", now)
    result = _dispatch(world, push_env, now, [reply.message.serialize()])
    assert result.delivered == 2
    pushes = push_service.wait_for(2)
    assert {p.endpoint for p in pushes} == {phone, tablet}
    for push in pushes:
        payload = json.loads(push.plaintext)
        assert payload["body"] == "New message from your care team"
        assert set(payload) <= {"title", "body", "ref", "audience", "urgent"}
        text = push.plaintext.decode()
        for secret in ("blood", "Carl", "Team X", "Alice", world.team_x, world.patients["patient_a"]):
            assert secret not in text
        assert push.headers["ttl"] == "86400" and push.headers["urgency"] == "normal"
        assert push.headers["content-encoding"] == "aes128gcm"
        assert push.claims and push.claims["aud"] == push_service.origin


def test_the_same_stream_event_twice_sends_one_push_per_device(api, world, push_service, push_env, pinned_clock):
    now = pinned_clock.now()
    _subscribe(api, "patient_a", push_service, push_env)
    image = reply_as_staff(world, "clinician_x", "patient_a", "hello", now).message.serialize()
    _dispatch(world, push_env, now, [image])
    second = _dispatch(world, push_env, now, [image])
    assert second.duplicates == 1 and second.attempted == 0
    assert len(push_service.received) == 1


def test_patient_message_notifies_on_shift_staff_but_not_the_patient(api, world, push_service, push_env, pinned_clock):
    now = pinned_clock.now()
    staff_endpoint = _subscribe(api, "clinician_x", push_service, push_env)
    lead_endpoint = _subscribe(api, "lead_x", push_service, push_env)
    _subscribe(api, "clinician_y", push_service, push_env)
    own = _subscribe(api, "patient_a", push_service, push_env)
    sent = send_as_patient(world, "patient_a", "I feel dizzy", now)
    _dispatch(world, push_env, now, [sent.message.serialize()])
    received = {p.endpoint for p in push_service.wait_for(2)}
    assert received == {staff_endpoint, lead_endpoint}  # not team Y, not the sender
    assert own not in received
    payload = json.loads(push_service.received[0].plaintext)
    assert payload["body"] == "New message in your team inbox"


def test_off_shift_staff_are_not_notified_unless_the_conversation_is_urgent(api, world, push_service, push_env,
                                                                             pinned_clock):
    _subscribe(api, "clinician_x", push_service, push_env)
    pinned_clock.set(SATURDAY)
    sent = send_as_patient(world, "patient_a", "weekend", SATURDAY)
    result = _dispatch(world, push_env, SATURDAY, [sent.message.serialize()])
    assert result.attempted == 0 and push_service.received == []
    response = api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/urgent", "lead_x",
                        form={"urgent": "yes"})
    assert response.status_code == 303
    urgent = send_as_patient(world, "patient_a", "worse now", SATURDAY + timedelta(minutes=5))
    _dispatch(world, push_env, SATURDAY, [urgent.message.serialize()])
    push = push_service.wait_for(1)[0]
    assert push.headers["urgency"] == "high"


def test_away_staff_are_not_notified(api, world, push_service, push_env, pinned_clock):
    now = pinned_clock.now()
    away_endpoint = _subscribe(api, "clinician_x", push_service, push_env)
    lead_endpoint = _subscribe(api, "lead_x", push_service, push_env)
    assert api.post(f"/api/staff/teams/{world.team_x}/away", "clinician_x", json_body={
        "start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(days=1)).isoformat(),
        "cover_id": world.staff["lead_x"]}).status_code == 200
    sent = send_as_patient(world, "patient_a", "hi", now)
    _dispatch(world, push_env, now, [sent.message.serialize()])
    assert {p.endpoint for p in push_service.wait_for(1)} == {lead_endpoint}
    assert away_endpoint not in {p.endpoint for p in push_service.received}


def test_automatic_replies_never_notify(api, world, push_service, push_env, pinned_clock):
    _subscribe(api, "patient_a", push_service, push_env)
    sent = send_as_patient(world, "patient_a", "weekend", SATURDAY)
    assert sent.auto_reply is not None
    result = _dispatch(world, push_env, SATURDAY, [sent.auto_reply.serialize()])
    assert result.attempted == 0 and push_service.received == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deleted(api, world, push_service, push_env, pinned_clock, status):
    now = pinned_clock.now()
    endpoint = _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(endpoint, [status])
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    result = _dispatch(world, push_env, now, [reply.message.serialize()])
    assert result.removed == 1
    assert storage.subscriptions(world.patients["patient_a"]) == []


def test_payload_too_large_is_logged_as_a_bug_and_the_device_kept(api, world, push_service, push_env, pinned_clock,
                                                                     caplog):
    now = pinned_clock.now()
    endpoint = _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(endpoint, [413])
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    with caplog.at_level("ERROR", logger="teamline"):
        result = _dispatch(world, push_env, now, [reply.message.serialize()])
    assert result.failed == 1
    assert any("push_payload_too_large" in r.getMessage() for r in caplog.records)
    subs = storage.subscriptions(world.patients["patient_a"])
    assert len(subs) == 1 and subs[0].failures == 1


def test_rate_limited_push_is_retried_and_delivered(api, world, push_service, push_env, pinned_clock):
    now = pinned_clock.now()
    endpoint = _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(endpoint, [429], retry_after="2")
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    result = _dispatch(world, push_env, now, [reply.message.serialize()])
    assert result.delivered == 1
    assert [p.status for p in push_service.received] == [429, 201]


def test_a_device_that_keeps_failing_is_retried_until_its_ttl_then_shown_as_not_working(api, world, push_service,
                                                                                      push_env, pinned_clock):
    now = pinned_clock.now()
    endpoint = _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(endpoint, [503] * 300)
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    result = _dispatch(world, push_env, now, [reply.message.serialize()])
    assert (result.deferred, result.failed) == (1, 0) and result.outcomes == {"retry_exhausted": 1}
    assert body_json(api.get("/api/push/subscriptions", "patient_a"))["devices"][0]["stopped"] is False
    later, retried = now, 0
    while later < now + timedelta(hours=25):  # the retry job runs; each retry comes due later than the last
        later += timedelta(minutes=31)
        retried += notifications.retry_due(later, send=_sender(push_env).send).attempted
    assert 10 <= retried <= 60  # tried again and again within the reply's 24-hour TTL, then given up
    devices = body_json(api.get("/api/push/subscriptions", "patient_a"))["devices"]
    assert devices[0]["stopped"] is True
    page = api.get("/p/account", "patient_a").body.decode()
    assert "Not working" in page and "No notification has been delivered yet" in page


def test_push_failure_never_affects_the_send(api, world, push_service, push_env, pinned_clock):
    """Sending never talks to a push service: the send request's calls are DynamoDB only, and it succeeds."""
    endpoint = _subscribe(api, "clinician_x", push_service, push_env)
    push_service.script(endpoint, [500, 500, 500])
    response = api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                        json_body={"client_id": str(uuid.uuid4()), "body": "hello"})
    assert response.status_code == 201
    assert push_service.received == []


def test_resubscribing_a_device_replaces_its_subscription(api, world, push_service, push_env):
    device = uuid.uuid4().hex
    _subscribe(api, "patient_a", push_service, push_env, device_id=device)
    second = _subscribe(api, "patient_a", push_service, push_env, device_id=device)
    subs = storage.subscriptions(world.patients["patient_a"])
    assert len(subs) == 1 and subs[0].endpoint == second


@pytest.mark.parametrize(("endpoint", "field"), [
    ("https://evil.example.com/push/abc", "endpoint"),
    ("http://fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("javascript:alert(1)", "endpoint"),
])
def test_subscriptions_to_unknown_or_insecure_push_services_are_refused(api, world, push_env, endpoint, field):
    response = api.post("/api/push/subscriptions", "patient_a", json_body={
        "device_id": uuid.uuid4().hex, "endpoint": endpoint,
        "keys": {"p256dh": "BA" + "A" * 85, "auth": "A" * 22}})
    assert response.status_code == 400 and body_json(response)["error"]["field"] == field
    assert storage.subscriptions(world.patients["patient_a"]) == []


def test_bad_subscription_keys_are_refused(api, world, push_service, push_env):
    endpoint, _, _, _ = push_service.new_subscription()
    response = api.post("/api/push/subscriptions", "patient_a", json_body={
        "device_id": uuid.uuid4().hex, "endpoint": endpoint, "keys": {"p256dh": "short", "auth": "x"}})
    assert response.status_code == 400 and body_json(response)["error"]["field"] == "keys.p256dh"


def test_a_clicked_notification_opens_only_for_the_person_it_was_for(api, world, push_service, push_env, pinned_clock):
    now = pinned_clock.now()
    _subscribe(api, "patient_a", push_service, push_env)
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    _dispatch(world, push_env, now, [reply.message.serialize()])
    ref = json.loads(push_service.wait_for(1)[0].plaintext)["ref"]
    mine = api.get(f"/api/push/refs/{ref}", "patient_a")
    assert mine.status_code == 200 and body_json(mine)["url"] == f"/p/teams/{world.team_x}#latest"
    assert api.get(f"/api/push/refs/{ref}", "patient_b").status_code == 404
    assert api.get(f"/api/push/refs/{ref}", "clinician_y").status_code == 404
    assert api.get(f"/api/push/refs/{ref}", "anonymous").status_code == 401
    staff_view = api.get(f"/api/push/refs/{ref}", "clinician_x")
    assert body_json(staff_view)["url"].startswith(f"/staff/teams/{world.team_x}/patients/")


def test_the_stream_handler_runs_through_the_lambda_entry_point(app_client, api, world, push_service, push_env,
                                                                  pinned_clock):
    now = pinned_clock.now()
    _subscribe(api, "patient_a", push_service, push_env)
    push_config.reset_sender()  # the handler builds its sender from the push settings of this test
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    event = {"Records": [{
        "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-2", "eventSourceARN": "arn:aws:dynamodb:eu-west-2:1:table/t/stream/x",
        "dynamodb": {"ApproximateCreationDateTime": now.timestamp(),
                     "Keys": {"pk": {"S": reply.message.pk}, "sk": {"S": reply.message.sk}},
                     "NewImage": reply.message.serialize(), "SequenceNumber": "1", "SizeBytes": 100,
                     "StreamViewType": "NEW_IMAGE"}}]}
    app_client.lambda_.invoke("deliver_push", event)
    push_config.reset_sender()
    assert len(push_service.wait_for(1)) == 1


# --- never lost to a passing failure, never held up by one slow service (hardening, point 4) ---------------


def _budget_sender(keys_):
    """The delivery job's own budget (push/config.default_send), with a short timeout to keep the test quick."""
    return PushSender(keys_, max_attempts=2, base_delay=0.05, max_delay=1.0, timeout=1.0,
                      endpoint_check=push_config.endpoint_check)


def test_a_429_asking_for_longer_than_the_budget_is_sent_again_when_it_allows(api, world, push_service, push_env,
                                                                              pinned_clock):
    now = pinned_clock.now()
    endpoint = _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(endpoint, [429], retry_after="120")
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    result = notifications.handle_new_images([reply.message.serialize()], now=now, send=_budget_sender(push_env).send)
    assert (result.deferred, result.failed, result.delivered) == (1, 0, 0)
    early = notifications.retry_due(now + timedelta(seconds=60), send=_budget_sender(push_env).send)
    assert early.attempted == 0  # not before the push service said
    later = notifications.retry_due(now + timedelta(seconds=125), send=_budget_sender(push_env).send)
    assert later.delivered == 1
    assert [r.status for r in push_service.received] == [429, 201]
    assert body_json(api.get("/api/push/subscriptions", "patient_a"))["devices"][0]["stopped"] is False


def test_a_push_service_down_for_a_while_loses_nothing(api, world, push_service, push_env, pinned_clock):
    now = pinned_clock.now()
    endpoint = _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(endpoint, [503, 503, 503, 503])  # down for the first two tries
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    send = _budget_sender(push_env).send
    assert notifications.handle_new_images([reply.message.serialize()], now=now, send=send).deferred == 1
    assert notifications.retry_due(now + timedelta(minutes=1), send=send).deferred == 1
    assert notifications.retry_due(now + timedelta(minutes=3), send=send).delivered == 1
    assert [r.status for r in push_service.received] == [503, 503, 503, 503, 201]


def test_one_hanging_push_service_holds_up_no_other_device(api, world, push_service, push_env, pinned_clock):
    now = pinned_clock.now()
    hanging = _subscribe(api, "patient_a", push_service, push_env)
    _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(hanging, [Stall(30), Stall(30)])
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    started = time.monotonic()
    result = notifications.handle_new_images([reply.message.serialize()], now=now, send=_budget_sender(push_env).send)
    elapsed = time.monotonic() - started
    assert (result.delivered, result.deferred) == (1, 1)
    assert elapsed < 15, "the batch waited on the hanging service instead of its own budget"


def test_a_vapid_refusal_is_reported_as_a_configuration_fault_and_keeps_the_device(api, world, push_service, push_env,
                                                                                    pinned_clock, caplog):
    now = pinned_clock.now()
    endpoint = _subscribe(api, "patient_a", push_service, push_env)
    push_service.script(endpoint, [403])
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    with caplog.at_level("ERROR", logger="teamline"):
        result = notifications.handle_new_images([reply.message.serialize()], now=now,
                                                 send=_budget_sender(push_env).send)
    assert result.outcomes == {"vapid_rejected": 1} and result.removed == 0
    assert any('"event":"push_vapid_rejected"' in r.getMessage() or "push_vapid_rejected" in str(r.__dict__)
               for r in caplog.records)
    assert storage.subscriptions(world.patients["patient_a"]) != []


def test_a_stored_endpoint_the_sender_would_not_post_to_is_dropped_without_a_request(world, push_service, push_env,
                                                                                   pinned_clock):
    """An endpoint stored before the stricter check (or by any other route in) is checked again before each POST."""
    now = pinned_clock.now()
    endpoint, p256dh, auth, _ = push_service.new_subscription(application_server_key=push_env.public)
    crafted = endpoint.replace("http://127.0.0.1", "http://127.0.0.1\\@fcm.googleapis.com")
    push_models.new_subscription("patient", world.patients["patient_a"], "crafteddevice0001", endpoint=crafted,
                                 p256dh=p256dh, auth=auth, label="", now=now).save()
    reply = reply_as_staff(world, "clinician_x", "patient_a", "x", now)
    result = notifications.handle_new_images([reply.message.serialize()], now=now, send=_budget_sender(push_env).send)
    assert result.outcomes == {"refused": 1} and result.removed == 1
    assert push_service.received == []
    assert storage.subscriptions(world.patients["patient_a"]) == []


# --- the team's rota changed (issue 9): its patients are told by push, from the stream ----------------------------

MONTH = "2026-11"  # NOW is Wednesday 25 November 2026, 10:30 in London
ROTA_TEXT = "Your team's contact rota has changed"


def _rota_form(world, month=MONTH, **days):
    """The builder's form naming people on days of ``month`` (``d25="clinician_x"``), 09:00 to 17:00."""
    form = {"month": month}
    for day, persona in days.items():
        date = f"{month}-{int(day[1:]):02d}"
        form |= {f"staff_{date}": world.staff[persona], f"start_{date}": "09:00", f"end_{date}": "17:00"}
    return form


def _publish(api, world, month=MONTH, **days):
    rota = f"/staff/teams/{world.team_x}/rota"
    if days:
        assert api.post(f"{rota}/days", "lead_x", form=_rota_form(world, month, **days)).status_code == 303
    return api.post(f"{rota}/publish", "lead_x", form={"month": month})


def _team_y_patient(world, now) -> str:
    """A young person in team Y only, invited and joined through the real services."""
    from chalicelib.models.people import get_staff
    from chalicelib.models.team import get_team
    from chalicelib.scopes import StaffTeam
    from chalicelib.services import invites
    from scripts.demo_data import actor_for, required

    clinician = actor_for(required(get_staff(world.staff["clinician_y"])), now)
    invited = invites.do_invite_patient(StaffTeam(clinician, required(get_team(world.team_y)), "clinician", {}), now,
                                        given_name="Yara", family_name="Patient", date_of_birth="2010-02-03")
    checked = invites.check_invite(now, code=invited.code, date_of_birth="2010-02-03", address="seed-yara")
    invites.do_accept_invite(now, checked, username="yarapatient", password="a long password for yara", agreed=True)
    return invited.patient_id


def _device(service, keys_, actor_kind, actor_id, now) -> str:
    endpoint, p256dh, auth, _ = service.new_subscription(application_server_key=keys_.public)
    push_models.new_subscription(actor_kind, actor_id, uuid.uuid4().hex, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                 label="phone", now=now).save()
    return endpoint


def _notices(world, *versions, month=MONTH) -> list[dict[str, Any]]:
    """What the stream INSERTs for those publications: the notice each stored (a first one, or none, stores none).

    (moto's in-process mock cannot serve the Streams API; the wire and browser tiers read the real stream.)
    """
    stored = [storage.rota_notice(world.team_x, month, version) for version in versions]
    return [notice.serialize() for notice in stored if notice is not None]


@pytest.fixture
def rota_devices(api, world, push_service, push_env, pinned_clock):
    """Patients A and B (team X), a team Y patient, and two team X staff, each with one subscribed device."""
    now = pinned_clock.now()
    devices = {persona: _subscribe(api, persona, push_service, push_env)
               for persona in ("patient_a", "patient_b", "clinician_x", "lead_x")}
    devices["patient_y"] = _device(push_service, push_env, "patient", _team_y_patient(world, now), now)
    return devices


def test_republishing_a_changed_month_pushes_each_patient_of_the_team_once_and_nobody_else(
        api, world, push_service, push_env, pinned_clock, rota_devices):
    now = pinned_clock.now()
    assert _publish(api, world, d25="clinician_x", d26="lead_x").status_code == 303
    assert storage.rota_notice(world.team_x, MONTH, 1) is None  # a first publication: nothing relied on changed
    assert _publish(api, world).status_code == 400  # unchanged: nothing published, nothing told
    assert storage.rota_month(world.team_x, MONTH).version == 1 and storage.rota_notice(world.team_x, MONTH, 2) is None

    api.post(f"/staff/teams/{world.team_x}/rota/swap", "lead_x",
             form={"month": MONTH, "first": "2026-11-25", "second": "2026-11-26"})
    assert _publish(api, world).status_code == 303
    images = _notices(world, 2)
    result = _dispatch(world, push_env, now, images)
    assert (result.notices, result.attempted, result.delivered) == (1, 2, 2)  # not staff, not team Y's patient
    received = push_service.wait_for(2)
    assert sorted(p.endpoint for p in received) == sorted([rota_devices["patient_a"], rota_devices["patient_b"]])
    for push in received:
        assert json.loads(push.plaintext) == {"title": "Teamline", "body": ROTA_TEXT, "ref": json.loads(
            push.plaintext)["ref"], "audience": "patient"}
        text = push.plaintext.decode()
        for secret in ("Carl", "Lena", "Team X", "Alice", "Bob", "Consultant", "nurse", "November", MONTH,
                       world.team_x, world.patients["patient_a"]):
            assert secret not in text
        assert push.headers["ttl"] == "86400" and push.headers["urgency"] == "normal"
    notice = storage.rota_notice(world.team_x, MONTH, 2)
    assert notice is not None and notice.expires_at is not None and notice.expires_at <= now + timedelta(days=2)
    # The same stream batch again (Lambda redelivers a failed batch): nobody is pushed twice.
    again = _dispatch(world, push_env, now, images)
    assert (again.attempted, again.duplicates) == (0, 2) and len(push_service.received) == 2
    # Tapping it opens the team's rota month, for the team's patients only.
    ref = json.loads(received[0].plaintext)["ref"]
    for persona in ("patient_a", "patient_b"):
        opened = api.get(f"/api/push/refs/{ref}", persona)
        assert opened.status_code == 200 and body_json(opened)["url"] == f"/p/teams/{world.team_x}/rota?month={MONTH}"
    assert api.get(f"/api/push/refs/{ref}", "clinician_x").status_code == 404
    assert api.get(f"/api/push/refs/{ref}", "anonymous").status_code == 401


def test_changes_only_to_days_gone_by_or_months_ahead_are_shown_in_the_app_but_not_pushed(
        api, world, push_service, push_env, pinned_clock, rota_devices):
    assert _publish(api, world, d2="clinician_x", d25="clinician_x").status_code == 303
    assert _publish(api, world, d2="lead_x", d25="clinician_x").status_code == 303  # only 2 November changed
    assert storage.rota_month(world.team_x, MONTH).updated_days == ["2026-11-02"]
    far = "2027-01"  # the month after next
    assert _publish(api, world, far, d4="clinician_x").status_code == 303
    assert _publish(api, world, far, d4="lead_x").status_code == 303
    assert _notices(world, 1, 2) == [] and _notices(world, 1, 2, month=far) == []
    assert "Rota changed" in page_text(api.get("/p", "patient_a"))  # the app still says so


def test_two_republications_in_one_stream_batch_are_one_push_per_device(
        api, world, push_service, push_env, pinned_clock, rota_devices):
    now = pinned_clock.now()
    assert _publish(api, world, d25="clinician_x", d26="lead_x").status_code == 303
    assert _publish(api, world, d25="lead_x", d26="lead_x").status_code == 303
    assert _publish(api, world, d25="lead_x", d26="clinician_x").status_code == 303
    assert _publish(api, world, "2026-12", d1="clinician_x").status_code == 303  # a first publication: no notice
    assert _publish(api, world, "2026-12", d1="lead_x").status_code == 303
    images = _notices(world, 2, 3) + _notices(world, 2, month="2026-12")
    assert len(images) == 3
    result = _dispatch(world, push_env, now, images)
    assert (result.notices, result.delivered) == (1, 2)
    assert sorted(p.endpoint for p in push_service.received) == sorted([rota_devices["patient_a"],
                                                                         rota_devices["patient_b"]])
    ref = json.loads(push_service.received[0].plaintext)["ref"]
    assert body_json(api.get(f"/api/push/refs/{ref}", "patient_a"))["url"].endswith(f"?month={MONTH}")


def test_a_notice_handled_after_the_changed_days_are_over_sends_nothing(
        api, world, push_service, push_env, pinned_clock, rota_devices):
    now = pinned_clock.now()
    assert _publish(api, world, d25="clinician_x").status_code == 303
    assert _publish(api, world, d25="lead_x").status_code == 303
    late = now + timedelta(days=1)  # the stream record handled after 25 November ended
    assert _dispatch(world, push_env, late, _notices(world, 2)).attempted == 0
    assert push_service.received == []
