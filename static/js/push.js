// Notifications for this device: turning them on (the account page's button; it needs a user gesture,
// a service worker and the Push API, and on iPhone and iPad Teamline on the Home Screen, which we
// explain), and keeping them working. A push service may replace ("rotate") a subscription's endpoint,
// or drop it, at any time; the server then pushes to an endpoint that no longer reaches this phone and
// the young person silently stops hearing from their team. So every time the app starts, it compares the
// browser's subscription with what the server was last told and tells it again if they differ. (The
// service worker also handles `pushsubscriptionchange`, but Chromium rarely fires it.)

import { postSubscription, readDevice, urlBase64ToBytes, writeDevice } from "./device.js";

const CHECKED = "teamline-push-checked";

function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") || "";
}

function localDeviceId() {
  let id = localStorage.getItem("teamline-device-id");
  if (!id) {
    id = crypto.randomUUID().replace(/-/g, "");
    localStorage.setItem("teamline-device-id", id);
  }
  return id;
}

/** This browser's device record, with the device id (made once and kept) and the current person's token. */
async function currentRecord() {
  const saved = (await readDevice()) || {};
  const device_id = saved.device_id || localDeviceId();
  localStorage.setItem("teamline-device-id", device_id);
  return { ...saved, device_id, label: saved.label || deviceLabel() };
}

function deviceLabel() {
  const ua = navigator.userAgent;
  if (/iPhone/.test(ua)) return "iPhone";
  if (/iPad|Macintosh.*Mobile/.test(ua)) return "iPad";
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? "Android phone" : "Android tablet";
  if (/Windows/.test(ua)) return "Windows computer";
  if (/Mac OS X/.test(ua)) return "Mac";
  return "This device";
}

export function isAppleMobileInBrowser() {
  const apple = /iPhone|iPad|iPod/.test(navigator.userAgent);
  const standalone = window.navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
  return apple && !standalone;
}

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export async function publicKey() {
  const { public_key: key } = await (await fetch("/api/push/public-key")).json();
  return key;
}

/**
 * On every start of the app (once per tab): if this person turned notifications on here and the browser's
 * subscription is not the one the server has for this device, or the server has none, tell it again.
 * Returns what it did, for tests and for nobody else.
 */
export async function recheckSubscription() {
  const actor = meta("teamline-actor-id");
  if (!actor || !pushSupported() || Notification.permission !== "granted") return "not-applicable";
  if (sessionStorage.getItem(CHECKED) === actor) return "already-checked";
  const outcome = await compareAndRegister(actor);
  // Checked for this start unless the answer was lost (offline, server busy): then the next page tries.
  if (outcome !== "unknown" && outcome !== "failed") sessionStorage.setItem(CHECKED, actor);
  return outcome;
}

async function compareAndRegister(actor) {
  const record = await currentRecord();
  // Someone else turned notifications on here (a shared phone): never sign this person up silently.
  if (record.actor !== actor) return "not-mine";
  record.csrf = meta("csrf-token");  // the worker needs the current session's token (see device.js)
  await writeDevice(record);
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  const response = await fetch("/api/push/subscriptions", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) return "unknown";
  const { devices } = await response.json();
  const listed = devices.some((d) => d.device_id === record.device_id);
  if (subscription && listed && subscription.endpoint === record.endpoint) return "current";
  if (!subscription) {
    const key = await publicKey();
    if (!key) return "not-configured";
    subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(key) });
  }
  return (await postSubscription(record, subscription)).ok ? "re-registered" : "failed";
}

export function startPushPanel(panel) {
  const status = panel.querySelector("[data-push-status]");
  const controls = panel.querySelector("[data-push-controls]");
  const button = panel.querySelector("[data-push-enable]");
  const say = (text) => { status.textContent = text; };

  // "Turn off" for this device: forget that this person wants notifications here, or the next start
  // would sign the device up again.
  panel.querySelectorAll("form[data-remove-device]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      const record = await readDevice();
      if (record && form.dataset.removeDevice === record.device_id) {
        event.preventDefault();
        await writeDevice({ device_id: record.device_id });
        form.submit();
      }
    });
  });

  if (panel.dataset.pushReady !== "yes") {
    say("Notifications are not set up on this Teamline yet.");
    return;
  }
  if (isAppleMobileInBrowser()) {
    panel.querySelector("[data-push-ios-help]").hidden = false;
    return;
  }
  if (!pushSupported()) {
    say("This browser cannot show notifications.");
    return;
  }
  if (Notification.permission === "denied") {
    say("Notifications are blocked for Teamline in this browser's settings.");
    return;
  }
  controls.hidden = false;
  navigator.serviceWorker.ready.then(async (registration) => {
    const existing = await registration.pushManager.getSubscription();
    const listed = panel.querySelector(`[data-device-id="${CSS.escape((await currentRecord()).device_id)}"]`);
    if (existing && listed) {
      say("Notifications are on for this device.");
      button.textContent = "Turn notifications on again";
    }
  });

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const outcome = await turnOnNotifications();
      say(outcome.message);
      if (outcome.ok) window.location.reload();
    } finally {
      button.disabled = false;
    }
  });
}

/** Is this person getting notifications on this device already (permission, a subscription, and it is theirs)? */
export async function notificationsOnHere() {
  if (!pushSupported() || Notification.permission !== "granted") return false;
  const registration = await navigator.serviceWorker.ready;
  const record = await readDevice();
  return Boolean((await registration.pushManager.getSubscription()) && record?.actor === meta("teamline-actor-id"));
}

/**
 * Ask the browser's permission (call it from a tap: browsers allow the question only then), subscribe and
 * tell the server. Returns {ok, message}: the message says what happened, for the person to read.
 */
export async function turnOnNotifications() {
  try {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      return { ok: false, message: "Notifications were not allowed. You can change this in your browser's settings." };
    }
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(await publicKey()),
    });
    const record = { ...(await currentRecord()), actor: meta("teamline-actor-id"), csrf: meta("csrf-token") };
    const response = await postSubscription(record, subscription);
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      return { ok: false, message: problem?.error?.message || "Notifications could not be turned on. Please try again." };
    }
    return { ok: true, message: "Notifications are on for this device." };
  } catch {
    return { ok: false, message: "Notifications could not be turned on. Please try again." };
  }
}
