import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { isGatewayError, type SessionEvent } from '@cowork-gateway/core';
import { StoreCheckFailed, runStoreCheck, storeCheckIds, type StoreConformanceDescriptor } from '@cowork-gateway/core/testing';
import { MemoryStore } from '../src/memory-store.js';
import { runtimeOnly, type MutableStore } from './support/runtime-only.js';

/** One broken rule each; `none` is the unbroken runtime-only store. */
type Flaw = 'none' | 'double-lease' | 'queue-out-of-order' | 'duplicate-inbound' | 'seq-gap' | 'stale-token';

/** Breaks exactly one rule of the runtime part of `store`. */
function breakRule(store: MutableStore, flaw: Flaw): MutableStore {
  const { leases, jobs, inbound, events } = store;
  switch (flaw) {
    case 'none':
      return store;
    case 'double-lease':
      // Grants a lease someone else holds, as if it were free.
      store.leases = {
        ...leases,
        acquire: async (name, holder, ttlMs) =>
          (await leases.acquire(name, holder, ttlMs)) ?? { name, holder, token: randomUUID(), expiresAt: new Date(Date.now() + ttlMs) },
      };
      return store;
    case 'queue-out-of-order':
      // Forgets the queue key, so jobs of one queue run by due time instead of one at a time in order.
      store.jobs = { ...jobs, enqueue: ({ queueKey: _queueKey, ...job }) => jobs.enqueue(job) };
      return store;
    case 'duplicate-inbound':
      // Accepts a second claim of an event that is still being processed.
      store.inbound = { ...inbound, claim: async (key, options) => ({ ...(await inbound.claim(key, options)), outcome: 'claimed' }) };
      return store;
    case 'seq-gap': {
      // Skips one seq before every batch (a hidden filler event) and hides the filler.
      const visible = (rows: SessionEvent[]): SessionEvent[] => rows.filter((e) => e.type !== 'filler');
      store.events = {
        append: async (sessionId, batch) => {
          await events.append(sessionId, [{ type: 'filler', payload: {} }]);
          return visible(await events.append(sessionId, batch));
        },
        list: async (sessionId, options) => visible(await events.list(sessionId, options)),
      };
      return store;
    }
    case 'stale-token':
      // Completes a job whatever token is presented.
      store.jobs = {
        ...jobs,
        complete: async (jobId, token, result) => {
          try {
            return await jobs.complete(jobId, token, result);
          } catch (error) {
            if (!isGatewayError(error, 'store.stale_claim')) throw error;
            return (await jobs.get(jobId))!;
          }
        },
      };
      return store;
  }
}

function broken(flaw: Flaw): StoreConformanceDescriptor {
  return {
    name: `runtime-only store with flaw "${flaw}"`,
    create: async ({ clock }) => {
      const store = breakRule(runtimeOnly(new MemoryStore({ maxEventsPerSession: 100_000 }, clock)), flaw);
      await store.start();
      return store;
    },
  };
}

/** Each flaw, the kit case that must catch it, and the words of the kit's own assertion. */
const EXPECTED: readonly { flaw: Exclude<Flaw, 'none'>; id: string; says: string }[] = [
  {
    flaw: 'double-lease',
    id: 'leases: a second holder gets null while the lease is live, and the lease once it expired',
    says: 'store kit: a second holder acquiring a live lease',
  },
  {
    flaw: 'double-lease',
    id: 'leases: concurrent acquires by different holders give the lease to exactly one',
    says: 'store kit: concurrent acquires of one lease that were granted',
  },
  {
    flaw: 'queue-out-of-order',
    id: 'job queues (per queueKey FIFO): runs one job of a queue at a time in FIFO order; other queues are unaffected',
    says: 'store kit: the job claimed first from a queue (FIFO by enqueue order)',
  },
  {
    flaw: 'duplicate-inbound',
    id: 'inbound claims: a second claim while the lease is live is a duplicate',
    says: 'store kit: a second claim of an inbound event under a live lease',
  },
  {
    flaw: 'duplicate-inbound',
    id: 'inbound claims: concurrent claims of one event yield exactly one claimed',
    says: 'store kit: concurrent claims of one inbound event that were granted',
  },
  {
    flaw: 'seq-gap',
    id: 'session events: append assigns consecutive seqs after the last one and updates lastEventSeq',
    says: 'store kit: seqs of events appended after session.created (#1), which must be gapless',
  },
  {
    flaw: 'stale-token',
    id: 'jobs: an expired lease is reclaimed with attempts + 1 and a new token; the old token is stale',
    says: 'store kit: complete with the token of an expired, retaken job claim was accepted; expected store.stale_claim',
  },
];

describe('Store kit catches broken stores (runStoreCheck)', () => {
  it('lists every case it would register for a runtime-only store, none of an operator part or fast path', () => {
    const ids = storeCheckIds(broken('none'));
    for (const { id } of EXPECTED) expect(ids).to.include(id);
    expect(ids.filter((id) => /^(trace|backup manifest|prune)/.test(id))).to.deep.equal([]);
    expect(ids.some((id) => /enqueueJobWithEvents|countByStatus|findByEventId/.test(id))).to.equal(false);
  });

  for (const { flaw, id, says } of EXPECTED) {
    it(`passes "${id}" for the unbroken store`, async () => {
      expect(await runStoreCheck(broken('none'), id)).to.equal('passed');
    });

    it(`fails "${id}" with the kit's own assertion for a store with the "${flaw}" flaw`, async () => {
      const failure = await runStoreCheck(broken(flaw), id).then(() => null, (error: unknown) => error);
      expect(failure, `${id} must fail for "${flaw}"`).to.be.instanceOf(StoreCheckFailed);
      expect((failure as StoreCheckFailed).checkId).to.equal(id);
      expect((failure as StoreCheckFailed).message).to.include(says);
    });
  }

  it('rejects an id that names no case of this descriptor', async () => {
    const failure = await runStoreCheck(broken('none'), 'trace: an unknown trace id yields empty lists').then(() => null, (error: unknown) => error);
    expect(String(failure)).to.match(/no case "trace: an unknown trace id yields empty lists" applies/);
  });

  it('fails the lifecycle case for a store whose declared parts do not match what it has', async () => {
    const descriptor: StoreConformanceDescriptor = {
      name: 'memory-store declaring no parts',
      create: async ({ clock }) => {
        const store = new MemoryStore({ maxEventsPerSession: 100 }, clock);
        await store.start();
        return store;
      },
    };
    const failure = await runStoreCheck(descriptor, 'lifecycle: has exactly the operator parts and fast paths its descriptor declares').then(() => null, (error: unknown) => error);
    expect(failure).to.be.instanceOf(StoreCheckFailed);
    expect(String(failure)).to.include('store kit: operator parts present on the store (declare them in operatorParts)');
  });
});
