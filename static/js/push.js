// Turning notifications on for this device. Needs a user gesture (the button), a service worker and
// the Push API; on iPhone and iPad it also needs Teamline to be on the Home Screen, which we explain.

function urlBase64ToBytes(text) {
  const padded = (text + "=".repeat((4 - (text.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function deviceId() {
  let id = localStorage.getItem("teamline-device-id");
  if (!id) {
    id = crypto.randomUUID().replace(/-/g, "");
    localStorage.setItem("teamline-device-id", id);
  }
  return id;
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

function isAppleMobileInBrowser() {
  const apple = /iPhone|iPad|iPod/.test(navigator.userAgent);
  const standalone = window.navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
  return apple && !standalone;
}

export function startPushPanel(panel) {
  const status = panel.querySelector("[data-push-status]");
  const controls = panel.querySelector("[data-push-controls]");
  const button = panel.querySelector("[data-push-enable]");
  const say = (text) => { status.textContent = text; };

  if (panel.dataset.pushReady !== "yes") {
    say("Notifications are not set up on this Teamline yet.");
    return;
  }
  if (isAppleMobileInBrowser()) {
    panel.querySelector("[data-push-ios-help]").hidden = false;
    return;
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
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
    const listed = panel.querySelector(`[data-device-id="${CSS.escape(deviceId())}"]`);
    if (existing && listed) {
      say("Notifications are on for this device.");
      button.textContent = "Turn notifications on again";
    }
  });

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say("Notifications were not allowed. You can change this in your browser's settings.");
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const { public_key: key } = await (await fetch("/api/push/public-key")).json();
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(key),
      });
      const json = subscription.toJSON();
      const response = await fetch("/api/push/subscriptions", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content,
        },
        body: JSON.stringify({ device_id: deviceId(), endpoint: json.endpoint, keys: json.keys, label: deviceLabel() }),
      });
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        say(problem?.error?.message || "Notifications could not be turned on. Please try again.");
        return;
      }
      say("Notifications are on for this device.");
      window.location.reload();
    } catch {
      say("Notifications could not be turned on. Please try again.");
    } finally {
      button.disabled = false;
    }
  });
}
