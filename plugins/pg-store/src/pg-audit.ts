import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditRepository, JsonObject } from '@cowork-gateway/core';
import { sqlLimit, type PgDatabase } from './database.js';
import { toAudit } from './rows.js';

/** Most audit rows written by one INSERT. */
const MAX_BATCH = 500;

interface PendingRecord {
  row: { auditId: string; type: string; actor: string; metadata: JsonObject; traceId: string | null; createdAt: string };
  resolve: (event: AuditEvent) => void;
  reject: (error: unknown) => void;
}

/**
 * Append-only audit log, listed newest first. Records arriving while an insert is in flight are
 * written together by the next one (one statement and one commit for many rows); each caller's
 * promise still resolves only after its own row is committed.
 */
export class PgAudit implements AuditRepository {
  private waiting: PendingRecord[] = [];
  private writing = false;

  constructor(private readonly db: PgDatabase) {}

  record(event: { type: string; actor: string; metadata: JsonObject; traceId?: string }): Promise<AuditEvent> {
    const row = { auditId: randomUUID(), type: event.type, actor: event.actor, metadata: event.metadata, traceId: event.traceId ?? null, createdAt: this.db.now().toISOString() };
    return new Promise((resolve, reject) => {
      this.waiting.push({ row, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
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

  /** Writes what is waiting, batch after batch, until nothing is. */
  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        await this.insert(batch);
      }
    } finally {
      this.writing = false;
    }
  }

  /** One INSERT for the batch, in arrival order (so `pos` keeps that order). */
  private async insert(batch: PendingRecord[]): Promise<void> {
    try {
      const sql = this.db.sql;
      const rows = await sql`
        insert into cg_audit_events (audit_id, type, actor, metadata, trace_id, created_at)
        select r."auditId", r.type, r.actor, r.metadata, r."traceId", r."createdAt"
        from jsonb_to_recordset(${sql.json(batch.map((p, i) => ({ ...p.row, i })) as never)}::jsonb)
             as r("auditId" text, type text, actor text, metadata jsonb, "traceId" text, "createdAt" timestamptz, i integer)
        order by r.i
        returning *`;
      const byId = new Map(rows.map((row) => [row.audit_id as string, toAudit(row)]));
      for (const pending of batch) pending.resolve(byId.get(pending.row.auditId)!);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
