import { StoreNotFound } from '@cowork-gateway/core';
import type { NewSessionEvent, SessionEvent, SessionEventRepository, SessionStatus } from '@cowork-gateway/core';
import { sqlLimit, type PgDatabase } from './database.js';
import { toEvent } from './rows.js';

/**
 * Per-session ordered events. An append is one statement: it reserves its `seq` range by
 * bumping the session's `last_event_seq` (which row-locks the session; a given status is set in
 * that same update) and inserts the batch,
 * so concurrent writers, in this process or another, get consecutive, gapless ranges.
 */
export class PgEvents implements SessionEventRepository {
  constructor(private readonly db: PgDatabase) {}

  async append(sessionId: string, events: NewSessionEvent[], options: { status?: SessionStatus } = {}): Promise<SessionEvent[]> {
    const now = this.db.now();
    const sql = this.db.sql;
    if (events.length === 0) {
      const [known] = await sql`select 1 from cg_sessions where session_id = ${sessionId}`;
      if (!known) throw new StoreNotFound({ what: 'session', id: sessionId });
      return [];
    }
    const rows = events.map((event, i) => ({ i: i + 1, type: event.type, payload: event.payload, traceId: event.traceId ?? null }));
    const inserted = await sql`
      with reserved as (
        update cg_sessions set last_event_seq = last_event_seq + ${events.length}, updated_at = ${now},
                               status = coalesce(${options.status ?? null}::text, status)
        where session_id = ${sessionId}
        returning last_event_seq
      )
      insert into cg_session_events (session_id, seq, type, payload, trace_id, created_at)
      select ${sessionId}, r.last_event_seq - ${events.length} + e.i, e.type, e.payload, e."traceId", ${now}
      from reserved r, jsonb_to_recordset(${sql.json(rows as never)}::jsonb) as e(i integer, type text, payload jsonb, "traceId" text)
      returning *`;
    if (inserted.length === 0) throw new StoreNotFound({ what: 'session', id: sessionId });
    return inserted.map(toEvent).sort((a, b) => a.seq - b.seq);
  }

  async list(sessionId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<SessionEvent[]> {
    const rows = await this.db.sql`
      select * from cg_session_events
      where session_id = ${sessionId} and seq > ${options.afterSeq ?? 0}
      order by seq
      limit ${sqlLimit(options.limit)}`;
    return rows.map(toEvent);
  }
}
