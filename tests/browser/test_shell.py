"""The patient's phone on one bar of signal: the shell loads once and then from the phone, notifications
survive a push service replacing the subscription, a waiting message is retried without Background Sync,
and signing out of a shared phone never leaves a message or a page behind without asking.

Requests that reach the network are counted at the front door (a proxy in front of the app): what a
phone's browser serves from its service worker or its caches never gets there.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_offline import OUTBOX, forget_expected, open_conversation_for_offline_use, stored_bodies
from tests.support import storage
from tests.support.browser_steps import sign_in_patient

pytestmark = pytest.mark.browser

DIABETES = "Young Adult Diabetes Service"

#: iPhone and Firefox have no Background Sync: without it, only the page's own timer can retry.
NO_BACKGROUND_SYNC = """
if ("ServiceWorkerRegistration" in self) {
  Object.defineProperty(ServiceWorkerRegistration.prototype, "sync", { get: () => undefined, configurable: true });
}
"""

#: The browser's push service, standing in as in test_push.py, except that the test can replace the
#: subscription (as a push service does when it rotates an endpoint): getSubscription() then answers
#: with the new one, exactly as a browser would.
ROTATABLE_PUSH_MANAGER = """
(() => {
  if (!("PushManager" in self)) return;
  const first = %s;
  const FLAG = "tests-push-subscribed";
  const current = () => JSON.parse(localStorage.getItem("tests-push-current") || "null") || first;
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const make = (sub) => ({
    endpoint: sub.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    getKey: (name) => (name in sub.keys ? bytes(sub.keys[name]).buffer : null),
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: { ...sub.keys } }),
    unsubscribe: async () => { localStorage.removeItem(FLAG); return true; },
  });
  PushManager.prototype.subscribe = async function () {
    if (Notification.permission !== "granted") throw new DOMException("permission denied", "NotAllowedError");
    localStorage.setItem(FLAG, "yes");
    return make(current());
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem(FLAG) ? make(current()) : null;
  };
})();
"""

#: Run inside the service worker: the push service replaced the subscription (Firefox fires this; Chromium
#: rarely does). A script-made event is not trusted, so its waitUntil is collected by hand.
SUBSCRIPTION_CHANGED = """async (sub) => {
  const event = new Event("pushsubscriptionchange");
  const newSubscription = { endpoint: sub.endpoint,
                            toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }) };
  const work = [];
  Object.defineProperty(event, "newSubscription", { value: newSubscription });
  Object.defineProperty(event, "oldSubscription", { value: null });
  Object.defineProperty(event, "waitUntil", { value: (promise) => work.push(promise) });
  self.dispatchEvent(event);
  return Promise.all(work);
}"""

PAGES_KEPT = "async () => (await caches.keys()).includes('teamline-pages')"


def pause_clock(page: Any) -> None:
    """From now on the phone's timers run only when the test says (Playwright's clock is per browser context)."""
    page.clock.install()
    page.reload()  # the page's timers are now the test's to run
    now = datetime.fromtimestamp(page.evaluate("() => Date.now()") / 1000, UTC)
    page.clock.pause_at(now + timedelta(seconds=1))


def static_requests(door: Any, since: int) -> list[str]:
    return [s.path for s in door.requests()[since:] if s.path.startswith("/static/") or s.path == "/manifest.webmanifest"]


def test_a_repeat_visit_loads_no_static_file_from_the_network_and_nothing_is_fetched_twice(
        new_device: Any, stack: Any, front_door: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Ayo", family_name="Pike")
    phone = new_device("phone", base_url=front_door.url)
    page = sign_in_patient(phone, patient.username, patient.password)
    page.wait_for_function("async () => (await navigator.serviceWorker.ready).active.state === 'activated'")
    page.wait_for_load_state("networkidle")
    first = static_requests(front_door, 0)
    assert any(p.endswith(".css") for p in first) and any(p.endswith(".js") for p in first)
    assert len(first) == len(set(first)), f"fetched twice: {sorted(first)}"
    assert all(".static" not in p and "?" not in p for p in first), first  # content-named, no ?v= queries

    # The phone opens Teamline again: only the page itself (personal, never from a cache) is asked of the network.
    since = len(front_door.requests())
    again = phone.context.new_page()
    served: list[Any] = []
    again.on("response", lambda r: served.append(r) if "/static/" in r.url else None)
    again.goto(f"{front_door.url}/p")
    again.wait_for_load_state("networkidle")
    expect(again.get_by_role("heading", level=1)).to_have_text("My care teams")
    assert static_requests(front_door, since) == []
    assert [s.path for s in front_door.requests()[since:] if s.path == "/p"] == ["/p"]
    assert served and all(r.from_service_worker for r in served), [(r.url, r.from_service_worker) for r in served]
    phone.assert_accessible(again)


def test_an_endpoint_the_push_service_replaced_is_registered_again(
        new_device: Any, stack: Any, push_service: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Cato", family_name="Reyes")
    subscriptions = [push_service.new_subscription(application_server_key=stack.vapid_public_key) for _ in range(3)]
    first, rotated, changed = ({"endpoint": e, "keys": {"p256dh": p, "auth": a}} for e, p, a, _ in subscriptions)
    phone = new_device("phone")
    phone.context.grant_permissions(["notifications"], origin=stack.url)
    phone.context.add_init_script(script=ROTATABLE_PUSH_MANAGER % json.dumps(first))
    page = sign_in_patient(phone, patient.username, patient.password)
    phone.open("/p/account")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on notifications for this device").click()
    device_id = page.evaluate("() => localStorage.getItem('teamline-device-id')")

    def stored() -> str:
        found = storage.subscription(patient.patient_id, device_id)
        assert found is not None
        return str(found.endpoint)

    assert stored() == first["endpoint"]

    # The push service rotates the endpoint while Teamline is closed. Opening it again (a new tab: a new
    # start of the app) notices that the browser's endpoint is not the one the server has, and tells it.
    page.evaluate("(sub) => localStorage.setItem('tests-push-current', JSON.stringify(sub))", rotated)
    page.close()
    reopened = phone.context.new_page()
    with reopened.expect_response(lambda r: r.url.endswith("/api/push/subscriptions") and r.request.method == "POST") as told:
        reopened.goto(f"{stack.url}/p")
    assert told.value.status == 201
    assert stored() == rotated["endpoint"]
    devices = storage.subscriptions(patient.patient_id)
    assert [d.device_id for d in devices] == [device_id], "the device's subscription was replaced, not added"

    # Starting again with nothing changed tells the server nothing.
    posts: list[str] = []
    again = phone.context.new_page()
    again.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    again.goto(f"{stack.url}/p")
    again.wait_for_load_state("networkidle")
    assert posts == []

    # And when the browser does announce a change (pushsubscriptionchange), the service worker tells the
    # server itself, with the device id and the signed-in person's token the page left it.
    [worker] = phone.context.service_workers
    worker.evaluate(SUBSCRIPTION_CHANGED, changed)
    assert stored() == changed["endpoint"]
    phone.assert_accessible(again)


def test_a_waiting_message_is_retried_on_a_timer_without_background_sync_or_an_online_event(
        new_device: Any, stack: Any, front_door: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Iris", family_name="Moss")
    phone = new_device("phone", base_url=front_door.url)
    phone.context.add_init_script(script=NO_BACKGROUND_SYNC)
    sign_in_patient(phone, patient.username, patient.password)
    page = open_conversation_for_offline_use(phone, patient.team_id)
    pause_clock(page)
    front_door.refuse_once("POST", f"/api/patient/teams/{patient.team_id}/messages", 503,
                           {"error": {"code": "unavailable", "message": "Teamline is busy. Please try again."}})
    text = "Can I swap my Thursday clinic to next week?"
    state = page.locator(".tl-message", has_text=text).locator(".tl-message__state")
    page.get_by_label("Your message").fill(text)
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 503):
        page.get_by_role("button", name="Send message").click()
    expect(state).to_have_text("Waiting to send")
    messages = page.locator("[data-messages]")
    expect(messages).to_have_attribute("data-next-try-at", re.compile(r"^\d+$"))
    wait_ms = int(messages.get_attribute("data-next-try-at") or 0) - page.evaluate("() => Date.now()")
    assert 2_500 <= wait_ms <= 5_000, f"the first retry comes 2.5 to 5 seconds after a failed send, not {wait_ms} ms"

    page.clock.run_for(wait_ms - 100)
    expect(state).to_have_text("Waiting to send")
    assert stored_bodies(patient.team_id, patient.patient_id) == []

    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 201):
        page.clock.run_for(200)  # no online event, no Background Sync: the timer sends it
    expect(state).to_contain_text("Sent")
    expect(messages).not_to_have_attribute("data-next-try-at", re.compile(".*"))
    assert page.evaluate(OUTBOX) == []
    assert stored_bodies(patient.team_id, patient.patient_id) == [text]
    page.clock.run_for(10 * 60_000)  # nothing more is sent, however long the page stays open
    assert stored_bodies(patient.team_id, patient.patient_id) == [text]
    forget_expected(phone, "status of 503")
    phone.assert_accessible()


def test_signing_out_with_a_waiting_message_asks_first_and_each_choice_does_what_it_says(
        new_device: Any, stack: Any, front_door: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Noor", family_name="Quinn")
    phone = new_device("phone", base_url=front_door.url)
    phone.context.add_init_script(script=NO_BACKGROUND_SYNC)
    api = f"/api/patient/teams/{patient.team_id}/messages"
    busy = {"error": {"code": "unavailable", "message": "Teamline is busy. Please try again."}}

    def write_a_waiting_message(text: str) -> Any:
        page = open_conversation_for_offline_use(phone, patient.team_id)
        pause_clock(page)  # no retries while the test looks
        front_door.refuse_once("POST", api, 503, busy)
        page.get_by_label("Your message").fill(text)
        with page.expect_response(lambda r: r.request.method == "POST" and r.status == 503):
            page.get_by_role("button", name="Send message").click()
        expect(page.locator(".tl-message--pending", has_text=text)).to_have_count(1)
        assert page.evaluate(PAGES_KEPT)  # a copy of the conversation is kept for offline reading
        return page

    def sign_out(page: Any) -> Any:
        page.locator(".tl-account-bar").get_by_role("button", name="Sign out").click()
        dialog = page.get_by_role("dialog", name="Messages not sent yet")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("1 message you wrote to your care team is still on this phone")
        return dialog

    # --- asked, and "Do not sign out" changes nothing ---------------------------------------------------
    sign_in_patient(phone, patient.username, patient.password)
    kept = "Please can someone call me about my pump settings?"
    page = write_a_waiting_message(kept)
    dialog = sign_out(page)
    forget_expected(phone, "status of 503")  # the refused send, logged by the browser
    phone.assert_accessible()
    dialog.get_by_role("button", name="Do not sign out").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".tl-message--pending", has_text=kept)).to_have_count(1)
    expect(page).to_have_url(f"{front_door.url}/p/teams/{patient.team_id}")

    # --- "Keep": signed out, pages forgotten, the message kept and sent at the next sign-in ---------
    dialog = sign_out(page)
    with page.expect_navigation(url=f"{front_door.url}/sign-in?signed_out=1"):
        dialog.get_by_role("button", name="Keep on this phone and send when I next sign in").click()
    assert page.evaluate(OUTBOX) == [{"body": kept, "state": "waiting"}]
    assert not page.evaluate(PAGES_KEPT), "copies of the young person's pages outlived sign-out"
    assert stored_bodies(patient.team_id, patient.patient_id) == []
    # Back on the phone, on any page: the kept message goes at once.
    with page.expect_response(lambda r: r.url.endswith(api) and r.request.method == "POST") as sent:
        page = sign_in_patient(phone, patient.username, patient.password)
    assert sent.value.status == 201
    assert stored_bodies(patient.team_id, patient.patient_id) == [kept]

    # --- "Delete": signed out, the message gone from the phone and never sent ----------------------
    deleted = "Actually ignore my last message"
    page = write_a_waiting_message(deleted)
    dialog = sign_out(page)
    with page.expect_navigation(url=f"{front_door.url}/sign-in?signed_out=1"):
        dialog.get_by_role("button", name="Delete and sign out").click()
    assert page.evaluate(OUTBOX) == []
    assert not page.evaluate(PAGES_KEPT)
    page = sign_in_patient(phone, patient.username, patient.password)
    page.wait_for_load_state("networkidle")
    assert stored_bodies(patient.team_id, patient.patient_id) == [kept]
    forget_expected(phone, "status of 503")
    phone.assert_accessible()
