"""``make screenshots``: phone and tablet screenshots of the demo Trust for the README.

Starts the same stack as the wire and browser tests (moto server, demo data seeded through the real
services, ``chalice local --stage test``) with the clock pinned to a Wednesday morning, so the teams
are open and every run draws the same pages. Then, in Debian's Chromium:

* Maya signs in on a Pixel 7 and her conversation with the diabetes team is captured;
* Sam, a diabetes nurse, signs in on an iPad Pro 11 and the team inbox (landscape) and Maya's
  conversation (portrait) are captured.

Writes docs/screenshots/patient-phone.png, clinician-tablet-inbox.png, clinician-tablet-conversation.png.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts import demo_stack  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DIABETES = "Young Adult Diabetes Service"


def device(playwright: Any, name: str) -> dict[str, Any]:
    """A Playwright device descriptor for Chromium, in British English and London time."""
    found = dict(playwright.devices[name])
    found.pop("default_browser_type", None)
    return {**found, "locale": "en-GB", "timezone_id": "Europe/London"}


def tidy(page: Any) -> None:
    """Hide the local stage's demo-clock banner: the screenshots show what people see in a deployment."""
    page.evaluate("() => document.querySelector('.tl-clock-banner')?.remove()")


def sign_in(page: Any, url: str, path: str, field: str, who: str, password: str) -> None:
    page.goto(url + path)
    page.locator(f"#{field}").fill(who)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def capture(stack: demo_stack.Stack, playwright: Any) -> list[Path]:
    """Take the three screenshots; return their paths."""
    OUT.mkdir(parents=True, exist_ok=True)
    team_id = stack.demo.teams[DIABETES]
    maya_id = stack.demo.patients["maya"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    written: list[Path] = []

    def capture(page: Any, path: str, name: str) -> None:
        page.goto(f"{stack.url}{path}")
        tidy(page)
        page.screenshot(path=str(OUT / name))
        written.append(OUT / name)

    try:
        phone = browser.new_context(**device(playwright, "Pixel 7"))
        page = phone.new_page()
        sign_in(page, stack.url, "/sign-in", "username", "maya", stack.demo.password)
        capture(page, f"/p/teams/{team_id}", "patient-phone.png")
        phone.close()

        tablet = browser.new_context(**device(playwright, "iPad Pro 11 landscape"))
        page = tablet.new_page()
        sign_in(page, stack.url, "/staff/sign-in", "email", "sam.okafor@northfield.nhs.uk", stack.demo.password)
        capture(page, f"/staff/teams/{team_id}", "clinician-tablet-inbox.png")
        # A conversation is long and narrow: the tablet turned upright shows all of it.
        page.set_viewport_size(playwright.devices["iPad Pro 11"]["viewport"])
        capture(page, f"/staff/teams/{team_id}/patients/{maya_id}", "clinician-tablet-conversation.png")
        tablet.close()
    finally:
        browser.close()
    return written


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"Screenshots need Debian's Chromium at {CHROMIUM}. Install it with:\n"
              "    sudo apt-get install -y chromium", file=sys.stderr)
        return 1
    demo_stack.prepare_environment()
    from playwright.sync_api import sync_playwright

    with demo_stack.shared_stack() as stack, sync_playwright() as playwright:
        for path in capture(stack, playwright):
            print(f"wrote {path.relative_to(ROOT)}")
    demo_stack.stop_dynamodb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
