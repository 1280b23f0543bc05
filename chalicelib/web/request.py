"""One request as a handler sees it: parsed input, the clock, cookies to set, the actor once known.

Parsing refuses what Teamline will not read (wrong content type, over-size bodies, non-object JSON)
with a clear 4xx before any handler logic runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.auth.authenticate import authenticate
from chalicelib.errors import PayloadTooLarge, Unauthenticated, UnsupportedMediaType, ValidationError
from chalicelib.ids import new_token
from chalicelib.web import cookies, csrf

MAX_BODY_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class RouteSpec(NamedTuple):
    """One route's contract: the authorization matrix and the OpenAPI document read these."""

    path: str
    methods: tuple[str, ...]
    kind: str  # page | api | asset
    auth: str  # public | patient | staff | lead | admin | signed_in
    summary: str
    request_schema: dict[str, Any] | None = None
    response_schema: dict[str, Any] | None = None
    query: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: The success statuses the route answers, first the usual one (e.g. (201, 200): created, or found stored).
    ok: tuple[int, ...] = (200,)


@dataclass
class RequestContext:
    """One request: its input, its clock reading, the cookies to set, and the actor once verified."""

    request: Any
    spec: RouteSpec
    now: datetime
    actor: Actor | None = None
    cookies_out: list[str] = field(default_factory=list)
    _form: dict[str, str] | None = None

    # --- input ---------------------------------------------------------------------------------

    @property
    def method(self) -> str:
        return str(self.request.method).upper()

    @property
    def headers(self) -> Any:
        return self.request.headers

    @property
    def path(self) -> str:
        """The path the browser asked for (with its parameters filled in)."""
        return str((self.request.context or {}).get("path", "/") or "/")

    @property
    def client_ip(self) -> str:
        identity = (self.request.context or {}).get("identity") or {}
        return str(identity.get("sourceIp") or "unknown")

    @property
    def user_agent(self) -> str:
        return str(self.headers.get("user-agent", ""))[:200]

    @property
    def state_changing(self) -> bool:
        return self.method in csrf.UNSAFE_METHODS

    def cookies(self) -> dict[str, str]:
        return cookies.parse(str(self.headers.get("cookie", "")))

    @property
    def credential(self) -> sessions.Credential | None:
        return sessions.parse_cookie_value(self.cookies().get(cookies.cookie_names()[0]))

    def require_credential(self) -> sessions.Credential:
        """The session cookie's claim, or Unauthenticated."""
        credential = self.credential
        if credential is None:
            raise Unauthenticated()
        return credential

    def query(self, name: str, default: str | None = None) -> str | None:
        params = self.request.query_params or {}
        value = params.get(name)
        return value if value is not None else default

    def _content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()

    def _body_bytes(self) -> bytes:
        raw = self.request.raw_body or b""
        data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        if len(data) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        return data

    def form(self) -> dict[str, str]:
        """The url-encoded form body (first value of each field)."""
        if self._form is None:
            if self._content_type() != FORM:
                raise UnsupportedMediaType("Send this form as application/x-www-form-urlencoded.")
            try:
                parsed = parse_qs(self._body_bytes().decode("utf-8"), keep_blank_values=True, max_num_fields=50)
            except (UnicodeDecodeError, ValueError) as exc:
                raise ValidationError("The form could not be read.") from exc
            self._form = {key: values[0] for key, values in parsed.items()}
        return self._form

    def json(self) -> dict[str, Any]:
        """The JSON object body; anything else is a clear 400/415."""
        if self._content_type() != JSON:
            raise UnsupportedMediaType()
        try:
            body = json.loads(self._body_bytes() or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError("The request body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise ValidationError("The request body must be a JSON object.")
        return body

    # --- authentication ------------------------------------------------------------------------

    def _presented_csrf(self) -> str | None:
        """The anti-forgery token a signed-in request presents: a header (scripts) or a form field."""
        presented = self.headers.get("x-csrf-token")
        if presented is None and self._content_type() == FORM:
            presented = self.form().get("csrf_token")
        return str(presented) if presented is not None else None

    def authenticate(self, session: Any, profile: Any, credential: sessions.Credential) -> Actor:
        """Turn fetched session and profile items into the request's Actor (see ``chalicelib.auth.authenticate``)."""
        self.actor = authenticate(session, profile, credential, now=self.now, path=self.spec.path,
                                  state_changing=self.state_changing, presented_csrf=self._presented_csrf)
        return self.actor

    # --- cookies out ---------------------------------------------------------------------------

    def set_cookie(self, name: str, value: str, *, max_age: int | None = None, http_only: bool = True) -> None:
        self.cookies_out.append(cookies.set_cookie_header(name, value, max_age=max_age, http_only=http_only))

    def start_session(self, credential: sessions.Credential, max_age: int) -> None:
        self.set_cookie(cookies.cookie_names()[0], credential.cookie_value(), max_age=max_age)

    def end_session(self) -> None:
        self.set_cookie(cookies.cookie_names()[0], "", max_age=0)

    def form_token(self) -> str:
        """The pre-session anti-forgery token for a form; sets its cookie if the browser has none."""
        name = cookies.cookie_names()[1]
        token = self.cookies().get(name)
        if not token or len(token) < 22:
            token = new_token()
            self.set_cookie(name, token)
        return token

    def check_form_token(self) -> None:
        """Check a pre-session form's token against its cookie (double submit)."""
        presented = self.form().get("csrf_token") if self.spec.kind == "page" else self.headers.get("x-csrf-token")
        csrf.check_double_submit(self.cookies().get(cookies.cookie_names()[1]), presented)
