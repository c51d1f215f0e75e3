/**
 * For store authors whose repositories implement everything: builds the optional `operator` parts
 * and `fastPaths` of a Store from those repositories, so each store does not wire them by hand.
 */
import type { ClaimFor, StoreFastPaths } from '../contracts/store/fast-paths.js';
import type { IdentityAdmin, OperatorStore, StoreActions, StoreCounts, StoreLists, StoreManifest, StorePrune, StoreTrace } from '../contracts/store/operator.js';
import type { Delivery, EnqueuedJob, NewDelivery, NewJob, NewSessionEvent, SentChunk, SessionEvent, SessionStatus } from '../contracts/store.js';

/**
 * Repositories that have every operator method and accept the fused forms of the fast paths:
 * `jobs.enqueue({ ...job, sessionEvents })`, `deliveries.enqueue({ ...delivery, claimFor })`,
 * `deliveries.complete(id, token, lastChunk)` and `events.append(id, events, { status })`.
 */
export interface CompleteRepositories {
  readonly identities: StoreLists['identities'] & StoreCounts['identities'] & IdentityAdmin;
  readonly sessions: StoreLists['sessions'];
  readonly jobs: StoreLists['jobs'] & StoreCounts['jobs'] & { enqueue(job: NewJob & { sessionEvents?: NewSessionEvent[] }): Promise<EnqueuedJob> };
  readonly deliveries: StoreLists['deliveries'] & StoreCounts['deliveries'] & StoreActions['deliveries'] & {
    enqueue(delivery: NewDelivery & { claimFor?: ClaimFor }): Promise<{ delivery: Delivery; created: boolean }>;
    complete(deliveryId: string, token: string, lastChunk?: SentChunk): Promise<Delivery>;
  };
  readonly events: { append(sessionId: string, events: NewSessionEvent[], options?: { status?: SessionStatus }): Promise<SessionEvent[]> };
  readonly audit: StoreLists['audit'];
  readonly artifacts: StoreLists['artifacts'];
  readonly inbound: StoreLists['inbound'];
}

/** Every operator part and every fast path of a store whose repositories implement them all. */
export function completeStoreParts(
  repositories: CompleteRepositories,
  whole: StoreTrace & StorePrune & StoreManifest,
): { operator: Required<OperatorStore>; fastPaths: Required<StoreFastPaths> } {
  const { identities, sessions, jobs, deliveries, events, audit, artifacts, inbound } = repositories;
  return {
    operator: {
      lists: { identities, sessions, jobs, deliveries, audit, artifacts, inbound },
      counts: { identities, jobs, deliveries },
      actions: { identities, deliveries },
      trace: whole,
      prune: whole,
      manifest: whole,
    },
    fastPaths: {
      enqueueJobWithEvents: (job, sessionEvents) => jobs.enqueue({ ...job, sessionEvents }),
      enqueueDeliveryClaimed: (delivery, claimFor) => deliveries.enqueue({ ...delivery, claimFor }),
      completeDeliveryWithLastChunk: (deliveryId, token, lastChunk) => deliveries.complete(deliveryId, token, lastChunk),
      appendEventsWithStatus: (sessionId, sessionEvents, status) => events.append(sessionId, sessionEvents, { status }),
    },
  };
}
