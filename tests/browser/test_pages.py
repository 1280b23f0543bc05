"""Every page a person can reach in one step from their start page passes axe and runs without errors.

The journey covers the main path; these follow every link instead, so a page added later (a team
setting, an inbox filter) is checked without anyone remembering to list it.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "teamline-demo"


def links_from(page: Any, prefix: str) -> list[str]:
    """Same-site paths under ``prefix`` linked from the page (no fragments, each once, in page order)."""
    hrefs = page.eval_on_selector_all("a[href]", "(links) => links.map((a) => a.getAttribute('href'))")
    found: list[str] = []
    for href in hrefs:
        path = href.split("#", 1)[0]
        if path.startswith(prefix) and path not in found:
            found.append(path)
    return found


def check_each(device: Any, paths: list[str]) -> list[str]:
    """Open each path, and fail on the first axe violation or script error."""
    for path in paths:
        device.open(path)
        device.assert_accessible()
    return paths


def test_every_page_a_team_lead_reaches_from_the_inbox(new_device: Any, stack: Any) -> None:
    lead = new_device("tablet")
    page = lead.open("/staff/sign-in")
    page.locator("#email").fill("tom.reilly@northfield.nhs.uk")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stack.url}/staff/teams/*")
    inbox = page.url.removeprefix(stack.url)

    visited = check_each(lead, [p for p in links_from(page, "/staff") if p != inbox])

    assert f"{inbox}/patients" in visited and f"{inbox}/invites" in visited
    assert any("/patients/" in p for p in visited), "a conversation is linked from the inbox"


def test_every_page_a_patient_reaches_from_home(new_device: Any, stack: Any) -> None:
    patient = new_device("phone")
    page = patient.open("/sign-in")
    page.locator("#username").fill("zara")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stack.url}/p")
    patient.assert_accessible()

    visited = check_each(patient, [p for p in links_from(page, "/p/")])

    assert "/p/account" in visited
    # Zara is in two teams (a team with a published rota also links its month: /p/teams/<id>/rota).
    assert len([p for p in visited if p.startswith("/p/teams/") and p.count("/") == 3]) == 2


def test_anonymous_pages(new_device: Any) -> None:
    visitor = new_device("phone")
    for path in ("/", "/sign-in", "/join", "/staff/sign-in", "/offline"):
        visitor.open(path)
        visitor.assert_accessible()
