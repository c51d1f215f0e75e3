import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { DefaultRenderer, DeliveryError, Kernel, silentLogger, type JsonObject, type Store } from '@cowork-gateway/core';
import { FakeExecutor, FakeProvider, fakeExecutorOptions, fakeProviderOptions } from '@cowork-gateway/core/testing';
import { FAST_TEST_SETTINGS as FAST_SETTINGS, testMessage as message, until } from '@cowork-gateway/core/testing';
import { startMemoryTestKernel as startTestKernel, type MemoryTestKernel as TestKernel } from './helpers/memory-kernel.js';
import { freshSchema, type TestSchema } from './helpers/postgres.js';

/** What a Slack-like provider would need to answer: opaque to the kernel, handed back on `send`. */
const REPLY_CONTEXT: JsonObject = { responseUrl: 'https://hooks.example/r/42', thread: { ts: '1700000000.0001', refs: ['<a@x>', 2, null, true] } };

describe('replyContext (in process, memory store)', function () {
  this.timeout(20_000);
  let t: TestKernel;
  afterEach(async () => {
    await t?.kernel.stop();
  });

  it('hands the inbound replyContext to send on the reply, and stores it with the delivery', async () => {
    t = await startTestKernel();
    expect((await t.kernel.ingest(message('hi', { replyContext: REPLY_CONTEXT }))).outcome).to.equal('enqueued');
    await until(() => t.provider.sent.length === 1);
    expect(t.provider.sent[0]!.target).to.deep.include({ instance: 'fake', chatId: 'chat', replyContext: REPLY_CONTEXT });
    const [stored] = await t.store.deliveries.list();
    expect(stored!.target.replyContext).to.deep.equal(REPLY_CONTEXT);
  });

  it('puts it on gateway notices too: the queued notice and the answer to a button', async () => {
    t = await startTestKernel();
    await t.kernel.ingest(message('/slow 1000', { userId: 'ada' }));
    await t.kernel.ingest(message('second', { userId: 'ada', replyContext: { queued: true } }));
    await t.kernel.ingest(message('', { userId: 'ada', kind: 'interaction', interaction: { id: 'cb', value: 'perm:nobody:once' }, replyContext: { pressed: 'cb' } }));
    await until(() => t.provider.sent.some((s) => s.target.replyContext?.pressed === 'cb') && t.provider.sent.some((s) => s.target.replyContext?.queued === true), 5000, 'both notices');
    expect(t.provider.sent.find((s) => s.target.replyContext?.queued === true)!.message.text).to.match(/Queued/);
  });

  it('leaves the target without replyContext when the event has none', async () => {
    t = await startTestKernel();
    await t.kernel.ingest(message('plain'));
    await until(() => t.provider.sent.length === 1);
    expect(t.provider.sent[0]!.target).not.to.have.property('replyContext');
  });

  it('refuses a replyContext that is not a JSON object with webhook.payload_invalid', async () => {
    t = await startTestKernel();
    for (const replyContext of [['a'], 'text', 7, { big: 'x'.repeat(17 * 1024) }]) {
      const error = await t.kernel.ingest(message('x', { replyContext: replyContext as unknown as JsonObject })).then(() => null, (e: unknown) => e);
      expect((error as { code?: string } | null)?.code, JSON.stringify(replyContext).slice(0, 20)).to.equal('webhook.payload_invalid');
    }
  });
});

describe('replyContext across a restart (pg-store)', function () {
  this.timeout(30_000);
  let schema: TestSchema;
  const kernels: Kernel[] = [];
  beforeEach(async () => {
    schema = await freshSchema();
  });
  afterEach(async () => {
    for (const kernel of kernels.splice(0)) await kernel.stop().catch(() => undefined);
    await schema.drop();
  });

  function startKernel(store: Store, provider: FakeProvider): Promise<Kernel> {
    const kernel = new Kernel({
      store,
      executor: new FakeExecutor(v.parse(fakeExecutorOptions, {})),
      renderer: new DefaultRenderer(),
      providers: [provider],
      settings: { ...FAST_SETTINGS, deliveryMaxAttempts: 50 },
      logger: silentLogger,
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'member' }],
    });
    kernels.push(kernel);
    return kernel.start().then(() => kernel);
  }

  it('sends a reply left pending before the restart with the stored replyContext', async () => {
    const down = new FakeProvider(v.parse(fakeProviderOptions, {}), { id: 'fake', plugin: 'fake', kind: 'provider' });
    let failures = 0;
    down.send = async () => {
      failures += 1;
      throw new DeliveryError('channel down', { kind: 'transient' });
    };
    const first = await startKernel(await schema.openStore(), down);
    await first.ingest(message('survive a restart', { replyContext: REPLY_CONTEXT }));
    await until(() => failures > 0, 10_000, 'a failed send');
    await first.stop();
    kernels.splice(kernels.indexOf(first), 1);

    const up = new FakeProvider(v.parse(fakeProviderOptions, {}), { id: 'fake', plugin: 'fake', kind: 'provider' });
    await startKernel(await schema.openStore(), up);
    await until(() => up.sent.length === 1, 10_000, 'the reply after the restart');
    expect(up.sent[0]!.message.text).to.contain('survive a restart');
    expect(up.sent[0]!.target.replyContext).to.deep.equal(REPLY_CONTEXT);
  });
});
