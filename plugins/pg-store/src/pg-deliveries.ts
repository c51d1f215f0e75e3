import { randomUUID } from 'node:crypto';
import { DEFAULT_DELIVERY_MAX_ATTEMPTS, DELIVERY_STATUSES, StoreNotFound, StoreStaleClaim } from '@cowork-gateway/core';
import type { ClaimFor, Delivery, DeliveryClaimOptions, DeliveryRepository, DeliveryStatus, NewDelivery, SentChunk } from '@cowork-gateway/core';
import { plus, sqlLimit, type PgDatabase } from './database.js';
import { toDelivery, type Row, type StoredChunk } from './rows.js';

/** Attempts a delivery gets when `maxAttempts` is not given (as memory-store). */
/**
 * The outbox: chunked deliveries claimed under a lease, retried, dead-lettered, requeued. A
 * claim (`cg_claim_delivery`) takes the earlier of the first due pending delivery and the first
 * expired `sending` lease in one `FOR UPDATE SKIP LOCKED` statement, as jobs do. Chunks live in a jsonb array
 * on the row; each `markChunkSent` records one, so a retry resumes at the first unsent chunk.
 * A claim commits asynchronously, as a job claim does (see PgJobs): losing it only makes the
 * delivery claimable again.
 */
export class PgDeliveries implements DeliveryRepository {
  constructor(private readonly db: PgDatabase) {}

  /** Idempotent by `deliveryId`; with `claimFor` a created delivery is created claimed (the fast path). */
  async enqueue(input: NewDelivery & { claimFor?: ClaimFor }): Promise<{ delivery: Delivery; created: boolean }> {
    const now = this.db.now();
    const sql = this.db.sql;
    const chunks: StoredChunk[] = input.chunks.map((c) => ({ chunkId: c.chunkId, message: c.message, providerMessageId: null, sentAt: null }));
    const claim = input.claimFor;
    const [row] = await sql`
      insert into cg_deliveries (delivery_id, instance, target, purpose, session_id, job_id, trace_id, chunks, chunks_sent, status,
                                 attempts, max_attempts, next_attempt_at, claimed_by, claim_token, lease_expires_at, expires_at,
                                 created_at, updated_at)
      values (${input.deliveryId}, ${input.instance}, ${sql.json(input.target as never)}, ${input.purpose}, ${input.sessionId ?? null},
              ${input.jobId ?? null}, ${input.traceId ?? null}, ${sql.json(chunks as never)}, 0, ${claim ? 'sending' : 'pending'},
              ${claim ? 1 : 0}, ${input.maxAttempts ?? DEFAULT_DELIVERY_MAX_ATTEMPTS}, ${now}, ${claim?.workerId ?? null},
              ${claim ? randomUUID() : null}, ${claim ? plus(now, claim.leaseMs) : null}, ${input.expiresAt}, ${now}, ${now})
      on conflict (delivery_id) do nothing
      returning *`;
    if (row) return { delivery: toDelivery(row), created: true };
    return { delivery: await this.require(input.deliveryId), created: false };
  }

  async claim(options: DeliveryClaimOptions): Promise<Delivery | null> {
    const now = this.db.now();
    const excluded = [...(options.excludeInstances ?? [])];
    const [row] = await this.db.sql`
      select * from cg_claim_delivery(${now}, ${excluded}::text[], ${options.workerId}, ${randomUUID()}, ${plus(now, options.leaseMs)})`;
    return row ? toDelivery(row) : null;
  }

  /** Records chunk `index` (0-based position in `chunks`) as sent; `chunksSent` counts sent chunks. */
  async markChunkSent(deliveryId: string, token: string, index: number, providerMessageId: string): Promise<Delivery> {
    const now = this.db.now();
    const [row] = await this.db.sql`
      update cg_deliveries
      set chunks = jsonb_set(chunks, array[${index}::text],
                             (chunks -> ${index}::int) || jsonb_build_object('providerMessageId', ${providerMessageId}::text,
                                                                        'sentAt', ${now.toISOString()}::text)),
          chunks_sent = chunks_sent + case when chunks -> ${index}::int ->> 'sentAt' is null then 1 else 0 end,
          updated_at = ${now}
      where delivery_id = ${deliveryId} and status = 'sending' and claim_token = ${token}
        and ${index}::int >= 0 and ${index}::int < jsonb_array_length(chunks)
      returning *`;
    if (row) return toDelivery(row);
    await this.held(deliveryId, token);
    throw new StoreNotFound({ what: 'delivery chunk', id: `${deliveryId}[${index}]` });
  }

  /** One update (`cg_complete_delivery`), recording `lastChunk` first when given; commits synchronously. */
  async complete(deliveryId: string, token: string, lastChunk?: SentChunk): Promise<Delivery> {
    const now = this.db.now();
    const [row] = await this.db.sql`
      select * from cg_complete_delivery(${deliveryId}, ${token}, ${lastChunk?.index ?? null}::int,
        ${lastChunk?.providerMessageId ?? null}::text, ${now.toISOString()}, ${now})`;
    if (row) return toDelivery(row);
    await this.held(deliveryId, token);
    throw new StoreNotFound({ what: 'delivery chunk', id: `${deliveryId}[${lastChunk?.index}]` });
  }

  async retry(deliveryId: string, token: string, options: { nextAttemptAt: Date; error: string }): Promise<Delivery> {
    const [row] = await this.db.sql`
      update cg_deliveries
      set status = 'pending', claim_token = null, lease_expires_at = null, next_attempt_at = ${options.nextAttemptAt},
          last_error = ${options.error}, updated_at = ${this.db.now()}
      where delivery_id = ${deliveryId} and status = 'sending' and claim_token = ${token}
      returning *`;
    return this.updatedOrThrow(deliveryId, token, row);
  }

  /**
   * With a token the claim must still be held; with `null` any unsent delivery is dead-lettered.
   * A delivery already sent stays sent: a stale sweep racing the worker must not bury it.
   */
  async deadLetter(deliveryId: string, token: string | null, reason: string): Promise<Delivery> {
    const [row] = await this.db.sql`
      update cg_deliveries
      set status = 'dead', claim_token = null, lease_expires_at = null, dead_reason = ${reason}, updated_at = ${this.db.now()}
      where delivery_id = ${deliveryId} and status <> 'sent'
        and (${token}::text is null or (status = 'sending' and claim_token = ${token}))
      returning *`;
    if (row) return toDelivery(row);
    if (token === null) return this.require(deliveryId);
    return this.held(deliveryId, token);
  }

  /** Only a dead delivery is requeued; any other is returned unchanged. */
  async requeue(deliveryId: string, options: { expiresAt: Date }): Promise<Delivery> {
    const now = this.db.now();
    const [row] = await this.db.sql`
      update cg_deliveries
      set status = 'pending', attempts = 0, next_attempt_at = ${now}, expires_at = ${options.expiresAt}, dead_reason = null,
          claim_token = null, lease_expires_at = null, updated_at = ${now}
      where delivery_id = ${deliveryId} and status = 'dead'
      returning *`;
    return row ? toDelivery(row) : this.require(deliveryId);
  }

  async get(deliveryId: string): Promise<Delivery | null> {
    const [row] = await this.db.sql`select * from cg_deliveries where delivery_id = ${deliveryId}`;
    return row ? toDelivery(row) : null;
  }

  async list(options: { status?: DeliveryStatus; traceId?: string; limit?: number } = {}): Promise<Delivery[]> {
    const rows = await this.db.sql`
      select * from cg_deliveries
      where (${options.status ?? null}::text is null or status = ${options.status ?? null})
        and (${options.traceId ?? null}::text is null or trace_id = ${options.traceId ?? null})
      order by created_at desc, pos desc
      limit ${sqlLimit(options.limit)}`;
    return rows.map(toDelivery);
  }

  async countByStatus(): Promise<Record<DeliveryStatus, number>> {
    const rows = await this.db.sql`select status, count(*)::int as n from cg_deliveries group by status`;
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    for (const row of rows) counts[row.status as DeliveryStatus] = Number(row.n);
    return counts;
  }

  private async updatedOrThrow(deliveryId: string, token: string, row: Row | undefined): Promise<Delivery> {
    return row ? toDelivery(row) : this.held(deliveryId, token);
  }

  /** The delivery if `token` holds it; else `store.stale_claim`, or `store.not_found` for an unknown id. */
  private async held(deliveryId: string, token: string): Promise<Delivery> {
    const delivery = await this.require(deliveryId);
    if (delivery.status !== 'sending' || delivery.claimToken !== token) throw new StoreStaleClaim({ what: 'delivery', id: deliveryId });
    return delivery;
  }

  private async require(deliveryId: string): Promise<Delivery> {
    const delivery = await this.get(deliveryId);
    if (!delivery) throw new StoreNotFound({ what: 'delivery', id: deliveryId });
    return delivery;
  }
}
