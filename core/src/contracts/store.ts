import type { ComponentHealth, JsonObject, Role } from './common.js';
import type { DeliveryTarget, OutboundMessage } from './provider.js';

// ---- identities ---------------------------------------------------------------------------

export type IdentityStatus = 'active' | 'disabled';

/**
 * Who a channel sender is. `provider` is the provider instance id (`slack-prod`); an identity
 * with an empty `workspaceId` only authorizes messages that carry no workspace id.
 */
export interface Identity {
  identityId: string;
  provider: string;
  workspaceId: string;
  externalUserId: string;
  role: Role;
  status: IdentityStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdentityKey {
  provider: string;
  workspaceId?: string;
  externalUserId: string;
}

export interface IdentityRepository {
  /** Creates or updates the identity with this exact key. */
  upsert(input: IdentityKey & { role: Role; status?: IdentityStatus }): Promise<Identity>;
  /** Exact lookup: an unscoped identity does not match a key with a workspace id. */
  find(key: IdentityKey): Promise<Identity | null>;
  list(filter?: { provider?: string; status?: IdentityStatus }): Promise<Identity[]>;
  /** Sets status `disabled`; null when no such identity. */
  disable(key: IdentityKey): Promise<Identity | null>;
  summary(): Promise<{ total: number; active: number; promptCapable: number }>;
}

// ---- sessions and their events ------------------------------------------------------------

export type SessionStatus = 'idle' | 'running' | 'blocked' | 'failed' | 'completed';

/** A channel thread: one session per (instance, workspace, chat, thread). */
export interface ThreadKey {
  instance: string;
  workspaceId?: string;
  chatId: string;
  threadId?: string;
}

export interface Session {
  sessionId: string;
  instance: string;
  providerKind: string;
  workspaceId: string;
  chatId: string;
  /** Empty string when the chat has no threads. */
  threadId: string;
  title: string;
  status: SessionStatus;
  /** The executor's session id; written once. */
  executorSessionId: string | null;
  lastEventSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionRepository {
  /**
   * Idempotent per thread; a new session gets event #1 `session.created`. An existing session is
   * returned unchanged (appending its events is what marks activity in `updatedAt`).
   */
  findOrCreate(key: ThreadKey & { providerKind: string; title: string }): Promise<{ session: Session; created: boolean }>;
  get(sessionId: string): Promise<Session | null>;
  /** The session of a thread, or null; never creates one. */
  findByThread(key: ThreadKey): Promise<Session | null>;
  /**
   * Write-once: the first executor session id wins and is returned thereafter, unless `replacing`
   * names the current id (the executor lost that session), which is then swapped atomically.
   */
  setExecutorSession(sessionId: string, executorSessionId: string, replacing?: string): Promise<Session>;
  setStatus(sessionId: string, status: SessionStatus): Promise<Session>;
  list(options?: { limit?: number; status?: SessionStatus }): Promise<Session[]>;
}

export interface SessionEvent {
  sessionId: string;
  /** Per-session, gapless, starting at 1. */
  seq: number;
  type: string;
  payload: JsonObject;
  traceId: string | null;
  createdAt: Date;
}

export interface NewSessionEvent {
  type: string;
  payload: JsonObject;
  traceId?: string;
}

export interface SessionEventRepository {
  /**
   * Appends in order with consecutive `seq`s, atomically; safe under concurrent writers. With
   * `status` (and at least one event) the session's status is set in the same atomic step, e.g.
   * `idle` with a run's terminal event, saving a separate `setStatus`.
   */
  append(sessionId: string, events: NewSessionEvent[], options?: { status?: SessionStatus }): Promise<SessionEvent[]>;
  list(sessionId: string, options?: { afterSeq?: number; limit?: number }): Promise<SessionEvent[]>;
}

// ---- inbound claims -----------------------------------------------------------------------

/** The durable dedupe key of a provider event (seed 001 "Delivery Drain And Local State"). */
export interface InboundKey {
  org?: string;
  provider: string;
  instance: string;
  workspaceId?: string;
  eventType: string;
  eventId: string;
}

export type InboundClaimStatus = 'processing' | 'completed' | 'failed';

export interface InboundClaim {
  key: string;
  instance: string;
  eventId: string;
  status: InboundClaimStatus;
  owner: string;
  token: string;
  leaseExpiresAt: Date;
  retryable: boolean;
  attempts: number;
  traceId: string;
  lastError: string | null;
  result: JsonObject | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ClaimOutcome = { outcome: 'claimed'; claim: InboundClaim } | { outcome: 'duplicate'; claim: InboundClaim };

export interface InboundRepository {
  /**
   * Claims a provider event. A completed event, one still processing under a live lease, or a
   * failed one not marked retryable is a `duplicate`; an expired or retryable claim is taken over.
   */
  claim(key: InboundKey, options: { owner: string; leaseMs: number; traceId: string; now?: Date }): Promise<ClaimOutcome>;
  complete(key: string, token: string, result?: JsonObject): Promise<InboundClaim>;
  fail(key: string, token: string, options: { retryable: boolean; error: string }): Promise<InboundClaim>;
  get(key: string): Promise<InboundClaim | null>;
  findByEventId(instance: string, eventId: string): Promise<InboundClaim[]>;
}

// ---- jobs ---------------------------------------------------------------------------------

export const JOB_KINDS = ['prompt', 'workflow', 'watch', 'team_task'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'dead';
export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'dead'];
/** `maxAttempts` of a job enqueued without one. */
export const DEFAULT_JOB_MAX_ATTEMPTS = 3;

export interface JobClaimOptions {
  workerId: string;
  leaseMs: number;
  kinds?: readonly JobKind[];
  now?: Date;
}

export interface Job {
  jobId: string;
  kind: JobKind;
  status: JobStatus;
  idempotencyKey: string;
  /** Jobs sharing a queue key run one at a time in FIFO order (one queue per session). */
  queueKey: string | null;
  sessionId: string | null;
  payload: JsonObject;
  traceId: string | null;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  claimedBy: string | null;
  claimToken: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  result: JsonObject | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewJob {
  kind: JobKind;
  idempotencyKey: string;
  payload: JsonObject;
  sessionId?: string;
  queueKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  traceId?: string;
  /**
   * Appended to the history of `sessionId` (required with events) in the same atomic step as
   * the job, and only when the job is created; each event's payload gets the new `jobId`. An
   * unknown session throws `store.not_found` and stores nothing.
   */
  sessionEvents?: NewSessionEvent[];
}

/** What `enqueue` did. */
export interface EnqueuedJob {
  job: Job;
  created: boolean;
  /** Unfinished jobs of the same queue ahead of this one, as `queuePosition` counts them. */
  queuePosition: number;
}

export interface JobRepository {
  /** Idempotent by `idempotencyKey`: a repeat returns the existing job with `created: false`. */
  enqueue(job: NewJob): Promise<EnqueuedJob>;
  /**
   * Claims the next due job: `pending` with `runAt <= now`, or `running` with an expired lease.
   * Only the oldest unfinished job of a queue key is eligible, and never while another job of
   * that queue holds a live lease. Claiming increments `attempts`; an expired job already at
   * `maxAttempts` becomes `dead` instead.
   */
  claim(options: JobClaimOptions): Promise<Job | null>;
  /** Extends the lease; throws `store.stale_claim` if the claim was lost. */
  heartbeat(jobId: string, token: string, leaseMs: number): Promise<Job>;
  complete(jobId: string, token: string, result?: JsonObject): Promise<Job>;
  /**
   * Records a failure. With `retryAt` and attempts left the job goes back to `pending`; with
   * `retryAt` and no attempts left it is `dead`; without `retryAt` it is `failed` for good.
   */
  fail(jobId: string, token: string, options: { error: string; retryAt?: Date }): Promise<Job>;
  get(jobId: string): Promise<Job | null>;
  list(options?: { status?: JobStatus; kind?: JobKind; limit?: number }): Promise<Job[]>;
  /** Number of unfinished jobs of the same queue ahead of this one (0 = runs next). */
  queuePosition(jobId: string): Promise<number>;
  countByStatus(): Promise<Record<JobStatus, number>>;
}

// ---- deliveries outbox --------------------------------------------------------------------

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'dead';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'sending', 'sent', 'dead'];
/** `maxAttempts` of a delivery enqueued without one. */
export const DEFAULT_DELIVERY_MAX_ATTEMPTS = 5;

export interface DeliveryClaimOptions {
  workerId: string;
  leaseMs: number;
  now?: Date;
  excludeInstances?: readonly string[];
}
export type DeliveryPurpose = 'reply' | 'notice' | 'error';

export interface DeliveryChunk {
  /** `<deliveryId>:chunk:<n>`, n from 1; the provider-side idempotency key. */
  chunkId: string;
  message: OutboundMessage;
  providerMessageId: string | null;
  sentAt: Date | null;
}

/**
 * One logical outbound message (a reply, a notice), split into ordered chunks. The worker
 * sends chunks in order and records each, so a retry resumes at the first unsent chunk.
 */
export interface Delivery {
  deliveryId: string;
  instance: string;
  target: DeliveryTarget;
  purpose: DeliveryPurpose;
  sessionId: string | null;
  jobId: string | null;
  traceId: string | null;
  chunks: DeliveryChunk[];
  chunksSent: number;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date;
  claimedBy: string | null;
  claimToken: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  deadReason: string | null;
  /** After this time an unsent delivery is dead-lettered as stale instead of sent. */
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewDelivery {
  deliveryId: string;
  instance: string;
  target: DeliveryTarget;
  purpose: DeliveryPurpose;
  chunks: { chunkId: string; message: OutboundMessage }[];
  sessionId?: string;
  jobId?: string;
  traceId?: string;
  maxAttempts?: number;
  expiresAt: Date;
  /**
   * Created already claimed by this worker (`sending`, attempts 1, a fresh token and lease), as
   * `claim` would leave it, so the process that enqueues it can send it without a claim. Only a
   * created delivery is claimed; a repeat is returned unchanged.
   */
  claimFor?: { workerId: string; leaseMs: number };
}

/** A chunk the provider accepted: its 0-based position in `chunks` and the provider's message id. */
export interface SentChunk {
  index: number;
  providerMessageId: string;
}

export interface DeliveryRepository {
  /** Idempotent by `deliveryId`. */
  enqueue(delivery: NewDelivery): Promise<{ delivery: Delivery; created: boolean }>;
  /** Claims a due delivery (`pending` and due, or `sending` with an expired lease); increments `attempts`. */
  claim(options: DeliveryClaimOptions): Promise<Delivery | null>;
  /** Records chunk `index` (0-based position in `chunks`; chunk ids count from 1) as sent. */
  markChunkSent(deliveryId: string, token: string, index: number, providerMessageId: string): Promise<Delivery>;
  /**
   * Marks the delivery `sent`. With `lastChunk`, first records that chunk as `markChunkSent`
   * would, in the same atomic step (one write instead of two for the final chunk).
   */
  complete(deliveryId: string, token: string, lastChunk?: SentChunk): Promise<Delivery>;
  /** Back to `pending` until `nextAttemptAt`. */
  retry(deliveryId: string, token: string, options: { nextAttemptAt: Date; error: string }): Promise<Delivery>;
  /** Dead-letters; `token` null for operator or stale-sweep actions. */
  deadLetter(deliveryId: string, token: string | null, reason: string): Promise<Delivery>;
  /** Operator retry: a dead delivery goes back to `pending` with fresh attempts and expiry. */
  requeue(deliveryId: string, options: { expiresAt: Date; now?: Date }): Promise<Delivery>;
  get(deliveryId: string): Promise<Delivery | null>;
  list(options?: { status?: DeliveryStatus; traceId?: string; limit?: number }): Promise<Delivery[]>;
  countByStatus(): Promise<Record<DeliveryStatus, number>>;
}

// ---- audit, artifacts, leases ---------------------------------------------------------------

/** Append-only; metadata never holds message text or secrets. */
export interface AuditEvent {
  auditId: string;
  type: string;
  actor: string;
  metadata: JsonObject;
  traceId: string | null;
  createdAt: Date;
}

export interface AuditRepository {
  record(event: { type: string; actor: string; metadata: JsonObject; traceId?: string }): Promise<AuditEvent>;
  list(options?: { type?: string; traceId?: string; limit?: number }): Promise<AuditEvent[]>;
}

export interface Artifact {
  artifactId: string;
  sessionId: string | null;
  filename: string;
  contentType: string;
  storageUri: string;
  sizeBytes: number;
  createdAt: Date;
}

export interface ArtifactRepository {
  record(artifact: Omit<Artifact, 'artifactId' | 'createdAt'> & { artifactId?: string }): Promise<Artifact>;
  get(artifactId: string): Promise<Artifact | null>;
  list(options?: { sessionId?: string; limit?: number }): Promise<Artifact[]>;
}

/** A named, time-limited lock; `token` changes on every acquisition. */
export interface Lease {
  name: string;
  holder: string;
  token: string;
  expiresAt: Date;
}

export interface LeaseRepository {
  /** Succeeds when free, expired, or already held by `holder`; null when someone else holds it. */
  acquire(name: string, holder: string, ttlMs: number, now?: Date): Promise<Lease | null>;
  /** Null when the lease was lost (expired and taken, or released). */
  renew(lease: Lease, ttlMs: number, now?: Date): Promise<Lease | null>;
  release(lease: Lease): Promise<void>;
  get(name: string): Promise<Lease | null>;
}

/**
 * Small named positions a plugin must not lose across restarts, e.g. a polling provider's
 * update offset. Last write wins.
 */
export interface CursorRepository {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}

// ---- retention, backup, trace ---------------------------------------------------------------

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

/** One row of an exported manifest; `importManifest` accepts what `exportManifest` yields. */
export type ManifestRecord =
  | { table: 'identity'; row: Identity }
  | { table: 'session'; row: Session }
  | { table: 'event'; row: SessionEvent }
  | { table: 'job'; row: Job }
  | { table: 'delivery'; row: Delivery }
  | { table: 'audit'; row: AuditEvent }
  | { table: 'artifact'; row: Artifact };

/** Everything the gateway knows about one inbound event, for "where is my message?". */
export interface TraceReport {
  traceId: string;
  inbound: InboundClaim[];
  jobs: Job[];
  events: SessionEvent[];
  deliveries: Delivery[];
  audit: AuditEvent[];
}

/**
 * Durable gateway state as small repositories behind one interface. `memory-store` and
 * `pg-store` pass the same conformance suite (`describeStoreConformance`).
 */
export interface Store {
  readonly kind: string;
  /** `durable`: state survives a restart; `shared`: several processes may use it at once. */
  readonly capabilities: { durable: boolean; shared: boolean };

  start(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<ComponentHealth>;

  readonly identities: IdentityRepository;
  readonly sessions: SessionRepository;
  readonly events: SessionEventRepository;
  readonly inbound: InboundRepository;
  readonly jobs: JobRepository;
  readonly deliveries: DeliveryRepository;
  readonly audit: AuditRepository;
  readonly artifacts: ArtifactRepository;
  readonly leases: LeaseRepository;
  readonly cursors: CursorRepository;

  /**
   * Deletes what the seed's "Backup And Retention" lists, only while `lease` is held (throws
   * `store.lease_lost` otherwise). Keeps running/blocked sessions and any session with an
   * unfinished job. Finished inbound claims and deliveries go with the job window, so those
   * tables do not grow without bound; processing claims and unsent deliveries are kept.
   */
  prune(cutoffs: RetentionCutoffs, lease: Lease): Promise<RetentionResult>;
  exportManifest(): AsyncIterable<ManifestRecord>;
  importManifest(records: AsyncIterable<ManifestRecord> | Iterable<ManifestRecord>): Promise<Record<ManifestRecord['table'], number>>;
  trace(traceId: string): Promise<TraceReport>;
}

/** The string form of an inbound key, shared by every store. */
export function inboundClaimKey(key: InboundKey): string {
  return [key.org ?? '', key.provider, key.instance, key.workspaceId ?? '', key.eventType, key.eventId]
    .map((part) => encodeURIComponent(part))
    .join('|');
}
