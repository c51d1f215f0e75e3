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
import { MinHeap } from './min-heap.js';
import type { Clock } from '@cowork-gateway/core';

/**
 * Every table of the memory store. Maps keep insertion order, which the repositories use as
 * the tie-break after timestamps (FIFO for equal `createdAt`).
 */
export class MemoryState {
  /** @param clock - The store's one clock: every timestamp, claim and lease reads it. */
  constructor(private readonly clock: Clock) {}

  /** The store's current time. */
  now(): Date {
    return this.clock.now();
  }

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
  readonly cursors = new Map<string, string>();
  /** Ids of pending and running jobs without a queue key (a claim also looks at each queue's head). */
  readonly unqueuedJobs = new Set<string>();
  /** Unfinished jobs of each queue key, oldest first: only the head may run. */
  readonly queues = new Map<string, Job[]>();
  /**
   * Unsent deliveries by the time they become claimable (`nextAttemptAt` when pending, the lease
   * expiry when sending). Entries are never removed in place: one whose ticket no longer matches
   * {@link deliveryTickets} is stale and skipped when popped.
   */
  readonly deliveryQueue = new MinHeap<DueEntry>((a, b) => (a.at - b.at || a.createdAt - b.createdAt || a.ticket - b.ticket) < 0);
  readonly deliveryTickets = new Map<string, number>();
  private nextTicket = 0;

  /** Drops everything (the store is not durable). */
  clear(): void {
    for (const table of Object.values(this)) if (typeof (table as { clear?: unknown }).clear === 'function') (table as { clear(): void }).clear();
  }

  /** Keeps the job indexes in step with a job's status; call after every status change. */
  trackJob(job: Job): void {
    const active = job.status === 'pending' || job.status === 'running';
    if (job.queueKey === null) {
      if (active) this.unqueuedJobs.add(job.jobId);
      else this.unqueuedJobs.delete(job.jobId);
      return;
    }
    const queue = this.queues.get(job.queueKey);
    if (active) {
      if (!queue?.includes(job)) this.queues.set(job.queueKey, insertByCreation(queue ?? [], job));
      return;
    }
    if (!queue) return;
    const rest = queue.filter((j) => j !== job);
    if (rest.length) this.queues.set(job.queueKey!, rest);
    else this.queues.delete(job.queueKey!);
  }

  /** Keeps the delivery index in step with a delivery; call after every change of status or time. */
  trackDelivery(delivery: Delivery): void {
    const at = delivery.status === 'pending' ? delivery.nextAttemptAt : delivery.status === 'sending' ? delivery.leaseExpiresAt : null;
    if (at === null) {
      this.deliveryTickets.delete(delivery.deliveryId);
      return;
    }
    const ticket = ++this.nextTicket;
    this.deliveryTickets.set(delivery.deliveryId, ticket);
    this.deliveryQueue.push({ id: delivery.deliveryId, at: at.getTime(), createdAt: delivery.createdAt.getTime(), ticket });
  }

  /** Whether a popped queue entry still describes its delivery. */
  isCurrent(entry: DueEntry): boolean {
    return this.deliveryTickets.get(entry.id) === entry.ticket;
  }

  /** Rebuilds every index from the tables (after an import). */
  reindex(): void {
    this.unqueuedJobs.clear();
    this.queues.clear();
    this.deliveryQueue.clear();
    this.deliveryTickets.clear();
    for (const job of this.jobs.values()) this.trackJob(job);
    for (const delivery of this.deliveries.values()) this.trackDelivery(delivery);
  }
}

function insertByCreation(queue: Job[], job: Job): Job[] {
  const at = queue.findIndex((j) => j.createdAt.getTime() > job.createdAt.getTime());
  return at < 0 ? [...queue, job] : [...queue.slice(0, at), job, ...queue.slice(at)];
}

/** One entry of the delivery due-time index. */
export interface DueEntry {
  id: string;
  at: number;
  createdAt: number;
  ticket: number;
}

/** The unique key of an identity: provider, workspace (or ''), external user. */
export function identityKeyString(key: { provider: string; workspaceId?: string; externalUserId: string }): string {
  return JSON.stringify([key.provider, key.workspaceId ?? '', key.externalUserId]);
}

/** The unique key of a session: instance, workspace (or ''), chat, thread (or ''). */
export function threadKeyString(key: { instance: string; workspaceId?: string; chatId: string; threadId?: string }): string {
  return JSON.stringify([key.instance, key.workspaceId ?? '', key.chatId, key.threadId ?? '']);
}
