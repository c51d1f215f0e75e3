import { StoreNotFound } from '@cowork-gateway/core';
import type { NewSessionEvent, SessionEvent, SessionEventRepository } from '@cowork-gateway/core';
import type { Queryable } from './connection.js';
import { sqlLimit, type PgDatabase } from './database.js';
import { toEvent } from './rows.js';

/**
 * Per-session ordered events. An append reserves its `seq` range by bumping the session's
 * `last_event_seq` (which row-locks the session) and inserts in the same transaction, so
 * concurrent writers, in this process or another, get consecutive, gapless ranges.
 */
export class PgEvents implements SessionEventRepository {
  constructor(private readonly db: PgDatabase) {}

  async append(sessionId: string, events: NewSessionEvent[]): Promise<SessionEvent[]> {
    const now = this.db.now();
    return (await this.db.sql.begin((tx) => appendEvents(tx, sessionId, events, now))) as SessionEvent[];
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

/** Appends inside the caller's transaction; throws `store.not_found` for an unknown session. */
export async function appendEvents(tx: Queryable, sessionId: string, events: readonly NewSessionEvent[], now: Date): Promise<SessionEvent[]> {
  const [session] = await tx`
    update cg_sessions
    set last_event_seq = last_event_seq + ${events.length},
        updated_at = case when ${events.length} > 0 then ${now}::timestamptz else updated_at end
    where session_id = ${sessionId}
    returning last_event_seq`;
  if (!session) throw new StoreNotFound({ what: 'session', id: sessionId });
  if (events.length === 0) return [];
  const first = Number(session.last_event_seq) - events.length + 1;
  const rows = events.map((event, i) => ({ seq: first + i, type: event.type, payload: event.payload, traceId: event.traceId ?? null }));
  const inserted = await tx`
    insert into cg_session_events (session_id, seq, type, payload, trace_id, created_at)
    select ${sessionId}, e.seq, e.type, e.payload, e."traceId", ${now}
    from jsonb_to_recordset(${tx.json(rows)}::jsonb) as e(seq integer, type text, payload jsonb, "traceId" text)
    returning *`;
  return inserted.map(toEvent).sort((a, b) => a.seq - b.seq);
}
