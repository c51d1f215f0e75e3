import type { TraceReport } from '@cowork-gateway/core';
import type { PgDatabase } from './database.js';
import { toAudit, toDelivery, toEvent, toInboundClaim, toJob } from './rows.js';

/** Every row carrying `traceId`, each list oldest first (ties in insertion order). */
export async function traceDatabase(db: PgDatabase, traceId: string): Promise<TraceReport> {
  const sql = db.sql;
  const [inbound, jobs, events, deliveries, audit] = await Promise.all([
    sql`select * from cg_inbound_claims where trace_id = ${traceId} order by created_at, pos`,
    sql`select * from cg_jobs where trace_id = ${traceId} order by created_at, pos`,
    sql`select * from cg_session_events where trace_id = ${traceId} order by created_at, session_id, seq`,
    sql`select * from cg_deliveries where trace_id = ${traceId} order by created_at, pos`,
    sql`select * from cg_audit_events where trace_id = ${traceId} order by created_at, pos`,
  ]);
  return {
    traceId,
    inbound: inbound.map(toInboundClaim),
    jobs: jobs.map(toJob),
    events: events.map(toEvent),
    deliveries: deliveries.map(toDelivery),
    audit: audit.map(toAudit),
  };
}
