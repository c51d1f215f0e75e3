import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import {
  DEFAULT_KERNEL_SETTINGS,
  DefaultRenderer,
  Kernel,
  adminRoutes,
  appendEvents,
  completeDelivery,
  enqueueDeliveryClaimed,
  enqueueJobWithEvents,
  isGatewayError,
  silentLogger,
  type Clock,
  type HttpRequest,
  type InboundEvent,
  type KernelSettings,
  type NewDelivery,
  type Store,
} from '@cowork-gateway/core';
import { describeStoreConformance, startTestKernel, testMessage as message, until, type TestKernel } from '@cowork-gateway/core/testing';
import { MemoryStore } from '../src/memory-store.js';
import { runtimeOnly, startedRuntimeOnly } from './support/runtime-only.js';

/** The Store kit's runtime part, against a store that has nothing else. */
describeStoreConformance({
  name: 'runtime-only store (MemoryStore without operator parts or fast paths)',
  create: ({ clock }) => startedRuntimeOnly(clock),
});

function request(query: Record<string, string>): HttpRequest {
  return { method: 'GET', path: '/admin', params: {}, query, headers: {}, body: undefined, rawBody: Buffer.alloc(0), sourceIp: '127.0.0.1' };
}

describe('a store with only the runtime part', function () {
  this.timeout(20_000);
  let t: TestKernel | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('runs a conversation through the kernel: prompt in, one reply out, history and status kept', async () => {
    t = await startTestKernel({ store: await startedRuntimeOnly() });
    const result = await t.kernel.ingest(message('hi'));
    expect(result.outcome).to.equal('enqueued');
    await until(() => t!.provider.sent.length === 1, 5000, 'the reply');
    expect(t.provider.sent[0]!.message.text).to.contain('Echo: hi');
    const session = await t.store.sessions.get(result.sessionId!);
    await until(async () => (await t!.store.sessions.get(result.sessionId!))?.status === 'idle', 5000, 'the session to settle');
    const events = await t.store.events.list(session!.sessionId);
    const userMessage = events.find((e) => e.type === 'user.message');
    expect(userMessage?.payload).to.include({ text: 'hi', jobId: result.jobId });
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    expect(await t.store.jobs.get(result.jobId!)).to.include({ status: 'completed' });
  });

  it('answers the operator routes with store.capability_missing (404) naming the part, never a 5xx', async () => {
    t = await startTestKernel({ store: await startedRuntimeOnly() });
    const routes = adminRoutes(t.kernel);
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/admin/trace', { traceId: 'x' }],
      ['GET', '/admin/identities', {}],
      ['GET', '/admin/deliveries', {}],
    ];
    for (const [method, path, query] of cases) {
      const route = routes.find((r) => r.method === method && r.path === path)!;
      let refusal: unknown;
      try {
        await route.handle(request(query));
      } catch (error) {
        refusal = error;
      }
      expect(isGatewayError(refusal, 'store.capability_missing'), path).to.equal(true);
      expect((refusal as { status: number }).status).to.equal(404);
    }
    const disable = routes.find((r) => r.path === '/admin/identities/disable')!;
    const refused = await disable.handle({ ...request({}), method: 'POST', body: { provider: 'fake', externalUserId: 'alice' } }).then(() => null, (error: unknown) => error);
    expect(refused).to.match(/no "actions" operator part/);
  });

  it('reports its operator parts in /ready detail and says retention is off', async () => {
    t = await startTestKernel({ store: await startedRuntimeOnly() });
    const report = await t.kernel.readiness();
    expect((report.components.store as { detail?: Record<string, unknown> }).detail).to.deep.include({ operatorParts: [], retention: 'off: the store has no "prune" operator part' });
  });
});

describe('store-ops composes the fast paths from runtime primitives', () => {
  const delivery = (deliveryId: string): NewDelivery => ({
    deliveryId,
    instance: 'i',
    target: { instance: 'i', chatId: 'c' },
    purpose: 'reply',
    chunks: [1, 2].map((n) => ({ chunkId: `${deliveryId}:chunk:${n}`, message: { text: `part ${n}`, format: 'plain' as const } })),
    expiresAt: new Date(Date.now() + 60_000),
  });

  it('enqueueJobWithEvents: events with the jobId once; a repeat appends nothing; an unknown session stores nothing', async () => {
    const store = await startedRuntimeOnly();
    const { session } = await store.sessions.findOrCreate({ instance: 'i', chatId: 'c', providerKind: 'fake', title: 't' });
    const job = { kind: 'prompt' as const, idempotencyKey: 'k-1', payload: {}, sessionId: session.sessionId, queueKey: session.sessionId };
    const first = await enqueueJobWithEvents(store, job, [{ type: 'user.message', payload: { text: 'hi' } }]);
    const again = await enqueueJobWithEvents(store, job, [{ type: 'user.message', payload: { text: 'hi' } }]);
    expect([first.created, again.created]).to.deep.equal([true, false]);
    expect((await store.events.list(session.sessionId)).map((e) => [e.seq, e.type, e.payload.jobId ?? null])).to.deep.equal([
      [1, 'session.created', null],
      [2, 'user.message', first.job.jobId],
    ]);
    const missing = await enqueueJobWithEvents(store, { ...job, idempotencyKey: 'k-2', sessionId: 'no-such-session' }, [{ type: 'x', payload: {} }]).then(() => null, (error: unknown) => error);
    expect(isGatewayError(missing, 'store.not_found')).to.equal(true);
    expect(await store.jobs.claim({ workerId: 'w', leaseMs: 1000 })).to.include({ jobId: first.job.jobId });
    expect(await store.jobs.claim({ workerId: 'w', leaseMs: 1000 })).to.equal(null);
    await store.close();
  });

  it('enqueueDeliveryClaimed leaves the delivery unclaimed without the fast path, claimed with it', async () => {
    const plain = await startedRuntimeOnly();
    const composed = await enqueueDeliveryClaimed(plain, delivery('d-1'), { workerId: 'w', leaseMs: 60_000 });
    expect(composed).to.deep.include({ created: true, claimed: false });
    expect(composed.delivery).to.include({ status: 'pending', claimToken: null });
    const fused = new MemoryStore({ maxEventsPerSession: 100 });
    await fused.start();
    const direct = await enqueueDeliveryClaimed(fused, delivery('d-2'), { workerId: 'w', leaseMs: 60_000 });
    expect(direct).to.deep.include({ created: true, claimed: true });
    expect(direct.delivery).to.include({ status: 'sending', claimedBy: 'w' });
    const repeat = await enqueueDeliveryClaimed(fused, delivery('d-2'), { workerId: 'w', leaseMs: 60_000 });
    expect(repeat).to.deep.include({ created: false, claimed: false });
  });

  it('completeDelivery records the last chunk then completes; appendEvents sets the status after appending', async () => {
    const store = await startedRuntimeOnly();
    await store.deliveries.enqueue(delivery('d-1'));
    const claimed = (await store.deliveries.claim({ workerId: 'w', leaseMs: 60_000 }))!;
    await store.deliveries.markChunkSent('d-1', claimed.claimToken!, 0, 'm-1');
    const sent = await completeDelivery(store, 'd-1', claimed.claimToken!, { index: 1, providerMessageId: 'm-2' });
    expect(sent).to.include({ status: 'sent', chunksSent: 2 });
    expect(sent.chunks.map((c) => c.providerMessageId)).to.deep.equal(['m-1', 'm-2']);

    const { session } = await store.sessions.findOrCreate({ instance: 'i', chatId: 'c', providerKind: 'fake', title: 't' });
    await store.sessions.setStatus(session.sessionId, 'running');
    const added = await appendEvents(store, session.sessionId, [{ type: 'run.completed', payload: {} }], 'idle');
    expect(added.map((e) => e.seq)).to.deep.equal([2]);
    expect(await store.sessions.get(session.sessionId)).to.include({ status: 'idle', lastEventSeq: 2 });
    expect(await appendEvents(store, session.sessionId, [], 'failed')).to.deep.equal([]);
    expect(await store.sessions.get(session.sessionId)).to.include({ status: 'failed', lastEventSeq: 2 });
  });

  it('the runtime-only wrapper refuses fused-form arguments, so the kernel provably used none', async () => {
    const store = runtimeOnly(new MemoryStore({ maxEventsPerSession: 100 }));
    await store.start();
    const { session } = await store.sessions.findOrCreate({ instance: 'i', chatId: 'c', providerKind: 'fake', title: 't' });
    const refused = await (store.events.append as (...args: unknown[]) => Promise<unknown>)(session.sessionId, [], { status: 'idle' }).then(() => null, (error: unknown) => error);
    expect(String(refused)).to.match(/fused-form argument/);
  });
});
