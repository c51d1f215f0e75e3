/**
 * Optional fused round trips of the Store contract. Each does in one atomic step what the
 * runtime primitives do in two; core's `store-ops` uses a fast path when the store has it and
 * composes the primitives otherwise, so a store may implement none, some or all of them.
 */
import type {
  Delivery,
  EnqueuedJob,
  NewDelivery,
  NewJob,
  NewSessionEvent,
  SentChunk,
  SessionEvent,
  SessionStatus,
} from '../store.js';

/** The worker a delivery is created claimed for, and for how long. */
export interface ClaimFor {
  workerId: string;
  leaseMs: number;
}

export interface StoreFastPaths {
  /**
   * `jobs.enqueue` plus `events.append` to `job.sessionId` (required) in one atomic step, the
   * events only when the job is created; each event's payload gets the new `jobId`. An unknown
   * session throws `store.not_found` and stores nothing.
   */
  enqueueJobWithEvents?(job: NewJob, sessionEvents: NewSessionEvent[]): Promise<EnqueuedJob>;
  /**
   * `deliveries.enqueue` that creates the delivery already claimed by `claimFor` (`sending`,
   * attempts 1, a fresh token and lease), as `claim` would leave it, so the process that enqueues
   * it can send it without a claim. Only a created delivery is claimed; a repeat is returned
   * unchanged.
   */
  enqueueDeliveryClaimed?(delivery: NewDelivery, claimFor: ClaimFor): Promise<{ delivery: Delivery; created: boolean }>;
  /** `markChunkSent(lastChunk)` and `complete` in one atomic step (one write for the final chunk). */
  completeDeliveryWithLastChunk?(deliveryId: string, token: string, lastChunk: SentChunk): Promise<Delivery>;
  /** `events.append` (at least one event) and `sessions.setStatus` in one atomic step. */
  appendEventsWithStatus?(sessionId: string, events: NewSessionEvent[], status: SessionStatus): Promise<SessionEvent[]>;
}
