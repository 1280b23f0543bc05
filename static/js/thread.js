// A young person's open conversation (templates/partials/thread.html):
// * it opens at the newest message, with the box to reply under it; if the first message they have not
//   read ("New messages") would be above the screen, it opens there instead, so nothing unread is skipped;
// * "Show earlier messages" loads the page before above (into a list that is not a live region, so a
//   screen reader does not read thirty old messages out), moves focus to the first message loaded (the
//   reader goes on from there, in the order they were written) and says how many came;
// * a reply appears without a reload. While the page is on screen it asks the server every
//   `data-check-seconds` (20) whether anything is newer than its newest message: one read for the server
//   when nothing is, which is nearly always. It asks at once when the page comes back on screen, when the
//   connection returns, when the service worker says a push arrived, and just after a message is sent. Nothing is asked while the page
//   is hidden (a phone in a pocket spends no battery or data on it). The "Read" ticks and the reply-by
//   line follow what the team did, from the same answer.
import { serverBubble } from "./outbox.js";

const NEAR_BOTTOM = 160;  // px: closer than this to the newest message, a new one scrolls into view

function newestCursor(list) {
  let newest = "";
  list.querySelectorAll("[data-cursor]").forEach((item) => {
    if (item.dataset.cursor > newest) newest = item.dataset.cursor;  // cursors sort as their stamps do
  });
  return newest;
}

function openAtNewest(list) {
  if (window.location.hash && window.location.hash !== "#latest") return;  // a link to a place: keep it
  const compose = document.querySelector("form[data-compose]");
  const newest = list.lastElementChild;
  (compose || newest)?.scrollIntoView({ block: "end" });
  if (newest && newest.getBoundingClientRect().top < 0) newest.scrollIntoView({ block: "start" });
  const marker = list.querySelector("[data-new-marker]");
  if (marker && marker.getBoundingClientRect().top < 0) marker.scrollIntoView({ block: "start" });
}

function startEarlier(thread, say) {
  const link = thread.querySelector("[data-earlier-link]");
  const earlier = thread.querySelector("[data-earlier-messages]");
  if (!link || !earlier) return;
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    try {
      const url = `${thread.dataset.messagesApi}?before=${encodeURIComponent(link.dataset.cursor)}`;
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      const bubbles = page.messages.map(serverBubble);
      earlier.hidden = false;
      earlier.prepend(...bubbles);
      if (page.older_cursor) link.dataset.cursor = page.older_cursor;
      else link.closest("[data-earlier]").remove();
      say(bubbles.length === 1 ? "1 earlier message shown." : `${bubbles.length} earlier messages shown.`);
      if (bubbles.length) {
        bubbles[0].tabIndex = -1;
        bubbles[0].focus();
      }
    } catch {
      say("Earlier messages could not be loaded. Check your connection and try again.");
    } finally {
      link.removeAttribute("aria-busy");
    }
  });
}

/** Show what the team did: "Read" on the patient's messages, and the reply-by only while a reply is owed. */
function showMarks(list, answer) {
  list.querySelectorAll('.tl-message--mine [data-state="sent"]').forEach((state) => {
    const sentAt = state.closest("[data-sent-at]")?.dataset.sentAt || "";
    const read = Boolean(answer.read_upto && sentAt && sentAt <= answer.read_upto);
    const replyBy = answer.owed && state.dataset.replyBy ? ` · We aim to reply by ${state.dataset.replyBy}` : "";
    const flagged = state.dataset.flagged !== undefined ? " · Marked urgent for the team" : "";
    const text = `Sent${read ? " · Read" : ""}${flagged}${replyBy}`;
    if (state.textContent !== text) state.textContent = text;  // the list is a live region: change only what changed
  });
  const detail = document.querySelector("[data-team-status] .tl-status__detail");
  if (detail && answer.status?.detail && detail.textContent !== answer.status.detail) {
    detail.textContent = answer.status.detail;
  }
}

function alreadyShown(list, message) {
  const id = CSS.escape(message.id);
  if (list.querySelector(`[data-message-id="${id}"]`)) return true;
  // The patient's own message still "Waiting to send" here: the outbox shows it as sent when its answer comes.
  return Boolean(message.client_id && list.querySelector(`[data-client-id="${CSS.escape(message.client_id)}"]`));
}

function startLive(thread, list) {
  const seconds = Number(thread.dataset.checkSeconds);
  if (!thread.dataset.sinceApi || !(seconds > 0)) return;
  let timer = null;
  let asking = false;
  let askAgain = false;  // asked while a check was on its way (a send, a push): ask once more after it
  let stopped = false;

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!stopped && document.visibilityState === "visible") timer = setTimeout(check, seconds * 1000);
  }

  async function check() {
    if (stopped) return;
    if (asking) {
      askAgain = true;
      return;
    }
    asking = true;
    askAgain = false;
    let again = false;
    try {
      const url = `${thread.dataset.sinceApi}?after=${encodeURIComponent(newestCursor(list))}`;
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        stopped = true;  // signed out, or no longer in this team: asking again cannot help
        return;
      }
      if (!response.ok) return;  // busy or offline: the next check asks again
      const answer = await response.json();
      const atBottom = list.getBoundingClientRect().bottom - window.innerHeight < NEAR_BOTTOM;
      const added = answer.messages.filter((m) => !alreadyShown(list, m)).map(serverBubble);
      list.append(...added);
      showMarks(list, answer);
      if (added.length && atBottom) added[added.length - 1].scrollIntoView({ block: "nearest" });
      again = answer.more;
    } catch {
      // offline: the online event or the next check asks again
    } finally {
      asking = false;
      if (again || askAgain) check();
      else schedule();
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") check();
    else {
      clearTimeout(timer);
      timer = null;
    }
  });
  window.addEventListener("online", check);
  // A message just sent changes what the team owes: the status line follows (one read for the server).
  document.addEventListener("teamline:sent", check);
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "push-arrived") check();
  });
  schedule();
}

export function startThread(thread) {
  const list = thread.querySelector("[data-messages]");
  const status = thread.querySelector("[data-thread-status]");
  const say = (text) => { if (status) status.textContent = text; };
  openAtNewest(list);
  // Panels below the thread (the red-flag check, the notifications offer) and late styles can move it once the
  // page has loaded; open it again then, unless the young person has already scrolled or typed.
  let moved = false;
  const stop = () => { moved = true; };
  ["wheel", "touchstart", "keydown"].forEach((type) => window.addEventListener(type, stop, { once: true, passive: true }));
  const again = () => { if (!moved) openAtNewest(list); };
  if (document.readyState === "complete") requestAnimationFrame(again);
  else window.addEventListener("load", () => requestAnimationFrame(again), { once: true });
  startEarlier(thread, say);
  startLive(thread, list);
}
