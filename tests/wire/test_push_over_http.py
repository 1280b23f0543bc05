"""Web Push over real sockets: a patient's device subscribes over HTTP, a clinician replies over HTTP, the
main table's stream is delivered as ``make run`` delivers it, and a local push service (RFC 8030/8291/8292)
receives, checks and decrypts what Teamline sent.

What a push may carry is the point: it passes through a browser vendor's push service and shows on a lock
screen, so it holds a fixed sentence and an opaque ref, never message text, names or the team. The ref is
only worth something to the signed-in person it was made for.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from scripts import demo_stack
from scripts.push_service import FakePushService
from tests.support.push_fixtures import PushDelivery

pytestmark = pytest.mark.wire

DIABETES = "Young Adult Diabetes Service"
#: The diabetes team's clinician no other test signs in as (sign-in limits are per account per window).
CLINICIAN = "jess.morgan@northfield.nhs.uk"


def subscribe(client: Any, push_service: FakePushService, stack: demo_stack.Stack) -> tuple[str, str, Any]:
    """Subscribe this client's session as a browser would; returns (device id, endpoint, subscription key)."""
    endpoint, p256dh, auth, key = push_service.new_subscription(application_server_key=stack.vapid_public_key)
    device_id = uuid.uuid4().hex
    reply = client.post_json("/api/push/subscriptions",
                             {"device_id": device_id, "endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth},
                              "label": "Android phone"}, csrf=client.csrf())
    assert reply.status == 201, reply.text
    assert [d["device_id"] for d in reply.json()["devices"]] == [device_id]
    return device_id, endpoint, key


def clinician_replies(client: Any, patient: demo_stack.NewPatient, body: str) -> None:
    reply = client.post_json(f"/api/staff/teams/{patient.team_id}/conversations/{patient.patient_id}/messages",
                             {"client_id": str(uuid.uuid4()), "body": body}, csrf=client.csrf())
    assert reply.status == 201, reply.text


def test_the_public_key_is_the_one_pushes_are_signed_with(web: Any, stack: Any) -> None:
    assert web.get_json("/api/push/public-key") == {"public_key": stack.vapid_public_key}


def test_a_reply_reaches_the_patients_device_as_a_generic_encrypted_push(
        new_client: Any, stack: Any, push_service: FakePushService, push: PushDelivery) -> None:
    patient = stack.new_patient(DIABETES, given_name="Mabel", family_name="Quennell")
    other = stack.new_patient(DIABETES, given_name="Otto", family_name="Pryce")
    phone, clinician, stranger = new_client(), new_client(), new_client()
    assert phone.sign_in_patient(patient.username, patient.password).status == 303
    assert stranger.sign_in_patient(other.username, other.password).status == 303
    assert clinician.sign_in_staff(CLINICIAN, stack.demo.password).status == 303
    device_id, endpoint, _ = subscribe(phone, push_service, stack)
    assert [d["device_id"] for d in phone.get_json("/api/push/subscriptions")["devices"]] == [device_id]

    text = "Mabel, your HbA1c came back at 52, which is a lovely improvement. Jess"
    sent_at = time.time()
    clinician_replies(clinician, patient, text)
    [received] = push.until(1, endpoint=endpoint)

    # The push service accepted it: a VAPID JWT that verifies against the key the browser subscribed with
    # (the service checks the signature, k, aud and exp), and the headers every push service wants.
    assert received.status == 201, received.reason
    assert received.claims is not None
    assert received.claims["aud"] == push_service.origin
    assert received.claims["sub"] == demo_stack.VAPID_SUBJECT
    assert sent_at < received.claims["exp"] <= sent_at + 24 * 3600 + 5
    assert received.headers["authorization"].startswith("vapid t=")
    assert received.headers["authorization"].endswith(f"k={stack.vapid_public_key}")
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == str(24 * 3600)
    assert received.headers["urgency"] == "normal"

    # Decrypted with the subscription's private key: generic words and an opaque ref, nothing else.
    assert received.plaintext is not None
    payload = json.loads(received.plaintext)
    assert payload == {"title": "Teamline", "body": "New message from your care team", "ref": payload["ref"],
                       "audience": "patient"}
    shown = received.plaintext.decode()
    for secret in ("HbA1c", "52", "Jess", "Morgan", "Mabel", "Quennell", "Diabetes", patient.team_id,
                   patient.patient_id, patient.username):
        assert secret.lower() not in shown.lower(), f"{secret!r} is in the push: {shown}"

    # The ref opens the conversation, for that patient only.
    ref = payload["ref"]
    assert phone.get_json(f"/api/push/refs/{ref}") == {"url": f"/p/teams/{patient.team_id}#latest"}
    assert stranger.get(f"/api/push/refs/{ref}", Accept="application/json").status == 404
    assert new_client().get(f"/api/push/refs/{ref}", Accept="application/json").status in (401, 403)

    # Delivered once, and the device shows notifications arriving.
    assert sum(result.delivered for result in push.results) == 1
    [device] = phone.get_json("/api/push/subscriptions")["devices"]
    assert device["last_success_at"] and not device["stopped"]


def test_a_subscription_the_push_service_says_is_gone_is_removed(
        new_client: Any, stack: Any, push_service: FakePushService, push: PushDelivery) -> None:
    patient = stack.new_patient(DIABETES, given_name="Gwen", family_name="Adair")
    phone, clinician = new_client(), new_client()
    assert phone.sign_in_patient(patient.username, patient.password).status == 303
    assert clinician.sign_in_staff(CLINICIAN, stack.demo.password).status == 303
    _, endpoint, _ = subscribe(phone, push_service, stack)
    push_service.script(endpoint, [410])

    clinician_replies(clinician, patient, "Hi Gwen, just checking in after clinic.")
    [received] = push.until(1, endpoint=endpoint)

    assert received.status == 410
    assert sum(result.removed for result in push.results) == 1
    assert phone.get_json("/api/push/subscriptions") == {"devices": []}

    # The next reply finds no device, so nothing is sent to the push service at all.
    clinician_replies(clinician, patient, "And the leaflet is in the post.")
    assert push.settle() >= 1  # the stream had the reply, and dispatch ran for it
    assert push.results[-1].messages >= 1 and push.results[-1].attempted == 0
    assert len([r for r in push_service.received if r.endpoint == endpoint]) == 1


def test_an_endpoint_that_is_not_a_push_service_is_refused(new_client: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Ivy", family_name="Stone")
    phone = new_client()
    assert phone.sign_in_patient(patient.username, patient.password).status == 303
    keys = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}
    for endpoint in ("http://10.0.0.5/push/abc", "https://intranet.example.nhs.uk/push", "http://127.0.0.2/x",
                     # the allow-list and the sender once read these differently (hardening, point 3)
                     "https://fcm.googleapis.com\\@intranet.example.nhs.uk/push",
                     "https://fcm.googleapis.com:8443/fcm/send/x", "https://user@fcm.googleapis.com/x",
                     "https://169.254.169.254/latest/meta-data"):
        reply = phone.post_json("/api/push/subscriptions", {"device_id": uuid.uuid4().hex, "endpoint": endpoint,
                                                            "keys": keys}, csrf=phone.csrf())
        assert reply.status == 400, (endpoint, reply.text)
        assert reply.json()["error"]["field"] == "endpoint"
    assert phone.get_json("/api/push/subscriptions") == {"devices": []}
