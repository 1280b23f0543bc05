// The pre-send red-flag panel on the young person's compose box. While they type, the words are checked against
// the phrases the server sent (data-red-flags: the crisis list, the team's condition lists and its own words); on a
// match the panel says, before sending, who to ring now, and that the message will be marked urgent. It never stops
// anyone sending: the first press of "Send" with new red-flag words shows the panel instead, and "Send my message"
// (or "Send" again) sends. The server runs the same check on every send whatever the page did.
import { categories, compileMatcher } from "./red_flags.js";

export function startRedFlagCheck(form) {
  const panel = form.querySelector("[data-red-flag-panel]");
  const textarea = form.querySelector("textarea");
  if (!panel || !textarea) return;
  let matcher;
  try {
    matcher = compileMatcher(JSON.parse(panel.dataset.redFlags));
  } catch {
    return;  // no usable phrases on this page: the server's check still runs at send
  }
  let shown = "";
  let timer;

  function show(found) {
    const key = found.join(",");
    if (key === shown) return;
    shown = key;
    if (!found.length) {
      panel.hidden = true;
      return;
    }
    const conditions = found.filter((c) => !c.startsWith("crisis."));
    panel.querySelector('[data-red-flag-kind="crisis"]').hidden = conditions.length === found.length;
    panel.querySelector('[data-red-flag-kind="condition"]').hidden = conditions.length === 0;
    panel.querySelectorAll("[data-red-flag-category]").forEach((element) => {
      element.hidden = !conditions.includes(element.dataset.redFlagCategory);
    });
    panel.hidden = false;
  }

  const check = () => show(categories(matcher, textarea.value));
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  // Registered before the outbox's own submit handler, so it can hold the first send back to show the panel.
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    const found = categories(matcher, textarea.value);
    if (found.length && found.join(",") !== shown) {
      show(found);
      event.preventDefault();
      event.stopImmediatePropagation();
      panel.focus();
    }
  });
  panel.querySelector("[data-red-flag-send]")?.addEventListener("click", () => form.requestSubmit());
  if (textarea.value) check();
}
