import { StoreNotFound } from '@cowork-gateway/core';
import type { Artifact, AuditEvent, Delivery, Identity, Job, ManifestRecord, Session, SessionEvent } from '@cowork-gateway/core';
import type { Queryable } from './connection.js';
import type { PgDatabase } from './database.js';
import { storedChunks, toArtifact, toAudit, toDelivery, toEvent, toIdentity, toJob, toSession, type Row } from './rows.js';

/** Per-table record counts, every table present. */
export type ManifestCounts = Record<ManifestRecord['table'], number>;

/** Zero for every manifest table. */
export function emptyCounts(): ManifestCounts {
  return { identity: 0, session: 0, event: 0, job: 0, delivery: 0, audit: 0, artifact: 0 };
}

/** Events written per round trip while importing. */
const EVENT_BATCH = 1000;

/** Rows read per round trip while exporting. */
const EXPORT_BATCH = 500;

const EXPORTED: readonly { table: ManifestRecord['table']; query: string; map: (row: Row) => ManifestRecord['row'] }[] = [
  { table: 'identity', query: 'select * from cg_identities order by pos', map: toIdentity },
  { table: 'session', query: 'select * from cg_sessions order by pos', map: toSession },
  { table: 'event', query: 'select * from cg_session_events order by session_id, seq', map: toEvent },
  { table: 'job', query: 'select * from cg_jobs order by pos', map: toJob },
  { table: 'delivery', query: 'select * from cg_deliveries order by pos', map: toDelivery },
  { table: 'audit', query: 'select * from cg_audit_events order by pos', map: toAudit },
  { table: 'artifact', query: 'select * from cg_artifacts order by pos', map: toArtifact },
];

/**
 * Streams every exportable row, sessions before their events, from one repeatable-read
 * snapshot on a reserved connection: writes that land while the caller iterates are not
 * half-included, and memory stays flat however large the database is.
 */
export async function* exportDatabase(db: PgDatabase): AsyncIterable<ManifestRecord> {
  const conn = await db.sql.reserve();
  try {
    await conn`begin isolation level repeatable read read only`;
    for (const source of EXPORTED) {
      for await (const rows of conn.unsafe(source.query).cursor(EXPORT_BATCH)) {
        for (const row of rows) yield { table: source.table, row: source.map(row) } as ManifestRecord;
      }
    }
  } finally {
    await conn`rollback`.catch(() => undefined);
    conn.release();
  }
}

/**
 * Upserts every record by primary key in one transaction (all or nothing), then recomputes the
 * queue heads of imported queues. Dates may arrive as ISO strings (a manifest read back from
 * JSON). An event needs its session (`store.not_found` otherwise).
 */
export async function importDatabase(
  db: PgDatabase,
  records: AsyncIterable<ManifestRecord> | Iterable<ManifestRecord>,
): Promise<ManifestCounts> {
  return (await db.sql.begin(async (tx) => {
    const counts = emptyCounts();
    const queues = new Set<string>();
    // Events, by far the most rows, go in batches: one round trip per batch, not two per row.
    let events: SessionEvent[] = [];
    for await (const record of records) {
      if (record.table === 'event') {
        events.push(record.row);
        if (events.length >= EVENT_BATCH) events = await importEvents(tx, events);
      } else {
        if (events.length > 0) events = await importEvents(tx, events);
        await importRecord(tx, record);
      }
      counts[record.table] += 1;
      if (record.table === 'job' && record.row.queueKey !== null) queues.add(record.row.queueKey);
    }
    if (events.length > 0) await importEvents(tx, events);
    for (const queueKey of queues) await recomputeQueueHead(tx, queueKey);
    return counts;
  })) as ManifestCounts;
}

function importRecord(tx: Queryable, record: ManifestRecord): Promise<void> {
  switch (record.table) {
    case 'identity':
      return importIdentity(tx, record.row);
    case 'session':
      return importSession(tx, record.row);
    case 'event':
      return importEvents(tx, [record.row]).then(() => undefined);
    case 'job':
      return importJob(tx, record.row);
    case 'delivery':
      return importDelivery(tx, record.row);
    case 'audit':
      return importAudit(tx, record.row);
    case 'artifact':
      return importArtifact(tx, record.row);
  }
}

/** An imported identity replaces whichever identity holds its key, as memory-store does. */
async function importIdentity(tx: Queryable, row: Identity): Promise<void> {
  await tx`
    delete from cg_identities
    where provider = ${row.provider} and workspace_id = ${row.workspaceId} and external_user_id = ${row.externalUserId}
      and identity_id <> ${row.identityId}`;
  await tx`
    insert into cg_identities (identity_id, provider, workspace_id, external_user_id, role, status, created_at, updated_at)
    values (${row.identityId}, ${row.provider}, ${row.workspaceId}, ${row.externalUserId}, ${row.role}, ${row.status},
            ${at(row.createdAt)}, ${at(row.updatedAt)})
    on conflict (identity_id) do update set
      provider = excluded.provider, workspace_id = excluded.workspace_id, external_user_id = excluded.external_user_id,
      role = excluded.role, status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at`;
}

async function importSession(tx: Queryable, row: Session): Promise<void> {
  await tx`
    insert into cg_sessions (session_id, instance, provider_kind, workspace_id, chat_id, thread_id, title, status,
                             executor_session_id, last_event_seq, created_at, updated_at)
    values (${row.sessionId}, ${row.instance}, ${row.providerKind}, ${row.workspaceId}, ${row.chatId}, ${row.threadId}, ${row.title},
            ${row.status}, ${row.executorSessionId}, ${row.lastEventSeq}, ${at(row.createdAt)}, ${at(row.updatedAt)})
    on conflict (session_id) do update set
      instance = excluded.instance, provider_kind = excluded.provider_kind, workspace_id = excluded.workspace_id,
      chat_id = excluded.chat_id, thread_id = excluded.thread_id, title = excluded.title, status = excluded.status,
      executor_session_id = excluded.executor_session_id,
      last_event_seq = greatest(cg_sessions.last_event_seq, excluded.last_event_seq),
      created_at = excluded.created_at, updated_at = excluded.updated_at`;
}

/**
 * Upserts a batch of events in one statement and keeps each session's `lastEventSeq` at least
 * its highest imported seq, so appends continue after it. Every event needs its session
 * (`store.not_found` otherwise); within a batch the last record of a key wins. Returns a new,
 * empty batch.
 */
async function importEvents(tx: Queryable, batch: SessionEvent[]): Promise<SessionEvent[]> {
  const byKey = new Map<string, SessionEvent>();
  for (const row of batch) byKey.set(`${row.sessionId}\u0000${row.seq}`, row);
  const rows = [...byKey.values()];
  const highest = new Map<string, number>();
  for (const row of rows) highest.set(row.sessionId, Math.max(highest.get(row.sessionId) ?? 0, row.seq));
  const sessions = [...highest.entries()].map(([session_id, seq]) => ({ session_id, seq }));
  const updated = await tx`
    update cg_sessions s set last_event_seq = greatest(s.last_event_seq, v.seq)
    from jsonb_to_recordset(${tx.json(sessions as never)}) as v(session_id text, seq integer)
    where s.session_id = v.session_id
    returning s.session_id`;
  if (updated.length !== sessions.length) {
    const found = new Set(updated.map((row) => row.session_id as string));
    throw new StoreNotFound({ what: 'session', id: sessions.find((s) => !found.has(s.session_id))!.session_id });
  }
  const values = rows.map((row) => ({ session_id: row.sessionId, seq: row.seq, type: row.type, payload: row.payload, trace_id: row.traceId, created_at: at(row.createdAt).toISOString() }));
  await tx`
    insert into cg_session_events (session_id, seq, type, payload, trace_id, created_at)
    select v.session_id, v.seq, v.type, v.payload, v.trace_id, v.created_at
    from jsonb_to_recordset(${tx.json(values as never)}) as v(session_id text, seq integer, type text, payload jsonb, trace_id text, created_at timestamptz)
    on conflict (session_id, seq) do update set
      type = excluded.type, payload = excluded.payload, trace_id = excluded.trace_id, created_at = excluded.created_at`;
  return [];
}

/** Queue heads are recomputed after the import; until then an imported queued job is not a head. */
async function importJob(tx: Queryable, row: Job): Promise<void> {
  await tx`
    insert into cg_jobs (job_id, kind, status, idempotency_key, queue_key, at_queue_head, session_id, payload, trace_id, attempts,
                         max_attempts, run_at, claimed_by, claim_token, lease_expires_at, last_error, result, created_at, updated_at)
    values (${row.jobId}, ${row.kind}, ${storedJobStatus(row)}, ${row.idempotencyKey}, ${row.queueKey}, ${row.queueKey === null}, ${row.sessionId},
            ${tx.json(row.payload as never)}, ${row.traceId}, ${row.attempts}, ${row.maxAttempts}, ${at(row.runAt)}, ${row.claimedBy},
            ${row.claimToken}, ${atOrNull(row.leaseExpiresAt)}, ${row.lastError},
            ${row.result === null ? null : tx.json(row.result as never)}, ${at(row.createdAt)}, ${at(row.updatedAt)})
    on conflict (job_id) do update set
      kind = excluded.kind, status = excluded.status, idempotency_key = excluded.idempotency_key, queue_key = excluded.queue_key,
      at_queue_head = excluded.at_queue_head, session_id = excluded.session_id, payload = excluded.payload,
      trace_id = excluded.trace_id, attempts = excluded.attempts, max_attempts = excluded.max_attempts, run_at = excluded.run_at,
      claimed_by = excluded.claimed_by, claim_token = excluded.claim_token, lease_expires_at = excluded.lease_expires_at,
      last_error = excluded.last_error, result = excluded.result, created_at = excluded.created_at, updated_at = excluded.updated_at`;
}

async function importDelivery(tx: Queryable, row: Delivery): Promise<void> {
  const chunks = storedChunks(row.chunks);
  await tx`
    insert into cg_deliveries (delivery_id, instance, target, purpose, session_id, job_id, trace_id, chunks, chunks_sent, status,
                               attempts, max_attempts, next_attempt_at, claimed_by, claim_token, lease_expires_at, last_error,
                               dead_reason, expires_at, created_at, updated_at)
    values (${row.deliveryId}, ${row.instance}, ${tx.json(row.target as never)}, ${row.purpose}, ${row.sessionId}, ${row.jobId},
            ${row.traceId}, ${tx.json(chunks as never)}, ${row.chunksSent}, ${row.status}, ${row.attempts}, ${row.maxAttempts},
            ${at(row.nextAttemptAt)}, ${row.claimedBy}, ${row.claimToken}, ${atOrNull(row.leaseExpiresAt)}, ${row.lastError},
            ${row.deadReason}, ${at(row.expiresAt)}, ${at(row.createdAt)}, ${at(row.updatedAt)})
    on conflict (delivery_id) do update set
      instance = excluded.instance, target = excluded.target, purpose = excluded.purpose, session_id = excluded.session_id,
      job_id = excluded.job_id, trace_id = excluded.trace_id, chunks = excluded.chunks, chunks_sent = excluded.chunks_sent,
      status = excluded.status, attempts = excluded.attempts, max_attempts = excluded.max_attempts,
      next_attempt_at = excluded.next_attempt_at, claimed_by = excluded.claimed_by, claim_token = excluded.claim_token,
      lease_expires_at = excluded.lease_expires_at, last_error = excluded.last_error, dead_reason = excluded.dead_reason,
      expires_at = excluded.expires_at, created_at = excluded.created_at, updated_at = excluded.updated_at`;
}

async function importAudit(tx: Queryable, row: AuditEvent): Promise<void> {
  await tx`
    insert into cg_audit_events (audit_id, type, actor, metadata, trace_id, created_at)
    values (${row.auditId}, ${row.type}, ${row.actor}, ${tx.json(row.metadata as never)}, ${row.traceId}, ${at(row.createdAt)})
    on conflict (audit_id) do update set
      type = excluded.type, actor = excluded.actor, metadata = excluded.metadata, trace_id = excluded.trace_id,
      created_at = excluded.created_at`;
}

async function importArtifact(tx: Queryable, row: Artifact): Promise<void> {
  await tx`
    insert into cg_artifacts (artifact_id, session_id, filename, content_type, storage_uri, size_bytes, created_at)
    values (${row.artifactId}, ${row.sessionId}, ${row.filename}, ${row.contentType}, ${row.storageUri}, ${row.sizeBytes},
            ${at(row.createdAt)})
    on conflict (artifact_id) do update set
      session_id = excluded.session_id, filename = excluded.filename, content_type = excluded.content_type,
      storage_uri = excluded.storage_uri, size_bytes = excluded.size_bytes, created_at = excluded.created_at`;
}

/** Makes exactly the oldest unfinished job of `queueKey` its head, under the queue's lock. */
async function recomputeQueueHead(tx: Queryable, queueKey: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(1667721841, hashtext(${queueKey}))`;
  await tx`update cg_jobs set at_queue_head = false where queue_key = ${queueKey} and at_queue_head`;
  await tx`select cg_promote_queue_head(${queueKey})`;
}

/** Pending and running jobs are both `queued` in the table; the claim token tells them apart. */
function storedJobStatus(row: Job): string {
  return row.status === 'pending' || row.status === 'running' ? 'queued' : row.status;
}

function at(value: Date | string): Date {
  return new Date(value);
}

function atOrNull(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}
