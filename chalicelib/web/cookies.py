"""Teamline's cookies: their names, reading them from a request, and writing Set-Cookie headers.

Cookie values are URL-safe tokens, so a plain split reads them (and spares every cold start the
~2 ms ``http.cookies`` costs to import).
"""

from __future__ import annotations

from chalicelib.settings import get_settings


def cookie_names() -> tuple[str, str]:
    """(session cookie, pre-session CSRF cookie); ``__Host-`` names need Secure, so only when secure."""
    if get_settings().secure_cookies:
        return "__Host-teamline", "__Host-teamline_csrf"
    return "teamline", "teamline_csrf"


def device_cookie_name() -> str:
    """The cookie that marks a browser as one that has signed in before (see ``auth.throttle``)."""
    return "__Host-teamline_device" if get_settings().secure_cookies else "teamline_device"


def parse(header: str) -> dict[str, str]:
    """The cookies in a Cookie header (the first of any repeated name)."""
    jar: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in jar:
            jar[name] = value.strip().strip('"')
    return jar


def set_cookie_header(name: str, value: str, *, max_age: int | None = None, http_only: bool = True) -> str:
    """A Set-Cookie value: always Path=/, SameSite=Lax, HttpOnly by default, Secure when configured."""
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if get_settings().secure_cookies:
        parts.append("Secure")
    if http_only:
        parts.append("HttpOnly")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)
