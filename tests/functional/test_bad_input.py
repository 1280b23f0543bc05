"""Input that used to reach a 5xx: text that cannot be stored, and JSON nested absurdly deep.

Issue: hardening, point 7. A lone surrogate (``\\ud800``, legal in a JSON string escape, impossible in
UTF-8) made DynamoDB calls or page rendering fail. Each now gets a 400 naming the field, and nothing is
stored.
"""

from __future__ import annotations

import json
import uuid

import pytest

from scripts.world import NOW
from tests.support import storage
from tests.support.http import body_json

LONE = "\ud800"


def _raw_json(api, path: str, as_: str, raw: str):
    """POST a body exactly as written (json.dumps would escape a lone surrogate the same way a client does)."""
    return api.request("POST", path, as_, headers={"content-type": "application/json"}, json_body=None,
                       raw=raw.encode("utf-8"))


@pytest.mark.parametrize(("path", "as_", "body", "field"), [
    ("/api/patient/teams/{team_x}/messages", "patient_a",
     '{"client_id": "7f0e1c9a-3b1d-4a55-9a0c-1d2e3f405161", "body": "hello \\ud800 there"}', "body"),
    ("/api/staff/teams/{team_x}/invites", "clinician_x",
     '{"given_name": "Zo\\ud800e", "family_name": "Young", "date_of_birth": "2010-03-27"}', "given_name"),
    ("/api/push/subscriptions", "patient_a",
     '{"device_id": "abcdefabcdefabcdef", "endpoint": "https://fcm.googleapis.com/fcm/send/x", '
     '"keys": {"p256dh": "x", "auth": "y"}, "label": "my \\ud83d phone"}', "label"),
    ("/api/staff/teams/{team_x}/policy", "lead_x",
     '{"auto_replies": {"out_of_hours": "We are closed \\udfff now."}}', "auto_replies.out_of_hours"),
])
def test_a_lone_surrogate_is_a_400_naming_the_field_and_nothing_is_stored(api, world, path, as_, body, field):
    api.persona(as_)  # signed in before the snapshot: only what the request does is compared
    before = storage.everything_stored()
    response = _raw_json(api, path.format(team_x=world.team_x), as_, body)
    assert response.status_code == 400, response.body
    assert body_json(response)["error"]["field"] == field
    assert storage.everything_stored() == before


def test_json_nested_a_thousand_deep_is_a_clear_400(api, world):
    deep = "[" * 1000 + "]" * 1000
    response = _raw_json(api, f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                         f'{{"client_id": "{uuid.uuid4()}", "body": {deep}}}')
    assert response.status_code == 400
    assert body_json(response)["error"]["code"] == "invalid_input"


def test_json_nested_moderately_deep_is_refused_by_depth_not_by_a_crash(api, world):
    body = {"client_id": str(uuid.uuid4()), "body": "x"}
    nested: object = "x"
    for _ in range(20):
        nested = {"a": nested}
    body["extra"] = nested  # type: ignore[assignment]
    response = api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a", json_body=body)
    assert response.status_code == 400 and body_json(response)["error"]["message"].startswith("The request body")


def test_a_surrogate_in_a_form_arrives_as_a_replacement_character_and_the_page_works(api, world):
    """Forms are read as UTF-8 with replacement: "%ED%A0%80" cannot smuggle a surrogate in."""
    response = api.post(f"/p/teams/{world.team_x}/messages", "patient_a",
                        form={"client_id": str(uuid.uuid4()), "body": "hi \udc80".encode("utf-8", "surrogatepass")
                              .decode("latin-1")})
    assert response.status_code in (303, 400)
    assert api.get(f"/p/teams/{world.team_x}", "patient_a").status_code == 200


def test_a_surrogate_in_a_url_is_a_400_not_a_crash(api, world):
    response = api.get("/api/patient/teams/%ED%A0%80/messages", "patient_a")
    assert response.status_code in (400, 404)
    assert json.loads(response.body)["error"]["code"] in ("invalid_input", "not_found")
    assert NOW  # the clock is pinned for the suite; nothing here depends on it
