// The team inbox on a clinician's tablet: live updates without reloading, "who is looking", drafts that
// survive a timed-out session, canned replies into the reply box. Pages work without it.
const POLL_MS = 5000;
const PRESENCE_MS = 30000;
const DRAFT_PREFIX = "teamline.draft.";
const DRAFT_RETURN = "teamline.draft.return";
const DRAFT_MAX_AGE_MS = 12 * 3600 * 1000;

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) throw new Error("signed-out");
  if (!response.ok) throw new Error(`status ${response.status}`);
  return response.json();
}

function csrfToken() {
  return document.querySelector('input[name="csrf_token"]')?.value || "";
}

function every(ms, fn) {
  let timer = null;
  const tick = async () => {
    if (document.visibilityState === "visible") {
      try { await fn(); } catch (error) { if (error.message === "signed-out") return; }
    }
    timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, ms);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { clearTimeout(timer); tick(); }
  });
}

// An open inbox view: one cheap check; when the digest changes, fetch the page and swap the live region.
function startInbox(region) {
  const status = region.querySelector("[data-live-status]");
  every(POLL_MS, async () => {
    const data = await getJson(region.dataset.check);
    if (data.digest === region.dataset.digest) return;
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-inbox-live]");
    if (!fresh) return;
    region.replaceWith(fresh);
    fresh.querySelector("[data-live-status]").textContent = "The inbox was updated.";
    startInbox(fresh);
  });
  if (status) status.textContent = "";
}

// An open conversation: who else is here, and whether anything changed (then fetch and swap the thread,
// leaving what the clinician is typing alone).
function startConversation(region) {
  const presenceText = region.querySelector("[data-presence-text]");
  let writing = false;
  const say = async (isWriting) => {
    writing = isWriting;
    await fetch(region.dataset.presence, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ writing: isWriting }),
    });
  };
  const body = document.querySelector("#body");
  let lastSaid = 0;
  body?.addEventListener("input", () => {
    const now = Date.now();
    if (!writing || now - lastSaid > PRESENCE_MS) { lastSaid = now; say(body.value.trim() !== "").catch(() => {}); }
  });
  every(PRESENCE_MS, () => say(Boolean(body && body.value.trim())));
  every(POLL_MS, async () => {
    const data = await getJson(region.dataset.check);
    const others = data.viewers || [];
    if (presenceText) {
      presenceText.hidden = others.length === 0;
      presenceText.textContent = others.map((v) => `${v.name} ${v.writing ? "is writing a reply" : `has this open (since ${v.since_text})`}`).join(". ");
    }
    if (String(data.revision) === region.dataset.revision) return;
    const response = await fetch(window.location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-conversation-live]");
    if (!fresh) return;
    region.replaceWith(fresh);
    fresh.querySelector("[data-live-notice]")?.removeAttribute("hidden");
    fresh.querySelector("[data-latest]")?.scrollIntoView({ block: "end" });
    // The reply form's "seen up to" moves on with what is now on screen.
    const seen = page.querySelector('input[name="seen_upto"]');
    const mine = document.querySelector('input[name="seen_upto"]');
    if (seen && mine) mine.value = seen.value;
    startConversation(fresh);
  });
}

// Drafts: what a clinician types is kept on this device until it is sent, so a timed-out session loses nothing.
function startDrafts() {
  document.querySelectorAll("form[data-draft]").forEach((form) => {
    const field = form.querySelector("textarea");
    if (!field) return;
    const key = DRAFT_PREFIX + form.dataset.draft;
    try {
      const saved = JSON.parse(localStorage.getItem(key) || "null");
      if (saved && Date.now() - saved.at < DRAFT_MAX_AGE_MS && !field.value) {
        field.value = saved.text;
        field.dispatchEvent(new Event("input"));
      } else if (saved && Date.now() - saved.at >= DRAFT_MAX_AGE_MS) {
        localStorage.removeItem(key);
      }
    } catch { localStorage.removeItem(key); }
    field.addEventListener("input", () => {
      if (field.value.trim()) {
        localStorage.setItem(key, JSON.stringify({ text: field.value, at: Date.now() }));
        localStorage.setItem(DRAFT_RETURN, window.location.pathname);
      } else {
        localStorage.removeItem(key);
      }
    });
    // Cleared when the page that follows the send loads without an error (see below), not on submit:
    // if the session had timed out, the text is still here after signing in again.
    form.addEventListener("submit", () => sessionStorage.setItem("teamline.sent", key));
  });
  const sent = sessionStorage.getItem("teamline.sent");
  if (window.location.pathname.endsWith("/sign-in")) {
    sessionStorage.removeItem("teamline.sent");  // the session had ended: that send never happened, keep the draft
  } else if (sent && !document.querySelector(".nhsuk-error-summary")) {
    localStorage.removeItem(sent);
    sessionStorage.removeItem("teamline.sent");
    const field = document.querySelector(`form[data-draft="${sent.slice(DRAFT_PREFIX.length)}"] textarea`);
    if (field) field.value = "";
  }
  // The staff sign-in page returns to the conversation whose draft is waiting.
  const next = document.querySelector('form[action="/staff/sign-in"] input[name="next"]');
  const back = localStorage.getItem(DRAFT_RETURN);
  if (next && !next.value && back && back.startsWith("/staff/")) next.value = back;
}

function startCanned(panel) {
  panel.querySelector("[data-canned-insert]")?.addEventListener("click", () => {
    const id = panel.querySelector("[data-canned-choice]").value;
    const text = panel.querySelector(`template[data-canned-text="${id}"]`)?.content.textContent
      ?? panel.querySelector(`template[data-canned-text="${id}"]`)?.textContent ?? "";
    const body = document.querySelector("#body");
    if (!body) return;
    body.value = body.value.trim() ? `${body.value}\n${text}` : text;
    body.dispatchEvent(new Event("input"));
    body.focus();
  });
}

export function startTeamwork() {
  const inbox = document.querySelector("[data-inbox-live]");
  if (inbox) startInbox(inbox);
  const conversation = document.querySelector("[data-conversation-live]");
  if (conversation) {
    startConversation(conversation);
    // Open at the newest message (the marker above the first unread one is on the way).
    document.querySelector("[data-latest]")?.scrollIntoView({ block: "end" });
  }
  startDrafts();
  const canned = document.querySelector("[data-canned]");
  if (canned) startCanned(canned);
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "pushed") document.dispatchEvent(new Event("visibilitychange"));
  });
}

export function forgetDrafts() {
  Object.keys(localStorage).filter((k) => k.startsWith(DRAFT_PREFIX)).forEach((k) => localStorage.removeItem(k));
}
