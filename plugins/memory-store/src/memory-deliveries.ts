import { randomUUID } from 'node:crypto';
import { DEFAULT_DELIVERY_MAX_ATTEMPTS, DELIVERY_STATUSES, StoreNotFound, StoreStaleClaim } from '@cowork-gateway/core';
import type { ClaimFor, Delivery, DeliveryClaimOptions, DeliveryRepository, DeliveryStatus, NewDelivery, SentChunk } from '@cowork-gateway/core';
import type { DueEntry, MemoryState } from './memory-state.js';
import { copy, expired, limited, newestFirst, plus } from './rows.js';

/** Attempts a delivery gets when `maxAttempts` is not given. */
/** The outbox: chunked deliveries claimed under a lease, retried, dead-lettered, requeued. */
export class MemoryDeliveries implements DeliveryRepository {
  constructor(private readonly state: MemoryState) {}

  /** Idempotent by `deliveryId`; with `claimFor` a created delivery is created claimed (the fast path). */
  async enqueue(input: NewDelivery & { claimFor?: ClaimFor }): Promise<{ delivery: Delivery; created: boolean }> {
    const existing = this.state.deliveries.get(input.deliveryId);
    if (existing) return { delivery: copy(existing), created: false };
    const now = this.state.now();
    const delivery = newDelivery(input, now);
    if (input.claimFor) claimFor(delivery, input.claimFor, now);
    this.state.deliveries.set(delivery.deliveryId, delivery);
    this.state.trackDelivery(delivery);
    return { delivery: copy(delivery), created: true };
  }

  async claim(options: DeliveryClaimOptions): Promise<Delivery | null> {
    const now = this.state.now();
    const excluded = new Set(options.excludeInstances ?? []);
    const next = this.nextDue(now, excluded);
    if (!next) return null;
    claimFor(next, options, now);
    this.state.trackDelivery(next);
    return copy(next);
  }

  /** Records chunk `index` (0-based position in `chunks`) as sent. */
  async markChunkSent(deliveryId: string, token: string, index: number, providerMessageId: string): Promise<Delivery> {
    const delivery = this.held(deliveryId, token);
    recordChunk(delivery, index, providerMessageId, this.state.now());
    return copy(delivery);
  }

  /** Marks it sent; with `lastChunk` records that chunk first, in the same step (the fast path). */
  async complete(deliveryId: string, token: string, lastChunk?: SentChunk): Promise<Delivery> {
    const delivery = this.held(deliveryId, token);
    const now = this.state.now();
    if (lastChunk) recordChunk(delivery, lastChunk.index, lastChunk.providerMessageId, now);
    this.release(delivery, 'sent', now);
    return copy(delivery);
  }

  async retry(deliveryId: string, token: string, options: { nextAttemptAt: Date; error: string }): Promise<Delivery> {
    const delivery = this.held(deliveryId, token);
    this.release(delivery, 'pending', this.state.now());
    delivery.nextAttemptAt = new Date(options.nextAttemptAt);
    this.state.trackDelivery(delivery);
    delivery.lastError = options.error;
    return copy(delivery);
  }

  /** With a token the claim must still be held; with `null` any unsent delivery is dead-lettered. */
  async deadLetter(deliveryId: string, token: string | null, reason: string): Promise<Delivery> {
    const delivery = token === null ? this.require(deliveryId) : this.held(deliveryId, token);
    // A delivery already sent stays sent: a stale sweep racing the worker must not bury it.
    if (delivery.status === 'sent') return copy(delivery);
    this.release(delivery, 'dead', this.state.now());
    delivery.deadReason = reason;
    return copy(delivery);
  }

  /** Only a dead delivery is requeued; any other is returned unchanged. */
  async requeue(deliveryId: string, options: { expiresAt: Date }): Promise<Delivery> {
    const delivery = this.require(deliveryId);
    if (delivery.status !== 'dead') return copy(delivery);
    const now = this.state.now();
    this.release(delivery, 'pending', now);
    delivery.attempts = 0;
    delivery.nextAttemptAt = now;
    this.state.trackDelivery(delivery);
    delivery.expiresAt = new Date(options.expiresAt);
    delivery.deadReason = null;
    return copy(delivery);
  }

  async get(deliveryId: string): Promise<Delivery | null> {
    const delivery = this.state.deliveries.get(deliveryId);
    return delivery ? copy(delivery) : null;
  }

  async list(options: { status?: DeliveryStatus; traceId?: string; limit?: number } = {}): Promise<Delivery[]> {
    const rows = newestFirst(this.state.deliveries.values())
      .filter((d) => options.status === undefined || d.status === options.status)
      .filter((d) => options.traceId === undefined || d.traceId === options.traceId);
    return limited(rows, options.limit);
  }

  async countByStatus(): Promise<Record<DeliveryStatus, number>> {
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    for (const delivery of this.state.deliveries.values()) counts[delivery.status] += 1;
    return counts;
  }

  /**
   * The due delivery with the earliest due time (then `createdAt`), from the due-time index;
   * stale index entries are dropped, entries of excluded instances are put back.
   */
  private nextDue(now: Date, excluded: ReadonlySet<string>): Delivery | undefined {
    const skipped: DueEntry[] = [];
    let found: Delivery | undefined;
    for (let entry = this.state.deliveryQueue.peek(); entry && entry.at <= now.getTime(); entry = this.state.deliveryQueue.peek()) {
      this.state.deliveryQueue.pop();
      if (!this.state.isCurrent(entry)) continue;
      const delivery = this.state.deliveries.get(entry.id)!;
      if (excluded.has(delivery.instance) || !due(delivery, now)) {
        skipped.push(entry);
        continue;
      }
      found = delivery;
      break;
    }
    for (const entry of skipped) this.state.deliveryQueue.push(entry);
    return found;
  }

  private release(delivery: Delivery, status: DeliveryStatus, now: Date): void {
    release(delivery, status, now);
    this.state.trackDelivery(delivery);
  }

  private require(deliveryId: string): Delivery {
    const delivery = this.state.deliveries.get(deliveryId);
    if (!delivery) throw new StoreNotFound({ what: 'delivery', id: deliveryId });
    return delivery;
  }

  private held(deliveryId: string, token: string): Delivery {
    const delivery = this.require(deliveryId);
    if (delivery.status !== 'sending' || delivery.claimToken !== token) {
      throw new StoreStaleClaim({ what: 'delivery', id: deliveryId });
    }
    return delivery;
  }
}

function newDelivery(input: NewDelivery, now: Date): Delivery {
  return {
    deliveryId: input.deliveryId,
    instance: input.instance,
    target: copy(input.target),
    purpose: input.purpose,
    sessionId: input.sessionId ?? null,
    jobId: input.jobId ?? null,
    traceId: input.traceId ?? null,
    chunks: input.chunks.map((c) => ({ chunkId: c.chunkId, message: copy(c.message), providerMessageId: null, sentAt: null })),
    chunksSent: 0,
    status: 'pending',
    attempts: 0,
    maxAttempts: input.maxAttempts ?? DEFAULT_DELIVERY_MAX_ATTEMPTS,
    nextAttemptAt: now,
    claimedBy: null,
    claimToken: null,
    leaseExpiresAt: null,
    lastError: null,
    deadReason: null,
    expiresAt: new Date(input.expiresAt),
    createdAt: now,
    updatedAt: now,
  };
}

function due(delivery: Delivery, now: Date): boolean {
  if (delivery.status === 'pending') return delivery.nextAttemptAt.getTime() <= now.getTime();
  return delivery.status === 'sending' && expired(delivery.leaseExpiresAt, now);
}

function release(delivery: Delivery, status: DeliveryStatus, now: Date): void {
  delivery.status = status;
  delivery.claimToken = null;
  delivery.leaseExpiresAt = null;
  delivery.updatedAt = now;
}

/** Marks chunk `index` sent; throws `store.not_found` (changing nothing) when there is no such chunk. */
function recordChunk(delivery: Delivery, index: number, providerMessageId: string, now: Date): void {
  const chunk = delivery.chunks[index];
  if (!chunk) throw new StoreNotFound({ what: 'delivery chunk', id: `${delivery.deliveryId}[${index}]` });
  chunk.providerMessageId = providerMessageId;
  chunk.sentAt = now;
  delivery.chunksSent = delivery.chunks.filter((c) => c.sentAt !== null).length;
  delivery.updatedAt = now;
}

function claimFor(delivery: Delivery, claim: { workerId: string; leaseMs: number }, now: Date): void {
  delivery.status = 'sending';
  delivery.attempts += 1;
  delivery.claimedBy = claim.workerId;
  delivery.claimToken = randomUUID();
  delivery.leaseExpiresAt = plus(now, claim.leaseMs);
  delivery.updatedAt = now;
}
