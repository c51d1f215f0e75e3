import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditRepository, JsonObject } from '@cowork-gateway/core';
import { sqlLimit, type PgDatabase } from './database.js';
import { toAudit } from './rows.js';

/** Append-only audit log, listed newest first. */
export class PgAudit implements AuditRepository {
  constructor(private readonly db: PgDatabase) {}

  async record(event: { type: string; actor: string; metadata: JsonObject; traceId?: string }): Promise<AuditEvent> {
    const sql = this.db.sql;
    const [row] = await sql`
      insert into cg_audit_events (audit_id, type, actor, metadata, trace_id, created_at)
      values (${randomUUID()}, ${event.type}, ${event.actor}, ${sql.json(event.metadata as never)}, ${event.traceId ?? null}, ${this.db.now()})
      returning *`;
    return toAudit(row!);
  }

  async list(options: { type?: string; traceId?: string; limit?: number } = {}): Promise<AuditEvent[]> {
    const rows = await this.db.sql`
      select * from cg_audit_events
      where (${options.type ?? null}::text is null or type = ${options.type ?? null})
        and (${options.traceId ?? null}::text is null or trace_id = ${options.traceId ?? null})
      order by created_at desc, pos desc
      limit ${sqlLimit(options.limit)}`;
    return rows.map(toAudit);
  }
}
