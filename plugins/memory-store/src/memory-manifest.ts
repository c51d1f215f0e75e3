import { StoreNotFound } from '@cowork-gateway/core';
import type { Delivery, Job, ManifestRecord, SessionEvent } from '@cowork-gateway/core';
import { identityKeyString, threadKeyString, type MemoryState } from './memory-state.js';
import { copy } from './rows.js';

/** Per-table record counts, every table present. */
export type ManifestCounts = Record<ManifestRecord['table'], number>;

/** Zero for every manifest table. */
export function emptyCounts(): ManifestCounts {
  return { identity: 0, session: 0, event: 0, job: 0, delivery: 0, audit: 0, artifact: 0 };
}

/**
 * A consistent copy of every exportable row, sessions before their events. Taken in one
 * synchronous step so writes that land while the caller iterates are not half-included.
 */
export function snapshotManifest(state: MemoryState): ManifestRecord[] {
  const events = [...state.events.values()].flat();
  const records: ManifestRecord[] = [
    ...[...state.identities.values()].map((row) => ({ table: 'identity' as const, row })),
    ...[...state.sessions.values()].map((row) => ({ table: 'session' as const, row })),
    ...events.map((row) => ({ table: 'event' as const, row })),
    ...[...state.jobs.values()].map((row) => ({ table: 'job' as const, row })),
    ...[...state.deliveries.values()].map((row) => ({ table: 'delivery' as const, row })),
    ...[...state.audit.values()].map((row) => ({ table: 'audit' as const, row })),
    ...[...state.artifacts.values()].map((row) => ({ table: 'artifact' as const, row })),
  ];
  return copy(records);
}

/**
 * Writes one exported record, replacing any row with the same primary key. Dates may arrive as
 * ISO strings (a manifest read back from JSON) and are revived. An event needs its session.
 */
export function importRecord(state: MemoryState, record: ManifestRecord): void {
  switch (record.table) {
    case 'identity': {
      const row = revive(record.row, ['createdAt', 'updatedAt']);
      state.identities.set(identityKeyString(row), row);
      return;
    }
    case 'session': {
      const row = revive(record.row, ['createdAt', 'updatedAt']);
      state.sessions.set(row.sessionId, row);
      state.threads.set(threadKeyString(row), row.sessionId);
      if (!state.events.has(row.sessionId)) state.events.set(row.sessionId, []);
      return;
    }
    case 'event':
      return importEvent(state, revive(record.row, ['createdAt']));
    case 'job':
      return importJob(state, revive(record.row, ['runAt', 'leaseExpiresAt', 'createdAt', 'updatedAt']));
    case 'delivery':
      return importDelivery(state, record.row);
    case 'audit':
      state.audit.set(record.row.auditId, revive(record.row, ['createdAt']));
      return;
    case 'artifact':
      state.artifacts.set(record.row.artifactId, revive(record.row, ['createdAt']));
      return;
  }
}

function importEvent(state: MemoryState, row: SessionEvent): void {
  const session = state.sessions.get(row.sessionId);
  if (!session) throw new StoreNotFound({ what: 'session', id: row.sessionId });
  const log = (state.events.get(row.sessionId) ?? []).filter((e) => e.seq !== row.seq);
  log.push(row);
  log.sort((a, b) => a.seq - b.seq);
  state.events.set(row.sessionId, log);
  session.lastEventSeq = Math.max(session.lastEventSeq, row.seq);
}

function importJob(state: MemoryState, row: Job): void {
  state.jobs.set(row.jobId, row);
  state.jobKeys.set(row.idempotencyKey, row.jobId);
}

function importDelivery(state: MemoryState, raw: Delivery): void {
  const row = revive(raw, ['nextAttemptAt', 'leaseExpiresAt', 'expiresAt', 'createdAt', 'updatedAt']);
  row.chunks = row.chunks.map((chunk) => revive(chunk, ['sentAt']));
  state.deliveries.set(row.deliveryId, row);
}

/** A copy of `row` with the named fields turned into Dates (null stays null). */
function revive<T extends object>(row: T, fields: readonly (keyof T)[]): T {
  const out = copy(row);
  for (const field of fields) {
    const value = out[field] as unknown;
    if (value !== null && value !== undefined) (out as Record<keyof T, unknown>)[field] = new Date(value as string | Date);
  }
  return out;
}
