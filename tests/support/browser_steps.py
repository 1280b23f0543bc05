"""Steps several browser tests share: signing in as a patient or a member of staff."""

from __future__ import annotations

from typing import Any


def sign_in_patient(device: Any, username: str, password: str) -> Any:
    """Sign in on the patient sign-in page and wait for the patient's home."""
    page = device.open("/sign-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{device.base_url}/p")
    return page


def sign_in_staff(device: Any, email: str, password: str) -> Any:
    """Sign in on the staff sign-in page and wait for a team inbox."""
    page = device.open("/staff/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{device.base_url}/staff/teams/*")
    return page
