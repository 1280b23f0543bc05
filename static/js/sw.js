// Teamline's service worker: keeps the app shell available offline and shows an offline page.
// Pages with patient data are fetched from the network first; only the shell is precached.
const VERSION = "__ASSET_VERSION__";
const SHELL_CACHE = `teamline-shell-${VERSION}`;
const SHELL = [
  "/offline",
  `/static/nhsuk-frontend.min.css?v=${VERSION}`,
  `/static/app.css?v=${VERSION}`,
  `/static/app.js?v=${VERSION}`,
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
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
});

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
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(async () => (await caches.match("/offline")) || Response.error()),
    );
  }
});
