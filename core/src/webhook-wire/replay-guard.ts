/**
 * In-memory replay protection for signed webhook requests: a verified signature
 * (`<timestamp>:<signature>`) is accepted once while it is inside the signature window. This
 * complements the kernel's durable de-duplication by event id, which cannot catch a replay of a
 * payload that has no `id`.
 *
 * @see docs/webhook-wire.md
 */
import { defineError, type GatewayError } from '../errors.js';
import { DEFAULT_SIGNATURE_WINDOW_MS, type VerifiedSignature } from './signature.js';

/** The same signed request arrived again within the signature window. */
export const WebhookReplayed = defineError<{ instance: string }>({
  code: 'webhook.replayed',
  status: 409,
  message: ({ instance }) => `webhook request for "${instance}" was already received (same timestamp and signature); sign every request fresh`,
});

/** Options of {@link ReplayGuard}. */
export interface ReplayGuardOptions {
  /** Provider instance id, named in errors. */
  instance: string;
  /** How long a key is remembered past its signing time. The default value is 300000 (the signature window). */
  windowMs?: number;
  /** Most keys remembered in all; the oldest is forgotten first. The default value is 5000. */
  maxEntries?: number;
  /** Most keys remembered per scope, so one busy chat cannot flush the others. The default value is 1000. */
  maxPerScope?: number;
}

interface Entry {
  scope: string;
  expiresAt: number;
  claim: object;
}

/** A successful claim; `release()` forgets it again (the handler failed, a resend may succeed). */
export interface ReplayClaim {
  release(): void;
}

/** Result of {@link ReplayCache.claim}. */
export type ReplayClaimResult = { ok: true; value: ReplayClaim } | { ok: false; error: GatewayError };

/**
 * Replay protection behind an async interface, so replicas can share it (`@cowork-gateway/redis`).
 * `claim` answers `webhook.replayed` for a key already held, or `limits.unavailable` (503) when a
 * shared cache cannot be reached; it never throws. {@link ReplayGuard} is the in-memory one.
 */
export interface ReplayCache {
  claim(verified: VerifiedSignature, scope: string, now: Date): Promise<ReplayClaimResult>;
}

/**
 * Remembers verified signatures for their window. Bounded: past `maxEntries` (or
 * `maxPerScope` in one scope) the oldest keys are forgotten, trading a replay window on a flood
 * for bounded memory. One instance per provider instance.
 */
export class ReplayGuard {
  private readonly entries = new Map<string, Entry>();
  private readonly scopes = new Map<string, Set<string>>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly maxPerScope: number;

  constructor(private readonly options: ReplayGuardOptions) {
    this.windowMs = options.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
    this.maxEntries = options.maxEntries ?? 5000;
    this.maxPerScope = options.maxPerScope ?? 1000;
  }

  /** Number of remembered keys (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Claims a verified signature in `scope` (see {@link replayScope}). Returns the claim, or
   * `webhook.replayed` when the key is already held and not expired. Never throws.
   */
  claim(verified: VerifiedSignature, scope: string, now: Date): ReplayClaimResult {
    this.expire(now.getTime());
    const key = verified.replayKey;
    if (this.entries.has(key)) return { ok: false, error: new WebhookReplayed({ instance: this.options.instance }) };
    const claim = {};
    this.entries.set(key, { scope, expiresAt: verified.timestamp * 1000 + this.windowMs, claim });
    let keys = this.scopes.get(scope);
    if (!keys) this.scopes.set(scope, (keys = new Set()));
    keys.add(key);
    while (keys.size > this.maxPerScope) this.forget(keys.values().next().value!);
    while (this.entries.size > this.maxEntries) this.forget(this.entries.keys().next().value!);
    return {
      ok: true,
      value: {
        // Only this claim: a newer claim of the same key (after expiry) stays.
        release: () => {
          if (this.entries.get(key)?.claim === claim) this.forget(key);
        },
      },
    };
  }

  private expire(nowMs: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt < nowMs) this.forget(key);
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const keys = this.scopes.get(entry.scope);
    keys?.delete(key);
    if (keys && keys.size === 0) this.scopes.delete(entry.scope);
  }
}

/** The replay scope of a payload: `<instance>:<chatId>[:<threadId>]`. */
export function replayScope(instance: string, target: { chatId: string; threadId?: string }): string {
  return target.threadId === undefined ? `${instance}:${target.chatId}` : `${instance}:${target.chatId}:${target.threadId}`;
}
