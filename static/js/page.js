// What every page's script does: starts NHS.UK frontend, registers the service worker, shows connection and
// update banners, and starts whichever of the thread, the outbox, the red-flag check, the notifications offer
// and panel, and the sign-out guard the page has. Pages work without it; it only makes them better.
// Two entries use it: app.js (the young person's and the public pages) and staff.js (which adds the team
// inbox's live checks, presence, drafts and canned replies).
import { startNhsuk } from "./nhsuk.js";
import { startNotifyOffer } from "./offer.js";
import { sendWaiting, startCompose } from "./outbox.js";
import { recheckSubscription, startPushPanel } from "./push.js";
import { startRedFlagCheck } from "./red_flag_panel.js";
import { guardSignOut } from "./signout.js";
import { startThread } from "./thread.js";

// The "You are offline" banner follows the connection.
function showConnection(banner) {
  if (!banner) return;
  const update = () => { banner.hidden = navigator.onLine; };
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
}

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

// After the page has loaded: on one bar of signal the worker's precache must not compete with what the
// page itself is fetching, and by then the page's stylesheet and script are in the HTTP cache, so the
// precache copies them instead of downloading them again.
function afterLoad(work) {
  if (document.readyState === "complete") work();
  else window.addEventListener("load", work, { once: true });
}

/** Start the page. ``beforeSignOut`` runs when the person signs out (staff: forget reply drafts). */
export function startPage({ beforeSignOut = () => {} } = {}) {
  document.documentElement.classList.remove("no-js");
  document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
  startNhsuk();

  const actor = document.querySelector('meta[name="teamline-actor-id"]')?.getAttribute("content") || "";

  showConnection(document.querySelector("[data-offline-banner]"));

  afterLoad(() => registerServiceWorker().catch(() => {
    // A browser that refuses service workers still gets every page from the network.
  }));

  const thread = document.querySelector("[data-thread]");
  if (thread) startThread(thread);
  const offer = document.querySelector("[data-notify-offer]");
  if (offer) startNotifyOffer(offer, actor);

  const compose = document.querySelector("form[data-compose]");
  if (compose) startRedFlagCheck(compose);  // first: it may hold a send back to show where to get help now
  if (compose && "indexedDB" in window) startCompose(compose);
  else if (actor && document.querySelector('meta[name="teamline-actor"]')?.content === "patient" && "indexedDB" in window) {
    // Messages kept at sign-out ("send it next time") go as soon as their writer is back, on any page.
    sendWaiting(actor).catch(() => { /* offline: the conversation page and Background Sync try again */ });
  }

  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "navigate" && typeof event.data.url === "string" && event.data.url.startsWith("/")) {
      window.location.assign(event.data.url);
    }
  });

  const pushPanel = document.querySelector("[data-push-panel]");
  if (pushPanel) startPushPanel(pushPanel);
  if (actor) recheckSubscription().catch(() => { /* offline or busy: the next page checks again */ });

  guardSignOut(actor, beforeSignOut);
}
