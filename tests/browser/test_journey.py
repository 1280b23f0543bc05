"""The whole Teamline journey in a real browser: a clinician invites a young person, who joins on
their phone and messages the team; the clinician answers from a tablet; the reply comes back.

Every page on the way is checked with axe (WCAG 2.2 A/AA) and for JavaScript errors. The PWA
plumbing (manifest, service worker, offline page) is checked on the phone.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DIABETES = "Young Adult Diabetes Service"
PASSWORD = "teamline-demo"


def sign_in_staff(device: Any, email: str) -> Any:
    page = device.open("/staff/sign-in")
    device.assert_accessible()
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def test_invite_join_message_and_reply(new_device: Any, stack: Any) -> None:
    team_id = stack.demo.teams[DIABETES]
    username = f"ruby{uuid.uuid4().hex[:6]}"
    patient_password = "marmalade skies 42"
    clinician, patient = new_device("tablet"), new_device("phone")

    # --- the clinician signs in on a tablet and lands in the team inbox --------------------------------
    tab = sign_in_staff(clinician, "priya.shah@northfield.nhs.uk")
    expect(tab).to_have_url(f"{stack.url}/staff/teams/{team_id}")
    expect(tab.get_by_role("heading", level=1)).to_have_text(DIABETES)
    clinician.assert_accessible()

    # --- invites a new patient (no NHS number) and reads the code -------------------------------------
    tab.get_by_role("link", name="Invite a patient").first.click()
    expect(tab.get_by_role("heading", name="Invite a patient")).to_be_visible()
    clinician.assert_accessible()
    tab.get_by_label("First name").fill("Ruby")
    tab.get_by_label("Last name").fill("Fletcher")
    tab.get_by_label("Day").fill("14")
    tab.get_by_label("Month").fill("3")
    tab.get_by_label("Year").fill("2009")
    tab.get_by_role("button", name="Make a code").click()
    code_box = tab.locator("[data-invite-code]")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    assert code
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Ruby Fletcher")
    clinician.assert_accessible()

    # --- the young person opens the landing page, then the link, on their phone ------------------------
    phone = patient.open("/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Message your care team")
    patient.assert_accessible()
    patient.open("/sign-in")
    patient.assert_accessible()
    patient.open(f"/join?code={code}")
    expect(phone.get_by_label("Your code")).to_have_value(code)
    patient.assert_accessible()
    phone.get_by_label("Day").fill("14")
    phone.get_by_label("Month").fill("3")
    phone.get_by_label("Year").fill("2009")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hi Ruby, before you start")
    patient.assert_accessible()

    phone.get_by_label("I have read this and I agree").check()
    phone.get_by_label("Choose a username").fill(username)
    phone.locator("#password").fill(patient_password)
    phone.locator("#confirm_password").fill(patient_password)
    phone.get_by_role("button", name="Agree and start").click()

    # --- their home: the team, open now, and where to get help in an emergency -------------------------
    expect(phone).to_have_url(f"{stack.url}/p?welcome=1")
    card = phone.locator(".tl-team-card", has_text=DIABETES)
    expect(card).to_be_visible()
    expect(card.locator("[data-team-status]")).to_contain_text("Open now")
    help_now = phone.locator(".tl-help-now")
    expect(help_now).to_contain_text("not for emergencies")
    for route in ("999", "NHS 111"):
        expect(help_now.get_by_role("link", name=route, exact=True)).to_be_visible()
    patient.assert_accessible()

    # --- opens the team and sends a message --------------------------------------------------------------
    card.get_by_role("link", name=DIABETES).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(DIABETES)
    patient.assert_accessible()
    text = "Hi, my new pump keeps beeping at night. Is that normal?"
    phone.get_by_label("Your message").fill(text)
    phone.get_by_role("button", name="Send message").click()
    mine = phone.locator(".tl-message", has_text=text)
    expect(mine).to_have_count(1)
    expect(mine.locator(".tl-message__state")).to_contain_text("Sent")
    expect(phone.get_by_label("Your message")).to_have_value("")
    patient.assert_accessible()

    # --- the clinician sees the new conversation waiting, first, and replies --------------------------
    clinician.open(f"/staff/teams/{team_id}")
    first_row = tab.locator("[data-inbox] tbody tr").first
    expect(first_row).to_contain_text("Ruby Fletcher")
    expect(first_row).to_contain_text("Waiting")
    expect(first_row).to_contain_text(text[:20])
    clinician.assert_accessible()
    first_row.get_by_role("link", name="Ruby Fletcher").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Ruby Fletcher")
    expect(tab.locator(".tl-message", has_text=text)).to_be_visible()
    clinician.assert_accessible()
    reply = "Hi Ruby, that is the low-battery alarm. Swap the battery and it will stop. Priya"
    tab.get_by_label("Reply to Ruby Fletcher").fill(reply)
    tab.get_by_role("button", name="Send reply").click()
    expect(tab.locator(".tl-message", has_text=reply)).to_be_visible()
    clinician.assert_accessible()

    # --- the patient reloads and reads the reply, from a named clinician; theirs shows Read -----------
    phone.reload()
    answer = phone.locator(".tl-message", has_text=reply)
    expect(answer).to_be_visible()
    expect(answer.locator(".tl-message__sender")).to_have_text("Priya (Consultant)")
    expect(mine.locator(".tl-message__state")).to_contain_text("Read")
    patient.assert_accessible()

    # --- the rest of the clinician's pages ---------------------------------------------------------------
    tab.get_by_role("link", name=f"{DIABETES} inbox").click()
    tab.get_by_role("link", name="Patients", exact=True).click()
    expect(tab.get_by_role("heading", name="Patients")).to_be_visible()
    expect(tab.get_by_role("rowheader", name="Ruby Fletcher", exact=True)).to_be_visible()
    clinician.assert_accessible()

    # --- the Trust admin's page, on another tablet ----------------------------------------------------
    admin = new_device("tablet")
    admin_tab = sign_in_staff(admin, stack.demo.admin_email)
    # a Trust admin in no team starts on the admin pages: teams, staff accounts and the audit log
    expect(admin_tab).to_have_url(f"{stack.url}/admin")
    expect(admin_tab.get_by_role("heading", level=1)).to_contain_text("NHS Foundation Trust")
    expect(admin_tab.get_by_role("heading", name="Teams", level=2)).to_be_visible()
    admin.assert_accessible()
    admin_tab.get_by_role("link", name="My teams").click()
    expect(admin_tab).to_have_url(f"{stack.url}/admin")  # no teams of their own: back to the admin pages

    patient.assert_no_errors()
    clinician.assert_no_errors()
    admin.assert_no_errors()


def test_phone_installs_as_an_app_and_works_offline(new_device: Any, stack: Any) -> None:
    patient = new_device("phone")
    page = patient.open("/sign-in")
    page.locator("#username").fill("zara")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{stack.url}/p")

    # Chrome reads the manifest, without complaint, and finds icons.
    cdp = patient.context.new_cdp_session(page)
    manifest: dict[str, Any] = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{stack.url}/manifest.webmanifest"
    assert manifest["errors"] == [], manifest["errors"]
    data = json.loads(manifest["data"])
    assert data["start_url"] and data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}

    # The service worker registers, activates and takes control of the page.
    state = page.evaluate("async () => (await navigator.serviceWorker.ready).active.state")
    assert state == "activated"
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    # Offline, a page not seen before is answered with the offline page.
    patient.context.set_offline(True)
    try:
        page.goto(f"{stack.url}/p/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
        # (No check of the offline banner: Chromium keeps navigator.onLine true under Playwright's emulation.)
        patient.assert_accessible()
    finally:
        patient.context.set_offline(False)
    patient.assert_no_errors()
