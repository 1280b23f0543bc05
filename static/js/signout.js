// Signing out on a shared phone. Two things must not outlive "Sign out" without the young person knowing:
// messages still waiting in the outbox (they are asked whether to keep them for next time or delete
// them: a native <dialog>, so focus, Escape and the inert page behind it come from the browser, not a
// library), and the copies of their pages kept for offline reading (always deleted, with who was signed
// in, before the form goes to the server).

import { forgetPerson } from "./device.js";
import { remove, unsent } from "./outbox-store.js";

const PAGES_CACHE = "teamline-pages";

async function forgetThisPerson() {
  await Promise.all([
    "caches" in window ? caches.delete(PAGES_CACHE) : null,
    "indexedDB" in window ? forgetPerson() : null,
  ]);
}

function ask(dialog, count) {
  const what = count === 1
    ? "1 message you wrote to your care team is still on this phone and has not reached them."
    : `${count} messages you wrote to your care team are still on this phone and have not reached them.`;
  if (typeof dialog.showModal !== "function") {
    // A browser without <dialog> (Safari before 15.4): a plain question, and the choice that loses nothing.
    const keep = window.confirm(`${what} Sign out and keep ${count === 1 ? "it" : "them"} on this phone to send ` +
      "when you next sign in? (Cancel: stay signed in.)");
    return Promise.resolve(keep ? "keep" : "cancel");
  }
  dialog.querySelector("[data-unsent-text]").textContent = what;
  return new Promise((resolve) => {
    const choose = (choice) => {
      dialog.removeEventListener("cancel", onCancel);
      buttons.forEach((b) => b.removeEventListener("click", onClick));
      if (dialog.open) dialog.close();
      resolve(choice);
    };
    const onClick = (event) => choose(event.currentTarget.dataset.unsentChoice);
    const onCancel = (event) => {
      event.preventDefault();
      choose("cancel");
    };
    const buttons = [...dialog.querySelectorAll("[data-unsent-choice]")];
    buttons.forEach((b) => b.addEventListener("click", onClick));
    dialog.addEventListener("cancel", onCancel);  // Escape: the same as "Do not sign out"
    dialog.showModal();
    dialog.querySelector("h2")?.focus();
  });
}

export function guardSignOut(actor, beforeLeaving = () => {}) {
  const dialog = document.querySelector("dialog[data-unsent-dialog]");
  const forms = document.querySelectorAll('form[action="/sign-out"], form[action="/p/account/sign-out-everywhere"]');
  forms.forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const trigger = event.submitter || form.querySelector("button");
      let waiting = [];
      try {
        waiting = dialog && actor && "indexedDB" in window ? await unsent(actor) : [];
      } catch { /* no outbox here: nothing can be waiting */ }
      if (waiting.length) {
        const choice = await ask(dialog, waiting.length);
        if (choice === "cancel") {
          trigger?.focus();
          return;
        }
        if (choice === "delete") await Promise.all(waiting.map((entry) => remove(entry.client_id)));
      }
      try {
        beforeLeaving();
        await forgetThisPerson();
      } finally {
        form.submit();  // submit() fires no submit event, so this handler does not run again
      }
    });
  });
}
