import type { TraceReport } from '@cowork-gateway/core';
import type { MemoryState } from './memory-state.js';
import { copy, oldestFirst } from './rows.js';

/** Every row carrying `traceId`, each list oldest first. */
export function traceState(state: MemoryState, traceId: string): TraceReport {
  const mine = <T extends { traceId: string | null; createdAt: Date }>(rows: Iterable<T>): T[] =>
    oldestFirst([...rows].filter((row) => row.traceId === traceId)).map((row) => copy(row));
  return {
    traceId,
    inbound: mine(state.inbound.values()),
    jobs: mine(state.jobs.values()),
    events: mine([...state.events.values()].flat()),
    deliveries: mine(state.deliveries.values()),
    audit: mine(state.audit.values()),
  };
}
