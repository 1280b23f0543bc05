"""Route registration with Teamline's guarantees built in.

``route(bp, path, ...)`` registers a Chalice route and wraps the handler so that every response:

* comes from a ``TeamlineError`` turned into a clear JSON error (API) or page (HTML), never a traceback;
* carries the security headers (CSP without 'unsafe-inline', HSTS, nosniff, Referrer-Policy...);
* is logged as one structured line with its status, duration and DynamoDB round trips.

It also refuses cross-site state-changing requests, and for pre-session forms (sign-in, joining)
checks a double-submit anti-forgery cookie. Signed-in routes check the session's CSRF token when the
access loader authenticates the request (``RequestContext.authenticate``).

Every route is recorded in ``ROUTES`` with who may call it, which the OpenAPI document and the
authorization-matrix test are built from.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, urlsplit

from chalice import Blueprint, Response

from chalicelib import clock
from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.errors import (
    CsrfFailed,
    PasswordChangeRequired,
    PayloadTooLarge,
    ServiceUnavailable,
    TeamlineError,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationError,
)
from chalicelib.ids import new_token
from chalicelib.logs import log_event
from chalicelib.models.db import observe_calls
from chalicelib.models.items import PatientItem, SessionItem, StaffItem
from chalicelib.settings import get_settings
from chalicelib.web.responses import (
    SECURITY_HEADERS,
    Json,
    Page,
    Raw,
    Redirect,
    error_json,
    json_dumps,
)

MAX_BODY_BYTES = 64 * 1024
#: The only routes a staff member with a one-time password may use.
PASSWORD_CHANGE_PATHS = frozenset({"/staff/password", "/sign-out"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def cookie_names() -> tuple[str, str]:
    """(session cookie, pre-session CSRF cookie); ``__Host-`` names need Secure, so only when secure."""
    if get_settings().secure_cookies:
        return "__Host-teamline", "__Host-teamline_csrf"
    return "teamline", "teamline_csrf"


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


ROUTES: list[RouteSpec] = []


@dataclass
class RequestContext:
    """One request as a handler sees it: parsed input, the clock, cookies to set, the actor once known."""

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
    def client_ip(self) -> str:
        identity = (self.request.context or {}).get("identity") or {}
        return str(identity.get("sourceIp") or "unknown")

    @property
    def user_agent(self) -> str:
        return str(self.headers.get("user-agent", ""))[:200]

    def cookies(self) -> dict[str, str]:
        """The request's cookies. Teamline's cookie values are URL-safe tokens, so a plain split is
        enough (and spares every cold start the ~2 ms http.cookies costs to import)."""
        jar: dict[str, str] = {}
        for part in str(self.headers.get("cookie", "")).split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in jar:
                jar[name] = value.strip().strip('"')
        return jar

    @property
    def credential(self) -> sessions.Credential | None:
        return sessions.parse_cookie_value(self.cookies().get(cookie_names()[0]))

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

    def _body_bytes(self) -> bytes:
        raw = self.request.raw_body or b""
        data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        if len(data) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        return data

    def form(self) -> dict[str, str]:
        """The url-encoded form body (first value of each field)."""
        if self._form is None:
            content_type = str(self.headers.get("content-type", "")).split(";")[0].strip().lower()
            if content_type != FORM:
                raise UnsupportedMediaType("Send this form as application/x-www-form-urlencoded.")
            try:
                parsed = parse_qs(self._body_bytes().decode("utf-8"), keep_blank_values=True, max_num_fields=50)
            except (UnicodeDecodeError, ValueError) as exc:
                raise ValidationError("The form could not be read.") from exc
            self._form = {key: values[0] for key, values in parsed.items()}
        return self._form

    def json(self) -> dict[str, Any]:
        """The JSON object body; anything else is a clear 400/415."""
        content_type = str(self.headers.get("content-type", "")).split(";")[0].strip().lower()
        if content_type != JSON:
            raise UnsupportedMediaType()
        try:
            body = json.loads(self._body_bytes() or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError("The request body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise ValidationError("The request body must be a JSON object.")
        return body

    def wants_html(self) -> bool:
        return self.spec.kind == "page"

    # --- authentication ------------------------------------------------------------------------

    def authenticate(self, session: Any, profile: Any, credential: sessions.Credential) -> Actor:
        """Turn fetched session and profile items into an Actor, checking liveness and anti-forgery.

        Every access loader calls this; it is the only way a handler gets an Actor.
        """
        verified: SessionItem = sessions.verify(session, credential, self.now)
        if credential.actor_kind == "staff":
            if not isinstance(profile, StaffItem) or not profile.active:
                raise Unauthenticated()
            if profile.must_change_password and self.spec.path not in PASSWORD_CHANGE_PATHS:
                # A one-time password is known to the admin who set it: nothing else until it is replaced.
                raise PasswordChangeRequired()
            actor = Actor("staff", profile.staff_id, profile.trust_id, profile.display_name, verified, staff=profile)
        else:
            if not isinstance(profile, PatientItem) or profile.status != "active":
                raise Unauthenticated()
            actor = Actor("patient", profile.patient_id, profile.trust_id, profile.display_name, verified, patient=profile)
        if self.method in UNSAFE_METHODS:
            presented = self.headers.get("x-csrf-token")
            if presented is None and str(self.headers.get("content-type", "")).startswith(FORM):
                presented = self.form().get("csrf_token")
            if not sessions.csrf_matches(verified, presented):
                raise CsrfFailed()
        self.actor = actor
        return actor

    # --- output --------------------------------------------------------------------------------

    def set_cookie(self, name: str, value: str, *, max_age: int | None = None, http_only: bool = True) -> None:
        """Queue a Set-Cookie: always Path=/, SameSite=Lax, HttpOnly by default, Secure when configured."""
        parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
        if get_settings().secure_cookies:
            parts.append("Secure")
        if http_only:
            parts.append("HttpOnly")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        self.cookies_out.append("; ".join(parts))

    def clear_cookie(self, name: str) -> None:
        self.set_cookie(name, "", max_age=0)

    def start_session(self, credential: sessions.Credential, max_age: int) -> None:
        self.set_cookie(cookie_names()[0], credential.cookie_value(), max_age=max_age)

    def end_session(self) -> None:
        self.clear_cookie(cookie_names()[0])

    def form_token(self) -> str:
        """The pre-session anti-forgery token for a form; sets its cookie if the browser has none."""
        name = cookie_names()[1]
        token = self.cookies().get(name)
        if not token or len(token) < 22:
            token = new_token()
            self.set_cookie(name, token)
        return token

    def check_form_token(self) -> None:
        """Check a pre-session form's token against its cookie (double submit)."""
        cookie = self.cookies().get(cookie_names()[1])
        presented = self.form().get("csrf_token") if self.spec.kind == "page" else self.headers.get("x-csrf-token")
        if not cookie or not presented or not hmac.compare_digest(cookie, presented):
            raise CsrfFailed()


def _check_origin(req: RequestContext) -> None:
    """Refuse state-changing requests that a browser says come from another site."""
    if req.method not in UNSAFE_METHODS:
        return
    if str(req.headers.get("sec-fetch-site", "")).lower() == "cross-site":
        raise CsrfFailed()
    origin = req.headers.get("origin")
    if origin and origin != "null":
        host = req.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise CsrfFailed()


def _sign_in_path(path: str) -> str:
    return "/staff/sign-in" if path.startswith(("/staff", "/admin")) else "/sign-in"


def _to_chalice(req: RequestContext, result: Any) -> Response:
    headers: dict[str, Any] = {}
    if isinstance(result, Page):
        from chalicelib.web.pages import base_context
        from chalicelib.web.templating import render

        body: Any = render(result.template, {**base_context(req), **result.context})
        headers["Content-Type"] = "text/html; charset=utf-8"
        status = result.status
        retry_after = getattr(result.context.get("error"), "retry_after", None)
        if status == 429 and retry_after:  # a rate-limited form says when to try again, as the API does
            headers["Retry-After"] = str(retry_after)
    elif isinstance(result, Json):
        body = json_dumps(result.body)
        headers["Content-Type"] = "application/json"
        headers.update(result.headers)
        status = result.status
    elif isinstance(result, Redirect):
        body = ""
        headers["Location"] = result.location
        status = result.status
    elif isinstance(result, Raw):
        body = result.body
        headers["Content-Type"] = result.content_type
        headers.update(result.headers)
        status = result.status
    else:  # a plain dict from an API handler
        body = json_dumps(result)
        headers["Content-Type"] = "application/json"
        status = 200
    headers.setdefault("Cache-Control", "no-store")
    if req.cookies_out:
        headers["Set-Cookie"] = req.cookies_out if len(req.cookies_out) > 1 else req.cookies_out[0]
    return Response(body=body, status_code=status, headers=headers)


def _error_result(req: RequestContext, error: TeamlineError) -> Any:
    if req.spec.kind == "page":
        if isinstance(error, PasswordChangeRequired):
            return Redirect("/staff/password", 302 if req.method == "GET" else 303)
        if isinstance(error, Unauthenticated):
            return Redirect(f"{_sign_in_path(req.spec.path)}?next={quote(req.request.context.get('path', '/') or '/')}", 302) \
                if req.method == "GET" else Redirect(_sign_in_path(req.spec.path), 303)
        page = Page("error.html", {"error": error}, status=error.status)
        return page
    return error_json(error)


def route(
    bp: Blueprint,
    path: str,
    *,
    methods: tuple[str, ...] = ("GET",),
    kind: str = "page",
    auth: str = "public",
    summary: str = "",
    request_schema: dict[str, Any] | None = None,
    response_schema: dict[str, Any] | None = None,
    query: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a Chalice route whose handler takes ``(req, **url_params)``."""
    spec = RouteSpec(path, methods, kind, auth, summary, request_schema, response_schema, query, tags)
    ROUTES.append(spec)
    # Chalice would refuse other content types itself, with its own error body and none of the headers
    # below; accept any and let RequestContext.form()/json() give Teamline's clear 415.
    content_types = ["*/*"]

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def handler(**params: Any) -> Response:
            started = time.perf_counter()
            req = RequestContext(request=bp.current_request, spec=spec, now=clock.now())
            with observe_calls() as calls:
                try:
                    _check_origin(req)
                    if auth == "public" and req.method in UNSAFE_METHODS:
                        req.check_form_token()
                    result = fn(req, **params)
                except TeamlineError as error:
                    result = _error_result(req, error)
                    if isinstance(error, Unauthenticated) and req.credential is not None:
                        req.end_session()  # a dead cookie is cleared rather than sent forever
                except Exception as exc:  # noqa: BLE001 - the last line of defence: log the type, never the data
                    log_event("unhandled_error", logging.ERROR, route=path, method=req.method, error_type=type(exc).__name__)
                    logging.getLogger("teamline").debug("unhandled", exc_info=True)
                    result = _error_result(req, ServiceUnavailable("Something went wrong. Please try again."))
                try:
                    response = _to_chalice(req, result)
                except TeamlineError as error:
                    response = _to_chalice(req, error_json(error))
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            log_event(
                "request",
                route=path,
                method=req.method,
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                round_trips=calls.total,
                actor_kind=req.actor.kind if req.actor else None,
            )
            return response

        bp.route(path, methods=list(methods), content_types=content_types, name=f"{fn.__module__.rsplit('.', 1)[-1]}_{fn.__name__}")(handler)
        return fn

    return decorator
