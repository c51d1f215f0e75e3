import { randomUUID } from 'node:crypto';
import type { Lease, LeaseRepository } from '@cowork-gateway/core';
import type { Queryable } from './connection.js';
import { plus, type PgDatabase } from './database.js';
import { toLease } from './rows.js';

/** Named time-limited locks shared by every process on the database; each acquisition issues a new token. */
export class PgLeases implements LeaseRepository {
  constructor(private readonly db: PgDatabase) {}

  /** One upsert: free, expired, or held by `holder` → taken; someone else's live lease → null. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    const now = this.db.now();
    const [row] = await this.db.sql`
      insert into cg_leases (name, holder, token, expires_at)
      values (${name}, ${holder}, ${randomUUID()}, ${plus(now, ttlMs)})
      on conflict (name) do update
        set holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at
        where cg_leases.holder = excluded.holder or cg_leases.expires_at <= ${now}
      returning *`;
    return row ? toLease(row) : null;
  }

  /** Renews while the token is current, even just after expiry if nobody took the lease over. */
  async renew(lease: Lease, ttlMs: number): Promise<Lease | null> {
    const now = this.db.now();
    const [row] = await this.db.sql`
      update cg_leases set expires_at = ${plus(now, ttlMs)}
      where name = ${lease.name} and holder = ${lease.holder} and token = ${lease.token}
      returning *`;
    return row ? toLease(row) : null;
  }

  async release(lease: Lease): Promise<void> {
    await this.db.sql`delete from cg_leases where name = ${lease.name} and holder = ${lease.holder} and token = ${lease.token}`;
  }

  async get(name: string): Promise<Lease | null> {
    const [row] = await this.db.sql`select * from cg_leases where name = ${name}`;
    return row ? toLease(row) : null;
  }
}

/**
 * Whether `lease` is the current, unexpired holding of its name at `now`, locking the lease row
 * until the caller's transaction ends so nobody can take it over meanwhile.
 */
export async function lockHeldLease(tx: Queryable, lease: Lease, now: Date): Promise<boolean> {
  const rows = await tx`
    select 1 from cg_leases
    where name = ${lease.name} and holder = ${lease.holder} and token = ${lease.token} and expires_at > ${now}
    for update`;
  return rows.length > 0;
}
