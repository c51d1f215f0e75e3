/**
 * The abuse controls of one gateway process behind async interfaces, so that replicas can share
 * them (`@cowork-gateway/redis`) while core keeps its in-memory implementations as the default:
 *
 * - {@link RequestLimiter}: the request budget per `request:<ip>:<scope>` (fixed window);
 * - {@link AuthFailureBlock}: `limit` failures per `auth:<ip>:<scope>` block that key;
 * - {@link ReplayCache}: a verified webhook signature is accepted once in its window;
 * - {@link ShortLivedLock}: a named lock that expires on its own.
 *
 * A shared implementation that cannot reach its backend throws (or, for the replay cache,
 * returns) {@link LimitsUnavailable}: 503 with `Retry-After`, never a 500 (fail closed).
 *
 * @see docs/redis.md
 */
import { randomUUID } from 'node:crypto';
import type { ComponentHealth } from '../contracts/common.js';
import { defineError } from '../errors.js';
import { token } from '../tokens.js';
import { ReplayGuard, type ReplayCache } from '../webhook-wire/replay-guard.js';
import { FixedWindowRateLimiter, type RateLimitDecision } from './rate-limiter.js';

/** A shared abuse control could not reach its backend; the request is refused (fail closed). */
export const LimitsUnavailable = defineError<{ control: string; retryAfterSeconds: number }>({
  code: 'limits.unavailable',
  status: 503,
  expose: true,
  message: ({ control, retryAfterSeconds }) => `the shared ${control} is unavailable; the request was refused, retry in ${retryAfterSeconds} s`,
});

/** Spends request budgets (`request:<ip>:<scope>`). */
export interface RequestLimiter {
  /** Spends one request of the key's budget; refused once the window's budget is spent. */
  claim(key: string): Promise<RateLimitDecision>;
}

/** Counts authentication failures (`auth:<ip>:<scope>`) and blocks a key that has too many. */
export interface AuthFailureBlock {
  /** Whether the key is blocked now, counting nothing. */
  check(key: string): Promise<RateLimitDecision>;
  /** Counts one failure; the `limit`-th within the block time blocks the key for the block time. */
  recordFailure(key: string): Promise<RateLimitDecision>;
}

/** A held {@link ShortLivedLock}. */
export interface HeldLock {
  /** Releases the lock if this holder still holds it; `false` when it had expired or was taken over. */
  release(): Promise<boolean>;
}

/** A named lock that expires after `ttlMs` even if its holder dies. */
export interface ShortLivedLock {
  /** The lock, or `undefined` when someone else holds `name`. */
  acquire(name: string, ttlMs: number): Promise<HeldLock | undefined>;
}

/**
 * The factory of a process's abuse controls. Core's default is {@link InMemoryAbuseControls}; a
 * shared implementation is selected as the `limits` plugin (`ABUSE_CONTROLS` token).
 */
export interface AbuseControls {
  /** `memory`, `redis`, … (shown by `/ready`). */
  readonly kind: string;
  requestLimiter(options: { limit: number; windowMs: number }): RequestLimiter;
  authFailureBlock(options: { limit: number; blockMs: number }): AuthFailureBlock;
  /** The replay cache of one provider instance; `windowMs` bounds how long a key is kept past its signing time. */
  replayCache(options: { instance: string; windowMs?: number }): ReplayCache;
  readonly lock: ShortLivedLock;
  /** Connects (if needed). Resolves even when the backend is unreachable: readiness reports it. */
  start?(): Promise<void>;
  /** Whether the backend is reachable, for `/ready` (`degraded` when it is not). */
  health(): ComponentHealth;
  close?(): Promise<void>;
}

/** Token under which a `limits` plugin (kind `extension`) binds its {@link AbuseControls}. */
export const ABUSE_CONTROLS = token<AbuseControls>('core.abuse-controls');

/** A provider that takes the process's abuse controls (the signed-webhook providers' replay cache). */
export interface UsesAbuseControls {
  useAbuseControls(controls: AbuseControls): void;
}

/** Whether `value` implements {@link UsesAbuseControls}. */
export function usesAbuseControls(value: unknown): value is UsesAbuseControls {
  return typeof (value as Partial<UsesAbuseControls> | null)?.useAbuseControls === 'function';
}

/**
 * Core's per-process controls: {@link FixedWindowRateLimiter}s, {@link ReplayGuard}s and a
 * map-backed lock. Always healthy.
 */
export class InMemoryAbuseControls implements AbuseControls {
  readonly kind = 'memory';
  readonly lock: ShortLivedLock = new InMemoryLock();

  requestLimiter(options: { limit: number; windowMs: number }): RequestLimiter {
    const limiter = new FixedWindowRateLimiter({ limit: options.limit, windowMs: options.windowMs });
    return { claim: async (key) => limiter.claim(key) };
  }

  authFailureBlock(options: { limit: number; blockMs: number }): AuthFailureBlock {
    const limiter = new FixedWindowRateLimiter({ limit: options.limit, windowMs: options.blockMs, blockMs: options.blockMs });
    return { check: async (key) => limiter.check(key), recordFailure: async (key) => limiter.recordFailure(key) };
  }

  replayCache(options: { instance: string; windowMs?: number }): ReplayCache {
    return memoryReplayCache(new ReplayGuard(options));
  }

  health(): ComponentHealth {
    return { state: 'ok' };
  }
}

/** A {@link ReplayGuard} behind the async {@link ReplayCache} interface. */
export function memoryReplayCache(guard: ReplayGuard): ReplayCache {
  return { claim: async (verified, scope, now) => guard.claim(verified, scope, now) };
}

/** Map-backed {@link ShortLivedLock} for one process; expired holders are replaced on acquire. */
export class InMemoryLock implements ShortLivedLock {
  private readonly held = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(name: string, ttlMs: number): Promise<HeldLock | undefined> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
    const at = this.now();
    for (const [key, entry] of this.held) if (entry.expiresAt <= at) this.held.delete(key);
    if (this.held.has(name)) return undefined;
    const holder = randomUUID();
    this.held.set(name, { holder, expiresAt: at + ttlMs });
    return {
      release: async () => {
        const entry = this.held.get(name);
        if (entry?.holder !== holder || entry.expiresAt <= this.now()) return false;
        this.held.delete(name);
        return true;
      },
    };
  }
}
