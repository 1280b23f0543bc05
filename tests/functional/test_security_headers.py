"""Every response carries the security headers: pages, API, static files, errors and redirects alike."""

from __future__ import annotations

import uuid

from tests.support.http import app_routes
from tests.support.personas import EXPECTED, PERSONAS

ONE_YEAR = 365 * 24 * 3600


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_secure_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{where}: no Content-Security-Policy"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    directives = _directives(csp)
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("base-uri") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("default-src") == ["'self'"], where
    assert directives.get("script-src") == ["'self'"], where
    hsts = headers.get("Strict-Transport-Security", "")
    assert hsts.startswith("max-age=") and int(hsts.split(";")[0].split("=")[1]) >= ONE_YEAR, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("no-referrer", "strict-origin-when-cross-origin", "same-origin"), where


def test_every_route_answers_every_kind_of_caller_with_the_security_headers(route_caller):
    checked = set()
    for method, path in app_routes():
        row = EXPECTED.get((method, path))
        if row is None:
            continue  # the matrix test reports it
        # One caller for each different outcome of this route (allowed, redirected, 401, 403, 404...).
        by_status = {}
        for persona, status in zip(PERSONAS, row, strict=True):
            by_status.setdefault(status, persona)
        for persona in by_status.values():
            response = route_caller.call(method, path, persona)
            assert_secure_headers(response, f"{method} {path} as {persona} ({response.status_code})")
            checked.add(response.status_code)
    assert {200, 302, 303, 401, 403, 404} <= checked


def test_error_responses_carry_the_headers_too(api, world):
    samples = {
        "unknown static file": api.get("/static/no-such-file.css"),
        "API 415": api.request("POST", f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                               headers={"content-type": "text/plain"}),
        "API 400": api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                            json_body={"client_id": "x", "body": "hi"}),
        "page 404": api.get("/p/teams/nosuchteam", "patient_a"),
        "form CSRF failure": api.post("/sign-in", form={"username": "a", "password": "b"}),
        "cross-site POST": api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                                    json_body={"client_id": str(uuid.uuid4()), "body": "hi"},
                                    headers={"origin": "https://evil.example"}),
    }
    for where, response in samples.items():
        assert response.status_code >= 400, where
        assert_secure_headers(response, where)


def test_signed_in_and_error_responses_are_never_cached(api, world):
    for response in (api.get("/p", "patient_a"), api.get("/api/me", "patient_a"),
                     api.get(f"/api/patient/teams/{world.team_x}/messages", "patient_a"), api.get("/api/me")):
        assert response.headers["Cache-Control"] == "no-store"


def test_pages_cannot_be_framed(api):
    response = api.get("/")
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
