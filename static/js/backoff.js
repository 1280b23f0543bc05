// How long the outbox waits before trying a waiting message again. Without Background Sync (iPhone,
// Firefox) the page itself must retry, and a phone on one bar of signal should neither hammer a
// struggling server nor leave a message waiting for minutes once the connection is back: the delay
// doubles from `base` up to `cap`, and "full jitter" (a random point in the upper half of the window)
// spreads out phones that all lost the same mast at once.

export const RETRY_BASE_MS = 5_000;
export const RETRY_CAP_MS = 5 * 60_000;

/** The delay before retry number `attempt` (0 for the first retry). */
export function retryDelay(attempt, random = Math.random, base = RETRY_BASE_MS, cap = RETRY_CAP_MS) {
  const window = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.round(window / 2 + (random() * window) / 2);
}
