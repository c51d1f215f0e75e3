import { StoreLeaseLost } from '@cowork-gateway/core';
import type { Lease, RetentionCutoffs, RetentionResult } from '@cowork-gateway/core';
import type { Queryable } from './connection.js';
import type { PgDatabase } from './database.js';
import { lockHeldLease } from './pg-leases.js';

/**
 * Deletes what the seed's "Backup And Retention" lists, in one transaction that holds the
 * lease row locked (so the lease cannot be taken over mid-prune): idle/failed/completed
 * sessions (with their events) last updated before the session cutoff and with no pending or
 * running job; completed/failed/dead jobs, finished inbound claims and sent/dead deliveries
 * last updated before the job cutoff; audit and artifact rows created before theirs. Throws `store.lease_lost` unless `lease` is held.
 */
export async function pruneDatabase(db: PgDatabase, cutoffs: RetentionCutoffs, lease: Lease): Promise<RetentionResult> {
  const now = db.now();
  return (await db.sql.begin(async (tx) => {
    if (!(await lockHeldLease(tx, lease, now))) throw new StoreLeaseLost({ name: lease.name });
    const { sessionsDeleted, eventsDeleted } = await pruneSessions(tx, cutoffs.sessions);
    const artifacts = await tx`delete from cg_artifacts where created_at < ${cutoffs.artifacts}`;
    const audit = await tx`delete from cg_audit_events where created_at < ${cutoffs.audit}`;
    const jobs = await tx`
      delete from cg_jobs where status in ('completed', 'failed', 'dead') and updated_at < ${cutoffs.jobs}`;
    const inbound = await tx`delete from cg_inbound_claims where status <> 'processing' and updated_at < ${cutoffs.jobs}`;
    const deliveries = await tx`delete from cg_deliveries where status in ('sent', 'dead') and updated_at < ${cutoffs.jobs}`;
    return {
      sessionsDeleted,
      eventsDeleted,
      artifactsDeleted: artifacts.count,
      auditEventsDeleted: audit.count,
      jobsDeleted: jobs.count,
      inboundClaimsDeleted: inbound.count,
      deliveriesDeleted: deliveries.count,
    };
  })) as RetentionResult;
}

async function pruneSessions(tx: Queryable, cutoff: Date): Promise<{ sessionsDeleted: number; eventsDeleted: number }> {
  const doomed = await tx`
    select session_id from cg_sessions s
    where status in ('idle', 'failed', 'completed') and updated_at < ${cutoff}
      and not exists (select 1 from cg_jobs j where j.session_id = s.session_id and j.status = 'queued')
    for update`;
  const ids = doomed.map((row) => row.session_id as string);
  if (ids.length === 0) return { sessionsDeleted: 0, eventsDeleted: 0 };
  const events = await tx`delete from cg_session_events where session_id = any(${ids}::text[])`;
  const sessions = await tx`delete from cg_sessions where session_id = any(${ids}::text[])`;
  return { sessionsDeleted: sessions.count, eventsDeleted: events.count };
}
