/** Delay after the first failure; doubles per consecutive failure. */
const BASE_MS = 1_000;
/** Longest wait between failed attempts. */
const CAP_MS = 30_000;

/**
 * Wait before attempt `failures + 1`: exponential from 1 s, capped at 30 s, with jitter (50-100%
 * of the step) so several gateways that lost Telegram at once do not come back in lockstep.
 */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const step = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(step * (0.5 + random() * 0.5));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
