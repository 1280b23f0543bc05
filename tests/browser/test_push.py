"""Notifications on a phone: turn them on, get one when the team replies, tap it, land in the conversation.

Headless Chromium cannot reach a real push service, so two steps are stood in for, each as close to the
real thing as the browser allows:

* ``PushManager.subscribe`` is stubbed (an init script) to return a subscription of the local
  :class:`FakePushService`, exactly as a browser would hand one back; everything else on the page (the
  permission prompt, the public key, the POST with the device id, the device list) is real.
* The push service cannot deliver into the browser, so the payload it received and decrypted is handed to
  the service worker with CDP ``ServiceWorker.deliverPushMessage``: the worker's real ``push`` handler runs
  and shows the notification.
* Nobody can tap a notification headless (CDP has no such command), so the click is a
  ``NotificationEvent("notificationclick")`` for the notification the worker is showing, dispatched inside
  the worker; its real handler asks the server where the ref leads and moves the open window there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support import storage
from tests.support.browser_steps import sign_in_patient, sign_in_staff

pytestmark = pytest.mark.browser

DIABETES = "Young Adult Diabetes Service"
CLINICIAN = "jess.morgan@northfield.nhs.uk"  # nobody else's tests sign in as Jess in the browser tier

#: Stands in for the browser's push service registration. ``%s`` is the subscription as JSON.
STUB_PUSH_MANAGER = """
(() => {
  if (!("PushManager" in self)) return;
  const sub = %s;
  const FLAG = "tests-push-subscribed";
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const subscription = {
    endpoint: sub.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    getKey: (name) => (name in sub.keys ? bytes(sub.keys[name]).buffer : null),
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: { ...sub.keys } }),
    unsubscribe: async () => { localStorage.removeItem(FLAG); return true; },
  };
  PushManager.prototype.subscribe = async function (options) {
    if (Notification.permission !== "granted") {
      throw new DOMException("Registration failed - permission denied", "NotAllowedError");
    }
    const key = new Uint8Array(options.applicationServerKey);
    localStorage.setItem("tests-push-application-server-key",
      btoa(String.fromCharCode(...key)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""));
    localStorage.setItem(FLAG, "yes");
    return subscription;
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem(FLAG) ? subscription : null;
  };
})();
"""

#: Run inside the service worker: "tap" the notification it is showing, and wait for its click handler.
TAP_NOTIFICATION = """async () => {
  const [notification] = await self.registration.getNotifications();
  if (!notification) return "no notification";
  const event = new NotificationEvent("notificationclick", { notification });
  // An event made by script is not trusted, so its own waitUntil would throw: collect the work instead.
  const work = [];
  Object.defineProperty(event, "waitUntil", { value: (promise) => work.push(promise) });
  self.dispatchEvent(event);
  await Promise.all(work);
  return work.length === 1 ? "handled" : `waitUntil called ${work.length} times`;
}"""

#: Wait (up to a deadline) until the service worker shows ``count`` notifications; returns how many it shows.
AWAIT_NOTIFICATIONS = """async (count) => {
  const registration = await navigator.serviceWorker.ready;
  const deadline = Date.now() + 5000;
  let shown = await registration.getNotifications();
  while (shown.length !== count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    shown = await registration.getNotifications();
  }
  return shown.length;
}"""

#: Wait (up to a deadline) until the one notification shown is a newer one than at ``timestamp``.
AWAIT_REPLACED = """async (timestamp) => {
  const registration = await navigator.serviceWorker.ready;
  const deadline = Date.now() + 5000;
  let shown = await registration.getNotifications();
  while (!(shown.length === 1 && shown[0].timestamp > timestamp) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    shown = await registration.getNotifications();
  }
  return shown.map((n) => n.timestamp > timestamp);
}"""

NOTIFICATIONS = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
  .map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data, icon: n.icon, image: n.image,
                 actions: n.actions.length, requireInteraction: n.requireInteraction, timestamp: n.timestamp }))"""


def test_a_reply_notifies_the_phone_and_the_notification_opens_the_conversation(
        new_device: Any, stack: Any, push_service: Any, push: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Nell", family_name="Varga")
    endpoint, p256dh, auth, _ = push_service.new_subscription(application_server_key=stack.vapid_public_key)
    phone = new_device("phone")
    phone.context.grant_permissions(["notifications"], origin=stack.url)
    phone.context.add_init_script(
        script=STUB_PUSH_MANAGER % json.dumps({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}))

    # --- the patient turns notifications on for their phone ----------------------------------------
    page = sign_in_patient(phone, patient.username, patient.password)
    phone.open("/p/account")
    panel = page.locator("[data-push-panel]")
    expect(panel.locator("[data-push-devices-empty]")).to_have_text("None yet.")
    button = panel.get_by_role("button", name="Turn on notifications for this device")
    expect(button).to_be_visible()
    phone.assert_accessible()
    with page.expect_navigation():  # the page reloads to list the device
        button.click()
    expect(panel.locator("[data-push-status]")).to_have_text("Notifications are on for this device.")
    device_id = page.evaluate("() => localStorage.getItem('teamline-device-id')")
    listed = panel.locator(f'[data-device-id="{device_id}"]')
    expect(listed).to_contain_text("Android phone")
    expect(panel.locator("[data-push-devices] li")).to_have_count(1)
    phone.assert_accessible()
    # It subscribed with Teamline's VAPID key, and the server stored the subscription it was handed.
    assert page.evaluate("() => localStorage.getItem('tests-push-application-server-key')") == stack.vapid_public_key
    stored = storage.subscription(patient.patient_id, device_id)
    assert (stored.endpoint, stored.p256dh, stored.auth) == (endpoint, p256dh, auth)

    # --- a clinician replies from a tablet -------------------------------------------------------------
    clinician = new_device("tablet")
    tab = sign_in_staff(clinician, CLINICIAN, stack.demo.password)
    clinician.open(f"/staff/teams/{patient.team_id}/patients/{patient.patient_id}")
    expect(tab.get_by_role("heading", level=1)).to_have_text(patient.name)
    clinician.assert_accessible()
    reply = "Hi Nell, your new sensor prescription is ready to collect. Jess"
    tab.get_by_label(f"Reply to {patient.name}").fill(reply)
    tab.get_by_role("button", name="Send reply").click()
    expect(tab.locator(".tl-message", has_text=reply)).to_be_visible()
    clinician.assert_accessible()

    # --- the push service gets one push for the phone, and it says nothing ------------------------------
    [received] = push.until(1, endpoint=endpoint)
    assert received.status == 201, received.reason
    data = received.plaintext.decode()
    payload = json.loads(data)
    assert payload == {"title": "Teamline", "body": "New message from your care team", "ref": payload["ref"],
                       "audience": "patient"}

    # --- that payload, delivered to the phone's service worker, shows a generic notification -------------
    cdp, registration_id = phone.service_worker_session(page)
    assert page.evaluate(NOTIFICATIONS) == []
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": stack.url, "registrationId": registration_id, "data": data})
    assert page.evaluate(AWAIT_NOTIFICATIONS, 1) == 1
    [shown] = page.evaluate(NOTIFICATIONS)
    assert shown["title"] == "Teamline"
    assert shown["body"] == "New message from your care team"
    assert shown["tag"] == payload["ref"]
    assert shown["data"] == {"ref": payload["ref"]}
    assert shown["actions"] == 0 and not shown["image"] and not shown["requireInteraction"]
    everything = json.dumps(shown).lower()
    for secret in ("nell", "varga", "sensor", "jess", "diabetes", patient.team_id, patient.patient_id):
        assert secret.lower() not in everything, f"{secret!r} shows on the lock screen: {shown}"

    # The same push delivered again (push services may redeliver) replaces it rather than adding one.
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": stack.url, "registrationId": registration_id, "data": data})
    assert page.evaluate(AWAIT_REPLACED, shown["timestamp"]) == [True]

    # --- tapping it opens the conversation in the window that is already open -------------------------
    [worker] = phone.context.service_workers
    with page.expect_navigation(url=f"{stack.url}/p/teams/{patient.team_id}#latest"):
        assert worker.evaluate(TAP_NOTIFICATION) == "handled"
    expect(page.get_by_role("heading", level=1)).to_have_text(DIABETES)
    expect(page.locator(".tl-message", has_text=reply)).to_be_visible()
    assert page.evaluate(AWAIT_NOTIFICATIONS, 0) == 0  # the tapped notification is closed
    phone.assert_accessible()
