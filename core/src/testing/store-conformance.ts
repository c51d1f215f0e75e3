import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { inboundClaimKey } from '../contracts/store.js';
import type {
  Delivery,
  InboundKey,
  Job,
  ManifestRecord,
  NewDelivery,
  NewJob,
  RetentionCutoffs,
  Session,
  Store,
  ThreadKey,
} from '../contracts/store.js';
import { isGatewayError } from '../errors.js';

/** What {@link describeStoreConformance} needs to test one Store implementation. */
export interface StoreConformanceDescriptor {
  /** Shown in the suite title, e.g. `memory-store`. */
  name: string;
  /**
   * Returns a started, empty store. Called before every test, and twice in the backup tests
   * (the second store receives the import), so each call must give independent, empty state.
   */
  create(): Promise<Store>;
  /** Disposes of a store after `close()`, e.g. drops its database schema. Optional. */
  destroy?(store: Store): Promise<void>;
}

/**
 * Registers mocha suites proving that a {@link Store} honours every documented rule of the
 * Store contract: identities, sessions and events, inbound claims, jobs, deliveries, audit,
 * artifacts, leases, retention, backup manifests and traces.
 *
 * Every test gets a fresh store from `create()` and closes it afterwards. Time-dependent rules
 * are tested by passing explicit `now` values where the contract allows, so nothing sleeps
 * except a few milliseconds where two rows need distinct timestamps.
 *
 * @example
 * ```ts
 * describeStoreConformance({
 *   name: 'memory-store',
 *   create: async () => { const s = new MemoryStore({ maxEventsPerSession: 100000 }); await s.start(); return s; },
 * });
 * ```
 */
export function describeStoreConformance(descriptor: StoreConformanceDescriptor): void {
  describe(`Store conformance: ${descriptor.name}`, () => {
    const fx = new StoreFixture(descriptor);
    beforeEach(async () => fx.setUp());
    afterEach(async () => fx.tearDown());

    describeLifecycle(fx);
    describeIdentities(fx);
    describeSessions(fx);
    describeEvents(fx);
    describeInbound(fx);
    describeJobs(fx);
    describeJobQueues(fx);
    describeDeliveries(fx);
    describeAudit(fx);
    describeArtifacts(fx);
    describeLeases(fx);
    describePrune(fx);
    describeManifest(fx);
    describeTrace(fx);
  });
}

// ---- fixture and helpers ----------------------------------------------------------------------

/** The store under test, plus any extra stores a test asked for; all disposed after the test. */
class StoreFixture {
  private current: Store | undefined;
  private readonly extra: Store[] = [];

  constructor(private readonly descriptor: StoreConformanceDescriptor) {}

  get store(): Store {
    if (!this.current) throw new Error('store conformance: no store (create() failed?)');
    return this.current;
  }

  async setUp(): Promise<void> {
    this.current = await this.descriptor.create();
  }

  /** A second, independent store (for import tests), disposed with the first. */
  async another(): Promise<Store> {
    const store = await this.descriptor.create();
    this.extra.push(store);
    return store;
  }

  async tearDown(): Promise<void> {
    const stores = [...(this.current ? [this.current] : []), ...this.extra.splice(0)];
    this.current = undefined;
    for (const store of stores) {
      await store.close();
      await this.descriptor.destroy?.(store);
    }
  }
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `base + ms`. */
function at(base: Date, ms: number): Date {
  return new Date(base.getTime() + ms);
}

/** `Date.now() + ms`. */
function fromNow(ms: number): Date {
  return new Date(Date.now() + ms);
}

/** Waits a few milliseconds so the next row gets a strictly later timestamp. */
async function tick(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
}

function uniq(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Awaits `promise` and asserts that it rejects with a GatewayError of `code`. */
async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(isGatewayError(error, code), `expected a GatewayError with code "${code}", got ${String(error)}`).to.equal(true);
}

function thread(overrides: Partial<ThreadKey & { providerKind: string; title: string }> = {}): ThreadKey & {
  providerKind: string;
  title: string;
} {
  return { instance: 'chat-main', chatId: 'chat-1', providerKind: 'fake', title: 'A session', ...overrides };
}

async function newSession(store: Store, overrides: Partial<ThreadKey> = {}): Promise<Session> {
  const { session } = await store.sessions.findOrCreate(thread({ chatId: uniq('chat'), ...overrides }));
  return session;
}

/** A prompt job due a minute ago. */
function job(overrides: Partial<NewJob> = {}): NewJob {
  return { kind: 'prompt', idempotencyKey: uniq('job'), payload: { text: 'hello' }, runAt: fromNow(-MINUTE), ...overrides };
}

async function enqueueJob(store: Store, overrides: Partial<NewJob> = {}): Promise<Job> {
  return (await store.jobs.enqueue(job(overrides))).job;
}

/** Enqueues a job due a minute ago and claims it (nothing else may be due). */
async function runningJob(store: Store, overrides: Partial<NewJob> = {}): Promise<Job> {
  const queued = await enqueueJob(store, overrides);
  const claimed = await store.jobs.claim({ workerId: 'worker-a', leaseMs: MINUTE });
  expect(claimed?.jobId).to.equal(queued.jobId);
  return claimed as Job;
}

function delivery(overrides: Partial<NewDelivery> = {}): NewDelivery {
  const deliveryId = overrides.deliveryId ?? uniq('delivery');
  return {
    deliveryId,
    instance: 'chat-main',
    target: { instance: 'chat-main', chatId: 'chat-1' },
    purpose: 'reply',
    chunks: [
      { chunkId: `${deliveryId}:chunk:1`, message: { text: 'part one', format: 'plain' } },
      { chunkId: `${deliveryId}:chunk:2`, message: { text: 'part two', format: 'plain' } },
    ],
    expiresAt: fromNow(DAY),
    ...overrides,
  };
}

/** Enqueues a delivery and returns it with a `now` safely after its first due time. */
async function enqueueDelivery(store: Store, overrides: Partial<NewDelivery> = {}): Promise<{ d: Delivery; t0: Date }> {
  const { delivery: d } = await store.deliveries.enqueue(delivery(overrides));
  return { d, t0: fromNow(SECOND) };
}

async function claimDelivery(store: Store, now: Date, leaseMs = MINUTE): Promise<Delivery> {
  const claimed = await store.deliveries.claim({ workerId: 'sender-a', leaseMs, now });
  expect(claimed, 'a due delivery').to.not.equal(null);
  return claimed as Delivery;
}

function inboundKey(overrides: Partial<InboundKey> = {}): InboundKey {
  return { provider: 'fake', instance: 'chat-main', eventType: 'message', eventId: uniq('event'), ...overrides };
}

function cutoffs(overrides: Partial<RetentionCutoffs>): RetentionCutoffs {
  const past = fromNow(-HOUR);
  return { sessions: past, artifacts: past, audit: past, jobs: past, ...overrides };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function ids<T>(rows: readonly T[], key: keyof T): unknown[] {
  return rows.map((row) => row[key]);
}

// ---- lifecycle --------------------------------------------------------------------------------

function describeLifecycle(fx: StoreFixture): void {
  describe('lifecycle', () => {
    it('declares a kind and boolean capabilities', () => {
      expect(fx.store.kind).to.be.a('string').and.not.equal('');
      expect(fx.store.capabilities.durable).to.be.a('boolean');
      expect(fx.store.capabilities.shared).to.be.a('boolean');
    });

    it('reports ok health once started', async () => {
      expect((await fx.store.health()).state).to.equal('ok');
    });
  });
}

// ---- identities -------------------------------------------------------------------------------

function describeIdentities(fx: StoreFixture): void {
  describe('identities', () => {
    const key = { provider: 'chat-main', externalUserId: 'user-1' };

    it('upsert creates an active identity with the given role', async () => {
      const identity = await fx.store.identities.upsert({ ...key, role: 'member' });
      expect(identity.identityId).to.be.a('string').and.not.equal('');
      expect(identity).to.include({ provider: 'chat-main', workspaceId: '', externalUserId: 'user-1', role: 'member', status: 'active' });
      expect(identity.createdAt).to.be.instanceOf(Date);
      expect(identity.updatedAt).to.be.instanceOf(Date);
    });

    it('upsert of an existing key updates role and status and keeps the id', async () => {
      const first = await fx.store.identities.upsert({ ...key, role: 'member' });
      const second = await fx.store.identities.upsert({ ...key, role: 'admin', status: 'disabled' });
      expect(second.identityId).to.equal(first.identityId);
      expect(second).to.include({ role: 'admin', status: 'disabled' });
      expect(await fx.store.identities.list()).to.have.length(1);
      expect(await fx.store.identities.find(key)).to.include({ role: 'admin', status: 'disabled' });
    });

    it('an unscoped identity does not match a key with a workspace id', async () => {
      await fx.store.identities.upsert({ ...key, role: 'member' });
      expect(await fx.store.identities.find({ ...key, workspaceId: 'team-1' })).to.equal(null);
      expect(await fx.store.identities.find(key)).to.include({ externalUserId: 'user-1', workspaceId: '' });
      expect(await fx.store.identities.find({ ...key, workspaceId: '' })).to.include({ workspaceId: '' });
    });

    it('a workspace-scoped identity does not match an unscoped key or another workspace', async () => {
      await fx.store.identities.upsert({ ...key, workspaceId: 'team-1', role: 'member' });
      expect(await fx.store.identities.find(key)).to.equal(null);
      expect(await fx.store.identities.find({ ...key, workspaceId: 'team-2' })).to.equal(null);
      expect(await fx.store.identities.find({ ...key, workspaceId: 'team-1' })).to.include({ workspaceId: 'team-1' });
    });

    it('scoped and unscoped identities of one user are separate rows', async () => {
      const unscoped = await fx.store.identities.upsert({ ...key, role: 'viewer' });
      const scoped = await fx.store.identities.upsert({ ...key, workspaceId: 'team-1', role: 'owner' });
      expect(scoped.identityId).to.not.equal(unscoped.identityId);
      expect(await fx.store.identities.find(key)).to.include({ role: 'viewer' });
    });

    it('find returns null for an unknown identity', async () => {
      expect(await fx.store.identities.find({ provider: 'nope', externalUserId: 'nobody' })).to.equal(null);
    });

    it('list filters by provider and status', async () => {
      await fx.store.identities.upsert({ provider: 'a', externalUserId: 'u1', role: 'member' });
      await fx.store.identities.upsert({ provider: 'a', externalUserId: 'u2', role: 'member', status: 'disabled' });
      await fx.store.identities.upsert({ provider: 'b', externalUserId: 'u3', role: 'owner' });
      expect(await fx.store.identities.list()).to.have.length(3);
      expect(ids(await fx.store.identities.list({ provider: 'a' }), 'externalUserId')).to.have.members(['u1', 'u2']);
      expect(ids(await fx.store.identities.list({ status: 'active' }), 'externalUserId')).to.have.members(['u1', 'u3']);
      expect(ids(await fx.store.identities.list({ provider: 'a', status: 'disabled' }), 'externalUserId')).to.deep.equal(['u2']);
    });

    it('disable sets status disabled, and returns null for an unknown identity', async () => {
      await fx.store.identities.upsert({ ...key, role: 'owner' });
      expect(await fx.store.identities.disable(key)).to.include({ status: 'disabled', role: 'owner' });
      expect(await fx.store.identities.find(key)).to.include({ status: 'disabled' });
      expect(await fx.store.identities.disable({ provider: 'nope', externalUserId: 'nobody' })).to.equal(null);
    });

    it('summary counts total, active and prompt-capable (active owner, admin or member)', async () => {
      expect(await fx.store.identities.summary()).to.deep.equal({ total: 0, active: 0, promptCapable: 0 });
      const roles = ['owner', 'admin', 'member', 'approver', 'viewer'] as const;
      for (const role of roles) await fx.store.identities.upsert({ provider: 'p', externalUserId: role, role });
      await fx.store.identities.upsert({ provider: 'p', externalUserId: 'off', role: 'member', status: 'disabled' });
      await fx.store.identities.upsert({ provider: 'p', externalUserId: 'off-owner', role: 'owner', status: 'disabled' });
      expect(await fx.store.identities.summary()).to.deep.equal({ total: 7, active: 5, promptCapable: 3 });
    });
  });
}

// ---- sessions ---------------------------------------------------------------------------------

function describeSessions(fx: StoreFixture): void {
  describe('sessions', () => {
    it('findOrCreate creates an idle session whose event #1 is session.created', async () => {
      const { session, created } = await fx.store.sessions.findOrCreate(thread({ title: 'Hello' }));
      expect(created).to.equal(true);
      expect(session.sessionId).to.be.a('string').and.not.equal('');
      expect(session).to.include({
        instance: 'chat-main',
        providerKind: 'fake',
        workspaceId: '',
        chatId: 'chat-1',
        threadId: '',
        title: 'Hello',
        status: 'idle',
        executorSessionId: null,
        lastEventSeq: 1,
      });
      const events = await fx.store.events.list(session.sessionId);
      expect(events).to.have.length(1);
      expect(events[0]).to.include({ sessionId: session.sessionId, seq: 1, type: 'session.created' });
    });

    it('findByThread returns the thread\'s session and never creates one', async () => {
      expect(await fx.store.sessions.findByThread(thread({ threadId: 't-9' }))).to.equal(null);
      expect(await fx.store.sessions.list()).to.have.length(0);
      const { session } = await fx.store.sessions.findOrCreate(thread({ threadId: 't-9' }));
      const found = await fx.store.sessions.findByThread(thread({ threadId: 't-9' }));
      expect(found?.sessionId).to.equal(session.sessionId);
      expect(await fx.store.sessions.findByThread(thread({ threadId: 't-8' }))).to.equal(null);
    });

    it('findOrCreate is idempotent per thread key', async () => {
      const first = await fx.store.sessions.findOrCreate(thread({ threadId: 't-1' }));
      const again = await fx.store.sessions.findOrCreate(thread({ threadId: 't-1', title: 'Other title' }));
      expect(again.created).to.equal(false);
      expect(again.session.sessionId).to.equal(first.session.sessionId);
      expect(again.session.lastEventSeq).to.equal(1);
      expect(await fx.store.events.list(first.session.sessionId)).to.have.length(1);
    });

    it('an empty thread and a given thread are different sessions; absent equals empty', async () => {
      const plain = await fx.store.sessions.findOrCreate(thread());
      const threaded = await fx.store.sessions.findOrCreate(thread({ threadId: 't-1' }));
      expect(threaded.created).to.equal(true);
      expect(threaded.session.threadId).to.equal('t-1');
      expect(threaded.session.sessionId).to.not.equal(plain.session.sessionId);
      const explicitEmpty = await fx.store.sessions.findOrCreate(thread({ threadId: '', workspaceId: '' }));
      expect(explicitEmpty.created).to.equal(false);
      expect(explicitEmpty.session.sessionId).to.equal(plain.session.sessionId);
    });

    it('instance, workspace and chat are part of the thread key', async () => {
      const base = await fx.store.sessions.findOrCreate(thread());
      const others = [
        await fx.store.sessions.findOrCreate(thread({ instance: 'chat-other' })),
        await fx.store.sessions.findOrCreate(thread({ workspaceId: 'team-1' })),
        await fx.store.sessions.findOrCreate(thread({ chatId: 'chat-2' })),
      ];
      for (const other of others) expect(other.created).to.equal(true);
      expect(new Set([base, ...others].map((r) => r.session.sessionId)).size).to.equal(4);
      expect(others[1]?.session.workspaceId).to.equal('team-1');
    });

    it('concurrent findOrCreate of one thread creates exactly one session', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => fx.store.sessions.findOrCreate(thread())));
      expect(results.filter((r) => r.created)).to.have.length(1);
      expect(new Set(results.map((r) => r.session.sessionId)).size).to.equal(1);
      expect(await fx.store.events.list(results[0]!.session.sessionId)).to.have.length(1);
    });

    it('get returns the session, and null for an unknown id', async () => {
      const session = await newSession(fx.store);
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ sessionId: session.sessionId, status: 'idle' });
      expect(await fx.store.sessions.get(randomUUID())).to.equal(null);
    });

    it('setExecutorSession is write-once: the first id wins', async () => {
      const session = await newSession(fx.store);
      expect(await fx.store.sessions.setExecutorSession(session.sessionId, 'exec-1')).to.include({ executorSessionId: 'exec-1' });
      expect(await fx.store.sessions.setExecutorSession(session.sessionId, 'exec-2')).to.include({ executorSessionId: 'exec-1' });
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ executorSessionId: 'exec-1' });
    });

    it('setStatus updates the status and updatedAt', async () => {
      const session = await newSession(fx.store);
      await tick();
      const updated = await fx.store.sessions.setStatus(session.sessionId, 'running');
      expect(updated.status).to.equal('running');
      expect(updated.updatedAt.getTime()).to.be.greaterThan(session.updatedAt.getTime());
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ status: 'running' });
    });

    it('setStatus and setExecutorSession of an unknown session throw store.not_found', async () => {
      await expectCode(fx.store.sessions.setStatus(randomUUID(), 'running'), 'store.not_found');
      await expectCode(fx.store.sessions.setExecutorSession(randomUUID(), 'exec-1'), 'store.not_found');
    });

    it('list orders by updatedAt descending and honours limit and status', async () => {
      const a = await newSession(fx.store);
      await tick();
      const b = await newSession(fx.store);
      await tick();
      const c = await newSession(fx.store);
      await tick();
      await fx.store.sessions.setStatus(a.sessionId, 'running');
      expect(ids(await fx.store.sessions.list(), 'sessionId')).to.deep.equal([a.sessionId, c.sessionId, b.sessionId]);
      expect(ids(await fx.store.sessions.list({ limit: 2 }), 'sessionId')).to.deep.equal([a.sessionId, c.sessionId]);
      expect(ids(await fx.store.sessions.list({ status: 'running' }), 'sessionId')).to.deep.equal([a.sessionId]);
      expect(ids(await fx.store.sessions.list({ status: 'idle' }), 'sessionId')).to.deep.equal([c.sessionId, b.sessionId]);
    });
  });
}

// ---- events -----------------------------------------------------------------------------------

function describeEvents(fx: StoreFixture): void {
  describe('session events', () => {
    it('append assigns consecutive seqs after the last one and updates lastEventSeq', async () => {
      const session = await newSession(fx.store);
      const added = await fx.store.events.append(session.sessionId, [
        { type: 'user.message', payload: { text: 'hi' }, traceId: 'trace-1' },
        { type: 'assistant.message', payload: { text: 'hello', n: 1, nested: { ok: true, list: [1, 'a', null] } } },
        { type: 'session.status', payload: {} },
      ]);
      expect(ids(added, 'seq')).to.deep.equal([2, 3, 4]);
      expect(added[0]).to.deep.include({ sessionId: session.sessionId, type: 'user.message', payload: { text: 'hi' }, traceId: 'trace-1' });
      expect(added[1]).to.deep.include({ traceId: null, payload: { text: 'hello', n: 1, nested: { ok: true, list: [1, 'a', null] } } });
      expect(added[0]?.createdAt).to.be.instanceOf(Date);
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ lastEventSeq: 4 });
      const more = await fx.store.events.append(session.sessionId, [{ type: 'x', payload: {} }]);
      expect(ids(more, 'seq')).to.deep.equal([5]);
    });

    it('list returns events ascending and honours afterSeq and limit', async () => {
      const session = await newSession(fx.store);
      await fx.store.events.append(session.sessionId, [1, 2, 3, 4, 5].map((n) => ({ type: 'e', payload: { n } })));
      expect(ids(await fx.store.events.list(session.sessionId), 'seq')).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(ids(await fx.store.events.list(session.sessionId, { afterSeq: 2 }), 'seq')).to.deep.equal([3, 4, 5, 6]);
      expect(ids(await fx.store.events.list(session.sessionId, { afterSeq: 2, limit: 2 }), 'seq')).to.deep.equal([3, 4]);
      expect(ids(await fx.store.events.list(session.sessionId, { limit: 1 }), 'seq')).to.deep.equal([1]);
      expect(await fx.store.events.list(session.sessionId, { afterSeq: 6 })).to.deep.equal([]);
    });

    it('20 concurrent appends get unique, gapless seqs, each batch consecutive', async () => {
      const session = await newSession(fx.store);
      const batches = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fx.store.events.append(session.sessionId, [
            { type: 'a', payload: { i } },
            { type: 'b', payload: { i } },
          ]),
        ),
      );
      for (const batch of batches) {
        expect(batch).to.have.length(2);
        expect(batch[1]!.seq).to.equal(batch[0]!.seq + 1);
        expect(batch[0]!.payload).to.deep.equal(batch[1]!.payload);
      }
      const seqs = batches.flat().map((e) => e.seq).sort((x, y) => x - y);
      expect(seqs).to.deep.equal(Array.from({ length: 40 }, (_, i) => i + 2));
      expect(ids(await fx.store.events.list(session.sessionId), 'seq')).to.deep.equal(Array.from({ length: 41 }, (_, i) => i + 1));
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ lastEventSeq: 41 });
    });

    it('append to an unknown session throws store.not_found', async () => {
      await expectCode(fx.store.events.append(randomUUID(), [{ type: 'x', payload: {} }]), 'store.not_found');
    });
  });
}

// ---- inbound claims ---------------------------------------------------------------------------

function describeInbound(fx: StoreFixture): void {
  describe('inbound claims', () => {
    const t0 = new Date('2030-01-01T00:00:00.000Z');
    const claimAt = (key: InboundKey, now: Date, owner = 'worker-a', traceId = 'trace-1') =>
      fx.store.inbound.claim(key, { owner, leaseMs: MINUTE, traceId, now });

    it('a new event is claimed: processing, attempts 1, leased until now + leaseMs', async () => {
      const key = inboundKey({ workspaceId: 'team-1', org: 'org-1' });
      const result = await claimAt(key, t0);
      expect(result.outcome).to.equal('claimed');
      expect(result.claim).to.include({
        key: inboundClaimKey(key),
        instance: key.instance,
        eventId: key.eventId,
        status: 'processing',
        owner: 'worker-a',
        retryable: false,
        attempts: 1,
        traceId: 'trace-1',
        lastError: null,
        result: null,
      });
      expect(result.claim.token).to.be.a('string').and.not.equal('');
      expect(result.claim.leaseExpiresAt.getTime()).to.equal(at(t0, MINUTE).getTime());
    });

    it('a second claim while the lease is live is a duplicate', async () => {
      const key = inboundKey();
      await claimAt(key, t0);
      const second = await claimAt(key, at(t0, 30 * SECOND), 'worker-b');
      expect(second.outcome).to.equal('duplicate');
      expect(second.claim).to.include({ status: 'processing', owner: 'worker-a', attempts: 1 });
    });

    it('a completed event stays a duplicate, even after its lease time', async () => {
      const key = inboundKey();
      const { claim } = await claimAt(key, t0);
      const done = await fx.store.inbound.complete(claim.key, claim.token, { jobId: 'j-1' });
      expect(done).to.deep.include({ status: 'completed', result: { jobId: 'j-1' } });
      const later = await claimAt(key, at(t0, DAY), 'worker-b');
      expect(later.outcome).to.equal('duplicate');
      expect(later.claim.status).to.equal('completed');
    });

    it('an expired processing claim is taken over with a new token and attempts + 1', async () => {
      const key = inboundKey();
      const first = await claimAt(key, t0);
      const second = await claimAt(key, at(t0, 2 * MINUTE), 'worker-b');
      expect(second.outcome).to.equal('claimed');
      expect(second.claim).to.include({ status: 'processing', owner: 'worker-b', attempts: 2, key: first.claim.key });
      expect(second.claim.token).to.not.equal(first.claim.token);
      expect(second.claim.leaseExpiresAt.getTime()).to.equal(at(t0, 3 * MINUTE).getTime());
      await expectCode(fx.store.inbound.complete(first.claim.key, first.claim.token), 'store.stale_claim');
      expect(await fx.store.inbound.complete(second.claim.key, second.claim.token)).to.include({ status: 'completed' });
    });

    it('a retryable failure can be claimed again right away', async () => {
      const key = inboundKey();
      const { claim } = await claimAt(key, t0);
      const failed = await fx.store.inbound.fail(claim.key, claim.token, { retryable: true, error: 'executor down' });
      expect(failed).to.include({ status: 'failed', retryable: true, lastError: 'executor down' });
      const again = await claimAt(key, at(t0, SECOND), 'worker-b');
      expect(again.outcome).to.equal('claimed');
      expect(again.claim).to.include({ status: 'processing', attempts: 2, owner: 'worker-b' });
      expect(again.claim.token).to.not.equal(claim.token);
    });

    it('a non-retryable failure is a duplicate for good', async () => {
      const key = inboundKey();
      const { claim } = await claimAt(key, t0);
      await fx.store.inbound.fail(claim.key, claim.token, { retryable: false, error: 'bad input' });
      const later = await claimAt(key, at(t0, DAY), 'worker-b');
      expect(later.outcome).to.equal('duplicate');
      expect(later.claim).to.include({ status: 'failed', retryable: false, lastError: 'bad input' });
    });

    it('complete and fail with a wrong token throw store.stale_claim; an unknown key store.not_found', async () => {
      const { claim } = await claimAt(inboundKey(), t0);
      await expectCode(fx.store.inbound.complete(claim.key, 'not-the-token'), 'store.stale_claim');
      await expectCode(fx.store.inbound.fail(claim.key, 'not-the-token', { retryable: true, error: 'x' }), 'store.stale_claim');
      await expectCode(fx.store.inbound.complete('no-such-key', 'token'), 'store.not_found');
      await expectCode(fx.store.inbound.fail('no-such-key', 'token', { retryable: false, error: 'x' }), 'store.not_found');
    });

    it('a finished claim cannot be completed or failed again with its token', async () => {
      const { claim } = await claimAt(inboundKey(), t0);
      await fx.store.inbound.complete(claim.key, claim.token);
      await expectCode(fx.store.inbound.complete(claim.key, claim.token), 'store.stale_claim');
      await expectCode(fx.store.inbound.fail(claim.key, claim.token, { retryable: true, error: 'x' }), 'store.stale_claim');
    });

    it('get returns a claim by key, and null for an unknown key', async () => {
      const { claim } = await claimAt(inboundKey(), t0);
      expect(await fx.store.inbound.get(claim.key)).to.include({ key: claim.key, status: 'processing', token: claim.token });
      expect(await fx.store.inbound.get('no-such-key')).to.equal(null);
    });

    it('every part of the key (org, provider, instance, workspace, event type, event id) separates events', async () => {
      const base = inboundKey();
      const variants = [
        { ...base, org: 'org-1' },
        { ...base, provider: 'other' },
        { ...base, instance: 'chat-other' },
        { ...base, workspaceId: 'team-1' },
        { ...base, eventType: 'interaction' },
        { ...base, eventId: uniq('event') },
      ];
      expect((await claimAt(base, t0)).outcome).to.equal('claimed');
      for (const variant of variants) expect((await claimAt(variant, t0)).outcome).to.equal('claimed');
    });

    it('findByEventId finds the claims of one instance and event id', async () => {
      const key = inboundKey();
      await claimAt(key, t0);
      await claimAt({ ...key, eventType: 'interaction' }, t0);
      await claimAt({ ...key, instance: 'chat-other' }, t0);
      const found = await fx.store.inbound.findByEventId(key.instance, key.eventId);
      expect(found).to.have.length(2);
      for (const claim of found) expect(claim).to.include({ instance: key.instance, eventId: key.eventId });
      expect(await fx.store.inbound.findByEventId(key.instance, 'no-such-event')).to.deep.equal([]);
    });

    it('concurrent claims of one event yield exactly one claimed', async () => {
      const key = inboundKey();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => claimAt(key, t0, `worker-${i}`)));
      expect(results.filter((r) => r.outcome === 'claimed')).to.have.length(1);
      expect(results.filter((r) => r.outcome === 'duplicate')).to.have.length(9);
    });
  });
}

// ---- jobs -------------------------------------------------------------------------------------

function describeJobs(fx: StoreFixture): void {
  describe('jobs', () => {
    it('enqueue creates a pending job with its fields and no claim', async () => {
      const session = await newSession(fx.store);
      const runAt = fromNow(-MINUTE);
      const { job: queued, created } = await fx.store.jobs.enqueue(
        job({ kind: 'workflow', payload: { a: 1 }, sessionId: session.sessionId, queueKey: 'q-1', runAt, maxAttempts: 4, traceId: 'trace-1' }),
      );
      expect(created).to.equal(true);
      expect(queued.jobId).to.be.a('string').and.not.equal('');
      expect(queued).to.deep.include({
        kind: 'workflow',
        status: 'pending',
        queueKey: 'q-1',
        sessionId: session.sessionId,
        payload: { a: 1 },
        traceId: 'trace-1',
        attempts: 0,
        maxAttempts: 4,
        claimedBy: null,
        claimToken: null,
        leaseExpiresAt: null,
        lastError: null,
        result: null,
      });
      expect(queued.runAt.getTime()).to.equal(runAt.getTime());
    });

    it('enqueue defaults: no queue, no session, no trace, at least one attempt', async () => {
      const queued = await enqueueJob(fx.store);
      expect(queued).to.include({ queueKey: null, sessionId: null, traceId: null });
      expect(queued.maxAttempts).to.be.at.least(1);
    });

    it('enqueue is idempotent by idempotencyKey', async () => {
      const first = await fx.store.jobs.enqueue(job({ idempotencyKey: 'same', payload: { n: 1 } }));
      const second = await fx.store.jobs.enqueue(job({ idempotencyKey: 'same', payload: { n: 2 } }));
      expect(second.created).to.equal(false);
      expect(second.job.jobId).to.equal(first.job.jobId);
      expect(second.job.payload).to.deep.equal({ n: 1 });
      expect(await fx.store.jobs.list()).to.have.length(1);
    });

    it('claim sets running with a lease, a token and attempts + 1', async () => {
      const queued = await enqueueJob(fx.store);
      const now = fromNow(0);
      const claimed = await fx.store.jobs.claim({ workerId: 'worker-a', leaseMs: MINUTE, now });
      expect(claimed).to.include({ jobId: queued.jobId, status: 'running', claimedBy: 'worker-a', attempts: 1 });
      expect(claimed?.claimToken).to.be.a('string').and.not.equal('');
      expect(claimed?.leaseExpiresAt?.getTime()).to.equal(at(now, MINUTE).getTime());
      expect(await fx.store.jobs.get(queued.jobId)).to.include({ status: 'running', claimToken: claimed?.claimToken });
    });

    it('claim returns null when nothing is due', async () => {
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    it('claim takes the earliest runAt first, then the oldest createdAt', async () => {
      const t0 = fromNow(0);
      const late = await enqueueJob(fx.store, { runAt: at(t0, -1 * MINUTE) });
      await tick();
      const early = await enqueueJob(fx.store, { runAt: at(t0, -5 * MINUTE) });
      await tick();
      const sameA = await enqueueJob(fx.store, { runAt: at(t0, -3 * MINUTE) });
      await tick();
      const sameB = await enqueueJob(fx.store, { runAt: at(t0, -3 * MINUTE) });
      const order: unknown[] = [];
      for (let i = 0; i < 4; i += 1) order.push((await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: t0 }))?.jobId);
      expect(order).to.deep.equal([early.jobId, sameA.jobId, sameB.jobId, late.jobId]);
    });

    it('a job whose runAt is in the future is not claimed before it', async () => {
      const t0 = fromNow(0);
      const queued = await enqueueJob(fx.store, { runAt: at(t0, HOUR) });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: t0 })).to.equal(null);
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, HOUR) })).to.include({ jobId: queued.jobId });
    });

    it('a job enqueued without runAt is due right away', async () => {
      const queued = await enqueueJob(fx.store, { runAt: undefined });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: fromNow(SECOND) })).to.include({ jobId: queued.jobId });
    });

    it('claim honours the kinds filter', async () => {
      await enqueueJob(fx.store, { kind: 'prompt' });
      const workflow = await enqueueJob(fx.store, { kind: 'workflow' });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, kinds: ['watch'] })).to.equal(null);
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, kinds: ['workflow', 'team_task'] })).to.include({
        jobId: workflow.jobId,
      });
    });

    it('concurrent claims never hand out one job twice', async () => {
      for (let i = 0; i < 5; i += 1) await enqueueJob(fx.store);
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => fx.store.jobs.claim({ workerId: `w-${i}`, leaseMs: MINUTE })));
      const won = claims.filter((c): c is Job => c !== null);
      expect(won).to.have.length(5);
      expect(new Set(won.map((c) => c.jobId)).size).to.equal(5);
    });

    it('an expired lease is reclaimed with attempts + 1 and a new token; the old token is stale', async () => {
      await enqueueJob(fx.store);
      const t0 = fromNow(0);
      const first = (await fx.store.jobs.claim({ workerId: 'worker-a', leaseMs: SECOND, now: t0 })) as Job;
      expect(await fx.store.jobs.claim({ workerId: 'worker-b', leaseMs: SECOND, now: at(t0, 500) })).to.equal(null);
      const second = await fx.store.jobs.claim({ workerId: 'worker-b', leaseMs: SECOND, now: at(t0, 2 * SECOND) });
      expect(second).to.include({ jobId: first.jobId, status: 'running', claimedBy: 'worker-b', attempts: 2 });
      expect(second?.claimToken).to.not.equal(first.claimToken);
      await expectCode(fx.store.jobs.complete(first.jobId, first.claimToken as string), 'store.stale_claim');
      await expectCode(fx.store.jobs.heartbeat(first.jobId, first.claimToken as string, MINUTE), 'store.stale_claim');
      await expectCode(fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'x' }), 'store.stale_claim');
      expect(await fx.store.jobs.complete(first.jobId, second?.claimToken as string)).to.include({ status: 'completed' });
    });

    it('an expired job already at maxAttempts becomes dead instead of claimed', async () => {
      const doomed = await enqueueJob(fx.store, { maxAttempts: 2, runAt: fromNow(-2 * MINUTE) });
      const t0 = fromNow(0);
      await fx.store.jobs.claim({ workerId: 'w', leaseMs: SECOND, now: t0 });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: SECOND, now: at(t0, 2 * SECOND) })).to.include({
        jobId: doomed.jobId,
        attempts: 2,
      });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: SECOND, now: at(t0, 4 * SECOND) })).to.equal(null);
      expect(await fx.store.jobs.get(doomed.jobId)).to.include({ status: 'dead', attempts: 2 });
    });

    it('a dead-on-expiry job does not stop the claim from returning the next due job', async () => {
      const doomed = await enqueueJob(fx.store, { maxAttempts: 1, runAt: fromNow(-2 * MINUTE) });
      const t0 = fromNow(0);
      await fx.store.jobs.claim({ workerId: 'w', leaseMs: SECOND, now: t0 });
      const next = await enqueueJob(fx.store);
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: SECOND, now: at(t0, 2 * SECOND) })).to.include({ jobId: next.jobId });
      expect(await fx.store.jobs.get(doomed.jobId)).to.include({ status: 'dead' });
    });

    it('heartbeat extends the lease, so the job is not reclaimed', async () => {
      await enqueueJob(fx.store);
      const t0 = fromNow(0);
      const claimed = (await fx.store.jobs.claim({ workerId: 'w', leaseMs: SECOND, now: t0 })) as Job;
      const beat = await fx.store.jobs.heartbeat(claimed.jobId, claimed.claimToken as string, 10 * MINUTE);
      expect(beat.leaseExpiresAt!.getTime()).to.be.greaterThan(claimed.leaseExpiresAt!.getTime());
      expect(beat).to.include({ status: 'running', claimToken: claimed.claimToken, attempts: 1 });
      expect(await fx.store.jobs.claim({ workerId: 'w2', leaseMs: SECOND, now: at(t0, MINUTE) })).to.equal(null);
    });

    it('complete stores the result; the token is no longer valid afterwards', async () => {
      const claimed = await runningJob(fx.store);
      const done = await fx.store.jobs.complete(claimed.jobId, claimed.claimToken as string, { reply: 'ok' });
      expect(done).to.deep.include({ status: 'completed', result: { reply: 'ok' } });
      await expectCode(fx.store.jobs.complete(claimed.jobId, claimed.claimToken as string), 'store.stale_claim');
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: fromNow(DAY) })).to.equal(null);
    });

    it('fail with retryAt returns the job to pending until retryAt, then dead once attempts are used up', async () => {
      const queued = await enqueueJob(fx.store, { maxAttempts: 2 });
      const t0 = fromNow(0);
      const first = (await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: t0 })) as Job;
      const retried = await fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'boom 1', retryAt: at(t0, 10 * SECOND) });
      expect(retried).to.include({ status: 'pending', lastError: 'boom 1', attempts: 1 });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, 5 * SECOND) })).to.equal(null);
      const second = (await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, 10 * SECOND) })) as Job;
      expect(second).to.include({ jobId: queued.jobId, attempts: 2 });
      const dead = await fx.store.jobs.fail(second.jobId, second.claimToken as string, { error: 'boom 2', retryAt: at(t0, 20 * SECOND) });
      expect(dead).to.include({ status: 'dead', lastError: 'boom 2' });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, HOUR) })).to.equal(null);
    });

    it('fail without retryAt is failed for good', async () => {
      const claimed = await runningJob(fx.store, { maxAttempts: 5 });
      const failed = await fx.store.jobs.fail(claimed.jobId, claimed.claimToken as string, { error: 'unsupported' });
      expect(failed).to.include({ status: 'failed', lastError: 'unsupported' });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, now: fromNow(DAY) })).to.equal(null);
    });

    it('heartbeat, complete and fail with a wrong token throw store.stale_claim; an unknown job store.not_found', async () => {
      const claimed = await runningJob(fx.store);
      await expectCode(fx.store.jobs.heartbeat(claimed.jobId, 'wrong', MINUTE), 'store.stale_claim');
      await expectCode(fx.store.jobs.complete(claimed.jobId, 'wrong'), 'store.stale_claim');
      await expectCode(fx.store.jobs.fail(claimed.jobId, 'wrong', { error: 'x' }), 'store.stale_claim');
      const unknown = randomUUID();
      await expectCode(fx.store.jobs.heartbeat(unknown, 'token', MINUTE), 'store.not_found');
      await expectCode(fx.store.jobs.complete(unknown, 'token'), 'store.not_found');
      await expectCode(fx.store.jobs.fail(unknown, 'token', { error: 'x' }), 'store.not_found');
    });

    it('get returns null for an unknown job', async () => {
      expect(await fx.store.jobs.get(randomUUID())).to.equal(null);
    });

    it('list filters by status and kind and honours limit', async () => {
      const running = await runningJob(fx.store, { kind: 'workflow' });
      const prompt = await enqueueJob(fx.store, { kind: 'prompt', runAt: fromNow(HOUR) });
      const watch = await enqueueJob(fx.store, { kind: 'watch', runAt: fromNow(HOUR) });
      expect(ids(await fx.store.jobs.list(), 'jobId')).to.have.members([running.jobId, prompt.jobId, watch.jobId]);
      expect(ids(await fx.store.jobs.list({ status: 'pending' }), 'jobId')).to.have.members([prompt.jobId, watch.jobId]);
      expect(ids(await fx.store.jobs.list({ kind: 'workflow' }), 'jobId')).to.deep.equal([running.jobId]);
      expect(ids(await fx.store.jobs.list({ status: 'pending', kind: 'watch' }), 'jobId')).to.deep.equal([watch.jobId]);
      expect(await fx.store.jobs.list({ limit: 2 })).to.have.length(2);
    });

    it('countByStatus counts every status, zeros included', async () => {
      expect(await fx.store.jobs.countByStatus()).to.deep.equal({ pending: 0, running: 0, completed: 0, failed: 0, dead: 0 });
      const done = await runningJob(fx.store);
      await fx.store.jobs.complete(done.jobId, done.claimToken as string);
      const failed = await runningJob(fx.store);
      await fx.store.jobs.fail(failed.jobId, failed.claimToken as string, { error: 'x' });
      const dead = await runningJob(fx.store, { maxAttempts: 1 });
      await fx.store.jobs.fail(dead.jobId, dead.claimToken as string, { error: 'x', retryAt: fromNow(0) });
      await runningJob(fx.store);
      await enqueueJob(fx.store, { runAt: fromNow(HOUR) });
      await enqueueJob(fx.store, { runAt: fromNow(HOUR) });
      expect(await fx.store.jobs.countByStatus()).to.deep.equal({ pending: 2, running: 1, completed: 1, failed: 1, dead: 1 });
    });
  });
}

function describeJobQueues(fx: StoreFixture): void {
  describe('job queues (per queueKey FIFO)', () => {
    const claim = (now?: Date) => fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, ...(now ? { now } : {}) });

    it('runs one job of a queue at a time in FIFO order; other queues are unaffected', async () => {
      const first = await enqueueJob(fx.store, { queueKey: 'session-1' });
      await tick();
      const second = await enqueueJob(fx.store, { queueKey: 'session-1', runAt: fromNow(-HOUR) });
      await tick();
      const other = await enqueueJob(fx.store, { queueKey: 'session-2' });
      const a = (await claim()) as Job;
      expect(a.jobId).to.equal(first.jobId);
      expect((await claim())?.jobId).to.equal(other.jobId);
      expect(await claim()).to.equal(null);
      await fx.store.jobs.complete(a.jobId, a.claimToken as string);
      expect((await claim())?.jobId).to.equal(second.jobId);
    });

    it('a later job of a queue waits while the earliest is not yet due', async () => {
      await enqueueJob(fx.store, { queueKey: 'q', runAt: fromNow(HOUR) });
      await tick();
      await enqueueJob(fx.store, { queueKey: 'q', runAt: fromNow(-HOUR) });
      expect(await claim()).to.equal(null);
    });

    it('a failed or dead job no longer blocks its queue', async () => {
      const first = await runningJob(fx.store, { queueKey: 'q' });
      await tick();
      const second = await enqueueJob(fx.store, { queueKey: 'q' });
      await fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'x' });
      expect((await claim())?.jobId).to.equal(second.jobId);
    });

    it('a job retried with retryAt keeps its place at the head of the queue', async () => {
      const first = await runningJob(fx.store, { queueKey: 'q', maxAttempts: 3 });
      await tick();
      await enqueueJob(fx.store, { queueKey: 'q' });
      const t0 = fromNow(0);
      await fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'x', retryAt: at(t0, MINUTE) });
      expect(await claim(at(t0, SECOND))).to.equal(null);
      expect((await claim(at(t0, MINUTE)))?.jobId).to.equal(first.jobId);
    });

    it('an expired lease in a queue is reclaimed for the same job, not the next one', async () => {
      const first = await enqueueJob(fx.store, { queueKey: 'q' });
      await tick();
      await enqueueJob(fx.store, { queueKey: 'q' });
      const t0 = fromNow(0);
      await fx.store.jobs.claim({ workerId: 'a', leaseMs: SECOND, now: t0 });
      expect(await fx.store.jobs.claim({ workerId: 'b', leaseMs: SECOND, now: at(t0, 500) })).to.equal(null);
      expect(await fx.store.jobs.claim({ workerId: 'b', leaseMs: SECOND, now: at(t0, 2 * SECOND) })).to.include({
        jobId: first.jobId,
        attempts: 2,
      });
    });

    it('concurrent claims take at most one job per queue', async () => {
      for (let i = 0; i < 3; i += 1) {
        await enqueueJob(fx.store, { queueKey: 'q-1' });
        await enqueueJob(fx.store, { queueKey: 'q-2' });
      }
      const claims = await Promise.all(Array.from({ length: 6 }, () => claim()));
      const won = claims.filter((c): c is Job => c !== null);
      expect(won.map((j) => j.queueKey)).to.have.members(['q-1', 'q-2']);
    });

    it('queuePosition counts unfinished jobs ahead in the same queue', async () => {
      const first = await enqueueJob(fx.store, { queueKey: 'q' });
      await tick();
      const second = await enqueueJob(fx.store, { queueKey: 'q' });
      await tick();
      const third = await enqueueJob(fx.store, { queueKey: 'q' });
      const loose = await enqueueJob(fx.store);
      expect(await fx.store.jobs.queuePosition(first.jobId)).to.equal(0);
      expect(await fx.store.jobs.queuePosition(second.jobId)).to.equal(1);
      expect(await fx.store.jobs.queuePosition(third.jobId)).to.equal(2);
      expect(await fx.store.jobs.queuePosition(loose.jobId)).to.equal(0);
      const running = (await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, kinds: ['prompt'] })) as Job;
      expect(running.jobId).to.equal(first.jobId);
      expect(await fx.store.jobs.queuePosition(third.jobId)).to.equal(2);
      await fx.store.jobs.complete(running.jobId, running.claimToken as string);
      expect(await fx.store.jobs.queuePosition(second.jobId)).to.equal(0);
      expect(await fx.store.jobs.queuePosition(third.jobId)).to.equal(1);
    });
  });
}

// ---- deliveries -------------------------------------------------------------------------------

function describeDeliveries(fx: StoreFixture): void {
  describe('deliveries', () => {
    it('enqueue creates a pending delivery with unsent chunks', async () => {
      const session = await newSession(fx.store);
      const owner = await enqueueJob(fx.store, { sessionId: session.sessionId });
      const input = delivery({ sessionId: session.sessionId, jobId: owner.jobId, traceId: 'trace-1', maxAttempts: 7, purpose: 'notice' });
      const { delivery: d, created } = await fx.store.deliveries.enqueue(input);
      expect(created).to.equal(true);
      expect(d).to.deep.include({
        deliveryId: input.deliveryId,
        instance: 'chat-main',
        target: { instance: 'chat-main', chatId: 'chat-1' },
        purpose: 'notice',
        sessionId: session.sessionId,
        jobId: owner.jobId,
        traceId: 'trace-1',
        chunksSent: 0,
        status: 'pending',
        attempts: 0,
        maxAttempts: 7,
        claimedBy: null,
        claimToken: null,
        leaseExpiresAt: null,
        lastError: null,
        deadReason: null,
      });
      expect(d.expiresAt.getTime()).to.equal(input.expiresAt.getTime());
      expect(d.nextAttemptAt).to.be.instanceOf(Date);
      expect(d.chunks).to.have.length(2);
      expect(d.chunks[0]).to.deep.include({ chunkId: `${input.deliveryId}:chunk:1`, message: { text: 'part one', format: 'plain' } });
      expect(d.chunks[0]).to.include({ providerMessageId: null, sentAt: null });
    });

    it('enqueue defaults: no session, job or trace; at least one attempt', async () => {
      const { d } = await enqueueDelivery(fx.store);
      expect(d).to.include({ sessionId: null, jobId: null, traceId: null });
      expect(d.maxAttempts).to.be.at.least(1);
    });

    it('enqueue is idempotent by deliveryId', async () => {
      const first = await fx.store.deliveries.enqueue(delivery({ deliveryId: 'd-1' }));
      const again = await fx.store.deliveries.enqueue(delivery({ deliveryId: 'd-1', instance: 'chat-other' }));
      expect(again.created).to.equal(false);
      expect(again.delivery).to.include({ deliveryId: 'd-1', instance: first.delivery.instance });
      expect(await fx.store.deliveries.list()).to.have.length(1);
    });

    it('claim takes only due deliveries, setting sending, a lease, a token and attempts + 1', async () => {
      const { d, t0 } = await enqueueDelivery(fx.store);
      expect(await fx.store.deliveries.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, -HOUR) })).to.equal(null);
      const claimed = await claimDelivery(fx.store, t0);
      expect(claimed).to.include({ deliveryId: d.deliveryId, status: 'sending', claimedBy: 'sender-a', attempts: 1 });
      expect(claimed.claimToken).to.be.a('string').and.not.equal('');
      expect(claimed.leaseExpiresAt?.getTime()).to.equal(at(t0, MINUTE).getTime());
      expect(await fx.store.deliveries.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, SECOND) })).to.equal(null);
    });

    it('claim skips excluded instances', async () => {
      await enqueueDelivery(fx.store, { instance: 'chat-a' });
      const { d, t0 } = await enqueueDelivery(fx.store, { instance: 'chat-b' });
      const claimed = await fx.store.deliveries.claim({ workerId: 'w', leaseMs: MINUTE, now: t0, excludeInstances: ['chat-a'] });
      expect(claimed).to.include({ deliveryId: d.deliveryId });
      expect(await fx.store.deliveries.claim({ workerId: 'w', leaseMs: MINUTE, now: t0, excludeInstances: ['chat-a'] })).to.equal(null);
    });

    it('concurrent claims never hand out one delivery twice', async () => {
      for (let i = 0; i < 4; i += 1) await enqueueDelivery(fx.store);
      const now = fromNow(SECOND);
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => fx.store.deliveries.claim({ workerId: `w-${i}`, leaseMs: MINUTE, now })));
      const won = claims.filter((c): c is Delivery => c !== null);
      expect(won).to.have.length(4);
      expect(new Set(won.map((c) => c.deliveryId)).size).to.equal(4);
    });

    it('markChunkSent records progress and the provider message id', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx.store, t0);
      const token = claimed.claimToken as string;
      const one = await fx.store.deliveries.markChunkSent(claimed.deliveryId, token, 0, 'msg-1');
      expect(one.chunksSent).to.equal(1);
      expect(one.chunks[0]).to.include({ providerMessageId: 'msg-1' });
      expect(one.chunks[0]?.sentAt).to.be.instanceOf(Date);
      expect(one.chunks[1]).to.include({ providerMessageId: null, sentAt: null });
      const two = await fx.store.deliveries.markChunkSent(claimed.deliveryId, token, 1, 'msg-2');
      expect(two.chunksSent).to.equal(2);
      expect(ids(two.chunks, 'providerMessageId')).to.deep.equal(['msg-1', 'msg-2']);
      expect(two.status).to.equal('sending');
    });

    it('complete marks the delivery sent and ends the claim', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx.store, t0);
      const sent = await fx.store.deliveries.complete(claimed.deliveryId, claimed.claimToken as string);
      expect(sent.status).to.equal('sent');
      await expectCode(fx.store.deliveries.complete(claimed.deliveryId, claimed.claimToken as string), 'store.stale_claim');
      expect(await fx.store.deliveries.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, DAY) })).to.equal(null);
    });

    it('retry returns it to pending until nextAttemptAt, keeping chunk progress', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx.store, t0);
      await fx.store.deliveries.markChunkSent(claimed.deliveryId, claimed.claimToken as string, 0, 'msg-1');
      const next = at(t0, MINUTE);
      const retried = await fx.store.deliveries.retry(claimed.deliveryId, claimed.claimToken as string, { nextAttemptAt: next, error: '429' });
      expect(retried).to.include({ status: 'pending', lastError: '429', chunksSent: 1, attempts: 1 });
      expect(retried.nextAttemptAt.getTime()).to.equal(next.getTime());
      expect(await fx.store.deliveries.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, 30 * SECOND) })).to.equal(null);
      const again = await claimDelivery(fx.store, next);
      expect(again).to.include({ deliveryId: claimed.deliveryId, attempts: 2, chunksSent: 1 });
      expect(again.chunks[0]).to.include({ providerMessageId: 'msg-1' });
    });

    it('deadLetter with the claim token records the reason', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx.store, t0);
      const dead = await fx.store.deliveries.deadLetter(claimed.deliveryId, claimed.claimToken as string, 'permanent: chat not found');
      expect(dead).to.include({ status: 'dead', deadReason: 'permanent: chat not found' });
      expect(await fx.store.deliveries.claim({ workerId: 'w', leaseMs: MINUTE, now: at(t0, DAY) })).to.equal(null);
    });

    it('deadLetter with a null token dead-letters a pending or sending delivery (operator, stale sweep)', async () => {
      const { d: pending } = await enqueueDelivery(fx.store);
      expect(await fx.store.deliveries.deadLetter(pending.deliveryId, null, 'stale')).to.include({ status: 'dead', deadReason: 'stale' });
      const { t0 } = await enqueueDelivery(fx.store);
      const sending = await claimDelivery(fx.store, t0);
      expect(await fx.store.deliveries.deadLetter(sending.deliveryId, null, 'operator')).to.include({ status: 'dead', deadReason: 'operator' });
      await expectCode(fx.store.deliveries.complete(sending.deliveryId, sending.claimToken as string), 'store.stale_claim');
    });

    it('requeue brings a dead delivery back to pending with fresh attempts and expiry', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx.store, t0);
      await fx.store.deliveries.deadLetter(claimed.deliveryId, claimed.claimToken as string, 'gave up');
      const expiresAt = at(t0, 2 * DAY);
      const now = at(t0, HOUR);
      const requeued = await fx.store.deliveries.requeue(claimed.deliveryId, { expiresAt, now });
      expect(requeued).to.include({ status: 'pending', attempts: 0, deadReason: null });
      expect(requeued.expiresAt.getTime()).to.equal(expiresAt.getTime());
      expect(requeued.nextAttemptAt.getTime()).to.be.at.most(now.getTime());
      expect(await claimDelivery(fx.store, now)).to.include({ deliveryId: claimed.deliveryId, attempts: 1 });
    });

    it('an expired sending lease is reclaimed with a new token; the old token is stale', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const first = await claimDelivery(fx.store, t0, SECOND);
      expect(await fx.store.deliveries.claim({ workerId: 'w', leaseMs: SECOND, now: at(t0, 500) })).to.equal(null);
      const second = await claimDelivery(fx.store, at(t0, 2 * SECOND), SECOND);
      expect(second).to.include({ deliveryId: first.deliveryId, attempts: 2, status: 'sending' });
      expect(second.claimToken).to.not.equal(first.claimToken);
      await expectCode(fx.store.deliveries.markChunkSent(first.deliveryId, first.claimToken as string, 0, 'm'), 'store.stale_claim');
      await expectCode(fx.store.deliveries.complete(first.deliveryId, first.claimToken as string), 'store.stale_claim');
      expect(await fx.store.deliveries.complete(first.deliveryId, second.claimToken as string)).to.include({ status: 'sent' });
    });

    it('a wrong token throws store.stale_claim; an unknown delivery store.not_found', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx.store, t0);
      const id = claimed.deliveryId;
      await expectCode(fx.store.deliveries.markChunkSent(id, 'wrong', 0, 'm'), 'store.stale_claim');
      await expectCode(fx.store.deliveries.complete(id, 'wrong'), 'store.stale_claim');
      await expectCode(fx.store.deliveries.retry(id, 'wrong', { nextAttemptAt: t0, error: 'x' }), 'store.stale_claim');
      await expectCode(fx.store.deliveries.deadLetter(id, 'wrong', 'x'), 'store.stale_claim');
      await expectCode(fx.store.deliveries.markChunkSent('nope', 'token', 0, 'm'), 'store.not_found');
      await expectCode(fx.store.deliveries.complete('nope', 'token'), 'store.not_found');
      await expectCode(fx.store.deliveries.retry('nope', 'token', { nextAttemptAt: t0, error: 'x' }), 'store.not_found');
      await expectCode(fx.store.deliveries.deadLetter('nope', null, 'x'), 'store.not_found');
      await expectCode(fx.store.deliveries.requeue('nope', { expiresAt: t0 }), 'store.not_found');
    });

    it('get returns a delivery, and null for an unknown id', async () => {
      const { d } = await enqueueDelivery(fx.store);
      expect(await fx.store.deliveries.get(d.deliveryId)).to.include({ deliveryId: d.deliveryId, status: 'pending' });
      expect(await fx.store.deliveries.get('nope')).to.equal(null);
    });

    it('list filters by status and traceId and honours limit', async () => {
      const { d: a } = await enqueueDelivery(fx.store, { traceId: 'trace-1' });
      const { d: b } = await enqueueDelivery(fx.store, { traceId: 'trace-2' });
      const { d: c } = await enqueueDelivery(fx.store, { traceId: 'trace-1' });
      await fx.store.deliveries.deadLetter(b.deliveryId, null, 'x');
      expect(ids(await fx.store.deliveries.list(), 'deliveryId')).to.have.members([a.deliveryId, b.deliveryId, c.deliveryId]);
      expect(ids(await fx.store.deliveries.list({ traceId: 'trace-1' }), 'deliveryId')).to.have.members([a.deliveryId, c.deliveryId]);
      expect(ids(await fx.store.deliveries.list({ status: 'dead' }), 'deliveryId')).to.deep.equal([b.deliveryId]);
      expect(ids(await fx.store.deliveries.list({ status: 'dead', traceId: 'trace-1' }), 'deliveryId')).to.deep.equal([]);
      expect(await fx.store.deliveries.list({ limit: 2 })).to.have.length(2);
    });

    it('countByStatus counts every status, zeros included', async () => {
      expect(await fx.store.deliveries.countByStatus()).to.deep.equal({ pending: 0, sending: 0, sent: 0, dead: 0 });
      await enqueueDelivery(fx.store);
      await enqueueDelivery(fx.store);
      const { t0 } = await enqueueDelivery(fx.store);
      const first = await claimDelivery(fx.store, t0);
      await fx.store.deliveries.complete(first.deliveryId, first.claimToken as string);
      const second = await claimDelivery(fx.store, t0);
      await fx.store.deliveries.deadLetter(second.deliveryId, second.claimToken as string, 'x');
      await claimDelivery(fx.store, t0);
      await enqueueDelivery(fx.store);
      expect(await fx.store.deliveries.countByStatus()).to.deep.equal({ pending: 1, sending: 1, sent: 1, dead: 1 });
    });
  });
}

// ---- audit and artifacts ------------------------------------------------------------------------

function describeAudit(fx: StoreFixture): void {
  describe('audit', () => {
    it('record returns the stored event with an id and time', async () => {
      const event = await fx.store.audit.record({ type: 'standalone.prompt', actor: 'chat-main:u1', metadata: { sessionId: 's-1' }, traceId: 't-1' });
      expect(event.auditId).to.be.a('string').and.not.equal('');
      expect(event).to.deep.include({ type: 'standalone.prompt', actor: 'chat-main:u1', metadata: { sessionId: 's-1' }, traceId: 't-1' });
      expect(event.createdAt).to.be.instanceOf(Date);
      const plain = await fx.store.audit.record({ type: 'x', actor: 'system', metadata: {} });
      expect(plain.traceId).to.equal(null);
    });

    it('list returns newest first', async () => {
      for (const type of ['a', 'b', 'c']) {
        await fx.store.audit.record({ type, actor: 'system', metadata: {} });
        await tick();
      }
      expect(ids(await fx.store.audit.list(), 'type')).to.deep.equal(['c', 'b', 'a']);
    });

    it('list filters by type and traceId and honours limit', async () => {
      await fx.store.audit.record({ type: 'standalone.prompt', actor: 'a', metadata: {}, traceId: 't-1' });
      await tick();
      await fx.store.audit.record({ type: 'standalone.prompt.denied', actor: 'a', metadata: {}, traceId: 't-1' });
      await tick();
      await fx.store.audit.record({ type: 'standalone.prompt', actor: 'b', metadata: {}, traceId: 't-2' });
      expect(ids(await fx.store.audit.list({ type: 'standalone.prompt' }), 'actor')).to.deep.equal(['b', 'a']);
      expect(ids(await fx.store.audit.list({ traceId: 't-1' }), 'type')).to.deep.equal(['standalone.prompt.denied', 'standalone.prompt']);
      expect(ids(await fx.store.audit.list({ type: 'standalone.prompt', traceId: 't-2' }), 'actor')).to.deep.equal(['b']);
      expect(ids(await fx.store.audit.list({ limit: 1 }), 'actor')).to.deep.equal(['b']);
    });
  });
}

function describeArtifacts(fx: StoreFixture): void {
  describe('artifacts', () => {
    const file = { filename: 'report.pdf', contentType: 'application/pdf', storageUri: 'file:///data/report.pdf', sizeBytes: 1234 };

    it('record assigns an id and time; get returns it; unknown ids are null', async () => {
      const session = await newSession(fx.store);
      const artifact = await fx.store.artifacts.record({ ...file, sessionId: session.sessionId });
      expect(artifact.artifactId).to.be.a('string').and.not.equal('');
      expect(artifact).to.include({ ...file, sessionId: session.sessionId });
      expect(artifact.createdAt).to.be.instanceOf(Date);
      expect(await fx.store.artifacts.get(artifact.artifactId)).to.deep.equal(artifact);
      expect(await fx.store.artifacts.get('nope')).to.equal(null);
    });

    it('record keeps a given artifactId', async () => {
      const artifact = await fx.store.artifacts.record({ ...file, sessionId: null, artifactId: 'art-1' });
      expect(artifact.artifactId).to.equal('art-1');
      expect(await fx.store.artifacts.get('art-1')).to.include({ filename: 'report.pdf', sessionId: null });
    });

    it('list filters by session and honours limit', async () => {
      const s1 = await newSession(fx.store);
      const s2 = await newSession(fx.store);
      const a = await fx.store.artifacts.record({ ...file, sessionId: s1.sessionId });
      const b = await fx.store.artifacts.record({ ...file, sessionId: s1.sessionId });
      const c = await fx.store.artifacts.record({ ...file, sessionId: s2.sessionId });
      expect(ids(await fx.store.artifacts.list(), 'artifactId')).to.have.members([a.artifactId, b.artifactId, c.artifactId]);
      expect(ids(await fx.store.artifacts.list({ sessionId: s1.sessionId }), 'artifactId')).to.have.members([a.artifactId, b.artifactId]);
      expect(await fx.store.artifacts.list({ sessionId: s1.sessionId, limit: 1 })).to.have.length(1);
    });
  });
}

// ---- leases -----------------------------------------------------------------------------------

function describeLeases(fx: StoreFixture): void {
  describe('leases', () => {
    const t0 = new Date('2030-01-01T00:00:00.000Z');
    const name = 'standalone-gateway:daemon';

    it('acquire of a free lease succeeds with a token and expiry now + ttl', async () => {
      const lease = await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, t0);
      expect(lease).to.include({ name, holder: 'host-a:1' });
      expect(lease?.token).to.be.a('string').and.not.equal('');
      expect(lease?.expiresAt.getTime()).to.equal(at(t0, 30 * SECOND).getTime());
      expect(await fx.store.leases.get(name)).to.deep.include({ name, holder: 'host-a:1', token: lease?.token });
    });

    it('a second holder gets null while the lease is live, and the lease once it expired', async () => {
      await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, t0);
      expect(await fx.store.leases.acquire(name, 'host-b:2', 30 * SECOND, at(t0, 10 * SECOND))).to.equal(null);
      const taken = await fx.store.leases.acquire(name, 'host-b:2', 30 * SECOND, at(t0, 31 * SECOND));
      expect(taken).to.include({ holder: 'host-b:2' });
      expect(await fx.store.leases.get(name)).to.include({ holder: 'host-b:2' });
    });

    it('the same holder re-acquiring gets a new token; the old token no longer renews', async () => {
      const first = await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, t0);
      const second = await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, at(t0, SECOND));
      expect(second?.token).to.be.a('string').and.not.equal(first?.token);
      expect(await fx.store.leases.renew(first!, 30 * SECOND, at(t0, 2 * SECOND))).to.equal(null);
    });

    it('renew with the current token extends the expiry to now + ttl', async () => {
      const lease = await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, t0);
      const renewed = await fx.store.leases.renew(lease!, 30 * SECOND, at(t0, 10 * SECOND));
      expect(renewed).to.include({ name, holder: 'host-a:1' });
      expect(renewed?.expiresAt.getTime()).to.equal(at(t0, 40 * SECOND).getTime());
      expect(await fx.store.leases.acquire(name, 'host-b:2', 30 * SECOND, at(t0, 35 * SECOND))).to.equal(null);
    });

    it('renew after expiry and takeover returns null', async () => {
      const lease = await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, t0);
      await fx.store.leases.acquire(name, 'host-b:2', 30 * SECOND, at(t0, MINUTE));
      expect(await fx.store.leases.renew(lease!, 30 * SECOND, at(t0, MINUTE + SECOND))).to.equal(null);
      expect(await fx.store.leases.get(name)).to.include({ holder: 'host-b:2' });
    });

    it('release frees the lease for others; renewing a released lease returns null', async () => {
      const lease = await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, t0);
      await fx.store.leases.release(lease!);
      expect(await fx.store.leases.get(name)).to.equal(null);
      expect(await fx.store.leases.renew(lease!, 30 * SECOND, at(t0, SECOND))).to.equal(null);
      expect(await fx.store.leases.acquire(name, 'host-b:2', 30 * SECOND, at(t0, SECOND))).to.include({ holder: 'host-b:2' });
    });

    it('release with a stale lease does not free the new holder', async () => {
      const old = await fx.store.leases.acquire(name, 'host-a:1', 30 * SECOND, t0);
      const current = await fx.store.leases.acquire(name, 'host-b:2', 30 * SECOND, at(t0, MINUTE));
      await fx.store.leases.release(old!);
      expect(await fx.store.leases.get(name)).to.include({ holder: 'host-b:2', token: current?.token });
    });

    it('leases with different names are independent; get of an unknown name is null', async () => {
      expect(await fx.store.leases.acquire('a', 'host-a:1', 30 * SECOND, t0)).to.not.equal(null);
      expect(await fx.store.leases.acquire('b', 'host-b:2', 30 * SECOND, t0)).to.not.equal(null);
      expect(await fx.store.leases.get('nope')).to.equal(null);
    });

    it('concurrent acquires by different holders give the lease to exactly one', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => fx.store.leases.acquire(name, `host-${i}`, 30 * SECOND, t0)));
      expect(results.filter((r) => r !== null)).to.have.length(1);
    });
  });
}

// ---- retention --------------------------------------------------------------------------------

function describePrune(fx: StoreFixture): void {
  describe('prune (retention)', () => {
    const future = () => fromNow(MINUTE);
    const heldLease = async () => (await fx.store.leases.acquire('retention', 'host-a:1', 10 * MINUTE))!;

    it('throws store.lease_lost without the lease (released, expired or taken over) and deletes nothing', async () => {
      await fx.store.audit.record({ type: 'x', actor: 'a', metadata: {} });
      const everything = cutoffs({ sessions: future(), artifacts: future(), audit: future(), jobs: future() });
      const released = await heldLease();
      await fx.store.leases.release(released);
      await expectCode(fx.store.prune(everything, released), 'store.lease_lost');
      const expired = (await fx.store.leases.acquire('retention', 'host-a:1', MINUTE, fromNow(-HOUR)))!;
      await expectCode(fx.store.prune(everything, expired), 'store.lease_lost');
      const mine = (await fx.store.leases.acquire('other', 'host-a:1', MINUTE, fromNow(-HOUR)))!;
      await fx.store.leases.acquire('other', 'host-b:2', 10 * MINUTE);
      await expectCode(fx.store.prune(everything, mine), 'store.lease_lost');
      expect(await fx.store.audit.list()).to.have.length(1);
    });

    it('deletes old idle, failed and completed sessions with their events; keeps running, blocked and busy ones', async () => {
      const idle = await newSession(fx.store);
      await fx.store.events.append(idle.sessionId, [{ type: 'a', payload: {} }, { type: 'b', payload: {} }]);
      const failed = await newSession(fx.store);
      await fx.store.sessions.setStatus(failed.sessionId, 'failed');
      const completed = await newSession(fx.store);
      await fx.store.sessions.setStatus(completed.sessionId, 'completed');
      const finishedJob = await runningJob(fx.store, { sessionId: completed.sessionId });
      await fx.store.jobs.complete(finishedJob.jobId, finishedJob.claimToken as string);
      const running = await newSession(fx.store);
      await fx.store.sessions.setStatus(running.sessionId, 'running');
      const blocked = await newSession(fx.store);
      await fx.store.sessions.setStatus(blocked.sessionId, 'blocked');
      const withRunningJob = await newSession(fx.store);
      await runningJob(fx.store, { sessionId: withRunningJob.sessionId });
      const withPendingJob = await newSession(fx.store);
      await enqueueJob(fx.store, { sessionId: withPendingJob.sessionId, runAt: fromNow(HOUR) });

      const result = await fx.store.prune(cutoffs({ sessions: future() }), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 3, eventsDeleted: 5, artifactsDeleted: 0, auditEventsDeleted: 0, jobsDeleted: 0 });
      for (const gone of [idle, failed, completed]) expect(await fx.store.sessions.get(gone.sessionId)).to.equal(null);
      for (const kept of [running, blocked, withRunningJob, withPendingJob]) {
        expect(await fx.store.sessions.get(kept.sessionId)).to.not.equal(null);
      }
      const events = (await collect(fx.store.exportManifest())).filter(
        (r): r is Extract<ManifestRecord, { table: 'event' }> => r.table === 'event',
      );
      expect(events.map((r) => r.row.sessionId)).to.have.members([running, blocked, withRunningJob, withPendingJob].map((s) => s.sessionId));
    });

    it('a pruned thread starts a new session with a new event #1', async () => {
      const { session } = await fx.store.sessions.findOrCreate(thread());
      await fx.store.prune(cutoffs({ sessions: future() }), await heldLease());
      const again = await fx.store.sessions.findOrCreate(thread());
      expect(again.created).to.equal(true);
      expect(again.session.sessionId).to.not.equal(session.sessionId);
      expect(ids(await fx.store.events.list(again.session.sessionId), 'seq')).to.deep.equal([1]);
    });

    it('deletes old completed, failed and dead jobs, never pending or running ones', async () => {
      const completed = await runningJob(fx.store);
      await fx.store.jobs.complete(completed.jobId, completed.claimToken as string);
      const failed = await runningJob(fx.store);
      await fx.store.jobs.fail(failed.jobId, failed.claimToken as string, { error: 'x' });
      const dead = await runningJob(fx.store, { maxAttempts: 1 });
      await fx.store.jobs.fail(dead.jobId, dead.claimToken as string, { error: 'x', retryAt: fromNow(0) });
      const running = await runningJob(fx.store);
      const pending = await enqueueJob(fx.store, { runAt: fromNow(HOUR) });

      const result = await fx.store.prune(cutoffs({ jobs: future() }), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 0, eventsDeleted: 0, artifactsDeleted: 0, auditEventsDeleted: 0, jobsDeleted: 3 });
      for (const gone of [completed, failed, dead]) expect(await fx.store.jobs.get(gone.jobId)).to.equal(null);
      expect(await fx.store.jobs.get(running.jobId)).to.include({ status: 'running' });
      expect(await fx.store.jobs.get(pending.jobId)).to.include({ status: 'pending' });
    });

    it('deletes old audit events and artifacts', async () => {
      await fx.store.audit.record({ type: 'a', actor: 'x', metadata: {} });
      await fx.store.audit.record({ type: 'b', actor: 'x', metadata: {} });
      const art = await fx.store.artifacts.record({ sessionId: null, filename: 'f', contentType: 'text/plain', storageUri: 'file:///f', sizeBytes: 1 });
      const result = await fx.store.prune(cutoffs({ audit: future(), artifacts: future() }), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 0, eventsDeleted: 0, artifactsDeleted: 1, auditEventsDeleted: 2, jobsDeleted: 0 });
      expect(await fx.store.audit.list()).to.deep.equal([]);
      expect(await fx.store.artifacts.get(art.artifactId)).to.equal(null);
    });

    it('keeps everything newer than the cutoffs', async () => {
      await newSession(fx.store);
      const done = await runningJob(fx.store);
      await fx.store.jobs.complete(done.jobId, done.claimToken as string);
      await fx.store.audit.record({ type: 'a', actor: 'x', metadata: {} });
      await fx.store.artifacts.record({ sessionId: null, filename: 'f', contentType: 'text/plain', storageUri: 'file:///f', sizeBytes: 1 });
      const result = await fx.store.prune(cutoffs({}), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 0, eventsDeleted: 0, artifactsDeleted: 0, auditEventsDeleted: 0, jobsDeleted: 0 });
      expect(await fx.store.sessions.list()).to.have.length(1);
      expect(await fx.store.jobs.list()).to.have.length(1);
      expect(await fx.store.audit.list()).to.have.length(1);
      expect(await fx.store.artifacts.list()).to.have.length(1);
    });
  });
}

// ---- backup manifest --------------------------------------------------------------------------

/** Fills a store with at least one row of every exported table. */
async function populate(store: Store): Promise<{ session: Session }> {
  await store.identities.upsert({ provider: 'chat-main', externalUserId: 'u1', role: 'owner' });
  await store.identities.upsert({ provider: 'chat-main', workspaceId: 'team-1', externalUserId: 'u2', role: 'viewer', status: 'disabled' });
  const session = await newSession(store);
  await store.sessions.setExecutorSession(session.sessionId, 'exec-1');
  await store.events.append(session.sessionId, [{ type: 'user.message', payload: { text: 'hi' }, traceId: 't-1' }]);
  const done = await runningJob(store, { sessionId: session.sessionId, queueKey: session.sessionId, traceId: 't-1' });
  await store.jobs.complete(done.jobId, done.claimToken as string, { ok: true });
  await enqueueJob(store, { kind: 'watch', runAt: fromNow(HOUR) });
  const { t0 } = await enqueueDelivery(store, { sessionId: session.sessionId, traceId: 't-1' });
  const claimed = await claimDelivery(store, t0);
  await store.deliveries.markChunkSent(claimed.deliveryId, claimed.claimToken as string, 0, 'msg-1');
  await store.audit.record({ type: 'standalone.prompt', actor: 'u1', metadata: { sessionId: session.sessionId }, traceId: 't-1' });
  await store.artifacts.record({ sessionId: session.sessionId, filename: 'a.txt', contentType: 'text/plain', storageUri: 'file:///a', sizeBytes: 3 });
  return { session: (await store.sessions.get(session.sessionId)) as Session };
}

function countTables(records: readonly ManifestRecord[]): Record<ManifestRecord['table'], number> {
  const counts = { identity: 0, session: 0, event: 0, job: 0, delivery: 0, audit: 0, artifact: 0 };
  for (const record of records) counts[record.table] += 1;
  return counts;
}

/** Records in a stable order (table, then primary key), for comparing two exports. */
function canonical(records: readonly ManifestRecord[]): ManifestRecord[] {
  const keyOf = (r: ManifestRecord): string => {
    switch (r.table) {
      case 'identity': return r.row.identityId;
      case 'session': return r.row.sessionId;
      case 'event': return `${r.row.sessionId}:${String(r.row.seq).padStart(12, '0')}`;
      case 'job': return r.row.jobId;
      case 'delivery': return r.row.deliveryId;
      case 'audit': return r.row.auditId;
      case 'artifact': return r.row.artifactId;
    }
  };
  return [...records].sort((a, b) => `${a.table}|${keyOf(a)}`.localeCompare(`${b.table}|${keyOf(b)}`));
}

function describeManifest(fx: StoreFixture): void {
  describe('backup manifest', () => {
    it('exports every table: identities, sessions, events, jobs, deliveries, audit, artifacts', async () => {
      await populate(fx.store);
      const counts = countTables(await collect(fx.store.exportManifest()));
      expect(counts).to.deep.equal({ identity: 2, session: 1, event: 2, job: 2, delivery: 1, audit: 1, artifact: 1 });
    });

    it('importManifest into a fresh store reproduces every row and returns counts per table', async () => {
      const { session } = await populate(fx.store);
      const exported = await collect(fx.store.exportManifest());
      const restored = await fx.another();
      const counts = await restored.importManifest(exported);
      expect(counts).to.deep.equal(countTables(exported));
      expect(canonical(await collect(restored.exportManifest()))).to.deep.equal(canonical(exported));

      expect(await restored.sessions.get(session.sessionId)).to.deep.equal(session);
      expect(await restored.events.list(session.sessionId)).to.deep.equal(await fx.store.events.list(session.sessionId));
      expect(await restored.identities.find({ provider: 'chat-main', workspaceId: 'team-1', externalUserId: 'u2' })).to.deep.equal(
        await fx.store.identities.find({ provider: 'chat-main', workspaceId: 'team-1', externalUserId: 'u2' }),
      );
      expect(await restored.jobs.list()).to.have.deep.members(await fx.store.jobs.list());
      expect(await restored.deliveries.list()).to.have.deep.members(await fx.store.deliveries.list());
      expect(await restored.audit.list()).to.deep.equal(await fx.store.audit.list());
      expect(await restored.artifacts.list()).to.deep.equal(await fx.store.artifacts.list());
      expect(await restored.identities.summary()).to.deep.equal(await fx.store.identities.summary());
    });

    it('an imported session keeps its thread and continues its event sequence', async () => {
      const { session } = await populate(fx.store);
      const restored = await fx.another();
      await restored.importManifest(fx.store.exportManifest());
      const found = await restored.sessions.findOrCreate(thread({ chatId: session.chatId }));
      expect(found).to.include({ created: false });
      expect(found.session.sessionId).to.equal(session.sessionId);
      const [next] = await restored.events.append(session.sessionId, [{ type: 'x', payload: {} }]);
      expect(next?.seq).to.equal(session.lastEventSeq + 1);
    });

    it('importManifest accepts an async iterable and an empty input', async () => {
      await populate(fx.store);
      const restored = await fx.another();
      const counts = await restored.importManifest(fx.store.exportManifest());
      expect(counts.session).to.equal(1);
      expect(await fx.store.importManifest([])).to.deep.equal({ identity: 0, session: 0, event: 0, job: 0, delivery: 0, audit: 0, artifact: 0 });
    });
  });
}

// ---- trace ------------------------------------------------------------------------------------

function describeTrace(fx: StoreFixture): void {
  describe('trace', () => {
    it('gathers the inbound claims, jobs, events, deliveries and audit rows of one trace id', async () => {
      const traceId = uniq('trace');
      const noise = uniq('trace');
      const key = inboundKey();
      await fx.store.inbound.claim(key, { owner: 'w', leaseMs: MINUTE, traceId });
      await fx.store.inbound.claim(inboundKey(), { owner: 'w', leaseMs: MINUTE, traceId: noise });
      const session = await newSession(fx.store);
      const [event] = await fx.store.events.append(session.sessionId, [
        { type: 'user.message', payload: {}, traceId },
        { type: 'user.message', payload: {}, traceId: noise },
      ]);
      const traced = await enqueueJob(fx.store, { traceId });
      await enqueueJob(fx.store, { traceId: noise });
      const { d } = await enqueueDelivery(fx.store, { traceId });
      await enqueueDelivery(fx.store, { traceId: noise });
      const audit = await fx.store.audit.record({ type: 'standalone.prompt', actor: 'u', metadata: {}, traceId });
      await fx.store.audit.record({ type: 'standalone.prompt', actor: 'u', metadata: {}, traceId: noise });

      const report = await fx.store.trace(traceId);
      expect(report.traceId).to.equal(traceId);
      expect(ids(report.inbound, 'key')).to.deep.equal([inboundClaimKey(key)]);
      expect(ids(report.jobs, 'jobId')).to.deep.equal([traced.jobId]);
      expect(report.events.map((e) => [e.sessionId, e.seq])).to.deep.equal([[session.sessionId, event?.seq]]);
      expect(ids(report.deliveries, 'deliveryId')).to.deep.equal([d.deliveryId]);
      expect(ids(report.audit, 'auditId')).to.deep.equal([audit.auditId]);
    });

    it('an unknown trace id yields empty lists', async () => {
      expect(await fx.store.trace('nope')).to.deep.equal({ traceId: 'nope', inbound: [], jobs: [], events: [], deliveries: [], audit: [] });
    });
  });
}
