"""Safety in a real browser: the pre-send red-flag panel on a phone (the team's own line, before sending, axe clean),
the agreement accepted on the phone before the next message, the team's safety pages on a tablet, and the offline
page that keeps the team's lines on the phone until the young person signs out.

The demo cancer team has the "Acute oncology 24-hour line" and the fever-on-chemotherapy list switched on
(``scripts/demo_data.py``). Each test uses a young person of its own (``stack.new_patient``).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support import storage
from tests.support.browser_steps import sign_in_patient, sign_in_staff

pytestmark = pytest.mark.browser

CANCER = "Teenage and Young Adult Cancer Service"
LEAD = "tom.reilly@northfield.nhs.uk"
LINE = "Acute oncology 24-hour line"
LINE_PHONE = "020 7946 0999"
FEVER = "I've got a temperature of 38.2 and I'm shivery, should I come in?"


def test_the_pre_send_panel_on_a_phone_shows_the_teams_own_line_and_is_accessible(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(CANCER, given_name="Fern", family_name="Fever")
    phone = new_device("phone")
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    panel = page.locator("[data-red-flag-panel]")
    expect(panel).to_be_hidden()
    expect(page.locator(".tl-compose__flagged")).to_contain_text("your message is urgent")

    # While typing: the panel appears, before anything is sent, with the team's own line to ring now.
    page.get_by_label("Your message").fill(FEVER)
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("A temperature of 38°C or more")
    expect(panel.get_by_role("link", name=f"{LINE} on {LINE_PHONE}")).to_have_attribute("href", "tel:02079460999")
    expect(panel).to_contain_text("You can still send this message")
    assert FEVER not in [m.body for m in storage.messages(patient.team_id, patient.patient_id)]
    phone.assert_accessible()

    # Sending it anyway: stored, marked urgent, and the reply leads with the line.
    panel.get_by_role("button", name="Send my message").click()
    mine = page.locator(".tl-message", has_text=FEVER)
    expect(mine.locator(".tl-message__state")).to_contain_text("Marked urgent for the team")
    reply = page.locator(".tl-message--auto").last
    expect(reply).to_contain_text(f"Ring the {LINE} now on {LINE_PHONE}.")
    expect(panel).to_be_hidden()
    assert storage.conversation(patient.team_id, patient.patient_id).urgent is True
    phone.assert_accessible()


def test_a_crisis_message_sent_straight_away_is_held_back_once_to_show_where_to_get_help(new_device: Any,
                                                                                         stack: Any) -> None:
    patient = stack.new_patient(CANCER, given_name="Cass", family_name="Crisis")
    phone = new_device("phone")
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    text = "i dont want to be here anymore"
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send message").click()  # before the check had a chance to run
    panel = page.locator("[data-red-flag-panel]")
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()
    expect(panel).to_contain_text("call 999 or go to A&E now")
    expect(panel.get_by_role("link", name="Samaritans")).to_have_attribute("href", "tel:116123")
    assert text not in [m.body for m in storage.messages(patient.team_id, patient.patient_id)]
    phone.assert_accessible()
    page.get_by_role("button", name="Send message").click()  # seen it: this time it goes
    expect(page.locator(".tl-message", has_text=text).locator(".tl-message__state")).to_contain_text("Sent")
    assert [m.body for m in storage.messages(patient.team_id, patient.patient_id)].count(text) == 1


def test_a_new_agreement_is_accepted_on_the_phone_before_the_next_message(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(CANCER, given_name="Gail", family_name="Gate")
    team = storage.team(patient.team_id)
    # The team publishes a new version (as the lead's form would; the tablet test below covers the page).
    from chalicelib.models.people import get_staff
    from chalicelib.scopes import StaffTeam
    from chalicelib.services import agreements
    from scripts.demo_data import actor_for

    lead = get_staff(stack.demo.staff[LEAD])
    assert lead is not None and team is not None
    agreements.do_publish(StaffTeam(actor_for(lead, stack.now), team, "lead", {}), stack.now,
                          {"purpose": "Questions about your treatment and how you feel between appointments."})
    phone = new_device("phone")
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    expect(page.get_by_text("The team has updated how messaging works")).to_be_visible()
    expect(page.locator("form[data-compose]")).to_have_count(0)
    phone.assert_accessible()
    page.get_by_role("button", name="Agree and write a message").click()  # without ticking the box
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Tick the box")
    phone.errors[:] = [e for e in phone.errors if "status of 400" not in e]
    phone.assert_accessible()
    page.get_by_label("I have read this and I agree").check()
    page.get_by_role("button", name="Agree and write a message").click()
    expect(page.get_by_label("Your message")).to_be_visible()
    conv = storage.conversation(patient.team_id, patient.patient_id)
    assert conv is not None and conv.agreement_version == storage.team(patient.team_id).agreement["version"]


def test_the_team_safety_pages_work_on_a_tablet_and_are_accessible(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(CANCER, given_name="Pat", family_name="Profile")
    tablet = new_device("tablet")
    sign_in_staff(tablet, LEAD, stack.demo.password)
    page = tablet.open(f"/staff/teams/{patient.team_id}/safety")
    expect(page.get_by_label("Name").first).to_have_value(LINE)
    expect(page.get_by_label("Fever or shivering during cancer treatment")).to_be_checked()
    tablet.assert_accessible()
    profile = tablet.open(f"/staff/teams/{patient.team_id}/patients/{patient.patient_id}/safety")
    profile.get_by_role("radio", name="Limit messages").check()
    profile.get_by_label("Reason (they see this)").fill("Lots of messages late at night")
    profile.get_by_role("button", name="Save this step").click()
    expect(profile.get_by_text("Why: Lots of messages late at night").first).to_be_visible()
    tablet.assert_accessible()


def test_the_offline_page_on_the_phone_shows_the_teams_lines_and_goes_at_sign_out(new_device: Any,
                                                                                  stack: Any) -> None:
    patient = stack.new_patient(CANCER, given_name="Olly", family_name="Offline")
    phone = new_device("phone")
    home = sign_in_patient(phone, patient.username, patient.password)
    home.wait_for_function("() => navigator.serviceWorker.controller !== null")
    home.reload()  # through the service worker now: it keeps the young person's offline page
    home.wait_for_function("""async () => Boolean(await caches.match("/p/offline", {cacheName: "teamline-pages"}))""")

    phone.context.set_offline(True)
    page = phone.page
    page.goto(f"{phone.base_url}/p/account")  # never opened, so not kept: the offline page answers
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_text(f"Urgent numbers from {CANCER}")).to_be_visible()
    expect(page.get_by_role("link", name=LINE).first).to_have_attribute("href", "tel:02079460999")
    phone.errors[:] = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    phone.assert_accessible()

    phone.context.set_offline(False)
    page.goto(f"{phone.base_url}/p")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{phone.base_url}/sign-in*")
    page.wait_for_function("""async () => !(await caches.match("/p/offline", {cacheName: "teamline-pages"}))""")
    phone.context.set_offline(True)
    page.goto(f"{phone.base_url}/p/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_text(f"Urgent numbers from {CANCER}")).to_have_count(0)
    phone.errors[:] = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
