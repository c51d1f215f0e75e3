import type { Job, RetentionCutoffs, RetentionResult, Session } from '@cowork-gateway/core';
import { threadKeyString, type MemoryState } from './memory-state.js';

const PRUNABLE_SESSION: ReadonlySet<Session['status']> = new Set(['idle', 'failed', 'completed']);
const FINISHED_JOB: ReadonlySet<Job['status']> = new Set(['completed', 'failed', 'dead']);

/**
 * Deletes what the seed's "Backup And Retention" lists: idle/failed/completed sessions (with
 * their events) last updated before the session cutoff and with no pending or running job;
 * completed/failed/dead jobs, finished inbound claims and sent/dead deliveries last updated
 * before the job cutoff; audit rows and artifact rows created before theirs. The caller checks
 * the lease.
 */
export function pruneState(state: MemoryState, cutoffs: RetentionCutoffs): RetentionResult {
  const { sessionsDeleted, eventsDeleted } = pruneSessions(state, cutoffs.sessions);
  return {
    sessionsDeleted,
    eventsDeleted,
    artifactsDeleted: deleteWhere(state.artifacts, (a) => a.createdAt < cutoffs.artifacts),
    auditEventsDeleted: deleteWhere(state.audit, (e) => e.createdAt < cutoffs.audit),
    jobsDeleted: pruneJobs(state, cutoffs.jobs),
    inboundClaimsDeleted: deleteWhere(state.inbound, (c) => c.status !== 'processing' && c.updatedAt < cutoffs.jobs),
    deliveriesDeleted: deleteWhere(state.deliveries, (d) => (d.status === 'sent' || d.status === 'dead') && d.updatedAt < cutoffs.jobs),
  };
}

function pruneSessions(state: MemoryState, cutoff: Date): { sessionsDeleted: number; eventsDeleted: number } {
  const busy = new Set<string>();
  for (const job of state.jobs.values()) {
    if (job.sessionId !== null && !FINISHED_JOB.has(job.status)) busy.add(job.sessionId);
  }
  let sessionsDeleted = 0;
  let eventsDeleted = 0;
  for (const session of [...state.sessions.values()]) {
    if (!PRUNABLE_SESSION.has(session.status) || session.updatedAt >= cutoff || busy.has(session.sessionId)) continue;
    eventsDeleted += state.events.get(session.sessionId)?.length ?? 0;
    state.events.delete(session.sessionId);
    state.threads.delete(threadKeyString(session));
    state.sessions.delete(session.sessionId);
    sessionsDeleted += 1;
  }
  return { sessionsDeleted, eventsDeleted };
}

function pruneJobs(state: MemoryState, cutoff: Date): number {
  return deleteWhere(state.jobs, (job) => {
    const old = FINISHED_JOB.has(job.status) && job.updatedAt < cutoff;
    if (old && state.jobKeys.get(job.idempotencyKey) === job.jobId) state.jobKeys.delete(job.idempotencyKey);
    return old;
  });
}

function deleteWhere<T>(table: Map<string, T>, predicate: (row: T) => boolean): number {
  let deleted = 0;
  for (const [key, row] of [...table]) {
    if (!predicate(row)) continue;
    table.delete(key);
    deleted += 1;
  }
  return deleted;
}
