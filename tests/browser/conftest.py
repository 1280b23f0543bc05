"""Browser tier: Debian's Chromium driven by Playwright against the wire stack (chalice local + moto).

* A missing Chromium fails the session with the command that installs it; browser tests are never
  skipped. (``playwright install`` is never used: it downloads a browser and cannot work here.)
* Each test gets new browser contexts, so the phone and the tablet never share cookies.
* Any uncaught page error or console error (a CSP violation is logged as one) fails the test.
* ``axe(page)`` runs axe-core on a copy of the page's current DOM in a ``bypass_csp`` context
  (Teamline's CSP rightly refuses injected scripts) and fails on any WCAG 2.2 A/AA violation.
* ``assert_accessible`` also checks that every NHS.UK class in the live DOM (scripts have run) that NHS.UK
  frontend styles is in the stylesheet the page links: Teamline compiles only the parts it uses.
* ``push_service`` is a local Web Push service (shared with the wire tier) and ``push`` delivers the
  stream's new messages to it as ``make run`` does; a browser cannot reach a real push service headless,
  so tests stub ``PushManager.subscribe`` with a subscription of the local one.
"""

from __future__ import annotations

# Before anything imports chalicelib: PynamoDB fixes its endpoint at import.
from scripts import demo_stack

demo_stack.prepare_environment()

import os  # noqa: E402
import re  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

from scripts.front_door import FrontDoor  # noqa: E402
from tests.support import shell  # noqa: E402
from tests.support.push_fixtures import push, push_service  # noqa: E402, F401 - shared fixtures

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = "Pixel 7"
TABLET = "iPad Pro 11"
AXE_SCRIPT = demo_stack.ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCRIPT_ELEMENT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
MISSING_CHROMIUM = (
    f"The browser tests need Debian's Chromium at {CHROMIUM}, and it is not there. Install it with:\n"
    "    sudo apt-get install -y chromium\n"
    "(or `make chromium`). Do not run `playwright install`: it downloads a browser that cannot run here."
)

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@dataclass
class Device:
    """One browser context (one person's phone or tablet) and everything its pages said went wrong."""

    name: str
    descriptor: dict[str, Any]
    context: BrowserContext
    browser: Browser
    base_url: str
    errors: list[str] = field(default_factory=list)
    _page: Page | None = None
    _axe_context: BrowserContext | None = None

    def watch(self, page: Page) -> None:
        """Record uncaught exceptions and console errors (CSP violations among them) of ``page``."""
        page.on("pageerror", lambda exc: self.errors.append(f"[{self.name}] page error on {page.url}: {exc}"))

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"[{self.name}] console error on {page.url}: {message.text}")

        page.on("console", console)

    @property
    def page(self) -> Page:
        """The device's one tab."""
        if self._page is None:
            self._page = self.context.new_page()
        return self._page

    def open(self, path: str) -> Page:
        """Navigate the tab to ``path`` and check it loaded without errors."""
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"{path}: HTTP {response.status if response else '?'}"
        return self.page

    def service_worker_session(self, page: Page | None = None) -> tuple[CDPSession, str]:
        """A CDP session with the ServiceWorker domain on, and the id of the page's registration (scope "/").

        For what only DevTools can do to a service worker: deliver a push message
        (``ServiceWorker.deliverPushMessage``) or fire a Background Sync (``ServiceWorker.dispatchSyncEvent``).
        """
        page = page or self.page
        cdp = self.context.new_cdp_session(page)
        found: list[dict[str, Any]] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(event["registrations"]))
        cdp.send("ServiceWorker.enable")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")  # and lets the events arrive
        scope = f"{self.base_url}/"
        ids = {r["registrationId"] for r in found if r["scopeURL"] == scope and not r["isDeleted"]}
        assert len(ids) == 1, f"no single registration for {scope}: {found}"
        return cdp, ids.pop()

    def assert_no_errors(self) -> None:
        """Fail on any page or console error so far (listing them all)."""
        assert not self.errors, "JavaScript errors:\n" + "\n".join(self.errors)

    def axe(self, page: Page | None = None) -> list[dict[str, Any]]:
        """Run axe-core (WCAG 2.0/2.1/2.2 A and AA) on the page as it is now; return the violations."""
        page = page or self.page
        if self._axe_context is None:
            self._axe_context = self.browser.new_context(**self.descriptor, bypass_csp=True,
                                                         service_workers="block")
        self._axe_context.clear_cookies()
        self._axe_context.add_cookies(self.context.cookies())  # type: ignore[arg-type]
        snapshot = SCRIPT_ELEMENT.sub("", page.content())  # the DOM as scripts left it; do not run them twice
        url = page.url.split("#", 1)[0]
        copy = self._axe_context.new_page()
        try:
            copy.route(lambda u: u.split("#", 1)[0] == url,
                       lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=snapshot))
            copy.goto(url)
            copy.add_script_tag(path=str(AXE_SCRIPT))
            result = copy.evaluate(
                "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                AXE_TAGS)
        finally:
            copy.close()
        return list(result["violations"])

    def assert_styled(self, page: Page | None = None) -> None:
        """Fail if the live DOM uses an NHS.UK class the page's stylesheet left out (see static/scss/)."""
        page = page or self.page
        classes, links = page.evaluate("""() => [
          [...new Set([...document.querySelectorAll("[class]")].flatMap((e) => [...e.classList]))],
          [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => l.getAttribute("href")),
        ]""")
        assert len(links) == 1, f"{page.url} links {links}"
        missing = shell.unstyled({c for c in classes if c.startswith("nhsuk-")}, links[0])
        assert not missing, f"{page.url} uses NHS.UK classes its stylesheet lacks: {sorted(missing)}"

    def assert_accessible(self, page: Page | None = None) -> None:
        """Fail with a readable list if axe finds any WCAG A/AA violation on the current page (or it is unstyled)."""
        page = page or self.page
        self.assert_styled(page)
        violations = self.axe(page)
        assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n" + format_violations(violations)
        self.assert_no_errors()


def format_violations(violations: list[dict[str, Any]]) -> str:
    """axe's violations as lines a person can act on."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}  {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ...and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def stack() -> Iterator[demo_stack.Stack]:
    """The running demo stack (shared with the wire tier when both run in one session)."""
    with demo_stack.shared_stack() as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; a missing browser fails the run (in CI it stops it at once)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.exit(MISSING_CHROMIUM, returncode=1)
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def descriptor(playwright: Playwright, name: str) -> dict[str, Any]:
    """A Playwright device descriptor usable with Chromium's new_context."""
    found = dict(playwright.devices[name])
    found.pop("default_browser_type", None)
    return found


@pytest.fixture
def new_device(playwright: Playwright, browser: Browser, stack: demo_stack.Stack) -> Iterator[Callable[..., Device]]:
    """Make a new device (its own context and cookies); every one is checked for errors at the end."""
    made: list[Device] = []

    def make(kind: str = "phone", *, base_url: str | None = None) -> Device:
        name = PHONE if kind == "phone" else TABLET if kind == "tablet" else kind
        settings = descriptor(playwright, name)
        context = browser.new_context(**settings, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(10_000)
        device = Device(kind, {**settings, "locale": "en-GB", "timezone_id": "Europe/London"}, context, browser,
                        base_url or stack.url)
        context.on("page", device.watch)
        made.append(device)
        return device

    yield make
    errors = [error for device in made for error in device.errors]
    for device in made:
        if device._axe_context is not None:
            device._axe_context.close()
        device.context.close()
    assert not errors, "JavaScript errors:\n" + "\n".join(errors)


@pytest.fixture
def phone(new_device: Callable[..., Device]) -> Device:
    """A Pixel 7 with nobody signed in."""
    return new_device("phone")


@pytest.fixture
def tablet(new_device: Callable[..., Device]) -> Device:
    """An iPad Pro 11 with nobody signed in."""
    return new_device("tablet")


@pytest.fixture
def front_door(stack: demo_stack.Stack) -> Iterator[FrontDoor]:
    """The app behind a pass-through proxy on its own origin, which can change one answer (see FrontDoor)."""
    door = FrontDoor(stack.url)
    yield door
    door.close()
