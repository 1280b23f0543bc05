"""Talking to the app in-process as a browser or a script would: requests, cookies, pages, every route.

* :class:`Api` sends requests as a persona of the world (session cookie, anti-forgery header or field).
* :class:`Browser` keeps the cookies responses set and echoes the page's token, for flows that start
  signed out (sign-in, joining) and so go through the real forms.
* :class:`RouteCaller` calls any route as any persona with a fresh session (the authorization matrix
  and the round-trip census), filling path parameters and bodies with :func:`route_path` and :func:`route_body`.
* ``body_json``, ``page_text``, ``set_cookies`` and ``error_summary`` read responses.

Import it only after the environment names the DynamoDB to use: it imports ``chalicelib``.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from chalicelib import clock
from chalicelib.ids import new_token
from chalicelib.models import push as push_store
from scripts.world import Persona, World, send_as_patient, sign_in
from scripts.world import sign_in as _sign_in

SESSION_COOKIE = "__Host-teamline"
FORM_COOKIE = "__Host-teamline_csrf"


class Api:
    """Requests as a persona: JSON or form bodies, the session cookie and the anti-forgery header."""

    def __init__(self, client: Any, world: World, clock_: clock.FixedClock) -> None:
        self.client = client
        self.world = world
        self.clock = clock_
        self._personas: dict[str, Persona] = {}

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def persona(self, name: str) -> Persona:
        """The persona's session, signed in at the clock's current time on first use."""
        if name not in self._personas:
            self._personas[name] = sign_in(self.world, name, self.now)
        return self._personas[name]

    def request(self, method: str, path: str, as_: str = "anonymous", *, json_body: Any = None,
                form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                csrf: bool = True, raw: bytes | None = None) -> Any:
        """Send as a persona; ``raw`` is a body sent exactly as given (with the headers given)."""
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
        if raw is not None:
            body = raw
        all_headers.update(headers or {})
        return self.client.http.request(method, path, headers=all_headers, body=body)

    def forget_sessions(self) -> None:
        """Sign every persona in afresh on their next request (after moving the clock past their idle timeout)."""
        self._personas.clear()

    def get(self, path: str, as_: str = "anonymous", **kwargs: Any) -> Any:
        return self.request("GET", path, as_, **kwargs)

    def post(self, path: str, as_: str = "anonymous", **kwargs: Any) -> Any:
        return self.request("POST", path, as_, **kwargs)


def body_json(response: Any) -> Any:
    return json.loads(response.body)


# --- a browser: cookies from responses, the page's anti-forgery token -------------------------------------


@dataclass(frozen=True)
class SetCookie:
    """One Set-Cookie header, parsed: the value and its attributes (names lower-cased; flags map to True)."""

    name: str
    value: str
    attributes: dict[str, str | bool]


def set_cookies(response: Any) -> dict[str, SetCookie]:
    """The cookies a response sets, by name."""
    raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
    headers = [raw] if isinstance(raw, str) else list(raw)
    cookies: dict[str, SetCookie] = {}
    for header in headers:
        first, *rest = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        attributes: dict[str, str | bool] = {}
        for part in rest:
            key, sep, val = part.partition("=")
            attributes[key.strip().lower()] = val.strip() if sep else True
        cookies[name] = SetCookie(name, value, attributes)
    return cookies


def page_text(response: Any) -> str:
    """A response body as text."""
    return response.body.decode("utf-8") if isinstance(response.body, bytes) else str(response.body)


_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


class Browser:
    """A browser with a cookie jar: it keeps the cookies responses set and echoes the page's anti-forgery token.

    Use it for flows that start signed out (sign-in, joining) so they go through the real forms.
    """

    def __init__(self, client: Any, host: str = "teamline.test") -> None:
        self.client = client
        self.host = host
        self.jar: dict[str, str] = {}
        self.csrf: str | None = None
        self.last: Any = None

    @property
    def session_cookie(self) -> str | None:
        return self.jar.get(SESSION_COOKIE)

    def request(self, method: str, path: str, *, form: dict[str, str] | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None, csrf: bool = True) -> Any:
        all_headers = {"host": self.host, "user-agent": "pytest-browser", "sec-fetch-site": "same-origin"}
        if self.jar:
            all_headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = b""
        if form is not None:
            fields = dict(form)
            if csrf and self.csrf and "csrf_token" not in fields:
                fields["csrf_token"] = self.csrf
            all_headers["content-type"] = "application/x-www-form-urlencoded"
            body = urlencode(fields).encode()
        elif json_body is not None:
            all_headers["content-type"] = "application/json"
            if csrf and self.csrf:
                all_headers["x-csrf-token"] = self.csrf
            body = json.dumps(json_body).encode()
        all_headers.update(headers or {})
        response = self.client.http.request(method, path, headers=all_headers, body=body)
        for name, cookie in set_cookies(response).items():
            if cookie.value == "" or cookie.attributes.get("max-age") == "0":
                self.jar.pop(name, None)
            else:
                self.jar[name] = cookie.value
        if "text/html" in str(response.headers.get("Content-Type", "")):
            found = _META_CSRF.search(page_text(response))
            if found:
                self.csrf = found.group(1)
        self.last = response
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, str] | None = None, **kwargs: Any) -> Any:
        if form is None and kwargs.get("json_body") is None:
            form = {}
        return self.request("POST", path, form=form, **kwargs)

    def follow(self, response: Any, limit: int = 5) -> Any:
        """Follow redirects with GETs, as a browser does; returns the final response."""
        while response.status_code in (301, 302, 303, 307) and limit > 0:
            response = self.get(response.headers["Location"])
            limit -= 1
        return response

    def staff_sign_in(self, email: str, password: str) -> Any:
        """Sign in on the staff form (see ``_sign_in``)."""
        return self._sign_in("/staff/sign-in", {"email": email, "password": password})

    def patient_sign_in(self, username: str, password: str) -> Any:
        """Sign in on the patient form (see ``_sign_in``)."""
        return self._sign_in("/sign-in", {"username": username, "password": password})

    def _sign_in(self, path: str, fields: dict[str, str]) -> Any:
        """Open a sign-in form, submit it and (signed in) open the page it leads to; returns the POST's response."""
        self.get(path)
        response = self.post(path, fields)
        if self.session_cookie:
            self.follow(response)
        return response


_ERROR_SUMMARY = re.compile(r'nhsuk-error-summary__list">\s*<li>\s*<a [^>]*>\s*(.*?)\s*</a>', re.S)


_ERROR_SUMMARY_LIST = re.compile(r'nhsuk-error-summary__list">(.*?)</ul>', re.S)
_ERROR_ITEM = re.compile(r'<a [^>]*href="#([^"]*)"[^>]*>\s*(.*?)\s*</a>', re.S)


def error_summary_items(response: Any) -> list[tuple[str, str]]:
    """Every (field id, message) in a page's error summary, in order; empty when there is none."""
    found = _ERROR_SUMMARY_LIST.search(page_text(response))
    return _ERROR_ITEM.findall(found.group(1)) if found else []


def error_summary(response: Any) -> str | None:
    """The message in a page's error summary ("There is a problem"), or None."""
    found = _ERROR_SUMMARY.search(page_text(response))
    return found.group(1) if found else None


_SUMMARY_LIST = re.compile(r'nhsuk-error-summary__list">(.*?)</ul>', re.S)
_SUMMARY_ITEM = re.compile(r'<a href="([^"]*)">\s*(.*?)\s*</a>', re.S)
_FIELD_ERROR = re.compile(r'<span class="nhsuk-error-message" id="([^"]+)-error">\s*'
                          r'<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)\s*</span>', re.S)


def error_summary_links(response: Any) -> list[tuple[str, str]]:
    """Every (link, message) in a page's error summary, in order (the link as written: "#field")."""
    found = _SUMMARY_LIST.search(page_text(response))
    return [(href, text) for href, text in _SUMMARY_ITEM.findall(found.group(1))] if found else []


def field_errors(response: Any) -> dict[str, str]:
    """The error message shown next to each field, by the field's id."""
    return dict(_FIELD_ERROR.findall(page_text(response)))


# --- calling any route as any persona (the authorization matrix and the round-trip census) ----------------

MATRIX_DEVICE = "matrix-device-0001"
#: What ``RouteCaller.arrange`` made that path parameters point at (per process: each xdist worker arranges its own).
ARRANGED: dict[str, str] = {}
MATRIX_REF = "matrixref0000001"
#: Stands for patient A's message that RouteCaller.arrange() sends (the content-warning route needs one).
MATRIX_MESSAGE = "<matrix message>"
_P256DH = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("=")
_AUTH = base64.urlsafe_b64encode(b"\x02" * 16).decode().rstrip("=")


def route_path(template: str, world: World) -> str:
    """A route's path with its parameters filled in: team X, patient A, clinician X, app.css..."""
    values = {"team_id": world.team_x, "patient_id": world.patients["patient_a"], "staff_id": world.staff["clinician_x"],
              "name": "app.css", "device_id": MATRIX_DEVICE, "ref": MATRIX_REF, "reply_id": "no-such-reply",
              "export_id": ARRANGED.get("export_id", "0" * 26)}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"No test value for the path parameter {{{name}}} of {template}: add one to route_path()")
        return values[name]

    return re.sub(r"{(\w+)}", fill, template)


def route_body(template: str, world: World) -> dict[str, Any]:
    """A small body for a POST route that an allowed caller would get through with."""
    message = {"client_id": str(uuid.uuid4()), "body": "A message from the route census"}
    bodies: dict[str, dict[str, Any]] = {
        "/sign-in": {"username": "nobody", "password": "not a real password"},
        "/staff/sign-in": {"email": "nobody@test.nhs.uk", "password": "not a real password"},
        "/staff/password": {"current_password": "not the password", "new_password": "new password 123",
                            "confirm_password": "new password 123"},
        "/p/teams/{team_id}/messages": message,
        "/api/patient/teams/{team_id}/messages": message,
        "/staff/teams/{team_id}/patients/{patient_id}/messages": message,
        "/api/staff/teams/{team_id}/conversations/{patient_id}/messages": message,
        "/staff/teams/{team_id}/patients/{patient_id}/urgent": {"urgent": "yes"},
        "/p/invitations/{team_id}": {"answer": "accept"},
        "/staff/teams/{team_id}/invites": {"given_name": "Mat", "family_name": "Rix", "dob_day": "1", "dob_month": "2",
                                           "dob_year": "2012"},
        "/api/staff/teams/{team_id}/invites": {"given_name": "Mat", "family_name": "Rix", "date_of_birth": "2012-02-01"},
        "/admin/teams": {"name": "Census team"},
        "/admin/staff": {"given_name": "Mat", "family_name": "Rix", "email": f"m{uuid.uuid4().hex[:8]}@test.nhs.uk",
                         "team_id": world.team_x, "role": "clinician"},
        "/admin/staff/{staff_id}/roles": {"team_id": world.team_x, "role": "clinician"},
        "/admin/teams/{team_id}": {"name": "Team X Diabetes", "phone": "020 7946 0001"},
        "/admin/staff/{staff_id}/password-reset": {"confirm": "yes"},
        "/admin/staff/{staff_id}/deactivate": {"confirm": "yes"},
        "/staff/teams/{team_id}/patients/{patient_id}/assign": {"staff_id": world.staff["clinician_x"]},
        "/api/staff/teams/{team_id}/conversations/{patient_id}/assign": {"staff_id": world.staff["clinician_x"]},
        "/staff/teams/{team_id}/patients/{patient_id}/status": {"status": "awaiting_patient"},
        "/api/staff/teams/{team_id}/conversations/{patient_id}/status": {"status": "awaiting_patient"},
        "/staff/teams/{team_id}/patients/{patient_id}/notes": {"note": "A note from the route census"},
        "/api/staff/teams/{team_id}/conversations/{patient_id}/notes": {"note": "A note from the route census"},
        "/staff/teams/{team_id}/patients/{patient_id}/escalate": {"staff_id": world.staff["lead_x"],
                                                                   "reason": "Please look"},
        "/api/staff/teams/{team_id}/conversations/{patient_id}/escalate": {"staff_id": world.staff["lead_x"],
                                                                            "reason": "Please look"},
        "/staff/teams/{team_id}/settings/seniors": {f"senior_{world.staff['clinician_x']}": "yes"},
        "/api/staff/teams/{team_id}/conversations/{patient_id}/presence": {"writing": False},
        "/staff/teams/{team_id}/canned-replies": {"title": "Census", "body": "Hello {patient_first_name}"},
        "/staff/teams/{team_id}/rota/days": {"month": "2026-12"},
        "/staff/teams/{team_id}/rota/copy": {"month": "2026-12"},
        "/staff/teams/{team_id}/rota/swap": {"month": "2026-12", "first": "2026-12-01", "second": "2026-12-02"},
        "/staff/teams/{team_id}/rota/publish": {"month": "2026-12"},
        "/staff/teams/{team_id}/unfiled": {"days": "7"},
        "/admin/retention": {"years": "10"},
        "/api/push/subscriptions": {"device_id": MATRIX_DEVICE, "endpoint": "https://push.invalid/send/abc",
                                    "keys": {"p256dh": _P256DH, "auth": _AUTH}},
        # safety (issue 10)
        "/p/teams/{team_id}/agreement": {"agreement": "yes", "version": "1"},
        "/api/patient/teams/{team_id}/agreement": {"version": 1},
        "/staff/teams/{team_id}/safety/lines": {"line_0_name": "Matrix line", "line_0_phone": "020 7946 0999"},
        "/staff/teams/{team_id}/safety/red-flags": {"preset_chemotherapy_fever": "yes", "phrases": "", "advice": ""},
        "/staff/teams/{team_id}/safety/limits": {"on_call": "yes", "daily_new_limit": "40"},
        "/staff/teams/{team_id}/safety/agreement": {"agreement_purpose": "Questions about your care."},
        "/staff/teams/{team_id}/patients/{patient_id}/safety/reminder": {"text": ""},
        "/staff/teams/{team_id}/patients/{patient_id}/safety/steps": {
            "kind": "plan", "reason": "Matrix", "text": "appointment questions only", "review_at": "2026-12-20"},
        "/staff/teams/{team_id}/patients/{patient_id}/safety/end": {"kind": "plan"},
        "/staff/teams/{team_id}/patients/{patient_id}/warnings": {"cursor": MATRIX_MESSAGE, "note": "Matrix"},
        "/api/staff/teams/{team_id}/conversations/{patient_id}/safety/steps": {
            "kind": "cap", "reason": "Matrix", "limit": 3, "period": "day", "review_at": "2026-12-20T00:00:00+00:00"},
        "/admin/urgent-lines": {"line_0_name": "Trust switchboard", "line_0_phone": "020 7946 0000"},
    }
    return bodies.get(template, {})


class RouteCaller:
    """Call any route as any persona, each call with a fresh session (so signing out poisons nothing)."""

    def __init__(self, client: Any, world: World, clock_: clock.FixedClock) -> None:
        self.client = client
        self.world = world
        self.clock = clock_
        self.message_cursor = ""

    def arrange(self) -> None:
        """What the parameter values point at: a notification ref for patient A's conversation in team X, a message
        of patient A's (for the routes that act on one message) and an export of that conversation."""
        push_store.save_ref(MATRIX_REF, team_id=self.world.team_x, patient_id=self.world.patients["patient_a"],
                            audience="staff", expires_at=self.clock.now() + timedelta(days=1))
        self.message_cursor = send_as_patient(self.world, "patient_a", "A message for the route census",
                                              self.clock.now()).message.sk
        from chalicelib.services.filing import do_file_conversation
        from tests.support.records import staff_record

        export = do_file_conversation(staff_record(self.world, "clinician_x", "patient_a", self.clock.now()),
                                      self.clock.now())
        ARRANGED["export_id"] = export.export_id

    def give_device(self, kind: str | None, actor_id: str | None) -> None:
        """Arrange: this person has a device called MATRIX_DEVICE getting notifications."""
        if kind and actor_id:
            push_store.new_subscription(kind, actor_id, MATRIX_DEVICE, endpoint="https://push.invalid/x",
                                        p256dh=_P256DH, auth=_AUTH, label="", now=self.clock.now()).save()

    def persona_session(self, persona_name: str) -> Persona:
        """Sign a persona in now and keep the session for calls made with ``sign_in=False``."""
        self._kept = _sign_in(self.world, persona_name, self.clock.now())
        return self._kept

    def call(self, method: str, template: str, persona_name: str, *, own_device: bool = True,
             sign_in: bool = True) -> Any:
        """Call a route template as a persona; for device routes the caller first gets a device of that id."""
        persona = self._kept if not sign_in else _sign_in(self.world, persona_name, self.clock.now())
        if "{device_id}" in template and own_device:
            self.give_device(persona.kind, persona.actor_id)
        token = persona.csrf or new_token()
        cookies = [f"{FORM_COOKIE}={token}"] + ([f"{SESSION_COOKIE}={persona.cookie}"] if persona.cookie else [])
        headers = {"host": "teamline.test", "cookie": "; ".join(cookies), "x-csrf-token": token,
                   "accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        body = b""
        if method == "POST":
            fields = {k: (self.message_cursor if v == MATRIX_MESSAGE else v)
                      for k, v in route_body(template, self.world).items()}
            if template.startswith("/api/"):
                headers["content-type"] = "application/json"
                body = json.dumps(fields).encode()
            else:
                headers["content-type"] = "application/x-www-form-urlencoded"
                body = urlencode({**fields, "csrf_token": token}).encode()
        return self.client.http.request(method, route_path(template, self.world), headers=headers, body=body)


def app_routes() -> list[tuple[str, str]]:
    """Every (METHOD, path) in Chalice's route table."""
    from app import app

    return sorted((method, path) for path, methods in app.routes.items() for method in methods)
