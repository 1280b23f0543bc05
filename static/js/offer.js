// Notifications, offered once: after the young person's first message on this device, a panel says why
// they might want them (a reply is easy to miss) and offers to turn them on, or, on an iPhone where
// Teamline is not on the Home Screen, how to get there first (Safari allows web notifications only to
// Home Screen apps). Offered once per person per device, whatever they choose; the Account page always
// has the same button. Never offered where notifications cannot work, are blocked, or are already on.
import { isAppleMobileInBrowser, notificationsOnHere, publicKey, pushSupported, turnOnNotifications } from "./push.js";

const offeredKey = (actor) => `teamline-notifications-offered:${actor}`;

async function worthOffering(ios) {
  if (ios) return true;
  if (!pushSupported() || Notification.permission === "denied") return false;
  if (await notificationsOnHere()) return false;
  try {
    return Boolean(await publicKey());  // this Teamline may not have notifications set up
  } catch {
    return false;
  }
}

export function startNotifyOffer(panel, actor) {
  const status = panel.querySelector("[data-notify-status]");
  const enable = panel.querySelector("[data-notify-enable]");
  const dismiss = panel.querySelector("[data-notify-dismiss]");
  let deciding = false;

  document.addEventListener("teamline:sent", async () => {
    if (deciding || !actor || localStorage.getItem(offeredKey(actor))) return;
    deciding = true;
    try {
      const ios = isAppleMobileInBrowser();
      if (!(await worthOffering(ios))) return;
      localStorage.setItem(offeredKey(actor), new Date().toISOString());
      panel.querySelector("[data-notify-ios]").hidden = !ios;
      enable.hidden = ios;
      dismiss.textContent = ios ? "OK" : "Not now";
      panel.hidden = false;
    } finally {
      deciding = false;
    }
  });

  dismiss.addEventListener("click", () => {
    panel.hidden = true;
    document.querySelector("form[data-compose] textarea")?.focus();
  });

  enable.addEventListener("click", async () => {
    enable.disabled = true;
    const outcome = await turnOnNotifications();
    status.textContent = outcome.message;
    enable.disabled = false;
    if (outcome.ok) {
      enable.hidden = true;
      dismiss.textContent = "Close";
    }
  });
}
