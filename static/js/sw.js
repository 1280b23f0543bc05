// Teamline's service worker.
// * Keeps the app shell (styles, scripts, icons, offline page) so Teamline opens without a connection.
// * Keeps the last copy of the young person's own pages (/p...) so recent conversations can be read
//   offline; staff pages are never kept. Copies are deleted when the person signs out.
// * Sends the outbox when Background Sync says the connection is back.
// * Shows push notifications (generic text only) and opens the right conversation when one is clicked,
//   asking the server where to go: the notification itself names nothing.
const VERSION = "__ASSET_VERSION__";
const SHELL_CACHE = `teamline-shell-${VERSION}`;
const PAGES_CACHE = "teamline-pages";
const SHELL = [
  "/offline",
  `/static/nhsuk-frontend.min.css?v=${VERSION}`,
  `/static/app.css?v=${VERSION}`,
  `/static/app.js?v=${VERSION}`,
  `/static/outbox.js?v=${VERSION}`,
  `/static/push.js?v=${VERSION}`,
  `/static/red_flags.js?v=${VERSION}`,
  `/static/red_flag_panel.js?v=${VERSION}`,
  `/static/nhsuk-frontend.min.js?v=${VERSION}`,
  `/static/icon-192.png?v=${VERSION}`,
  "/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith("teamline-shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n))),
    ).then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  if (event.data?.type === "signed-out") event.waitUntil(caches.delete(PAGES_CACHE));
});

function isPatientPage(url) {
  return url.pathname === "/p" || url.pathname.startsWith("/p/");
}

async function networkFirst(request) {
  const url = new URL(request.url);
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
    return cached || (await caches.match(OFFLINE_PAGE, { cacheName: PAGES_CACHE })) || (await caches.match("/offline"))
      || Response.error();
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
    // ignoreSearch: modules import each other without the ?v= version the shell was cached with.
    event.respondWith(caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === "navigate") event.respondWith(networkFirst(request));
});

// --- the outbox, for Background Sync (the page does the same when it is open) -----------------------

function openOutbox() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("teamline", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("outbox", { keyPath: "client_id" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function outboxEntries() {
  const db = await openOutbox();
  return new Promise((resolve, reject) => {
    const request = db.transaction("outbox").objectStore("outbox").getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function removeEntry(clientId) {
  const db = await openOutbox();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("outbox", "readwrite");
    tx.objectStore("outbox").delete(clientId);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
}

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

// --- notifications -------------------------------------------------------------------------------------

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch { /* a malformed payload still gets the generic notification */ }
  const title = data.title || "Teamline";
  const body = data.body || "You have a new message";
  event.waitUntil(self.registration.showNotification(title, {
    body,
    tag: data.ref || "teamline",  // the same push delivered twice collapses into one notification
    data: { ref: data.ref || null },
    icon: `/static/icon-192.png?v=${VERSION}`,
    badge: `/static/icon-192.png?v=${VERSION}`,
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
