/**
 * A Store with only the required runtime part of the contract: every repository method the
 * kernel needs, delegating to a MemoryStore, and nothing else (no `operator`, no `fastPaths`).
 * Each method refuses the extra arguments of the memory store's fused forms, so a caller that
 * tried a fast path through the back door fails loudly.
 */
import type { Clock, Store } from '@cowork-gateway/core';
import { MemoryStore } from '../../src/memory-store.js';

/** A Store whose parts a test may swap (to break one rule on purpose). */
export type MutableStore = { -readonly [K in keyof Store]: Store[K] };

function refuseExtra(method: string, extra: readonly unknown[]): void {
  if (extra.some((arg) => arg !== undefined)) throw new Error(`runtime-only store: ${method} got a fused-form argument`);
}

function refuseKey(method: string, input: object, key: string): void {
  if (key in input) throw new Error(`runtime-only store: ${method} got "${key}", which only a fast path takes`);
}

/** The runtime part of `inner`, as a plain object. */
export function runtimeOnly(inner: MemoryStore): MutableStore {
  return {
    kind: 'runtime-only',
    capabilities: { durable: false, shared: false },
    start: () => inner.start(),
    close: () => inner.close(),
    health: () => inner.health(),
    identities: {
      upsert: (input) => inner.identities.upsert(input),
      find: (key) => inner.identities.find(key),
    },
    sessions: {
      findOrCreate: (key) => inner.sessions.findOrCreate(key),
      get: (id) => inner.sessions.get(id),
      findByThread: (key) => inner.sessions.findByThread(key),
      setExecutorSession: (id, executorSessionId, replacing) => inner.sessions.setExecutorSession(id, executorSessionId, replacing),
      setStatus: (id, status) => inner.sessions.setStatus(id, status),
    },
    events: {
      append: async (id, events, ...extra: unknown[]) => {
        refuseExtra('events.append', extra);
        return inner.events.append(id, events);
      },
      list: (id, options) => inner.events.list(id, options),
    },
    inbound: {
      claim: (key, options) => inner.inbound.claim(key, options),
      complete: (key, token, result) => inner.inbound.complete(key, token, result),
      fail: (key, token, options) => inner.inbound.fail(key, token, options),
      get: (key) => inner.inbound.get(key),
    },
    jobs: {
      enqueue: async (job) => {
        refuseKey('jobs.enqueue', job, 'sessionEvents');
        return inner.jobs.enqueue(job);
      },
      claim: (options) => inner.jobs.claim(options),
      heartbeat: (id, token, leaseMs) => inner.jobs.heartbeat(id, token, leaseMs),
      complete: (id, token, result) => inner.jobs.complete(id, token, result),
      fail: (id, token, options) => inner.jobs.fail(id, token, options),
      get: (id) => inner.jobs.get(id),
      queuePosition: (id) => inner.jobs.queuePosition(id),
    },
    deliveries: {
      enqueue: async (delivery) => {
        refuseKey('deliveries.enqueue', delivery, 'claimFor');
        return inner.deliveries.enqueue(delivery);
      },
      claim: (options) => inner.deliveries.claim(options),
      markChunkSent: (id, token, index, providerMessageId) => inner.deliveries.markChunkSent(id, token, index, providerMessageId),
      complete: async (id, token, ...extra: unknown[]) => {
        refuseExtra('deliveries.complete', extra);
        return inner.deliveries.complete(id, token);
      },
      retry: (id, token, options) => inner.deliveries.retry(id, token, options),
      deadLetter: (id, token, reason) => inner.deliveries.deadLetter(id, token, reason),
      get: (id) => inner.deliveries.get(id),
    },
    audit: { record: (event) => inner.audit.record(event) },
    artifacts: { record: (artifact) => inner.artifacts.record(artifact) },
    leases: {
      acquire: (name, holder, ttlMs) => inner.leases.acquire(name, holder, ttlMs),
      renew: (lease, ttlMs) => inner.leases.renew(lease, ttlMs),
      release: (lease) => inner.leases.release(lease),
      get: (name) => inner.leases.get(name),
    },
    cursors: {
      get: (name) => inner.cursors.get(name),
      set: (name, value) => inner.cursors.set(name, value),
    },
  };
}

/** A started runtime-only store over a fresh MemoryStore reading `clock`. */
export async function startedRuntimeOnly(clock?: Clock): Promise<MutableStore> {
  const store = runtimeOnly(new MemoryStore({ maxEventsPerSession: 100_000 }, clock));
  await store.start();
  return store;
}
