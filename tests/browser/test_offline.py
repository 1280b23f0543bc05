"""The outbox on a phone: a message written offline waits on the device, survives a reload, and is sent
once (and stored once) when the connection returns; a message the server refuses is kept, with the reason,
for the young person to change; and a new version of the app is announced rather than forced.

The connection is Playwright's offline emulation (``context.set_offline``), which covers the page and its
service worker. Chromium keeps ``navigator.onLine`` true under that emulation and fires no ``online`` event
when it ends, so coming back online is announced with the ``online`` event the page listens for.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support import storage
from tests.support.browser_steps import sign_in_patient

pytestmark = pytest.mark.browser

DIABETES = "Young Adult Diabetes Service"

OUTBOX = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("teamline", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("outbox").objectStore("outbox").getAll();
    request.onsuccess = () => resolve(request.result.map((entry) => ({ body: entry.body, state: entry.state })));
    request.onerror = () => reject(request.error);
  };
})"""

IS_CACHED = """async () => Boolean(await caches.match(location.pathname + location.search, { cacheName: "teamline-pages" }))"""


def open_conversation_for_offline_use(device: Any, team_id: str) -> Any:
    """Open the conversation once the service worker controls the page and keeps a copy of it."""
    page = device.open(f"/p/teams/{team_id}")
    assert page.evaluate("async () => (await navigator.serviceWorker.ready).active.state") == "activated"
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    if not page.evaluate(IS_CACHED):  # loaded before the worker took control: load it through the worker
        page.reload()
    assert page.evaluate(IS_CACHED), "the service worker did not keep a copy of the conversation"
    return page


def stored_bodies(team_id: str, patient_id: str) -> list[str]:
    """Every message body the server holds in this conversation (read straight from DynamoDB)."""
    return [m.body for m in storage.messages(team_id, patient_id)]


def forget_expected(device: Any, *fragments: str) -> None:
    """Drop console errors the browser logs for requests this test made fail on purpose (and only those)."""
    device.errors[:] = [e for e in device.errors if not (" console error " in e and any(f in e for f in fragments))]


def test_a_message_written_offline_waits_survives_a_reload_and_is_sent_once(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Ola", family_name="Brandt")
    phone = new_device("phone")
    sign_in_patient(phone, patient.username, patient.password)
    page = open_conversation_for_offline_use(phone, patient.team_id)
    text = "My pen needle box is nearly empty, can you send more?"
    mine = page.locator(".tl-message", has_text=text)
    state = mine.locator(".tl-message__state")

    # --- offline: written, kept on the phone, shown as waiting, never as sent ------------------------------
    phone.context.set_offline(True)
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send message").click()
    expect(state).to_have_text("Waiting to send")
    expect(page.get_by_label("Your message")).to_have_value("")
    assert page.evaluate(OUTBOX) == [{"body": text, "state": "waiting"}]
    assert text not in stored_bodies(patient.team_id, patient.patient_id)
    forget_expected(phone, "ERR_INTERNET_DISCONNECTED")  # the failed send, logged by the browser
    phone.assert_accessible()

    # --- a reload, still offline: the service worker's copy of the page, the message still waiting ----------
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(DIABETES)
    expect(mine).to_have_count(1)
    expect(state).to_have_text("Waiting to send")
    assert page.evaluate(OUTBOX) == [{"body": text, "state": "waiting"}]
    assert text not in stored_bodies(patient.team_id, patient.patient_id)

    # --- back online: sent, shown as sent, stored exactly once ----------------------------------------------
    phone.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(state).to_contain_text("Sent")
    expect(state).to_contain_text("We aim to reply by")
    expect(mine).to_have_count(1)
    assert page.evaluate(OUTBOX) == []
    assert stored_bodies(patient.team_id, patient.patient_id).count(text) == 1
    forget_expected(phone, "ERR_INTERNET_DISCONNECTED")
    phone.assert_accessible()

    # A reload from the network shows it once, as the server has it.
    page.reload()
    expect(mine).to_have_count(1)
    expect(state).to_contain_text("Sent")
    assert stored_bodies(patient.team_id, patient.patient_id).count(text) == 1
    phone.assert_accessible()


def test_background_sync_sends_what_the_page_could_not_and_the_page_shows_it_sent(
        new_device: Any, stack: Any, front_door: Any) -> None:
    """The server is busy when the page sends; the service worker's Background Sync sends it later, and the
    page, told by the worker, shows the message as the server has it (as when a phone's page was in the
    background when the connection came back)."""
    patient = stack.new_patient(DIABETES, given_name="Bea", family_name="Osei")
    phone = new_device("phone", base_url=front_door.url)
    sign_in_patient(phone, patient.username, patient.password)
    page = open_conversation_for_offline_use(phone, patient.team_id)
    cdp, registration_id = phone.service_worker_session(page)
    front_door.refuse_once("POST", f"/api/patient/teams/{patient.team_id}/messages", 503,
                           {"error": {"code": "unavailable", "message": "Teamline is busy. Please try again."}})
    text = "Is it OK to take my insulin an hour late tonight?"
    state = page.locator(".tl-message", has_text=text).locator(".tl-message__state")

    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send message").click()
    # The page's own attempt was turned away: it waits, and asks for a Background Sync.
    expect(page.locator(".tl-message--pending", has_text=text)).to_have_count(1)

    # The browser fires the sync (it may already have): the worker sends, and tells the page.
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": phone.base_url, "registrationId": registration_id,
                                                 "tag": "teamline-outbox", "lastChance": False})
    expect(state).to_contain_text("Sent")
    expect(state).to_contain_text("We aim to reply by")
    expect(page.locator(".tl-message", has_text=text)).to_have_count(1)
    assert page.evaluate(OUTBOX) == []
    assert stored_bodies(patient.team_id, patient.patient_id) == [text]
    forget_expected(phone, "status of 503")
    phone.assert_accessible()


def test_a_message_the_server_refuses_stays_on_the_phone_with_the_reason(
        new_device: Any, stack: Any, front_door: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Ravi", family_name="Lund")
    phone = new_device("phone", base_url=front_door.url)
    sign_in_patient(phone, patient.username, patient.password)
    page = open_conversation_for_offline_use(phone, patient.team_id)
    reason = "Messages cannot include card numbers. Remove it and send again."
    front_door.refuse_once("POST", f"/api/patient/teams/{patient.team_id}/messages", 400,
                           {"error": {"code": "invalid_input", "message": reason, "field": "body"}})
    text = "Can you check my prescription? My card is 4111 1111 1111 1111"
    box = page.get_by_label("Your message")
    box.fill(text)
    page.get_by_role("button", name="Send message").click()

    refused = page.locator(".tl-message", has_text=text)
    expect(refused.locator(".tl-message__state")).to_have_text("Not sent")
    expect(refused.locator(".tl-message__error")).to_have_text(reason)
    expect(box).to_have_value("")
    assert page.evaluate(OUTBOX) == [{"body": text, "state": "failed"}]
    forget_expected(phone, "status of 400")
    phone.assert_accessible()

    # Still there after a reload, still not sent (a refused message is not retried by itself).
    page.reload()
    expect(refused.locator(".tl-message__state")).to_have_text("Not sent")
    expect(refused.locator(".tl-message__error")).to_have_text(reason)
    assert stored_bodies(patient.team_id, patient.patient_id) == []

    refused.get_by_role("button", name="Edit and try again").click()
    expect(box).to_have_value(text)
    expect(box).to_be_focused()
    expect(refused).to_have_count(0)
    assert page.evaluate(OUTBOX) == []

    fixed = "Can you check my prescription please?"
    box.fill(fixed)
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".tl-message", has_text=fixed).locator(".tl-message__state")).to_contain_text("Sent")
    assert stored_bodies(patient.team_id, patient.patient_id) == [fixed]
    phone.assert_accessible()


def test_a_new_version_of_the_app_is_announced_and_waits_to_be_asked_for(
        new_device: Any, stack: Any, front_door: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Kit", family_name="Marlow")
    phone = new_device("phone", base_url=front_door.url)
    sign_in_patient(phone, patient.username, patient.password)
    page = open_conversation_for_offline_use(phone, patient.team_id)
    banner = page.locator("[data-update-banner]")
    expect(banner).to_be_hidden()
    box = page.get_by_label("Your message")
    box.fill("half-written")  # an update must not throw this away

    # A release: the server now has a different service worker, and the browser's update check finds it.
    front_door.change("/sw.js", lambda body: body + b"\n// the next release\n")
    page.evaluate("async () => { await (await navigator.serviceWorker.getRegistration()).update(); }")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("A new version is ready")
    phone.assert_accessible()
    assert page.evaluate("async () => Boolean((await navigator.serviceWorker.getRegistration()).waiting)")
    expect(box).to_have_value("half-written")  # nothing reloaded by itself

    # When the young person asks, the new version takes over and the page reloads once.
    with page.expect_navigation():
        banner.get_by_role("button", name="refresh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DIABETES)
    assert page.evaluate("""async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return registration.waiting === null && registration.active !== null;
    }""")
    expect(page.locator("[data-update-banner]")).to_be_hidden()
    phone.assert_accessible()
