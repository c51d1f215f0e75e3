import { randomUUID } from 'node:crypto';
import { DEFAULT_JOB_MAX_ATTEMPTS, JOB_STATUSES, StoreNotFound, StoreStaleClaim } from '@cowork-gateway/core';
import type { EnqueuedJob, Job, JobClaimOptions, JobKind, JobRepository, JobStatus, JsonObject, NewJob, NewSessionEvent, Session } from '@cowork-gateway/core';

/** A job plus the session events the fused enqueue appends with it (`StoreFastPaths.enqueueJobWithEvents`). */
export type NewJobWithEvents = NewJob & { sessionEvents?: NewSessionEvent[] };
import type { MemoryEvents } from './memory-events.js';
import type { MemoryState } from './memory-state.js';
import { copy, expired, limited, newestFirst, plus } from './rows.js';

/** Attempts a job gets when `maxAttempts` is not given (upstream: dead once attempts reach 3). */

/**
 * The job queue. A claim looks only at unfinished jobs (an index kept in {@link MemoryState});
 * it runs synchronously, so two concurrent claims never get the same job.
 */
export class MemoryJobs implements JobRepository {
  constructor(
    private readonly state: MemoryState,
    private readonly events: MemoryEvents,
  ) {}

  /** Idempotent by `idempotencyKey`; `sessionEvents` are appended atomically with a created job. */
  async enqueue(input: NewJobWithEvents): Promise<EnqueuedJob> {
    const existingId = this.state.jobKeys.get(input.idempotencyKey);
    const existing = existingId === undefined ? undefined : this.state.jobs.get(existingId);
    if (existing) return { job: copy(existing), created: false, queuePosition: await this.queuePosition(existing.jobId) };
    const session = this.sessionFor(input);
    const now = this.state.now();
    const job = newJob(input, now);
    this.state.jobs.set(job.jobId, job);
    this.state.jobKeys.set(job.idempotencyKey, job.jobId);
    this.state.trackJob(job);
    if (session) {
      const events = input.sessionEvents!.map((e) => ({ ...e, payload: { ...e.payload, jobId: job.jobId } }));
      this.events.appendTo(session, events, now);
    }
    return { job: copy(job), created: true, queuePosition: await this.queuePosition(job.jobId) };
  }

  async claim(options: JobClaimOptions): Promise<Job | null> {
    const now = this.state.now();
    for (let job = this.nextDue(now, options.kinds); job; job = this.nextDue(now, options.kinds)) {
      if (job.attempts < job.maxAttempts) return copy(take(job, options, now));
      bury(job, now);
      this.state.trackJob(job);
    }
    return null;
  }

  async heartbeat(jobId: string, token: string, leaseMs: number): Promise<Job> {
    const job = this.held(jobId, token);
    const now = this.state.now();
    job.leaseExpiresAt = plus(now, leaseMs);
    job.updatedAt = now;
    return copy(job);
  }

  async complete(jobId: string, token: string, result?: JsonObject): Promise<Job> {
    const job = this.held(jobId, token);
    release(job, 'completed', this.state.now());
    this.state.trackJob(job);
    job.result = result === undefined ? null : copy(result);
    return copy(job);
  }

  async fail(jobId: string, token: string, options: { error: string; retryAt?: Date }): Promise<Job> {
    const job = this.held(jobId, token);
    const retry = options.retryAt !== undefined && job.attempts < job.maxAttempts;
    release(job, options.retryAt === undefined ? 'failed' : retry ? 'pending' : 'dead', this.state.now());
    this.state.trackJob(job);
    job.lastError = options.error;
    if (retry && options.retryAt) job.runAt = new Date(options.retryAt);
    return copy(job);
  }

  async get(jobId: string): Promise<Job | null> {
    const job = this.state.jobs.get(jobId);
    return job ? copy(job) : null;
  }

  async list(options: { status?: JobStatus; kind?: JobKind; limit?: number } = {}): Promise<Job[]> {
    const rows = newestFirst(this.state.jobs.values())
      .filter((j) => options.status === undefined || j.status === options.status)
      .filter((j) => options.kind === undefined || j.kind === options.kind);
    return limited(rows, options.limit);
  }

  async queuePosition(jobId: string): Promise<number> {
    const job = this.state.jobs.get(jobId);
    if (!job) throw new StoreNotFound({ what: 'job', id: jobId });
    if (job.queueKey === null || !unfinished(job)) return 0;
    const queue = this.queue(job.queueKey);
    return queue.indexOf(job);
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const job of this.state.jobs.values()) counts[job.status] += 1;
    return counts;
  }

  /**
   * The due job with the earliest `runAt` (then `createdAt`, then insertion) that its queue lets
   * run. Looks only at queue heads and unqueued jobs, through the indexes kept by
   * {@link MemoryState.trackJob}, so a backlog does not slow claims down.
   */
  private nextDue(now: Date, kinds: readonly JobKind[] | undefined): Job | undefined {
    let best: Job | undefined;
    for (const job of this.candidates()) {
      if (!due(job, now) || (kinds !== undefined && !kinds.includes(job.kind)) || !this.mayRun(job, now)) continue;
      if (!best || runsBefore(job, best)) best = job;
    }
    return best;
  }

  /** Unqueued unfinished jobs and the head of every queue: the only jobs a claim may take. */
  private *candidates(): Iterable<Job> {
    for (const id of this.state.unqueuedJobs) yield this.state.jobs.get(id)!;
    for (const queue of this.state.queues.values()) yield queue[0]!;
  }

  /** Only the oldest unfinished job of a queue runs, and never beside a live lease in that queue. */
  private mayRun(job: Job, now: Date): boolean {
    if (job.queueKey === null) return true;
    const queue = this.queue(job.queueKey);
    return queue[0] === job && !queue.some((j) => j !== job && j.status === 'running' && !expired(j.leaseExpiresAt, now));
  }

  /** Unfinished jobs of a queue in FIFO order. */
  private queue(queueKey: string): Job[] {
    return this.state.queues.get(queueKey) ?? [];
  }

  /** The session that `sessionEvents` go to (none without events); `store.not_found` when unknown. */
  private sessionFor(input: NewJobWithEvents): Session | undefined {
    if (!input.sessionEvents?.length) return undefined;
    const session = input.sessionId === undefined ? undefined : this.state.sessions.get(input.sessionId);
    if (!session) throw new StoreNotFound({ what: 'session', id: input.sessionId ?? '(no sessionId given)' });
    return session;
  }

  private held(jobId: string, token: string): Job {
    const job = this.state.jobs.get(jobId);
    if (!job) throw new StoreNotFound({ what: 'job', id: jobId });
    if (job.status !== 'running' || job.claimToken !== token) throw new StoreStaleClaim({ what: 'job', id: jobId });
    return job;
  }
}

function newJob(input: NewJob, now: Date): Job {
  return {
    jobId: randomUUID(),
    kind: input.kind,
    status: 'pending',
    idempotencyKey: input.idempotencyKey,
    queueKey: input.queueKey ?? null,
    sessionId: input.sessionId ?? null,
    payload: copy(input.payload),
    traceId: input.traceId ?? null,
    attempts: 0,
    maxAttempts: input.maxAttempts ?? DEFAULT_JOB_MAX_ATTEMPTS,
    runAt: input.runAt ? new Date(input.runAt) : now,
    claimedBy: null,
    claimToken: null,
    leaseExpiresAt: null,
    lastError: null,
    result: null,
    createdAt: now,
    updatedAt: now,
  };
}

function runsBefore(a: Job, b: Job): boolean {
  const byRunAt = a.runAt.getTime() - b.runAt.getTime();
  if (byRunAt !== 0) return byRunAt < 0;
  return a.createdAt.getTime() < b.createdAt.getTime();
}

function unfinished(job: Job): boolean {
  return job.status === 'pending' || job.status === 'running';
}

function due(job: Job, now: Date): boolean {
  if (job.status === 'pending') return job.runAt.getTime() <= now.getTime();
  return job.status === 'running' && expired(job.leaseExpiresAt, now);
}

function take(job: Job, options: JobClaimOptions, now: Date): Job {
  job.status = 'running';
  job.attempts += 1;
  job.claimedBy = options.workerId;
  job.claimToken = randomUUID();
  job.leaseExpiresAt = plus(now, options.leaseMs);
  job.updatedAt = now;
  return job;
}

/** A job whose attempts are used up is dead instead of claimed again. */
function bury(job: Job, now: Date): void {
  release(job, 'dead', now);
  job.lastError = `lease expired after ${job.attempts} attempts`;
}

function release(job: Job, status: JobStatus, now: Date): void {
  job.status = status;
  job.claimToken = null;
  job.leaseExpiresAt = null;
  job.updatedAt = now;
}
