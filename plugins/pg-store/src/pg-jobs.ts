import { randomUUID } from 'node:crypto';
import { DEFAULT_JOB_MAX_ATTEMPTS, JOB_STATUSES, StoreNotFound, StoreStaleClaim } from '@cowork-gateway/core';
import type { EnqueuedJob, Job, JobClaimOptions, JobKind, JobRepository, JobStatus, JsonObject, NewJob, NewSessionEvent } from '@cowork-gateway/core';
import { plus, sqlLimit, type PgDatabase } from './database.js';
import { toJob, type Row } from './rows.js';

/** Attempts a job gets when `maxAttempts` is not given (as memory-store). */
/** Most exhausted, expired jobs one claim dead-letters before looking again. */
const BURY_BATCH = 20;
/** SQLSTATE `cg_enqueue_job_with_events` raises for events of an unknown session. */
const SESSION_MISSING = 'P0002';

/**
 * The job queue. A claim is one statement (`cg_claim_job`, migrations 0003–0005): it locks
 * (`FOR UPDATE SKIP LOCKED`) the first row of the ready index (queue heads by run time) that is
 * unclaimed or whose lease expired, and updates it in place. Cost does not grow with the
 * backlog, and concurrent claimers in any number of processes never take the same job. In the
 * table an unfinished job is `queued`; its claim token makes it `running` (see `jobStatus`).
 * Queue heads are kept by SQL functions (`cg_enqueue_job_with_events`, `cg_finish_job`,
 * `cg_bury_expired_jobs`).
 *
 * Claims and heartbeats commit with `synchronous_commit = off` (for that transaction only):
 * losing one in a database crash only makes a job claimable again, which a lease expiry can do
 * anyway, and the next synchronous commit (every enqueue, complete and fail) flushes it. This
 * halves the WAL flushes per job.
 */
export class PgJobs implements JobRepository {
  constructor(private readonly db: PgDatabase) {}

  /** The Store status of a row in SQL (see {@link jobStatus}). */
  private get stateSql() {
    return this.db.sql`case when status = 'queued' then case when claim_token is null then 'pending' else 'running' end else status end`;
  }

  /**
   * One statement (`cg_enqueue_job_with_events`): the job, its session events when it is
   * created, and its queue position, counted under the queue lock.
   */
  async enqueue(input: NewJob & { sessionEvents?: NewSessionEvent[] }): Promise<EnqueuedJob> {
    const now = this.db.now();
    const sql = this.db.sql;
    const jobId = randomUUID();
    const events = (input.sessionEvents ?? []).map((e) => ({ type: e.type, payload: e.payload, traceId: e.traceId ?? null }));
    if (events.length > 0 && input.sessionId === undefined) throw new StoreNotFound({ what: 'session', id: '(no sessionId given)' });
    let rows: Row[];
    try {
      rows = await sql`
        select (e.job).*, e.queue_ahead from cg_enqueue_job_with_events(${jobId}, ${input.kind}, ${input.idempotencyKey},
          ${input.queueKey ?? null}, ${input.sessionId ?? null}, ${sql.json(input.payload as never)}, ${input.traceId ?? null},
          ${input.maxAttempts ?? DEFAULT_JOB_MAX_ATTEMPTS}, ${input.runAt ?? now}, ${now}, ${sql.json(events as never)}) e`;
    } catch (error) {
      if ((error as { code?: string }).code === SESSION_MISSING) throw new StoreNotFound({ what: 'session', id: input.sessionId! });
      throw error;
    }
    const [row] = rows;
    if (row) return { job: toJob(row), created: true, queuePosition: Number(row.queue_ahead) };
    const [existing] = await sql`select * from cg_jobs where idempotency_key = ${input.idempotencyKey}`;
    if (!existing) throw new StoreNotFound({ what: 'job with idempotency key', id: input.idempotencyKey });
    const job = toJob(existing);
    return { job, created: false, queuePosition: await this.queuePosition(job.jobId) };
  }

  /** One statement (`cg_claim_job_or_bury`): exhausted, expired jobs met on the way are buried. */
  async claim(options: JobClaimOptions): Promise<Job | null> {
    const now = this.db.now();
    const kinds = options.kinds === undefined ? null : [...options.kinds];
    const [row] = await this.db.sql`
      select * from cg_claim_job_or_bury(${now}, ${kinds}::text[], ${options.workerId}, ${randomUUID()},
        ${plus(now, options.leaseMs)}, ${BURY_BATCH})`;
    return row ? toJob(row) : null;
  }

  async heartbeat(jobId: string, token: string, leaseMs: number): Promise<Job> {
    const now = this.db.now();
    const [row] = await this.db.sql`
      with async_commit as (select set_config('synchronous_commit', 'off', true))
      update cg_jobs set lease_expires_at = ${plus(now, leaseMs)}, updated_at = ${now}
      from async_commit
      where job_id = ${jobId} and status = 'queued' and claim_token = ${token}
      returning cg_jobs.*`;
    return this.heldOrThrow(jobId, row);
  }

  async complete(jobId: string, token: string, result?: JsonObject): Promise<Job> {
    const sql = this.db.sql;
    const [row] = await sql`
      select * from cg_finish_job(${jobId}, ${token}, 'complete', ${result === undefined ? null : sql.json(result as never)},
        null, null, ${this.db.now()})`;
    return this.heldOrThrow(jobId, row);
  }

  async fail(jobId: string, token: string, options: { error: string; retryAt?: Date }): Promise<Job> {
    const [row] = await this.db.sql`
      select * from cg_finish_job(${jobId}, ${token}, 'fail', null, ${options.error}, ${options.retryAt ?? null}, ${this.db.now()})`;
    return this.heldOrThrow(jobId, row);
  }

  async get(jobId: string): Promise<Job | null> {
    const [row] = await this.db.sql`select * from cg_jobs where job_id = ${jobId}`;
    return row ? toJob(row) : null;
  }

  async list(options: { status?: JobStatus; kind?: JobKind; limit?: number } = {}): Promise<Job[]> {
    const rows = await this.db.sql`
      select * from cg_jobs
      where (${options.status ?? null}::text is null or ${this.stateSql} = ${options.status ?? null})
        and (${options.kind ?? null}::text is null or kind = ${options.kind ?? null})
      order by created_at desc, pos desc
      limit ${sqlLimit(options.limit)}`;
    return rows.map(toJob);
  }

  async queuePosition(jobId: string): Promise<number> {
    const [row] = await this.db.sql`
      select case
        when j.queue_key is null or j.status <> 'queued' then 0
        else (select count(*) from cg_jobs k
              where k.queue_key = j.queue_key and k.status = 'queued'
                and (k.created_at, k.pos) < (j.created_at, j.pos))
        end::int as position
      from cg_jobs j where j.job_id = ${jobId}`;
    if (!row) throw new StoreNotFound({ what: 'job', id: jobId });
    return Number(row.position);
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = await this.db.sql`select ${this.stateSql} as state, count(*)::int as n from cg_jobs group by 1`;
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of rows) counts[row.state as JobStatus] = Number(row.n);
    return counts;
  }

  /** The updated job, or `store.stale_claim` / `store.not_found` when the guarded update matched nothing. */
  private async heldOrThrow(jobId: string, row: Row | undefined): Promise<Job> {
    if (row) return toJob(row);
    if (await this.get(jobId)) throw new StoreStaleClaim({ what: 'job', id: jobId });
    throw new StoreNotFound({ what: 'job', id: jobId });
  }
}
