import type { Clock } from '@cowork-gateway/core';
import type { Sql } from './connection.js';
import { PgStoreNotStarted } from './errors.js';

/**
 * What every repository shares: the connection pool (present between `start()` and `close()`)
 * and the clock. Times are taken from the injected clock, never from the database's `now()`,
 * so callers that pass `now` and callers that do not see one timeline (as with memory-store).
 */
export class PgDatabase {
  private client: Sql | undefined;

  constructor(private readonly clock: Clock) {}

  /** The pool; throws `pg_store.not_started` outside `start()`…`close()`. */
  get sql(): Sql {
    if (!this.client) throw new PgStoreNotStarted();
    return this.client;
  }

  get open(): boolean {
    return this.client !== undefined;
  }

  attach(client: Sql): void {
    this.client = client;
  }

  /** Detaches and returns the pool, for closing. */
  detach(): Sql | undefined {
    const client = this.client;
    this.client = undefined;
    return client;
  }

  now(): Date {
    return this.clock.now();
  }
}

/** `date + ms` as a new Date. */
export function plus(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** A list limit as SQL accepts it: `null` (no limit) or a non-negative integer. */
export function sqlLimit(limit: number | undefined): number | null {
  return limit === undefined ? null : Math.max(0, Math.floor(limit));
}
