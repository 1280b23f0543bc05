// Teamline's service worker. Built by scripts/build_assets.py, which fills in BUILD: the asset version,
// the exact (content-hashed) URLs the pages use, and the icon and badge URLs.
// * Keeps the app shell (styles, script, icons, offline page, manifest) so that a repeat visit loads no
//   static file from the network and Teamline opens without a connection. Hashed URLs never change
//   content, so they are served cache-first, and an update copies the unchanged ones from the old cache
//   rather than downloading them again (a release that changes one file costs one file).
// * Pages are always asked of the network first: they carry personal data, and on a shared phone a copy
//   must never be shown to the next person. Only the young person's own pages (/p...) are kept, for
//   reading offline; staff pages never are. Copies are deleted when the person signs out.
// * Sends the outbox when Background Sync says the connection is back.
// * Keeps push working when the push service replaces the subscription (pushsubscriptionchange).
// * Shows push notifications (generic text only) and opens the right conversation when one is clicked,
//   asking the server where to go: the notification itself names nothing.
/* global BUILD */
import { postSubscription, readDevice, forgetPerson, urlBase64ToBytes } from "./device.js";
import { all as outboxEntries, remove as removeEntry } from "./outbox-store.js";

const { version: VERSION, precache: PRECACHE, icon: ICON, badge: BADGE } = BUILD;
const SHELL_PREFIX = "teamline-shell-";
const SHELL_CACHE = `${SHELL_PREFIX}${VERSION}`;
const PAGES_CACHE = "teamline-pages";

const isHashed = (url) => url.startsWith("/static/");

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  const older = (await caches.keys()).filter((name) => name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE);
  const missing = [];
  for (const url of PRECACHE) {
    let copy;
    if (isHashed(url)) {
      for (const name of older) {
        copy = await (await caches.open(name)).match(url);
        if (copy) break;
      }
    }
    if (copy) await cache.put(url, copy);
    else missing.push(url);
  }
  await cache.addAll(missing);
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith(SHELL_PREFIX) && n !== SHELL_CACHE).map((n) => caches.delete(n))),
    ).then(() => self.clients.claim()),
  );
});

/** Delete everything personal this worker keeps: copies of pages, and who is signed in. */
async function forgetSignedInPerson() {
  await caches.delete(PAGES_CACHE);
  await forgetPerson();
}

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  if (event.data?.type === "signed-out") {
    // The page waits for the answer before it signs out, so nothing personal outlives the session.
    event.waitUntil(forgetSignedInPerson().finally(() => event.ports[0]?.postMessage("forgotten")));
  }
});

function isPatientPage(url) {
  return url.pathname === "/p" || url.pathname.startsWith("/p/");
}

async function networkFirst(request) {
  const url = new URL(request.url);
  if (url.searchParams.get("signed_out") === "1") {
    // Signed out without the page's script (say scripts were off): still keep nothing.
    await forgetSignedInPerson();
  }
  try {
    const response = await fetch(request);
    if (response.ok && isPatientPage(url) && !response.redirected) {
      const cache = await caches.open(PAGES_CACHE);
      await cache.put(url.pathname + url.search, response.clone());
      if (url.pathname === "/p") keepOfflinePage(cache);
    } else if (response.status === 401 || response.redirected) {
      await caches.delete(PAGES_CACHE);  // signed out elsewhere: keep nothing
    }
    return response;
  } catch {
    const cached = isPatientPage(url) ? await caches.match(url.pathname + url.search, { cacheName: PAGES_CACHE }) : undefined;
    // The young person's own offline page (their teams' urgent lines) when they have one, else the general one.
    return cached || (await caches.match(OFFLINE_PAGE, { cacheName: PAGES_CACHE }))
      || (await caches.match("/offline", { cacheName: SHELL_CACHE })) || Response.error();
  }
}

// The offline page with the young person's teams' urgent lines, refreshed each time their home page loads (so a
// team's changed number reaches the phone) and deleted with their other pages when they sign out.
const OFFLINE_PAGE = "/p/offline";
async function keepOfflinePage(cache) {
  try {
    const response = await fetch(OFFLINE_PAGE, { credentials: "same-origin" });
    if (response.ok && !response.redirected) await cache.put(OFFLINE_PAGE, response);
  } catch { /* offline again: keep the copy we have */ }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(caches.match(url.pathname, { cacheName: SHELL_CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === "navigate") event.respondWith(networkFirst(request));
});

// --- the outbox, for Background Sync (the page does the same when it is open) -----------------------

async function flushOutbox() {
  const entries = (await outboxEntries()).filter((e) => e.state !== "failed").sort((a, b) => a.created_at - b.created_at);
  let sent = 0;
  for (const entry of entries) {
    const response = await fetch(entry.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": entry.csrf },
      body: JSON.stringify({ client_id: entry.client_id, body: entry.body }),
    });
    if (response.status === 200 || response.status === 201) {
      await removeEntry(entry.client_id);
      sent += 1;
    } else if (response.status >= 500 || response.status === 429) {
      throw new Error("try again later");  // Background Sync retries with its own backoff
    } else {
      break;  // refused or signed out: the page shows why when it is next opened
    }
  }
  const windows = await self.clients.matchAll({ type: "window" });
  windows.forEach((client) => client.postMessage({ type: "outbox-sent", sent }));
}

self.addEventListener("sync", (event) => {
  if (event.tag === "teamline-outbox") event.waitUntil(flushOutbox());
});

// --- a new subscription from the push service -------------------------------------------------------

async function resubscribe(event) {
  const record = await readDevice();
  // Nobody here turned notifications on, or they signed out: the next person's start of the app decides.
  if (!record?.actor || !record.csrf) return "nobody";
  let subscription = event.newSubscription;
  if (!subscription) {
    const { public_key: key } = await (await fetch("/api/push/public-key")).json();
    if (!key) return "not-configured";
    subscription = await self.registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(key),
    });
  }
  // If this is refused (the session ended, say), the page re-checks when the app next starts.
  return (await postSubscription(record, subscription)).ok ? "re-registered" : "refused";
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(resubscribe(event));
});

// --- notifications -------------------------------------------------------------------------------------

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch { /* a malformed payload still gets the generic notification */ }
  const title = data.title || "Teamline";
  const body = data.body || "You have a new message";
  // An open conversation asks the server at once rather than at its next check (static/js/thread.js).
  event.waitUntil(self.clients.matchAll({ type: "window" })
    .then((windows) => windows.forEach((client) => client.postMessage({ type: "push-arrived" }))));
  event.waitUntil(self.registration.showNotification(title, {
    body,
    tag: data.ref || "teamline",  // the same push delivered twice collapses into one notification
    data: { ref: data.ref || null },
    icon: ICON,
    badge: BADGE,  // Android's status bar shows only the alpha channel: a white glyph on transparency
    requireInteraction: Boolean(data.urgent),
  }));
});

async function whereTo(ref) {
  if (!ref) return "/";
  try {
    const response = await fetch(`/api/push/refs/${encodeURIComponent(ref)}`, { credentials: "same-origin" });
    if (response.ok) return (await response.json()).url;
  } catch { /* offline: open the app's start page */ }
  return "/";
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
    if (open) {
      // Focus before asking the server: the browser allows it only briefly after the tap, and a slow answer
      // must not use that up. A refused focus must not stop the window going to the conversation either.
      const focused = open.focus().catch(() => null);
      const url = await whereTo(event.notification.data?.ref);
      await focused;
      try {
        await open.navigate(url);
      } catch {
        open.postMessage({ type: "navigate", url });
      }
      return;
    }
    await self.clients.openWindow(await whereTo(event.notification.data?.ref));
  })());
});
