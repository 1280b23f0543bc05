// What this browser remembers about notifications, in IndexedDB so the service worker can read it too
// (it has no localStorage, no DOM and no cookies): the device id, who turned notifications on here, the
// endpoint the server was last given, and that person's anti-forgery token, so that the worker can tell
// the server about a new subscription (pushsubscriptionchange) while no page is open. The token is only
// as exposed as the page's own <meta name="csrf-token"> (same-origin script only), and is deleted when
// the person signs out.

const DB_NAME = "teamline-device";
const STORE = "device";
const KEY = "push";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
  });
}

/** {device_id, actor, endpoint, csrf, label} or undefined. */
export const readDevice = () => run("readonly", (store) => store.get(KEY));
export const writeDevice = (record) => run("readwrite", (store) => store.put(record, KEY));

/** Forget who is signed in (token and person), keeping the device id: the next person gets the same one. */
export async function forgetPerson() {
  const record = await readDevice();
  if (record) await writeDevice({ device_id: record.device_id });
}

export function urlBase64ToBytes(text) {
  const padded = (text + "=".repeat((4 - (text.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** Tell the server this device's subscription (it replaces the device's old one). */
export async function postSubscription(record, subscription, fetchImpl = fetch) {
  const json = subscription.toJSON();
  const response = await fetchImpl("/api/push/subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": record.csrf },
    body: JSON.stringify({ device_id: record.device_id, endpoint: json.endpoint, keys: json.keys, label: record.label }),
  });
  if (response.ok) await writeDevice({ ...record, endpoint: json.endpoint });
  return response;
}
