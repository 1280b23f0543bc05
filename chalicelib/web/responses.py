"""What handlers return, and how Teamline errors become HTTP responses.

Handlers return ``Page`` (an HTML template), ``Json``, ``Redirect`` or ``Raw``; ``chalicelib.web.routing``
turns them into Chalice responses and adds the security headers to every one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import TeamlineError

# 'unsafe-inline' appears nowhere: there is no inline script or style in any template.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass
class Page:
    """Render ``template`` with ``context``."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200


@dataclass
class Json:
    """A JSON body."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Redirect:
    """A 303 See Other after a form post (so a refresh never re-posts), or 302 for a GET."""

    location: str
    status: int = 303


@dataclass
class Raw:
    """A pre-rendered body (static files, the service worker, the manifest)."""

    body: str | bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def json_dumps(body: Any) -> str:
    """Serialise compactly; datetimes and other values become strings."""
    return json.dumps(body, separators=(",", ":"), default=str)


def error_json(error: TeamlineError) -> Json:
    """The JSON response for a Teamline error."""
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return Json(error.to_dict(), status=error.status, headers=headers)
