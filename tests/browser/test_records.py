"""Filing to the record in a real browser: a clinician on a tablet files a conversation, opens the transcript
(printable: the print stylesheet hides everything but the transcript) and downloads the PDF; the young
person sees on their phone that the message was added to their record. Every page is checked with axe.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser_steps import sign_in_patient, sign_in_staff

pytestmark = pytest.mark.browser

DIABETES = "Young Adult Diabetes Service"
LEAD = "priya.shah@northfield.nhs.uk"
PASSWORD = "teamline-demo"


def test_a_clinician_files_a_conversation_on_a_tablet_and_opens_the_transcript(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Nia", family_name="Okoro", date_of_birth="2010-02-14")
    phone, tablet = new_device("phone"), new_device("tablet")

    # --- the young person writes -------------------------------------------------------------------------
    home = sign_in_patient(phone, patient.username, patient.password)
    home.get_by_role("link", name=DIABETES).first.click()
    home.get_by_label("Your message").fill("Can I swap my evening insulin to the morning?")
    home.get_by_role("button", name="Send message").click()
    expect(home.locator(".tl-message--mine").last).to_contain_text("Sent")

    # --- the lead opens the conversation and files it ------------------------------------------------
    page = sign_in_staff(tablet, LEAD, PASSWORD)
    tablet.open(f"/staff/teams/{patient.team_id}/patients/{patient.patient_id}")
    page.get_by_role("link", name="File to record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"File to record: {patient.name}")
    tablet.assert_accessible()
    page.get_by_label("Every message not filed yet").check()
    page.get_by_role("button", name="File to record").click()

    # --- the transcript: the message, the patient's details, links to the PDF and FHIR record --------------
    transcript = page.locator("[data-transcript]")
    expect(transcript).to_contain_text("Can I swap my evening insulin to the morning?")
    expect(transcript).to_contain_text("14 February 2010")
    expect(transcript).to_contain_text(f"{patient.name} (patient)")
    tablet.assert_accessible()
    page.emulate_media(media="print")
    expect(page.locator("header").first).to_be_hidden()
    expect(page.get_by_text("Download the PDF")).to_be_hidden()
    expect(transcript).to_be_visible()
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # --- back on the filing page, the export is listed and nothing is left unfiled -------------------------
    page.get_by_role("link", name="Back to filing").click()
    expect(page.get_by_text("Every message is filed.")).to_be_visible()
    expect(page.locator("[data-exports] tbody tr")).to_have_count(1)
    tablet.assert_accessible()

    # --- the young person sees that their message is in their record ----------------------------------------
    home.reload()
    expect(home.locator(".tl-message--mine").last).to_contain_text("Added to your health record")
    phone.assert_accessible()


def test_the_unfiled_queue_and_the_trust_retention_page_are_accessible(new_device: Any, stack: Any) -> None:
    tablet = new_device("tablet")
    page = sign_in_staff(tablet, LEAD, PASSWORD)
    team_id = stack.demo.teams[DIABETES]
    tablet.open(f"/staff/teams/{team_id}/unfiled")
    expect(page.get_by_role("heading", name="To file to the record")).to_be_visible()
    tablet.assert_accessible()
    admin = new_device("tablet")
    admin_page = admin.open("/staff/sign-in")
    admin_page.locator("#email").fill("admin@northfield.nhs.uk")
    admin_page.locator("#password").fill(PASSWORD)
    admin_page.get_by_role("button", name="Sign in").click()
    admin_page.wait_for_load_state()
    admin.open("/admin/retention")
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text("keeps messages")
    admin.assert_accessible()
