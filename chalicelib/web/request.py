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
#: The largest form is the rota builder's month: 31 days x (contact, from, until) plus its token and month.
MAX_FORM_FIELDS = 100
DEVICE_COOKIE_SECONDS = 180 * 24 * 3600
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


MAX_JSON_DEPTH = 8


def check_text(value: str, field: str) -> str:
    """Text Teamline can store and show: no lone surrogates (they cannot be encoded as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError("This contains characters that cannot be saved. Please retype it.",
                              field=field) from exc
    return value


def check_json(body: Any) -> None:
    """Walk a parsed body (without recursion): bounded depth, every key and string storable."""
    pending: list[tuple[Any, str, int]] = [(body, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValidationError("The request body is nested too deeply.", field=path or None)
        if isinstance(value, str):
            check_text(value, path or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{check_text(key, path or 'body')}" if path else check_text(key, "body")
                pending.append((item, name, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, f"{path}.{index}", depth + 1) for index, item in enumerate(value))


class RouteSpec(NamedTuple):
    """One route's contract: the authorization matrix and the OpenAPI document read these."""

    path: str
    methods: tuple[str, ...]
    kind: str  # page | api | asset | download (a file a signed-in person's browser saves, e.g. CSV)
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
    def from_this_site(self) -> bool:
        """The browser says this request came from Teamline's own pages, or was typed or bookmarked.

        A GET only changes state (marking messages read) when this is true: a link on another site
        that a signed-in person follows must not change anything. Browsers without fetch metadata
        (and other clients) are treated as not from this site.
        """
        return str(self.headers.get("sec-fetch-site", "")).lower() in ("same-origin", "none")

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
        return check_text(str(value), name) if value is not None else default

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
                parsed = parse_qs(self._body_bytes().decode("utf-8"), keep_blank_values=True,
                                  max_num_fields=MAX_FORM_FIELDS)
            except (UnicodeDecodeError, ValueError) as exc:
                raise ValidationError("The form could not be read.") from exc
            self._form = {check_text(key, "form"): check_text(values[0], key) for key, values in parsed.items()}
        return self._form

    def json(self) -> dict[str, Any]:
        """The JSON object body; anything else is a clear 400/415.

        Refused as well: nesting deeper than ``MAX_JSON_DEPTH`` (Python's parser would recurse until it
        fails), and text that cannot be stored or shown (a lone surrogate such as ``\\ud800``, which
        JSON escapes allow but UTF-8 cannot encode), named by its field.
        """
        if self._content_type() != JSON:
            raise UnsupportedMediaType()
        try:
            body = json.loads(self._body_bytes() or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ValidationError("The request body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise ValidationError("The request body must be a JSON object.")
        check_json(body)
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

    def start_session(self, credential: sessions.Credential, max_age: int, device_token: str = "") -> None:
        """Set the session cookie (and the device cookie that marks this browser as known to the account)."""
        self.set_cookie(cookies.cookie_names()[0], credential.cookie_value(), max_age=max_age)
        if device_token and device_token != self.device_token:
            self.set_cookie(cookies.device_cookie_name(), device_token, max_age=DEVICE_COOKIE_SECONDS)

    @property
    def device_token(self) -> str | None:
        """This browser's device cookie, if it has one of a sane shape."""
        token = self.cookies().get(cookies.device_cookie_name())
        return token if token and 22 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() else None

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
