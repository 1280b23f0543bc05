"""Route registration with Teamline's guarantees built in.

``route(bp, path, ...)`` registers a Chalice route and wraps the handler so that every response:

* comes from a ``TeamlineError`` turned into a clear JSON error (API) or page (HTML), never a traceback;
* carries the security headers (CSP without 'unsafe-inline', HSTS, nosniff, Referrer-Policy...);
* is logged as one structured line with its status, duration and DynamoDB round trips.

It also refuses cross-site state-changing requests and checks the double-submit token of pre-session
forms (``chalicelib.web.csrf``). Signed-in routes check the session's token when the access loader
authenticates the request.

Every route is recorded in ``ROUTES`` with who may call it, which the OpenAPI document and the
authorization-matrix test are built from.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib import clock
from chalicelib.errors import ServiceUnavailable, TeamlineError, Unauthenticated
from chalicelib.logs import log_event
from chalicelib.models.db import STORAGE_FAULTS, deadline, observe_calls
from chalicelib.settings import get_settings
from chalicelib.web import csrf
from chalicelib.web.request import RequestContext, RouteSpec, check_text
from chalicelib.web.respond import error_result, to_response
from chalicelib.web.responses import SECURITY_HEADERS, error_json

__all__ = ["ROUTES", "RequestContext", "RouteSpec", "route"]

ROUTES: list[RouteSpec] = []


def _run(req: RequestContext, fn: Callable[..., Any], params: dict[str, Any]) -> Any:
    """Call the handler behind the CSRF checks; any failure becomes the result to send."""
    try:
        for name, value in params.items():
            check_text(str(value), name)
        csrf.check_origin(req.method, req.headers)
        if req.spec.auth == "public" and req.state_changing:
            req.check_form_token()
        return fn(req, **params)
    except TeamlineError as error:
        if isinstance(error, Unauthenticated) and req.credential is not None:
            req.end_session()  # a dead cookie is cleared rather than sent forever
        return error_result(req, error)
    except STORAGE_FAULTS as exc:  # a DynamoDB fault outside models' own mapping: still a deliberate 503
        log_event("storage_error", logging.WARNING, route=req.spec.path, method=req.method,
                  error_type=type(exc).__name__)
        return error_result(req, ServiceUnavailable())
    except Exception as exc:  # noqa: BLE001 - the last line of defence: log the type, never the data
        log_event("unhandled_error", logging.ERROR, route=req.spec.path, method=req.method,
                  error_type=type(exc).__name__)
        logging.getLogger("teamline").debug("unhandled", exc_info=True)
        return error_result(req, ServiceUnavailable("Something went wrong. Please try again."))


def _handle(spec: RouteSpec, bp: Blueprint, fn: Callable[..., Any], params: dict[str, Any]) -> Response:
    started = time.perf_counter()
    req = RequestContext(request=bp.current_request, spec=spec, now=clock.now())
    with observe_calls() as calls, deadline(get_settings().request_deadline_seconds):
        result = _run(req, fn, params)
        try:
            response = to_response(req, result)
        except TeamlineError as error:
            response = to_response(req, error_json(error))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    log_event("request", route=spec.path, method=req.method, status=response.status_code,
              duration_ms=round((time.perf_counter() - started) * 1000, 1), round_trips=calls.total,
              actor_kind=req.actor.kind if req.actor else None)
    return response


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
    ok: tuple[int, ...] = (200,),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a Chalice route whose handler takes ``(req, **url_params)``."""
    spec = RouteSpec(path, methods, kind, auth, summary, request_schema, response_schema, query, tags, ok)
    ROUTES.append(spec)

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def handler(**params: Any) -> Response:
            return _handle(spec, bp, fn, params)

        # Chalice would refuse other content types itself, with its own error body and none of Teamline's
        # headers; accept any and let RequestContext.form()/json() give Teamline's clear 415.
        bp.route(path, methods=list(methods), content_types=["*/*"],
                 name=f"{fn.__module__.rsplit('.', 1)[-1]}_{fn.__name__}")(handler)
        return fn

    return decorator
