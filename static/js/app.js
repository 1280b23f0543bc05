// Teamline's page script: starts NHS.UK frontend, registers the service worker, and shows
// connection and update banners. Pages work without it; it only makes them better.
import { initAll } from "./nhsuk-frontend.min.js";
import { startCompose } from "./outbox.js";
import { startPushPanel } from "./push.js";
import { startRedFlagCheck } from "./red_flag_panel.js";

document.documentElement.classList.remove("no-js");
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

const offlineBanner = document.querySelector("[data-offline-banner]");
function showConnection() {
  if (offlineBanner) offlineBanner.hidden = navigator.onLine;
}
window.addEventListener("online", showConnection);
window.addEventListener("offline", showConnection);
showConnection();

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const banner = document.querySelector("[data-update-banner]");
  let updateRequested = false;
  const announce = (worker) => {
    if (!banner || !worker) return;
    banner.hidden = false;
    banner.querySelector("[data-update-refresh]")?.addEventListener("click", () => {
      updateRequested = true;
      worker.postMessage({ type: "skip-waiting" });
    });
  };
  if (registration.waiting && navigator.serviceWorker.controller) announce(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const incoming = registration.installing;
    incoming?.addEventListener("statechange", () => {
      if (incoming.state === "installed" && navigator.serviceWorker.controller) announce(incoming);
    });
  });
  let reloading = false;
  // Reload only when the person asked for the new version: the first install also changes the
  // controller (clients.claim), and reloading then would throw away whatever they were typing.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !updateRequested) return;
    reloading = true;
    window.location.reload();
  });
}

registerServiceWorker().catch(() => {
  // A browser that refuses service workers still gets every page from the network.
});

const compose = document.querySelector("form[data-compose]");
if (compose) startRedFlagCheck(compose);  // first: it may hold a send back to show where to get help now
if (compose && "indexedDB" in window) startCompose(compose);

navigator.serviceWorker?.addEventListener("message", (event) => {
  if (event.data?.type === "navigate" && typeof event.data.url === "string" && event.data.url.startsWith("/")) {
    window.location.assign(event.data.url);
  }
});

const pushPanel = document.querySelector("[data-push-panel]");
if (pushPanel) startPushPanel(pushPanel);

// Signing out removes the copies of pages kept for offline use on this device.
document.querySelectorAll('form[action="/sign-out"], form[action="/p/account/sign-out-everywhere"]').forEach((form) => {
  form.addEventListener("submit", () => {
    navigator.serviceWorker?.controller?.postMessage({ type: "signed-out" });
  });
});
