"""The OpenAPI document, the health check, and the one shape every API error takes."""

from __future__ import annotations

import re
import uuid

from openapi_spec_validator import validate

from chalicelib import __version__
from chalicelib.errors import RateLimited
from chalicelib.web.responses import error_json
from tests.support.http import app_routes, body_json


def _document(api):
    response = api.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return body_json(response)


def test_the_openapi_document_is_valid_openapi(api):
    validate(_document(api))


def test_every_api_route_and_only_api_routes_are_documented_with_their_methods(api):
    documented = {(method.upper(), path) for path, operations in _document(api)["paths"].items()
                  for method in operations}
    api_routes = {(method, path) for method, path in app_routes() if path.startswith("/api/")}
    assert len(api_routes) >= 15
    assert documented == api_routes


def test_documented_path_parameters_match_the_path(api):
    for path, operations in _document(api)["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == names, (method, path)


def test_signed_in_operations_declare_the_session_and_public_ones_do_not(api):
    paths = _document(api)["paths"]
    assert "security" not in paths["/api/health"]["get"]
    assert paths["/api/me"]["get"]["security"] == [{"session": []}]
    assert "401" in paths["/api/patient/teams/{team_id}/messages"]["post"]["responses"]


def test_health_returns_ok_and_the_version(api):
    response = api.get("/api/health")
    assert response.status_code == 200
    assert body_json(response) == {"status": "ok", "version": __version__}
    assert _document(api)["info"]["version"] == __version__


def _assert_error(response, status, code=None):
    assert response.status_code == status, response.body[:300]
    assert response.headers["Content-Type"] == "application/json"
    error = body_json(response)["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_api_errors_are_json_with_a_code_a_message_and_the_right_status(api, world):
    send = f"/api/patient/teams/{world.team_x}/messages"
    _assert_error(api.request("POST", send, "patient_a", headers={"content-type": "application/json"}),
                  400, "invalid_input")
    field = _assert_error(api.post(send, "patient_a", json_body={"client_id": "nope", "body": "hi"}), 400)
    assert field["field"] == "client_id"
    _assert_error(api.get("/api/me"), 401, "not_signed_in")
    _assert_error(api.get(f"/api/staff/teams/{world.team_x}/inbox", "patient_a"), 403, "forbidden")
    _assert_error(api.post(send, "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "hi"}, csrf=False),
                  403, "csrf_failed")
    _assert_error(api.get(f"/api/staff/teams/{world.team_x}/inbox", "clinician_y"), 404, "not_found")
    client_id = str(uuid.uuid4())
    api.post(send, "patient_a", json_body={"client_id": client_id, "body": "first"})
    _assert_error(api.post(send, "patient_a", json_body={"client_id": client_id, "body": "second"}), 409, "conflict")


def test_a_body_in_the_wrong_format_is_a_teamline_415_not_the_frameworks(api, world):
    send = f"/api/patient/teams/{world.team_x}/messages"
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = api.request("POST", send, "patient_a", headers={"content-type": content_type})
        _assert_error(response, 415, "unsupported_media_type")
        assert "Content-Security-Policy" in response.headers


def test_a_rate_limited_api_error_says_when_to_retry():
    # No /api/ route is rate-limited today (sign-in and joining are forms), so check the shared error path.
    response = error_json(RateLimited(retry_after=120))
    assert response.status == 429
    assert response.headers["Retry-After"] == "120"
    assert response.body["error"]["code"] == "rate_limited" and response.body["error"]["message"]


def test_an_unknown_id_on_an_api_route_is_404_json(api, world):
    _assert_error(api.get("/api/patient/teams/nosuchteam/messages", "patient_a"), 404)
    _assert_error(api.get(f"/api/staff/teams/{world.team_x}/conversations/nosuchpatient/messages", "clinician_x"), 404)
