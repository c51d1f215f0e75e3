/** Verdict of a {@link FixedWindowRateLimiter} look-up. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Milliseconds until the key is allowed again; 0 when allowed. */
  retryAfterMs: number;
}

/** Settings of a {@link FixedWindowRateLimiter}. */
export interface FixedWindowRateLimiterOptions {
  /** Claims allowed per window, or failures within a window that block the key. */
  limit: number;
  windowMs: number;
  /** How long {@link FixedWindowRateLimiter.recordFailure} blocks a key; default `windowMs`. */
  blockMs?: number;
  /** Most keys tracked at once; default 10 000. */
  maxKeys?: number;
}

interface Entry {
  windowStart: number;
  count: number;
  /** 0 when not blocked. */
  blockedUntil: number;
}

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true, retryAfterMs: 0 });
const SWEEP_INTERVAL_MS = 1_000;

/**
 * In-memory fixed-window counter keyed by strings such as `request:<ip>:<instance>`.
 *
 * - {@link claim} spends one unit of a request budget: more than `limit` claims in a window are
 *   refused until the window ends.
 * - {@link recordFailure} counts a failure: the `limit`-th failure within a window blocks the key
 *   for `blockMs`; {@link check} reports the block without counting anything.
 *
 * Memory is bounded by `maxKeys`: when full, expired entries are swept, then the least recently
 * used entry that is not blocked is evicted. Active blocks are never evicted; when every tracked
 * key is blocked, a new key is answered without being tracked (allowed).
 */
export class FixedWindowRateLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly maxKeys: number;
  private nextSweepAt = 0;

  constructor(options: FixedWindowRateLimiterOptions) {
    this.limit = positive('limit', options.limit);
    this.windowMs = positive('windowMs', options.windowMs);
    this.blockMs = positive('blockMs', options.blockMs ?? options.windowMs);
    this.maxKeys = positive('maxKeys', options.maxKeys ?? 10_000);
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.entries.size;
  }

  /** Spends one request from the key's budget; refused once the window's budget is spent. */
  claim(key: string, now = Date.now()): RateLimitDecision {
    const blocked = this.blockOf(this.current(key, now), now);
    if (blocked) return blocked;
    const entry = this.track(key, now);
    if (!entry) return ALLOWED;
    entry.count += 1;
    if (entry.count <= this.limit) return ALLOWED;
    return { allowed: false, retryAfterMs: entry.windowStart + this.windowMs - now };
  }

  /** Counts one failure; the `limit`-th within a window blocks the key for `blockMs`. */
  recordFailure(key: string, now = Date.now()): RateLimitDecision {
    const blocked = this.blockOf(this.current(key, now), now);
    if (blocked) return blocked;
    const entry = this.track(key, now);
    if (!entry) return ALLOWED;
    entry.count += 1;
    if (entry.count < this.limit) return ALLOWED;
    entry.blockedUntil = now + this.blockMs;
    return { allowed: false, retryAfterMs: this.blockMs };
  }

  /** Whether the key is blocked (or its budget spent) right now, without counting anything. */
  check(key: string, now = Date.now()): RateLimitDecision {
    const entry = this.current(key, now);
    if (!entry) return ALLOWED;
    const blocked = this.blockOf(entry, now);
    if (blocked) return blocked;
    if (entry.count < this.limit) return ALLOWED;
    return { allowed: false, retryAfterMs: entry.windowStart + this.windowMs - now };
  }

  /** The key's live entry; expired windows and ended blocks are dropped. */
  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.isLive(entry, now)) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private isLive(entry: Entry, now: number): boolean {
    if (entry.blockedUntil !== 0) return entry.blockedUntil > now;
    return now < entry.windowStart + this.windowMs;
  }

  private blockOf(entry: Entry | undefined, now: number): RateLimitDecision | undefined {
    if (!entry || entry.blockedUntil <= now) return undefined;
    return { allowed: false, retryAfterMs: entry.blockedUntil - now };
  }

  /** Returns the key's entry, created if needed, moved to the most-recently-used end. */
  private track(key: string, now: number): Entry | undefined {
    const existing = this.entries.get(key);
    if (existing) {
      this.entries.delete(key);
      this.entries.set(key, existing);
      return existing;
    }
    if (this.entries.size >= this.maxKeys && !this.makeRoom(now)) return undefined;
    const entry: Entry = { windowStart: now, count: 0, blockedUntil: 0 };
    this.entries.set(key, entry);
    return entry;
  }

  private makeRoom(now: number): boolean {
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + SWEEP_INTERVAL_MS;
      for (const [key, entry] of this.entries) if (!this.isLive(entry, now)) this.entries.delete(key);
      if (this.entries.size < this.maxKeys) return true;
    }
    for (const [key, entry] of this.entries) {
      if (entry.blockedUntil > now) continue;
      this.entries.delete(key);
      return true;
    }
    return false;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
