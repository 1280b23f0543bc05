// The outbox's storage (IndexedDB), shared by the page and the service worker: a message is kept here
// from the moment it is written until the server has stored it.

const DB_NAME = "teamline";
const STORE = "outbox";

export function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "client_id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}

export const put = (entry) => withStore("readwrite", (store) => store.put(entry));
export const remove = (clientId) => withStore("readwrite", (store) => store.delete(clientId));
export const all = () => withStore("readonly", (store) => store.getAll());

/** Everything this person has not got onto the server yet (waiting, or refused and kept to edit). */
export async function unsent(actor) {
  return (await all()).filter((entry) => entry.actor === actor);
}
