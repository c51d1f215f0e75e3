import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { ManualClock } from '@cowork-gateway/core/testing';
import type { ManifestRecord } from '@cowork-gateway/core';
import { MemoryStore } from '../src/memory-store.js';

/** Behaviour specific to the memory store, beyond the shared conformance suite. */
describe('MemoryStore', () => {
  let store: MemoryStore;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock();
    store = new MemoryStore({ maxEventsPerSession: 100_000 }, clock);
    await store.start();
  });

  afterEach(async () => store.close());

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => expect.fail('expected a rejection'),
      (error: unknown) => error,
    );
  }

  const thread = { instance: 'chat-main', chatId: 'c-1', providerKind: 'fake', title: 'T' };

  describe('lifecycle', () => {
    it('is down before start and after close, ok while started', async () => {
      const fresh = new MemoryStore({ maxEventsPerSession: 10 });
      expect(await fresh.health()).to.deep.equal({ state: 'down', reason: 'memory store is not started' });
      await fresh.start();
      expect((await fresh.health()).state).to.equal('ok');
      await fresh.close();
      await fresh.close();
      expect(await fresh.health()).to.deep.equal({ state: 'down', reason: 'memory store is closed' });
    });

    it('loses all state on close (not durable)', async () => {
      await store.sessions.findOrCreate(thread);
      await store.close();
      await store.start();
      expect(await store.sessions.list()).to.deep.equal([]);
    });
  });

  describe('isolation', () => {
    it('returns copies: mutating a result does not change the store', async () => {
      const { session } = await store.sessions.findOrCreate(thread);
      session.status = 'failed';
      const { job } = await store.jobs.enqueue({ kind: 'prompt', idempotencyKey: 'k', payload: { text: 'a' } });
      job.payload['text'] = 'changed';
      expect(await store.sessions.get(session.sessionId)).to.include({ status: 'idle' });
      expect((await store.jobs.get(job.jobId))?.payload).to.deep.equal({ text: 'a' });
    });

    it('copies inputs: mutating a payload after the call does not change the store', async () => {
      const metadata = { sessionId: 's-1' };
      const recorded = await store.audit.record({ type: 't', actor: 'a', metadata });
      metadata.sessionId = 'changed';
      expect((await store.audit.list())[0]?.metadata).to.deep.equal({ sessionId: 's-1' });
      expect(recorded.metadata).to.deep.equal({ sessionId: 's-1' });
    });
  });

  describe('events', () => {
    it('keeps at most maxEventsPerSession events, dropping the oldest while seq keeps counting', async () => {
      const small = new MemoryStore({ maxEventsPerSession: 3 });
      await small.start();
      const { session } = await small.sessions.findOrCreate(thread);
      await small.events.append(session.sessionId, [1, 2, 3, 4].map((n) => ({ type: 'e', payload: { n } })));
      expect((await small.events.list(session.sessionId)).map((e) => e.seq)).to.deep.equal([3, 4, 5]);
      expect(await small.sessions.get(session.sessionId)).to.include({ lastEventSeq: 5 });
    });

    it('lists no events for an unknown session', async () => {
      expect(await store.events.list('nope')).to.deep.equal([]);
    });
  });

  describe('interpreted edge cases', () => {
    it('upsert without status keeps the existing status', async () => {
      const key = { provider: 'p', externalUserId: 'u' };
      await store.identities.upsert({ ...key, role: 'member', status: 'disabled' });
      expect(await store.identities.upsert({ ...key, role: 'admin' })).to.include({ role: 'admin', status: 'disabled' });
    });

    it('an inbound takeover keeps the first trace id', async () => {
      const key = { provider: 'p', instance: 'i', eventType: 'message', eventId: 'e-1' };
      const t0 = new Date('2030-01-01T00:00:00Z');
      clock.set(t0);
      await store.inbound.claim(key, { owner: 'a', leaseMs: 1000, traceId: 'trace-1' });
      clock.set(new Date('2030-01-02T00:00:00Z'));
      const again = await store.inbound.claim(key, { owner: 'b', leaseMs: 1000, traceId: 'trace-2' });
      expect(again.claim).to.include({ traceId: 'trace-1', attempts: 2 });
    });

    it('a job dead on lease expiry records why', async () => {
      const { job } = await store.jobs.enqueue({ kind: 'prompt', idempotencyKey: 'k', payload: {}, maxAttempts: 1, runAt: new Date(0) });
      const t0 = new Date();
      clock.set(t0);
      await store.jobs.claim({ workerId: 'w', leaseMs: 1000 });
      clock.advance(5000);
      expect(await store.jobs.claim({ workerId: 'w', leaseMs: 1000 })).to.equal(null);
      expect(await store.jobs.get(job.jobId)).to.include({ status: 'dead', lastError: 'lease expired after 1 attempts' });
    });

    it('queuePosition of an unknown job throws store.not_found', async () => {
      expect(isGatewayError(await rejection(store.jobs.queuePosition('nope')), 'store.not_found')).to.equal(true);
    });

    it('a sent delivery stays sent when dead-lettered without a token; requeue ignores non-dead ones', async () => {
      const expiresAt = new Date(Date.now() + 60_000);
      const chunks = [{ chunkId: 'd:chunk:1', message: { text: 'x', format: 'plain' as const } }];
      await store.deliveries.enqueue({ deliveryId: 'd', instance: 'i', target: { instance: 'i', chatId: 'c' }, purpose: 'reply', chunks, expiresAt });
      expect(await store.deliveries.requeue('d', { expiresAt })).to.include({ status: 'pending' });
      clock.advance(1000);
      const claimed = await store.deliveries.claim({ workerId: 'w', leaseMs: 1000 });
      const token = claimed?.claimToken as string;
      expect(isGatewayError(await rejection(store.deliveries.markChunkSent('d', token, 5, 'm')), 'store.not_found')).to.equal(true);
      await store.deliveries.complete('d', token);
      expect(await store.deliveries.deadLetter('d', null, 'stale')).to.include({ status: 'sent', deadReason: null });
    });

    it('recording an existing artifactId returns the stored row unchanged', async () => {
      const file = { sessionId: null, filename: 'a', contentType: 'text/plain', storageUri: 'file:///a', sizeBytes: 1, artifactId: 'art' };
      await store.artifacts.record(file);
      expect(await store.artifacts.record({ ...file, filename: 'b' })).to.include({ filename: 'a' });
    });
  });

  describe('manifest', () => {
    it('imports a manifest that went through JSON (ISO date strings)', async () => {
      const { session } = await store.sessions.findOrCreate(thread);
      await store.jobs.enqueue({ kind: 'prompt', idempotencyKey: 'k', payload: {} });
      const chunks = [{ chunkId: 'd:chunk:1', message: { text: 'x', format: 'plain' as const } }];
      await store.deliveries.enqueue({ deliveryId: 'd', instance: 'i', target: { instance: 'i', chatId: 'c' }, purpose: 'reply', chunks, expiresAt: new Date() });
      const records: ManifestRecord[] = [];
      for await (const record of store.exportManifest()) records.push(JSON.parse(JSON.stringify(record)) as ManifestRecord);
      const restored = new MemoryStore({ maxEventsPerSession: 10 });
      await restored.importManifest(records);
      const back = await restored.sessions.get(session.sessionId);
      expect(back?.createdAt).to.be.instanceOf(Date);
      expect(back).to.deep.equal(await store.sessions.get(session.sessionId));
      expect((await restored.jobs.list())[0]?.runAt).to.be.instanceOf(Date);
      expect((await restored.deliveries.get('d'))?.expiresAt).to.be.instanceOf(Date);
    });

    it('rejects an event whose session is not imported', async () => {
      const event: ManifestRecord = {
        table: 'event',
        row: { sessionId: 'nope', seq: 1, type: 'x', payload: {}, traceId: null, createdAt: new Date() },
      };
      expect(isGatewayError(await rejection(store.importManifest([event])), 'store.not_found')).to.equal(true);
    });
  });
});
