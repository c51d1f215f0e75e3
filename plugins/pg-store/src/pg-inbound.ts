import { randomUUID } from 'node:crypto';
import { StoreNotFound, StoreStaleClaim, inboundClaimKey } from '@cowork-gateway/core';
import type { ClaimOutcome, InboundClaim, InboundClaimOptions, InboundKey, InboundRepository, JsonObject } from '@cowork-gateway/core';
import { plus, type PgDatabase } from './database.js';
import { toInboundClaim, type Row } from './rows.js';

/**
 * Durable dedupe of provider events. A claim is one `insert … on conflict do update … where
 * takeable`: the row lock makes concurrent claims of one event (from any process) yield exactly
 * one `claimed`; the rest read the row back as a `duplicate`.
 *
 * `claim` and `complete` commit with `synchronous_commit = off` (that transaction only): losing
 * either in a database crash only leaves the event claimable again (missing, or `processing`
 * until its lease ends), and re-processing it is idempotent (the prompt job's key comes from the
 * event). What a webhook accepts is made durable by the synchronous commit of its job enqueue,
 * which also flushes the claim written before it. `fail` commits synchronously.
 */
export class PgInbound implements InboundRepository {
  constructor(private readonly db: PgDatabase) {}

  async claim(key: InboundKey, options: InboundClaimOptions): Promise<ClaimOutcome> {
    const now = this.db.now();
    const id = inboundClaimKey(key);
    const leaseExpiresAt = plus(now, options.leaseMs);
    // A takeover keeps the first trace id and creation time, so one provider event has one trace.
    const [claimed] = await this.db.sql`
      with async_commit as (select set_config('synchronous_commit', 'off', true))
      insert into cg_inbound_claims (key, instance, event_id, status, owner, token, lease_expires_at, retryable, attempts, trace_id,
                                     created_at, updated_at)
      select ${id}, ${key.instance}, ${key.eventId}, 'processing', ${options.owner}, ${randomUUID()}, ${leaseExpiresAt}::timestamptz, false, 1,
             ${options.traceId}, ${now}::timestamptz, ${now}::timestamptz
      from async_commit
      on conflict (key) do update
        set status = 'processing', owner = excluded.owner, token = excluded.token, lease_expires_at = excluded.lease_expires_at,
            retryable = false, attempts = cg_inbound_claims.attempts + 1, updated_at = excluded.updated_at
        where (cg_inbound_claims.status = 'processing' and cg_inbound_claims.lease_expires_at <= ${now})
           or (cg_inbound_claims.status = 'failed' and cg_inbound_claims.retryable)
      returning *`;
    if (claimed) return { outcome: 'claimed', claim: toInboundClaim(claimed) };
    const existing = await this.get(id);
    if (!existing) throw new StoreNotFound({ what: 'inbound claim', id });
    return { outcome: 'duplicate', claim: existing };
  }

  async complete(key: string, token: string, result?: JsonObject): Promise<InboundClaim> {
    const [row] = await this.db.sql`
      with async_commit as (select set_config('synchronous_commit', 'off', true))
      update cg_inbound_claims set status = 'completed', result = ${result === undefined ? null : this.db.sql.json(result as never)},
             updated_at = ${this.db.now()}
      from async_commit
      where key = ${key} and status = 'processing' and token = ${token}
      returning cg_inbound_claims.*`;
    return this.heldOrThrow(key, row);
  }

  async fail(key: string, token: string, options: { retryable: boolean; error: string }): Promise<InboundClaim> {
    const [row] = await this.db.sql`
      update cg_inbound_claims set status = 'failed', retryable = ${options.retryable}, last_error = ${options.error},
             updated_at = ${this.db.now()}
      where key = ${key} and status = 'processing' and token = ${token}
      returning *`;
    return this.heldOrThrow(key, row);
  }

  async get(key: string): Promise<InboundClaim | null> {
    const [row] = await this.db.sql`select * from cg_inbound_claims where key = ${key}`;
    return row ? toInboundClaim(row) : null;
  }

  async findByEventId(instance: string, eventId: string): Promise<InboundClaim[]> {
    const rows = await this.db.sql`select * from cg_inbound_claims where instance = ${instance} and event_id = ${eventId} order by pos`;
    return rows.map(toInboundClaim);
  }

  /** The updated claim, or `store.stale_claim` / `store.not_found` when the guarded update matched nothing. */
  private async heldOrThrow(key: string, row: Row | undefined): Promise<InboundClaim> {
    if (row) return toInboundClaim(row);
    if (await this.get(key)) throw new StoreStaleClaim({ what: 'inbound claim', id: key });
    throw new StoreNotFound({ what: 'inbound claim', id: key });
  }
}
