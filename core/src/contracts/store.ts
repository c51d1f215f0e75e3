import type { ComponentHealth, JsonObject, Role } from './common.js';
import type { DeliveryTarget, OutboundMessage } from './provider.js';
import type { OperatorStore } from './store/operator.js';
import type { StoreFastPaths } from './store/fast-paths.js';

export type {
  IdentityAdmin,
  ManifestRecord,
  OperatorPart,
  OperatorStore,
  RetentionCutoffs,
  RetentionResult,
  StoreCounts,
  StoreActions,
  StoreLists,
  StoreManifest,
  StorePrune,
  StoreTrace,
  TraceReport,
} from './store/operator.js';
export { OPERATOR_PARTS } from './store/operator.js';
export type { ClaimFor, StoreFastPaths } from './store/fast-paths.js';

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
   * returned unchanged (appending its events is what marks activity in `updatedAt`). `actor`
   * is the external user id whose message opens or uses the thread; a store whose thread
   * binding is owned elsewhere (the Cloud store) forwards it, others ignore it.
   */
  findOrCreate(key: ThreadKey & { providerKind: string; title: string; actor?: string }): Promise<{ session: Session; created: boolean }>;
  get(sessionId: string): Promise<Session | null>;
  /** The session of a thread, or null; never creates one. */
  findByThread(key: ThreadKey): Promise<Session | null>;
  /**
   * Write-once: the first executor session id wins and is returned thereafter, unless `replacing`
   * names the current id (the executor lost that session), which is then swapped atomically.
   */
  setExecutorSession(sessionId: string, executorSessionId: string, replacing?: string): Promise<Session>;
  setStatus(sessionId: string, status: SessionStatus): Promise<Session>;
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
   * Appends in order with consecutive `seq`s, atomically; safe under concurrent writers. An
   * unknown session throws `store.not_found`. (Setting the status in the same step is the
   * optional fast path `StoreFastPaths.appendEventsWithStatus`.)
   */
  append(sessionId: string, events: NewSessionEvent[]): Promise<SessionEvent[]>;
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

/** Options of `inbound.claim`; the lease starts at the store's clock. */
export interface InboundClaimOptions {
  owner: string;
  leaseMs: number;
  traceId: string;
}

export type ClaimOutcome = { outcome: 'claimed'; claim: InboundClaim } | { outcome: 'duplicate'; claim: InboundClaim };

export interface InboundRepository {
  /**
   * Claims a provider event. A completed event, one still processing under a live lease, or a
   * failed one not marked retryable is a `duplicate`; an expired or retryable claim is taken over.
   */
  claim(key: InboundKey, options: InboundClaimOptions): Promise<ClaimOutcome>;
  complete(key: string, token: string, result?: JsonObject): Promise<InboundClaim>;
  fail(key: string, token: string, options: { retryable: boolean; error: string }): Promise<InboundClaim>;
  get(key: string): Promise<InboundClaim | null>;
}

// ---- jobs ---------------------------------------------------------------------------------

export const JOB_KINDS = ['prompt', 'workflow', 'watch', 'team_task'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'dead';
export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'dead'];
/**
 * `maxAttempts` of a job enqueued without one; also the default of the `JOB_MAX_ATTEMPTS`
 * setting (the one place this number is defined).
 */
export const DEFAULT_JOB_MAX_ATTEMPTS = 3;
/** How long a job or delivery claim lasts by default; the default of `JOB_LEASE_SECONDS`. */
export const DEFAULT_JOB_LEASE_MS = 30_000;
/** How long an inbound claim lasts by default while the event is processed. */
export const DEFAULT_INBOUND_LEASE_MS = 30_000;

export interface JobClaimOptions {
  workerId: string;
  leaseMs: number;
  kinds?: readonly JobKind[];
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
   * Claims the next due job at the store's clock: `pending` with `runAt <= now`, or `running` with an expired lease.
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
  /** Number of unfinished jobs of the same queue ahead of this one (0 = runs next). */
  queuePosition(jobId: string): Promise<number>;
}

// ---- deliveries outbox --------------------------------------------------------------------

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'dead';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'sending', 'sent', 'dead'];
/**
 * `maxAttempts` of a delivery enqueued without one; also the default of the
 * `DELIVERY_MAX_ATTEMPTS` setting (the one place this number is defined).
 */
export const DEFAULT_DELIVERY_MAX_ATTEMPTS = 8;

export interface DeliveryClaimOptions {
  workerId: string;
  leaseMs: number;
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
}

/** A chunk the provider accepted: its 0-based position in `chunks` and the provider's message id. */
export interface SentChunk {
  index: number;
  providerMessageId: string;
}

export interface DeliveryRepository {
  /** Idempotent by `deliveryId`. */
  enqueue(delivery: NewDelivery): Promise<{ delivery: Delivery; created: boolean }>;
  /**
   * Claims a due delivery at the store's clock (`pending` and due, or `sending` with an expired
   * lease); increments `attempts`.
   */
  claim(options: DeliveryClaimOptions): Promise<Delivery | null>;
  /** Records chunk `index` (0-based position in `chunks`; chunk ids count from 1) as sent. */
  markChunkSent(deliveryId: string, token: string, index: number, providerMessageId: string): Promise<Delivery>;
  /** Marks the delivery `sent`. */
  complete(deliveryId: string, token: string): Promise<Delivery>;
  /** Back to `pending` until `nextAttemptAt`. */
  retry(deliveryId: string, token: string, options: { nextAttemptAt: Date; error: string }): Promise<Delivery>;
  /** Dead-letters; `token` null for operator or stale-sweep actions. */
  deadLetter(deliveryId: string, token: string | null, reason: string): Promise<Delivery>;
  get(deliveryId: string): Promise<Delivery | null>;
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
}

/** A named, time-limited lock; `token` changes on every acquisition. */
export interface Lease {
  name: string;
  holder: string;
  token: string;
  expiresAt: Date;
}

export interface LeaseRepository {
  /**
   * Succeeds when free, expired, or already held by `holder`; null when someone else holds it.
   * The lease runs until the store's clock + `ttlMs`.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null>;
  /** Null when the lease was lost (expired and taken, or released). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
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

/**
 * Durable gateway state as small repositories behind one interface: the runtime part the kernel
 * needs to run a conversation. Operator parts (lists, counts, trace, prune, manifest, actions)
 * sit behind the optional {@link Store.operator}, and fused round trips behind the optional
 * {@link Store.fastPaths}; core composes the latter from these primitives when absent.
 * All times (claims, leases, timestamps) come from the store's one injected `Clock` (the
 * `CLOCK` token of its plugin container); no method takes a `now`. `memory-store` and
 * `pg-store` pass the same Store kit (`describeStoreConformance`).
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
   * The operator parts this store has; absent means none. Each part is optional too, so a
   * caller must check the part before use (see `operatorPart` / `requireOperatorPart`).
   */
  readonly operator?: OperatorStore;
  /** Fused round trips this store has; core composes each missing one from the primitives. */
  readonly fastPaths?: StoreFastPaths;
}

/** The string form of an inbound key, shared by every store. */
export function inboundClaimKey(key: InboundKey): string {
  return [key.org ?? '', key.provider, key.instance, key.workspaceId ?? '', key.eventType, key.eventId]
    .map((part) => encodeURIComponent(part))
    .join('|');
}
