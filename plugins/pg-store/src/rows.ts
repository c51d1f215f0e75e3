/**
 * Row mappers: database rows (snake_case columns) to the Store contract's objects, field for
 * field the shape memory-store returns.
 */
import type {
  Artifact,
  AuditEvent,
  Delivery,
  DeliveryChunk,
  Identity,
  InboundClaim,
  Job,
  JsonObject,
  Lease,
  Session,
  SessionEvent,
} from '@cowork-gateway/core';

/** A raw row as postgres.js returns it. */
export type Row = Record<string, unknown>;

const date = (value: unknown): Date => value as Date;
const maybeDate = (value: unknown): Date | null => (value === null ? null : (value as Date));
const text = (value: unknown): string => value as string;
const maybeText = (value: unknown): string | null => (value === null ? null : (value as string));
const int = (value: unknown): number => Number(value);

export function toIdentity(row: Row): Identity {
  return {
    identityId: text(row.identity_id),
    provider: text(row.provider),
    workspaceId: text(row.workspace_id),
    externalUserId: text(row.external_user_id),
    role: row.role as Identity['role'],
    status: row.status as Identity['status'],
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

export function toSession(row: Row): Session {
  return {
    sessionId: text(row.session_id),
    instance: text(row.instance),
    providerKind: text(row.provider_kind),
    workspaceId: text(row.workspace_id),
    chatId: text(row.chat_id),
    threadId: text(row.thread_id),
    title: text(row.title),
    status: row.status as Session['status'],
    executorSessionId: maybeText(row.executor_session_id),
    lastEventSeq: int(row.last_event_seq),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

export function toEvent(row: Row): SessionEvent {
  return {
    sessionId: text(row.session_id),
    seq: int(row.seq),
    type: text(row.type),
    payload: row.payload as JsonObject,
    traceId: maybeText(row.trace_id),
    createdAt: date(row.created_at),
  };
}

export function toInboundClaim(row: Row): InboundClaim {
  return {
    key: text(row.key),
    instance: text(row.instance),
    eventId: text(row.event_id),
    status: row.status as InboundClaim['status'],
    owner: text(row.owner),
    token: text(row.token),
    leaseExpiresAt: date(row.lease_expires_at),
    retryable: row.retryable as boolean,
    attempts: int(row.attempts),
    traceId: text(row.trace_id),
    lastError: maybeText(row.last_error),
    result: (row.result ?? null) as JsonObject | null,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

/**
 * A job's Store status. In the table an unfinished job is `queued` and its claim token tells
 * running from pending (migration 0004: a claim changes no indexed column).
 */
export function jobStatus(row: Row): Job['status'] {
  if (row.status !== 'queued') return row.status as Job['status'];
  return row.claim_token === null ? 'pending' : 'running';
}

export function toJob(row: Row): Job {
  return {
    jobId: text(row.job_id),
    kind: row.kind as Job['kind'],
    status: jobStatus(row),
    idempotencyKey: text(row.idempotency_key),
    queueKey: maybeText(row.queue_key),
    sessionId: maybeText(row.session_id),
    payload: row.payload as JsonObject,
    traceId: maybeText(row.trace_id),
    attempts: int(row.attempts),
    maxAttempts: int(row.max_attempts),
    runAt: date(row.run_at),
    claimedBy: maybeText(row.claimed_by),
    claimToken: maybeText(row.claim_token),
    leaseExpiresAt: maybeDate(row.lease_expires_at),
    lastError: maybeText(row.last_error),
    result: (row.result ?? null) as JsonObject | null,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

/** A chunk as stored in the `chunks` jsonb array (`sentAt` as an ISO string). */
export interface StoredChunk {
  chunkId: string;
  message: DeliveryChunk['message'];
  providerMessageId: string | null;
  sentAt: string | null;
}

export function toDelivery(row: Row): Delivery {
  const chunks = (row.chunks as StoredChunk[]).map(
    (chunk): DeliveryChunk => ({
      chunkId: chunk.chunkId,
      message: chunk.message,
      providerMessageId: chunk.providerMessageId,
      sentAt: chunk.sentAt === null ? null : new Date(chunk.sentAt),
    }),
  );
  return {
    deliveryId: text(row.delivery_id),
    instance: text(row.instance),
    target: row.target as Delivery['target'],
    purpose: row.purpose as Delivery['purpose'],
    sessionId: maybeText(row.session_id),
    jobId: maybeText(row.job_id),
    traceId: maybeText(row.trace_id),
    chunks,
    chunksSent: int(row.chunks_sent),
    status: row.status as Delivery['status'],
    attempts: int(row.attempts),
    maxAttempts: int(row.max_attempts),
    nextAttemptAt: date(row.next_attempt_at),
    claimedBy: maybeText(row.claimed_by),
    claimToken: maybeText(row.claim_token),
    leaseExpiresAt: maybeDate(row.lease_expires_at),
    lastError: maybeText(row.last_error),
    deadReason: maybeText(row.dead_reason),
    expiresAt: date(row.expires_at),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

/** Chunks in their stored form (dates as ISO strings). */
export function storedChunks(chunks: readonly DeliveryChunk[]): StoredChunk[] {
  return chunks.map((chunk) => ({
    chunkId: chunk.chunkId,
    message: chunk.message,
    providerMessageId: chunk.providerMessageId,
    sentAt: chunk.sentAt === null ? null : new Date(chunk.sentAt).toISOString(),
  }));
}

export function toAudit(row: Row): AuditEvent {
  return {
    auditId: text(row.audit_id),
    type: text(row.type),
    actor: text(row.actor),
    metadata: row.metadata as JsonObject,
    traceId: maybeText(row.trace_id),
    createdAt: date(row.created_at),
  };
}

export function toArtifact(row: Row): Artifact {
  return {
    artifactId: text(row.artifact_id),
    sessionId: maybeText(row.session_id),
    filename: text(row.filename),
    contentType: text(row.content_type),
    storageUri: text(row.storage_uri),
    sizeBytes: int(row.size_bytes),
    createdAt: date(row.created_at),
  };
}

export function toLease(row: Row): Lease {
  return { name: text(row.name), holder: text(row.holder), token: text(row.token), expiresAt: date(row.expires_at) };
}
