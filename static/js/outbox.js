// The outbox: a message is kept on this device (IndexedDB) from the moment it is written until the
// server has stored it. It shows "Waiting to send" until then – never "Sent" – survives reloads and
// restarts, and is sent when the connection returns: on the online event, at app start, by Background
// Sync where the browser has it, and – because iPhone and Firefox have no Background Sync and phones
// often fire no online event when one bar comes back – on a timer with backoff while the page is open.
// The server de-duplicates by the message's client id, so sending twice can never store it twice.

import { retryDelay } from "./backoff.js";
import { clearErrors, showErrors } from "./form-errors.js";
import { all, put, remove } from "./outbox-store.js";

function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") || "";
}

function bubble(entry) {
  const item = document.createElement("li");
  item.className = "tl-message tl-message--patient tl-message--mine tl-message--pending";
  item.dataset.clientId = entry.client_id;
  const head = document.createElement("p");
  head.className = "tl-message__meta";
  const who = document.createElement("span");
  who.className = "tl-message__sender";
  who.textContent = "You";
  head.append(who);
  const body = document.createElement("div");
  body.className = "tl-message__body";
  body.textContent = entry.body;
  const state = document.createElement("p");
  state.className = "tl-message__state";
  state.dataset.state = "waiting";
  state.textContent = "Waiting to send";
  item.append(head, body, state);
  return item;
}

/** A message as the server stored it, drawn as templates/partials/message.html draws it for a patient. */
export function serverBubble(message) {
  const item = document.createElement("li");
  item.className = `tl-message tl-message--${message.sender}${message.mine ? " tl-message--mine" : ""}`;
  item.dataset.messageId = message.id;
  item.dataset.cursor = message.cursor;
  item.dataset.sentAt = message.sent_at;
  if (message.client_id) item.dataset.clientId = message.client_id;
  const head = document.createElement("p");
  head.className = "tl-message__meta";
  const who = document.createElement("span");
  who.className = "tl-message__sender";
  who.textContent = message.automatic ? "Automatic reply" : message.mine ? "You" : message.sender_label;
  const time = document.createElement("span");
  time.className = "tl-message__time";
  time.textContent = message.sent_text || "";
  head.append(who, time);
  const body = document.createElement("div");
  body.className = "tl-message__body";
  body.textContent = message.body;
  item.append(head, body);
  if (message.mine && !message.automatic) {
    const state = document.createElement("p");
    state.className = "tl-message__state";
    state.dataset.state = "sent";
    if (message.reply_by_text) state.dataset.replyBy = message.reply_by_text;
    if (message.flagged) state.dataset.flagged = "";
    state.textContent = "Sent" + (message.read ? " · Read" : "") + (message.flagged ? " · Marked urgent for the team" : "") +
      (message.reply_by_text ? ` · We aim to reply by ${message.reply_by_text}` : "");
    item.append(state);
  }
  return item;
}

/** Send one entry; returns "sent", "failed" (the server refused it) or "waiting" (try again later). */
export async function sendEntry(entry, fetchImpl = fetch) {
  let response;
  try {
    response = await fetchImpl(entry.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": entry.csrf },
      body: JSON.stringify({ client_id: entry.client_id, body: entry.body }),
    });
  } catch {
    return { outcome: "waiting" };
  }
  if (response.status === 200 || response.status === 201) {
    await remove(entry.client_id);
    return { outcome: "sent", data: await response.json() };
  }
  if ([400, 409, 413, 415].includes(response.status)) {
    let reason = "This message could not be sent.";
    try {
      reason = (await response.json()).error.message || reason;
    } catch { /* keep the general reason */ }
    await put({ ...entry, state: "failed", error: reason });
    return { outcome: "failed", reason };
  }
  if (response.status === 401 || response.status === 403) {
    await put({ ...entry, state: "waiting", note: "Sign in again to send this message." });
    return { outcome: "waiting", note: "Sign in again to send this message." };
  }
  return { outcome: "waiting" };  // 429, 5xx: the connection or the server is struggling; try later
}

/** Send this person's waiting messages from a page without a compose form (in order; stop at the first that must wait). */
export async function sendWaiting(actor) {
  const entries = (await all()).filter((e) => e.actor === actor && e.state !== "failed");
  entries.sort((a, b) => a.created_at - b.created_at);
  for (const entry of entries) {
    const result = await sendEntry({ ...entry, csrf: meta("csrf-token") || entry.csrf });
    if (result.outcome === "waiting") break;
  }
}

export function startCompose(form) {
  const list = document.querySelector("[data-messages]");
  const textarea = form.querySelector("textarea");
  const teamId = form.dataset.teamId;
  const api = form.dataset.api;
  const actor = meta("teamline-actor-id");
  let flushing = false;
  let again = false;
  let retryTimer = null;
  let attempt = 0;

  // One timer at a time; a successful send (or a new reason to try, like the online event) starts over.
  function scheduleRetry() {
    if (retryTimer !== null) return;
    const delay = retryDelay(attempt);
    // When the next try is due, on the list (not shown): for anyone debugging a phone, and for the tests.
    list.dataset.nextTryAt = String(Date.now() + delay);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      delete list.dataset.nextTryAt;
      attempt += 1;
      flush();
    }, delay);
  }

  function tryNow() {
    clearTimeout(retryTimer);
    retryTimer = null;
    delete list.dataset.nextTryAt;
    attempt = 0;
    flush();
  }

  function showFailed(item, entry) {
    item.classList.remove("tl-message--pending");
    item.classList.add("tl-message--failed");
    const state = item.querySelector(".tl-message__state");
    state.dataset.state = "failed";
    state.textContent = "Not sent";
    let error = item.querySelector(".tl-message__error");
    if (!error) {
      error = document.createElement("p");
      error.className = "tl-message__error";
      item.append(error);
      const edit = document.createElement("button");
      edit.type = "button";
      edit.className = "tl-link-button";
      edit.textContent = "Edit and try again";
      edit.addEventListener("click", async () => {
        textarea.value = entry.body;
        textarea.dispatchEvent(new Event("input"));
        await remove(entry.client_id);
        item.remove();
        textarea.focus();
      });
      item.append(edit);
    }
    error.textContent = entry.error;
  }

  function itemFor(entry) {
    let item = list.querySelector(`[data-client-id="${CSS.escape(entry.client_id)}"]`);
    if (!item) {
      item = bubble(entry);
      list.append(item);
    }
    if (entry.state === "failed") showFailed(item, entry);
    else if (entry.note) item.querySelector(".tl-message__state").textContent = `Waiting to send. ${entry.note}`;
    return item;
  }

  // A bubble still "Waiting to send" whose entry has left the outbox was sent by the service worker
  // (Background Sync can win the race with this page when the connection returns, or send while the
  // page sleeps in the background). Show it as the server has it.
  async function reconcile() {
    const pending = [...list.querySelectorAll(".tl-message--pending[data-client-id]")];
    if (!pending.length) return;
    const kept = new Set((await all()).map((e) => e.client_id));
    const sent = pending.filter((item) => !kept.has(item.dataset.clientId));
    if (!sent.length) return;
    let messages;
    try {
      const response = await fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      ({ messages } = await response.json());
    } catch {
      return;  // offline again: the next flush tries again
    }
    for (const item of sent) {
      const index = messages.findIndex((m) => m.client_id === item.dataset.clientId);
      if (index < 0) continue;
      const shown = serverBubble(messages[index]);
      item.replaceWith(shown);
      const next = messages[index + 1];
      if (next?.automatic && !list.querySelector(`[data-message-id="${CSS.escape(next.id)}"]`)) {
        shown.after(serverBubble(next));
      }
    }
  }

  async function flush() {
    if (flushing) {
      again = true;  // asked while a send is in flight (say the connection came back): go round once more
      return;
    }
    flushing = true;
    again = false;
    let waiting = false;
    try {
      const entries = (await all()).filter((e) => e.team_id === teamId && e.actor === actor && e.state !== "failed");
      entries.sort((a, b) => a.created_at - b.created_at);
      for (const entry of entries) {
        const item = itemFor(entry);
        // The page's token is the freshest (the person may have signed in again since writing).
        const result = await sendEntry({ ...entry, csrf: meta("csrf-token") || entry.csrf });
        if (result.outcome === "sent") {
          item.replaceWith(serverBubble(result.data.message));
          document.dispatchEvent(new CustomEvent("teamline:sent", { detail: result.data.message }));
          if (result.data.auto_reply && !list.querySelector(`[data-message-id="${result.data.auto_reply.id}"]`)) {
            list.append(serverBubble(result.data.auto_reply));
          }
        } else if (result.outcome === "failed") {
          showFailed(item, { ...entry, error: result.reason });
        } else {
          if (result.note) item.querySelector(".tl-message__state").textContent = `Waiting to send. ${result.note}`;
          registerSync();
          waiting = !result.note;  // signed out: retrying cannot help until they sign in again
          break;  // keep the order: later messages wait for earlier ones
        }
      }
      await reconcile();
    } finally {
      flushing = false;
    }
    if (again) flush();
    else if (waiting) scheduleRetry();
    else attempt = 0;
  }

  const errorSlot = document.querySelector("[data-error-slot]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    // The same words as the server's (chalicelib/domain/messages.py), shown the same NHS.UK way.
    const problem = !text ? "Write a message before sending." :
      text.length > 2000 ? `Your message is ${text.length.toLocaleString("en-GB")} characters long. Messages can be up to 2,000 characters.` : "";
    if (problem) {
      showErrors(errorSlot, form, [{ field: textarea.id, message: problem }]);
      return;
    }
    clearErrors(errorSlot, form);
    const entry = {
      client_id: crypto.randomUUID(), team_id: teamId, api, actor, body: text, csrf: meta("csrf-token"),
      created_at: Date.now(), state: "waiting",
    };
    await put(entry);  // stored on the device before anything else happens
    itemFor(entry);
    textarea.value = "";
    textarea.dispatchEvent(new Event("input"));
    tryNow();
  });

  (async () => {
    const entries = (await all()).filter((e) => e.team_id === teamId && e.actor === actor);
    for (const entry of entries) {
      // The server may already have it (the answer was lost): the page then shows it, and a resend is harmless.
      itemFor(entry);
    }
    flush();
  })();
  window.addEventListener("online", tryNow);
  // A phone puts a background page's timers to sleep: try as soon as the young person looks again.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && retryTimer !== null) tryNow();
  });
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "outbox-sent" || event.data?.type === "flush-outbox") flush();
  });
  return { flush };
}

async function registerSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register("teamline-outbox");
  } catch { /* Background Sync is not available everywhere; the online event and app start cover it */ }
}
