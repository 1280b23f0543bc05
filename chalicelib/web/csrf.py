"""Anti-forgery: refusing cross-site state changes, and the double-submit token of pre-session forms.

Three layers, cheapest first: the browser's own word (``Sec-Fetch-Site``, ``Origin``) refuses
cross-site POSTs to every route; a pre-session form (sign-in, joining) carries a token that must
match its cookie (double submit); a signed-in request carries its session's token, checked by
``chalicelib.auth.authenticate`` when the session is verified.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from chalicelib.errors import CsrfFailed

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_origin(method: str, headers: Any) -> None:
    """Refuse state-changing requests that a browser says come from another site."""
    if method not in UNSAFE_METHODS:
        return
    if str(headers.get("sec-fetch-site", "")).lower() == "cross-site":
        raise CsrfFailed()
    origin = headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != headers.get("host", ""):
        raise CsrfFailed()


def check_double_submit(cookie: str | None, presented: str | None) -> None:
    """A pre-session form's token must equal its cookie."""
    if not cookie or not presented or not hmac.compare_digest(cookie, presented):
        raise CsrfFailed()
