/**
 * The operator parts of the Store contract: what admin routes, CLIs and maintenance use, and a
 * conversation never needs. A store declares each part it has by exposing it on
 * `Store.operator`; every part is optional, so TypeScript makes a caller check before use.
 */
import type {
  Artifact,
  AuditEvent,
  Delivery,
  DeliveryStatus,
  Identity,
  IdentityKey,
  IdentityStatus,
  InboundClaim,
  Job,
  JobKind,
  JobStatus,
  Lease,
  Session,
  SessionEvent,
  SessionStatus,
} from '../store.js';

/** Listing and lookup of rows for operators (admin API, CLI). */
export interface StoreLists {
  readonly identities: { list(filter?: { provider?: string; status?: IdentityStatus }): Promise<Identity[]> };
  readonly sessions: { list(options?: { limit?: number; status?: SessionStatus }): Promise<Session[]> };
  readonly jobs: { list(options?: { status?: JobStatus; kind?: JobKind; limit?: number }): Promise<Job[]> };
  readonly deliveries: { list(options?: { status?: DeliveryStatus; traceId?: string; limit?: number }): Promise<Delivery[]> };
  readonly audit: { list(options?: { type?: string; traceId?: string; limit?: number }): Promise<AuditEvent[]> };
  readonly artifacts: {
    get(artifactId: string): Promise<Artifact | null>;
    list(options?: { sessionId?: string; limit?: number }): Promise<Artifact[]>;
  };
  /** Every claim of one provider event id on an instance (all event types), for "was it received?". */
  readonly inbound: { findByEventId(instance: string, eventId: string): Promise<InboundClaim[]> };
}

/** Counts and summaries for operators (admin API, readiness detail). */
export interface StoreCounts {
  readonly identities: { summary(): Promise<{ total: number; active: number; promptCapable: number }> };
  readonly jobs: { countByStatus(): Promise<Record<JobStatus, number>> };
  readonly deliveries: { countByStatus(): Promise<Record<DeliveryStatus, number>> };
}

/** Identity changes an operator makes (bootstrap `upsert` is runtime). */
export interface IdentityAdmin {
  /** Sets status `disabled`; null when no such identity. */
  disable(key: IdentityKey): Promise<Identity | null>;
}

/** Operator actions that change state. */
export interface StoreActions {
  readonly identities: IdentityAdmin;
  readonly deliveries: {
    /**
     * Operator retry: a dead delivery goes back to `pending`, due at the store's clock, with
     * fresh attempts and `expiresAt`; `store.not_found` for an unknown id.
     */
    requeue(deliveryId: string, options: { expiresAt: Date }): Promise<Delivery>;
  };
}

/** Everything the gateway knows about one inbound event, for "where is my message?". */
export interface TraceReport {
  traceId: string;
  inbound: InboundClaim[];
  jobs: Job[];
  events: SessionEvent[];
  deliveries: Delivery[];
  audit: AuditEvent[];
}

export interface StoreTrace {
  trace(traceId: string): Promise<TraceReport>;
}

export interface RetentionCutoffs {
  sessions: Date;
  artifacts: Date;
  audit: Date;
  jobs: Date;
}

export interface RetentionResult {
  sessionsDeleted: number;
  eventsDeleted: number;
  artifactsDeleted: number;
  auditEventsDeleted: number;
  jobsDeleted: number;
  /** Completed or failed inbound claims older than the job cutoff (their dedupe window ended). */
  inboundClaimsDeleted: number;
  /** Sent or dead deliveries older than the job cutoff. */
  deliveriesDeleted: number;
}

export interface StorePrune {
  /**
   * Deletes what the seed's "Backup And Retention" lists, only while `lease` is held at the
   * store's clock (throws `store.lease_lost` otherwise). Keeps running/blocked sessions and any
   * session with an unfinished job. Finished inbound claims and deliveries go with the job
   * window, so those tables do not grow without bound; processing claims and unsent deliveries
   * are kept.
   */
  prune(cutoffs: RetentionCutoffs, lease: Lease): Promise<RetentionResult>;
}

/** One row of an exported manifest; `importManifest` accepts what `exportManifest` yields. */
export type ManifestRecord =
  | { table: 'identity'; row: Identity }
  | { table: 'session'; row: Session }
  | { table: 'event'; row: SessionEvent }
  | { table: 'job'; row: Job }
  | { table: 'delivery'; row: Delivery }
  | { table: 'audit'; row: AuditEvent }
  | { table: 'artifact'; row: Artifact };

export interface StoreManifest {
  exportManifest(): AsyncIterable<ManifestRecord>;
  /** Upserts every record by primary key; returns how many records of each table were written. */
  importManifest(records: AsyncIterable<ManifestRecord> | Iterable<ManifestRecord>): Promise<Record<ManifestRecord['table'], number>>;
}

/**
 * The operator parts a store may have. Absent parts are simply not there: the kit does not
 * register their cases, admin routes answer `store.capability_missing` (404), and maintenance
 * does not prune.
 */
export interface OperatorStore {
  readonly lists?: StoreLists;
  readonly counts?: StoreCounts;
  readonly trace?: StoreTrace;
  readonly prune?: StorePrune;
  readonly manifest?: StoreManifest;
  readonly actions?: StoreActions;
}

export type OperatorPart = keyof OperatorStore;
/** Every operator part name, in the order the kit registers their cases. */
export const OPERATOR_PARTS: readonly OperatorPart[] = ['lists', 'counts', 'trace', 'prune', 'manifest', 'actions'];
