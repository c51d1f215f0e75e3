/** Exponential backoff with symmetric jitter, bounded by `maxMs`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay added or removed at random (0.2 → ±20 %). Default 0.2. */
  jitter?: number;
}

/** Delay before retry number `attempt` (1 = first retry): base·2^(attempt−1), jittered, capped. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = policy.jitter ?? 0.2;
  const jittered = exponential * (1 + jitter * (2 * random() - 1));
  return Math.max(0, Math.min(policy.maxMs, Math.round(jittered)));
}
