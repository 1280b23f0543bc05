"""Teamline over real HTTP: ``chalice local`` in a child process, DynamoDB in a moto server.

These check what only the wire shows: headers and cookies as sent, the anti-forgery dance a browser
does, the JSON API the PWA's scripts call, and that the data really lands in the DynamoDB the
configuration names (and nowhere else).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

import pytest

from chalicelib.auth import throttle
from chalicelib.models.base import MainItem
from scripts import demo_stack
from scripts.local_stack import local_environment
from tests.support import storage

pytestmark = pytest.mark.wire

DIABETES = "Young Adult Diabetes Service"
CANCER = "Teenage and Young Adult Cancer Service"


# --- the app answers, with its headers ---------------------------------------------------------


def test_health_answers_over_http_with_security_headers(web: Any) -> None:
    reply = web.get("/api/health")

    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json()["status"] == "ok"
    assert "default-src" in reply.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in reply.headers["Content-Security-Policy"].split("script-src", 1)[-1].split(";")[0]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"


def test_unknown_api_path_is_refused(web: Any) -> None:
    assert web.get("/api/no-such-thing").status in (403, 404)


# --- signing in ----------------------------------------------------------------------------------


def test_staff_sign_in_form_flow_sets_a_host_prefixed_session_cookie(web: Any, stack: Any) -> None:
    form = web.get("/staff/sign-in")
    assert form.status == 200
    pre_session = form.cookie_attributes("__Host-teamline_csrf")
    assert pre_session["value"] == form.form_token()
    assert {"secure", "httponly"} <= pre_session.keys() and pre_session["path"] == "/"

    signed_in = web.post_form("/staff/sign-in", {"csrf_token": form.form_token(),
                                                 "email": "sam.okafor@northfield.nhs.uk",
                                                 "password": stack.demo.password, "next": ""})

    assert signed_in.status == 303 and signed_in.location == "/staff"
    cookie = signed_in.cookie_attributes("__Host-teamline")
    assert {"secure", "httponly"} <= cookie.keys()
    assert cookie["path"] == "/" and cookie["samesite"] == "Lax" and "domain" not in cookie
    assert int(cookie["max-age"]) > 0
    team_id = stack.demo.teams[DIABETES]
    home = web.get("/staff")
    assert home.status == 302 and home.location == f"/staff/teams/{team_id}"  # one team: straight to its inbox
    inbox = web.get(home.location)
    assert inbox.status == 200 and "Signed in as Sam Okafor" in inbox.text


def test_sign_in_without_the_forms_token_is_refused(web: Any, stack: Any) -> None:
    web.get("/staff/sign-in")  # has the cookie, but posts no token

    reply = web.post_form("/staff/sign-in", {"email": "sam.okafor@northfield.nhs.uk",
                                             "password": stack.demo.password})

    assert reply.status == 403
    assert "__Host-teamline" not in web.cookies


def test_wrong_password_is_refused_without_a_session(web: Any) -> None:
    reply = web.sign_in_patient("leo", "not-the-password")

    assert reply.status == 401
    assert "The username or password is not right." in reply.text
    assert "__Host-teamline" not in web.cookies


# --- a message there and back ---------------------------------------------------------------------


def test_message_round_trip_between_patient_and_clinician(new_client: Any, stack: Any) -> None:
    team_id = stack.demo.teams[DIABETES]
    maya_id = stack.demo.patients["maya"]
    maya, sam = new_client(), new_client()

    # Maya signs in and the page gives her scripts their anti-forgery token.
    signed_in = maya.sign_in_patient("maya", stack.demo.password)
    assert signed_in.status == 303 and signed_in.location == "/p"
    page = maya.get(f"/p/teams/{team_id}")
    assert page.status == 200
    token = page.meta_token()
    assert token == maya.csrf()

    # She sends through the JSON API, as the offline outbox does.
    client_id = str(uuid.uuid4())
    body = f"My sensor fell off again ({client_id[:8]})"
    sent = maya.post_json(f"/api/patient/teams/{team_id}/messages", {"client_id": client_id, "body": body}, csrf=token)
    assert sent.status == 201, sent.text
    assert sent.json()["created"] is True
    message = sent.json()["message"]
    assert message["body"] == body and message["mine"] is True and message["sender"] == "patient"

    # A retry with the same client_id (the outbox after a lost response) stores nothing new.
    again = maya.post_json(f"/api/patient/teams/{team_id}/messages", {"client_id": client_id, "body": body}, csrf=token)
    assert again.status == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["message"]["id"] == message["id"]

    # The data is in the moto server, read by this process's PynamoDB over HTTP.
    assert MainItem.Meta.host == stack.endpoint
    stored = [m for m in storage.messages(team_id, maya_id) if m.client_id == client_id]
    assert [(m.message_id, m.body, m.sender_kind) for m in stored] == [(message["id"], body, "patient")]
    guard = storage.guard(team_id, maya_id, client_id)
    assert guard.message_sk == stored[0].sk
    assert storage.raw_item(stack.endpoint, stored[0].key)["body"]["S"] == body

    # The clinician sees it in the team inbox, waiting for the team.
    assert sam.sign_in_staff("sam.okafor@northfield.nhs.uk", stack.demo.password).status == 303
    inbox = sam.get_json(f"/api/staff/teams/{team_id}/inbox")["conversations"]
    row = next(c for c in inbox if c["patient_id"] == maya_id)
    assert row["waiting"] is True and row["preview"] == body
    waiting = [c["waiting"] for c in inbox]
    assert waiting == sorted(waiting, reverse=True), "waiting conversations come first"

    thread = sam.get_json(f"/api/staff/teams/{team_id}/conversations/{maya_id}/messages")["messages"]
    assert thread[-1]["id"] == message["id"]
    reply_body = "Hi Maya, we will post you some over-patches today."
    replied = sam.post_json(f"/api/staff/teams/{team_id}/conversations/{maya_id}/messages",
                            {"client_id": str(uuid.uuid4()), "body": reply_body, "seen_upto": thread[-1]["cursor"]},
                            csrf=sam.csrf())
    assert replied.status == 201, replied.text

    # Maya reads the reply, signed with the clinician's first name and job title; hers shows as read.
    mine = maya.get_json(f"/api/patient/teams/{team_id}/messages")["messages"]
    assert mine[-1]["body"] == reply_body
    assert mine[-1]["sender"] == "staff" and mine[-1]["sender_label"] == "Sam (Diabetes specialist nurse)"
    assert next(m for m in mine if m["id"] == message["id"])["read"] is True
    conversation = storage.conversation(team_id, maya_id)
    assert conversation.waiting_since is None and conversation.last_sender == "staff"


def test_send_without_the_anti_forgery_header_is_refused(new_client: Any, stack: Any) -> None:
    team_id = stack.demo.teams[DIABETES]
    zara = new_client()
    assert zara.sign_in_patient("zara", stack.demo.password).status == 303

    reply = zara.post_json(f"/api/patient/teams/{team_id}/messages",
                           {"client_id": str(uuid.uuid4()), "body": "hello"}, csrf=None)

    assert reply.status == 403 and reply.json()["error"]["code"] == "csrf_failed"


def test_patient_cannot_read_another_teams_thread(new_client: Any, stack: Any) -> None:
    leo = new_client()
    assert leo.sign_in_patient("leo", stack.demo.password).status == 303

    reply = leo.get(f"/api/patient/teams/{stack.demo.teams[DIABETES]}/messages", Accept="application/json")

    assert reply.status in (403, 404)
    assert "sensor" not in reply.text


def test_clinician_cannot_open_another_teams_inbox(new_client: Any, stack: Any) -> None:
    aisha = new_client()
    assert aisha.sign_in_staff("aisha.khan@northfield.nhs.uk", stack.demo.password).status == 303

    reply = aisha.get(f"/api/staff/teams/{stack.demo.teams[DIABETES]}/inbox", Accept="application/json")

    assert reply.status in (403, 404)


# --- the clock is one setting too ----------------------------------------------------------------------


def test_an_app_with_a_saturday_clock_sees_the_same_data_with_the_teams_closed(new_client: Any, stack: Any) -> None:
    weekday, saturday = new_client(), new_client(stack.app_with_clock(demo_stack.SATURDAY_MORNING))
    for web in (weekday, saturday):
        assert web.sign_in_patient("zara", stack.demo.password).status == 303

    open_now = {t["name"]: t["status"]["open"] for t in weekday.get_json("/api/patient/teams")["teams"]}
    at_weekend = {t["name"]: t["status"]["open"] for t in saturday.get_json("/api/patient/teams")["teams"]}

    assert open_now == {DIABETES: True, CANCER: True}
    assert at_weekend == {DIABETES: False, CANCER: False}
    assert stack.app_with_clock(demo_stack.SATURDAY_MORNING) == saturday.base_url  # started once


# --- the DynamoDB endpoint is one setting ---------------------------------------------------------


def test_app_uses_whatever_dynamodb_the_endpoint_setting_names(new_client: Any, stack: Any) -> None:
    """A second app pointed at an empty second DynamoDB: same code, only TEAMLINE_DYNAMODB_ENDPOINT differs."""
    with demo_stack.separate_dynamodb() as other_endpoint:
        env = local_environment(demo_stack.stage_environment(other_endpoint, stack.clock))
        # Tables only, no demo: made by a separate process that knows nothing but the environment.
        subprocess.run([sys.executable, "-c", "from scripts.local_stack import prepare_tables; prepare_tables()"],
                       cwd=demo_stack.ROOT, env=env, check=True, timeout=60)
        app = demo_stack.start_app(env)
        try:
            web = new_client(app.url)

            assert web.get_json("/api/health")["status"] == "ok"
            refused = web.sign_in_staff("priya.shah@northfield.nhs.uk", stack.demo.password)
            assert refused.status == 401 and "The email address or password is not right." in refused.text
            assert "__Host-teamline" not in web.cookies

            # The attempt was counted in the second DynamoDB; the demo lives only in the first.
            second = storage.raw_keys(other_endpoint)
            assert second.has_rate_counter(throttle.STRANGERS.scope, "staff:priya.shah@northfield.nhs.uk")
            assert not second.has_trust(stack.demo.trust_id)
            assert storage.raw_keys(stack.endpoint).has_trust(stack.demo.trust_id)
        finally:
            app.stop()
    # ...and the same sign-in works against the app on the first one.
    assert new_client().sign_in_staff("priya.shah@northfield.nhs.uk", stack.demo.password).status == 303
