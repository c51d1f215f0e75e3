import { randomUUID } from 'node:crypto';
import { StoreNotFound, StoreStaleClaim, inboundClaimKey } from '@cowork-gateway/core';
import type { ClaimOutcome, InboundClaim, InboundClaimOptions, InboundKey, InboundRepository, JsonObject } from '@cowork-gateway/core';
import type { MemoryState } from './memory-state.js';
import { copy, expired, plus } from './rows.js';

/** Durable-per-process dedupe of provider events, with a lease and retryable failures. */
export class MemoryInbound implements InboundRepository {
  constructor(private readonly state: MemoryState) {}

  async claim(
    key: InboundKey,
    options: InboundClaimOptions,
  ): Promise<ClaimOutcome> {
    const now = this.state.now();
    const existing = this.state.inbound.get(inboundClaimKey(key));
    if (existing && !takeable(existing, now)) return { outcome: 'duplicate', claim: copy(existing) };
    const claim = existing ? this.takeOver(existing, options, now) : this.create(key, options, now);
    this.state.inbound.set(claim.key, claim);
    return { outcome: 'claimed', claim: copy(claim) };
  }

  async complete(key: string, token: string, result?: JsonObject): Promise<InboundClaim> {
    const claim = this.held(key, token);
    claim.status = 'completed';
    claim.result = result === undefined ? null : copy(result);
    claim.updatedAt = this.state.now();
    return copy(claim);
  }

  async fail(key: string, token: string, options: { retryable: boolean; error: string }): Promise<InboundClaim> {
    const claim = this.held(key, token);
    claim.status = 'failed';
    claim.retryable = options.retryable;
    claim.lastError = options.error;
    claim.updatedAt = this.state.now();
    return copy(claim);
  }

  async get(key: string): Promise<InboundClaim | null> {
    const claim = this.state.inbound.get(key);
    return claim ? copy(claim) : null;
  }

  async findByEventId(instance: string, eventId: string): Promise<InboundClaim[]> {
    return [...this.state.inbound.values()]
      .filter((c) => c.instance === instance && c.eventId === eventId)
      .map((c) => copy(c));
  }

  private create(key: InboundKey, options: { owner: string; leaseMs: number; traceId: string }, now: Date): InboundClaim {
    return {
      key: inboundClaimKey(key),
      instance: key.instance,
      eventId: key.eventId,
      status: 'processing',
      owner: options.owner,
      token: randomUUID(),
      leaseExpiresAt: plus(now, options.leaseMs),
      retryable: false,
      attempts: 1,
      traceId: options.traceId,
      lastError: null,
      result: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** A new attempt keeps the first trace id, so one provider event has one trace. */
  private takeOver(claim: InboundClaim, options: { owner: string; leaseMs: number }, now: Date): InboundClaim {
    return {
      ...claim,
      status: 'processing',
      owner: options.owner,
      token: randomUUID(),
      leaseExpiresAt: plus(now, options.leaseMs),
      retryable: false,
      attempts: claim.attempts + 1,
      updatedAt: now,
    };
  }

  /** The claim, if `token` still holds it (status `processing`, token unchanged). */
  private held(key: string, token: string): InboundClaim {
    const claim = this.state.inbound.get(key);
    if (!claim) throw new StoreNotFound({ what: 'inbound claim', id: key });
    if (claim.status !== 'processing' || claim.token !== token) throw new StoreStaleClaim({ what: 'inbound claim', id: key });
    return claim;
  }
}

/** Expired processing claims and retryable failures may be claimed again. */
function takeable(claim: InboundClaim, now: Date): boolean {
  if (claim.status === 'processing') return expired(claim.leaseExpiresAt, now);
  return claim.status === 'failed' && claim.retryable;
}
