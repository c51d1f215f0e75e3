import type {
  Artifact,
  AuditEvent,
  Delivery,
  Identity,
  InboundClaim,
  Job,
  Lease,
  Session,
  SessionEvent,
} from '@cowork-gateway/core';

/**
 * Every table of the memory store. Maps keep insertion order, which the repositories use as
 * the tie-break after timestamps (FIFO for equal `createdAt`).
 */
export class MemoryState {
  /** Identities by {@link identityKeyString}. */
  readonly identities = new Map<string, Identity>();
  readonly sessions = new Map<string, Session>();
  /** Session id by {@link threadKeyString}. */
  readonly threads = new Map<string, string>();
  /** Events of a session, ascending by `seq`. */
  readonly events = new Map<string, SessionEvent[]>();
  readonly inbound = new Map<string, InboundClaim>();
  readonly jobs = new Map<string, Job>();
  /** Job id by idempotency key. */
  readonly jobKeys = new Map<string, string>();
  readonly deliveries = new Map<string, Delivery>();
  readonly audit = new Map<string, AuditEvent>();
  readonly artifacts = new Map<string, Artifact>();
  readonly leases = new Map<string, Lease>();

  /** Drops everything (the store is not durable). */
  clear(): void {
    for (const table of Object.values(this) as Map<unknown, unknown>[]) table.clear();
  }
}

/** The unique key of an identity: provider, workspace (or ''), external user. */
export function identityKeyString(key: { provider: string; workspaceId?: string; externalUserId: string }): string {
  return JSON.stringify([key.provider, key.workspaceId ?? '', key.externalUserId]);
}

/** The unique key of a session: instance, workspace (or ''), chat, thread (or ''). */
export function threadKeyString(key: { instance: string; workspaceId?: string; chatId: string; threadId?: string }): string {
  return JSON.stringify([key.instance, key.workspaceId ?? '', key.chatId, key.threadId ?? '']);
}
