import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { startTestKernel, testMessage, until, type TestKernel } from '@cowork-gateway/core/testing';
import { CloudExecutor, CloudStore, cloudConnectionOptions, cloudExecutorOptions } from '../src/index.js';
import { FakeCloud } from '../src/testing/index.js';

describe('Cloud store + Cloud executor in the kernel', () => {
  let fake: FakeCloud;
  let store: CloudStore;
  let gateway: TestKernel<CloudStore, CloudExecutor>;

  beforeEach(async () => {
    fake = new FakeCloud();
    await fake.start();
    fake.addChannelBinding({ provider: 'fake', bindingId: 'cb_fake' });
    const token = fake.issueToken({ channelBindingIds: ['cb_fake'] });
    fake.setIdentity({ provider: 'fake', externalUserId: 'alice', role: 'owner' });
    store = new CloudStore(v.parse(cloudConnectionOptions, { baseUrl: fake.url, serviceToken: token.plaintext, instanceId: 'k', channels: [{ instance: 'fake', channelBindingId: 'cb_fake' }] }));
    const executor = new CloudExecutor(store.channel, v.parse(cloudExecutorOptions, { reconnectBaseMs: 5 }));
    gateway = await startTestKernel({ store, executor, identities: [] });
  });
  afterEach(async () => {
    await gateway.stop();
    await store.close();
    await fake.stop();
  });

  it('binds the thread, prompts Cloud once and renders the deltas as one final reply in the chat and thread', async () => {
    const message = testMessage('hello', { chatId: 'c1', threadId: 't1' });
    const result = await gateway.kernel.ingest(message);
    expect(result.outcome).to.equal('enqueued');
    await until(() => gateway.provider.sent.some((s) => s.message.text.includes('Echo: hello')), 10_000, 'reply');
    const replies = gateway.provider.sent.filter((s) => s.message.text.includes('Echo'));
    expect(replies).to.have.length(1);
    expect(replies[0]!.target).to.deep.include({ instance: 'fake', chatId: 'c1', threadId: 't1' });
    expect(fake.requestsTo('/api/channels/sessions/prompt')).to.have.length(1);
    const duplicate = await gateway.kernel.ingest({ ...message });
    expect(duplicate.outcome).to.equal('duplicate');
    expect(fake.requestsTo('/api/channels/sessions/prompt')).to.have.length(1);
    expect([...fake.providerEvents.values()].map((e) => e.status)).to.deep.equal(['processed']);
  });

  it('tells a sender Cloud has not promoted that they may not prompt, without binding a thread', async () => {
    await gateway.kernel.ingest(testMessage('hi', { userId: 'stranger' }));
    await until(() => gateway.provider.sent.length > 0, 5_000, 'denial notice');
    expect(fake.threads.size).to.equal(0);
    expect(fake.requestsTo('/api/channels/sessions/prompt')).to.have.length(0);
  });

  it('resolves the Cloud interaction once when the approval button is pressed', async () => {
    await gateway.kernel.ingest(testMessage('/permission', { chatId: 'c2' }));
    await until(() => gateway.provider.sent.some((s) => (s.message.buttons ?? []).length > 0), 10_000, 'approval buttons');
    const withButtons = gateway.provider.sent.find((s) => (s.message.buttons ?? []).length > 0)!;
    const approve = withButtons.message.buttons!.flat().find((b) => b.value.endsWith(':once'))!;
    const press = testMessage('', { chatId: 'c2', kind: 'interaction', interaction: { id: 'cb-1', value: approve.value } });
    expect((await gateway.kernel.ingest(press)).outcome).to.equal('answered');
    await until(() => gateway.provider.sent.some((s) => s.message.text.includes('Resolved permission')), 10_000, 'final reply');
    expect(fake.requestsTo('/api/channels/interactions/resolve')).to.have.length(1);
    expect(fake.requestsTo('/api/channels/interactions/resolve')[0]!.body).to.deep.include({ externalChatId: 'c2', externalUserId: 'alice', response: { allowed: true } });
    expect((await gateway.kernel.ingest({ ...press })).outcome).to.equal('duplicate');
    expect(fake.requestsTo('/api/channels/interactions/resolve')).to.have.length(1);
  });
});
