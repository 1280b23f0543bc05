"""Wire tier: the real app under ``chalice local``, spoken to over real HTTP, data in a moto server.

Nothing here is in-process with the app: requests go through a socket, cookies are whatever the
``Set-Cookie`` headers said, and the anti-forgery tokens come from the pages, as a browser gets them.
"""

from __future__ import annotations

# Before anything imports chalicelib: PynamoDB fixes its endpoint at import.
from scripts import demo_stack

demo_stack.prepare_environment()

import http.client  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from email.message import Message  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode, urlsplit  # noqa: E402

import pytest  # noqa: E402

from tests.support.push_fixtures import push, push_service  # noqa: E402, F401 - shared fixtures

SESSION_COOKIE = "__Host-teamline"
FORM_COOKIE = "__Host-teamline_csrf"
HIDDEN_TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]*)"')
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


@dataclass
class Reply:
    """One HTTP response, read in full."""

    status: int
    headers: Message
    text: str
    set_cookies: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def form_token(self) -> str:
        """The hidden ``csrf_token`` of the first form on the page."""
        found = HIDDEN_TOKEN.search(self.text)
        assert found, f"no csrf_token field on the page (status {self.status})"
        return found.group(1)

    def meta_token(self) -> str:
        """The page's ``<meta name="csrf-token">``: what the page's scripts send as X-CSRF-Token."""
        found = META_TOKEN.search(self.text)
        assert found, "no csrf-token meta on the page"
        return found.group(1)

    def cookie_attributes(self, name: str) -> dict[str, str]:
        """The attributes a Set-Cookie header gave ``name`` (lower-case keys; flags map to "")."""
        for raw in self.set_cookies:
            first, *attributes = [part.strip() for part in raw.split(";")]
            if first.split("=", 1)[0] == name:
                parsed = {"value": first.split("=", 1)[1]}
                for attribute in attributes:
                    key, _, value = attribute.partition("=")
                    parsed[key.lower()] = value
                return parsed
        raise AssertionError(f"no Set-Cookie for {name}: {self.set_cookies}")


class WebClient:
    """A cookie-keeping HTTP client that never follows redirects (so tests see each hop)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        sent = {"Host": f"{self.host}:{self.port}", "User-Agent": "teamline-wire-tests",
                "Sec-Fetch-Site": "same-origin"}  # as a browser says of a request from Teamline's own pages
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            set_cookies = response.headers.get_all("Set-Cookie") or []
            reply = Reply(response.status, response.headers, text, set_cookies)
        finally:
            connection.close()
        for raw in set_cookies:
            self._store(raw)
        return reply

    def _store(self, raw: str) -> None:
        jar = SimpleCookie()
        jar.load(raw)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict[str, str]) -> Reply:
        return self.request("POST", path, body=urlencode(fields).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Origin": f"http://{self.host}:{self.port}"})

    def post_json(self, path: str, data: Any, *, csrf: str | None) -> Reply:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        return self.request("POST", path, body=json.dumps(data).encode(), headers=headers)

    def get_json(self, path: str) -> Any:
        reply = self.get(path, Accept="application/json")
        assert reply.status == 200, f"GET {path}: {reply.status} {reply.text[:300]}"
        return reply.json()

    # --- signing in as people do: fetch the form, echo its token, post ---------------------------

    def sign_in_staff(self, email: str, password: str) -> Reply:
        form = self.get("/staff/sign-in")
        assert form.status == 200
        return self.post_form("/staff/sign-in", {"csrf_token": form.form_token(), "email": email,
                                                 "password": password, "next": ""})

    def sign_in_patient(self, username: str, password: str) -> Reply:
        form = self.get("/sign-in")
        assert form.status == 200
        return self.post_form("/sign-in", {"csrf_token": form.form_token(), "username": username,
                                           "password": password, "next": ""})

    def csrf(self) -> str:
        """The session's anti-forgery token, as the PWA's scripts fetch it."""
        return str(self.get_json("/api/me")["csrf_token"])


@pytest.fixture(scope="session")
def stack() -> Iterator[demo_stack.Stack]:
    """The running demo stack (shared with the browser tier when both run in one session)."""
    with demo_stack.shared_stack() as running:
        yield running


@pytest.fixture
def web(stack: demo_stack.Stack) -> WebClient:
    """A fresh client with no cookies, pointed at the app."""
    return WebClient(stack.url)


@pytest.fixture
def new_client(stack: demo_stack.Stack) -> Any:
    """Make more fresh clients (one per person in a conversation)."""
    return lambda url=None: WebClient(url or stack.url)
