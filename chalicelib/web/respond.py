"""Turning what a handler returned (or the error it raised) into a Chalice response.

Pages are rendered here, with the context every page shares; errors become a JSON error for the API
or an error page (or a redirect to sign in) for pages. Every response is ``no-store`` unless the
handler said otherwise, and the security headers are added by ``chalicelib.web.routing``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalice import Response

from chalicelib.errors import PasswordChangeRequired, TeamlineError, Unauthenticated
from chalicelib.web.request import RequestContext
from chalicelib.web.responses import Json, Page, Raw, Redirect, error_json, json_dumps


def _sign_in_path(path: str) -> str:
    return "/staff/sign-in" if path.startswith(("/staff", "/admin")) else "/sign-in"


def _page(req: RequestContext, result: Page) -> tuple[Any, dict[str, Any], int]:
    from chalicelib.web.pages import base_context
    from chalicelib.web.templating import render

    headers: dict[str, Any] = {"Content-Type": "text/html; charset=utf-8"}
    retry_after = getattr(result.context.get("error"), "retry_after", None)
    if result.status == 429 and retry_after:  # a rate-limited form says when to try again, as the API does
        headers["Retry-After"] = str(retry_after)
    return render(result.template, {**base_context(req), **result.context}), headers, result.status


def _parts(req: RequestContext, result: Any) -> tuple[Any, dict[str, Any], int]:
    """(body, headers, status) for any handler result."""
    if isinstance(result, Page):
        return _page(req, result)
    if isinstance(result, Json):
        return json_dumps(result.body), {"Content-Type": "application/json", **result.headers}, result.status
    if isinstance(result, Redirect):
        return "", {"Location": result.location}, result.status
    if isinstance(result, Raw):
        return result.body, {"Content-Type": result.content_type, **result.headers}, result.status
    return json_dumps(result), {"Content-Type": "application/json"}, 200  # a plain dict from an API handler


def to_response(req: RequestContext, result: Any) -> Response:
    """A Chalice response for a handler's result, with the cookies the request set."""
    body, headers, status = _parts(req, result)
    headers.setdefault("Cache-Control", "no-store")
    if req.cookies_out:
        headers["Set-Cookie"] = req.cookies_out if len(req.cookies_out) > 1 else req.cookies_out[0]
    return Response(body=body, status_code=status, headers=headers)


def error_result(req: RequestContext, error: TeamlineError) -> Any:
    """What a route answers for ``error``: JSON for the API; for pages a redirect to sign in, or an error page."""
    if req.spec.kind not in ("page", "download"):  # a download (a calendar file) fails like the page it is on
        return error_json(error)
    if isinstance(error, PasswordChangeRequired):
        return Redirect("/staff/password", 302 if req.method == "GET" else 303)
    if isinstance(error, Unauthenticated):
        if req.method == "GET":
            return Redirect(f"{_sign_in_path(req.spec.path)}?next={quote(req.path)}", 302)
        return Redirect(_sign_in_path(req.spec.path), 303)
    return Page("error.html", {"error": error}, status=error.status)
