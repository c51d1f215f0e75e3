/**
 * The one place core talks to optional parts of a Store: operator parts (checked, never assumed)
 * and fused fast paths (used when the store has them, composed from runtime primitives when it
 * does not). The kernel calls these functions instead of reaching for optional members itself.
 */
import type { ClaimFor } from '../contracts/store/fast-paths.js';
import type { OperatorPart, OperatorStore } from '../contracts/store/operator.js';
import type {
  Delivery,
  EnqueuedJob,
  NewDelivery,
  NewJob,
  NewSessionEvent,
  SentChunk,
  SessionEvent,
  SessionStatus,
  Store,
} from '../contracts/store.js';
import { StoreCapabilityMissing, StoreNotFound } from '../errors.js';

/** The operator part `part` of `store`, or undefined when the store does not have it. */
export function operatorPart<K extends OperatorPart>(store: Store, part: K): NonNullable<OperatorStore[K]> | undefined {
  return (store.operator?.[part] ?? undefined) as NonNullable<OperatorStore[K]> | undefined;
}

/** The operator part `part` of `store`; throws `store.capability_missing` (404) naming it when absent. */
export function requireOperatorPart<K extends OperatorPart>(store: Store, part: K): NonNullable<OperatorStore[K]> {
  const found = operatorPart(store, part);
  if (!found) throw new StoreCapabilityMissing({ kind: store.kind, part });
  return found;
}

/**
 * Enqueues `job` and, only when it is created, appends `sessionEvents` (each payload gets the
 * new `jobId`) to `job.sessionId`. An unknown session throws `store.not_found` before anything
 * is stored.
 *
 * Composed (no fast path): the session is checked, the job enqueued, then the events appended.
 * Crash window: a process that dies after the enqueue and before the append leaves the job
 * without its history events. A retry of the same inbound event converges on the same job (the
 * idempotency key returns it with `created: false`) and does not append again, so events are
 * never duplicated but may be missing from the history of that one turn; the job still runs.
 */
export async function enqueueJobWithEvents(store: Store, job: NewJob, sessionEvents: readonly NewSessionEvent[]): Promise<EnqueuedJob> {
  if (sessionEvents.length === 0) return store.jobs.enqueue(job);
  const fused = store.fastPaths?.enqueueJobWithEvents;
  if (fused) return fused.call(store.fastPaths, job, [...sessionEvents]);
  const sessionId = job.sessionId;
  if (sessionId === undefined || !(await store.sessions.get(sessionId))) {
    throw new StoreNotFound({ what: 'session', id: sessionId ?? '(no sessionId given)' });
  }
  const enqueued = await store.jobs.enqueue(job);
  if (enqueued.created) {
    await store.events.append(sessionId, sessionEvents.map((e) => ({ ...e, payload: { ...e.payload, jobId: enqueued.job.jobId } })));
  }
  return enqueued;
}

/** What {@link enqueueDeliveryClaimed} did; `claimed` says whether the caller now holds the delivery. */
export interface EnqueuedDelivery {
  delivery: Delivery;
  created: boolean;
  claimed: boolean;
}

/**
 * Enqueues `delivery`; with `claimFor` and a store that has the fast path, a created delivery
 * comes back already claimed (`claimed: true`) so the caller may send it at once. Composed (no
 * fast path) the delivery is enqueued unclaimed and left to the delivery workers' `claim`: a
 * separate claim could take another due delivery instead of this one, so none is attempted.
 */
export async function enqueueDeliveryClaimed(store: Store, delivery: NewDelivery, claimFor?: ClaimFor): Promise<EnqueuedDelivery> {
  const fused = claimFor ? store.fastPaths?.enqueueDeliveryClaimed : undefined;
  if (claimFor && fused) {
    const { delivery: stored, created } = await fused.call(store.fastPaths, delivery, claimFor);
    return { delivery: stored, created, claimed: created && stored.claimedBy === claimFor.workerId && stored.status === 'sending' };
  }
  const { delivery: stored, created } = await store.deliveries.enqueue(delivery);
  return { delivery: stored, created, claimed: false };
}

/**
 * Marks a delivery `sent`, first recording `lastChunk` when given. Composed: `markChunkSent`
 * then `complete`. Crash window: dying between the two leaves the chunk recorded and the
 * delivery `sending`; after its lease expires it is claimed again, resumes after the recorded
 * chunk (nothing left to send) and is completed, so nothing is sent twice.
 */
export async function completeDelivery(store: Store, deliveryId: string, token: string, lastChunk?: SentChunk): Promise<Delivery> {
  if (!lastChunk) return store.deliveries.complete(deliveryId, token);
  const fused = store.fastPaths?.completeDeliveryWithLastChunk;
  if (fused) return fused.call(store.fastPaths, deliveryId, token, lastChunk);
  await store.deliveries.markChunkSent(deliveryId, token, lastChunk.index, lastChunk.providerMessageId);
  return store.deliveries.complete(deliveryId, token);
}

/**
 * Appends `events` and, with `status`, sets the session's status. Composed: `append` then
 * `setStatus`. Crash window: dying between the two leaves the events stored and the old status
 * (e.g. `running`); the next turn of the session sets the status again.
 */
export async function appendEvents(store: Store, sessionId: string, events: readonly NewSessionEvent[], status?: SessionStatus): Promise<SessionEvent[]> {
  if (status === undefined) return store.events.append(sessionId, [...events]);
  if (events.length === 0) {
    await store.sessions.setStatus(sessionId, status);
    return [];
  }
  const fused = store.fastPaths?.appendEventsWithStatus;
  if (fused) return fused.call(store.fastPaths, sessionId, [...events], status);
  const stored = await store.events.append(sessionId, [...events]);
  await store.sessions.setStatus(sessionId, status);
  return stored;
}
