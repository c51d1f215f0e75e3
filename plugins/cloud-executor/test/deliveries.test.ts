import 'reflect-metadata';
import { expect } from 'chai';
import { DeliveryError, type ComponentHealth, type DeliveryTarget, type OutboundMessage, type Provider, type ProviderCapabilities, type SendOptions, type SendResult } from '@cowork-gateway/core';
import { CloudDeliveries, deliveryText, targetOf } from '../src/index.js';
import { cloudFixture, type CloudFixture } from './helpers/fixture.js';

/** A provider whose sends are recorded and can be slowed down or made to fail. */
class ScriptedProvider implements Provider {
  readonly id = 'telegram';
  readonly kind = 'telegram';
  readonly capabilities: ProviderCapabilities = { maxTextLength: 40, threads: true, buttons: true, edits: false, files: false, attachments: false, markdownDialect: 'plain', inbound: 'polling' };
  readonly sent: { target: DeliveryTarget; message: OutboundMessage; deliveryId: string }[] = [];
  fail: Error | null = null;
  gate: Promise<void> | null = null;
  healthState: ComponentHealth = { state: 'ok' };
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async health(): Promise<ComponentHealth> {
    return this.healthState;
  }
  async send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    this.sent.push({ target, message, deliveryId: options.deliveryId });
    return { providerMessageId: String(this.sent.length) };
  }
}

describe('CloudDeliveries: Cloud → channel deliveries', () => {
  let fixture: CloudFixture;
  let provider: ScriptedProvider;
  let deliveries: CloudDeliveries;

  beforeEach(async () => {
    fixture = await cloudFixture();
    provider = new ScriptedProvider();
    deliveries = new CloudDeliveries(fixture.store.channel, (instance) => (instance === 'telegram' ? provider : undefined), { reconnectBaseMs: 5, reconnectCapMs: 20, maxConcurrency: 4 });
  });
  afterEach(async () => {
    await deliveries.stop({ drainTimeoutMs: 1_000 });
    await fixture.close();
  });

  const stored = (id: string) => [...fixture.fake.deliveries.values()].find((d) => d.deliveryId === id)!;

  it('subscribes with the enabled channel binding ids, sends with the Cloud delivery id and acks sent', async () => {
    deliveries.start();
    await fixture.fake.until(() => deliveries.healthy(), 5_000, 'subscription');
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { externalChatId: '42', externalThreadId: '9', lastChatMessageId: '3' }, payload: { text: 'hello' }, deliveryId: 'd-1' });
    await fixture.fake.until(() => stored('d-1').status === 'sent', 5_000, 'd-1 sent');
    expect(provider.sent).to.deep.equal([{ target: { instance: 'telegram', chatId: '42', threadId: '9', replyToMessageId: '3' }, message: { text: 'hello', format: 'plain' }, deliveryId: 'd-1' }]);
    const stream = fixture.fake.requestsTo('/api/channels/deliveries/stream')[0]!;
    expect(stream.path).to.equal('/api/channels/deliveries/stream?claimedBy=gateway%3Atest&ttlMs=120000&channelBindingId=cb_tg');
    const ack = fixture.fake.requestsTo('/api/channels/deliveries/d-1/ack')[0]!;
    expect(ack.body).to.deep.equal({ status: 'sent', channelBindingId: 'cb_tg', claimedBy: 'gateway:test', lastError: null });
    expect(fixture.store.channel.metrics.get('deliveriesSent')).to.equal(1);
  });

  it('chunks long text with <deliveryId>:chunk:<n> ids and sends payload JSON when there is no text', async () => {
    deliveries.start();
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: 'word '.repeat(20).trim() }, deliveryId: 'long' });
    await fixture.fake.until(() => stored('long').status === 'sent', 5_000, 'long sent');
    expect(provider.sent.map((s) => s.deliveryId)).to.deep.equal(provider.sent.map((_, i) => `long:chunk:${i + 1}`));
    expect(provider.sent.length).to.be.greaterThan(1);
    expect(deliveryText({ workflowId: 'w', status: 'failed' })).to.equal('{"workflowId":"w","status":"failed"}');
    expect(deliveryText({ message: 'watch fired' })).to.equal('watch fired');
    expect(targetOf({}, 'telegram')).to.deep.equal({ instance: 'telegram', chatId: 'unknown' });
  });

  it('acks failed with nextAttemptAt on transient errors and dead on permanent ones, and dead without a provider', async () => {
    deliveries.start();
    provider.fail = new DeliveryError('telegram 502', { kind: 'transient' });
    const before = Date.now();
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: 'a' }, deliveryId: 't-1' });
    await fixture.fake.until(() => stored('t-1').status === 'failed', 5_000, 't-1 failed');
    expect(Date.parse(stored('t-1').nextAttemptAt)).to.be.greaterThan(before + 700);
    provider.fail = new DeliveryError('chat not found', { kind: 'permanent' });
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: 'b' }, deliveryId: 'p-1' });
    await fixture.fake.until(() => stored('p-1').status === 'dead', 5_000, 'p-1 dead');
    expect(stored('p-1').lastError).to.equal('chat not found');
    const orphan = new CloudDeliveries(fixture.store.channel, () => undefined, { reconnectBaseMs: 5 });
    await deliveries.stop();
    orphan.start();
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: 'c' }, deliveryId: 'o-1' });
    await fixture.fake.until(() => stored('o-1').status === 'dead', 5_000, 'o-1 dead');
    expect(stored('o-1').lastError).to.equal('No provider registered for telegram.');
    await orphan.stop();
  });

  it('retries (not dead-letters) while the provider is down', async () => {
    provider.healthState = { state: 'down', reason: 'not started' };
    deliveries.start();
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: 'a' }, deliveryId: 'h-1' });
    await fixture.fake.until(() => stored('h-1').status === 'failed', 5_000, 'h-1 failed');
    expect(provider.sent).to.have.length(0);
  });

  it('resubscribes after a dropped stream and after a graceful end', async () => {
    deliveries.start();
    await fixture.fake.until(() => deliveries.healthy(), 5_000, 'subscription');
    fixture.fake.dropStreams();
    await fixture.fake.until(() => fixture.fake.requestsTo('/api/channels/deliveries/stream').length >= 2, 5_000, 'resubscribe');
    await fixture.fake.until(() => deliveries.healthy(), 5_000, 'subscription again');
    fixture.fake.endStreams();
    await fixture.fake.until(() => fixture.fake.requestsTo('/api/channels/deliveries/stream').length >= 3, 5_000, 'resubscribe after end');
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: 'after' }, deliveryId: 'r-1' });
    await fixture.fake.until(() => stored('r-1').status === 'sent', 5_000, 'r-1 sent');
    expect(fixture.store.channel.metrics.get('deliverySubscriptionReconnects')).to.be.at.least(2);
    expect(deliveries.status()).to.deep.include({ channelBindingIds: ['cb_tg'] });
  });

  it('drains and acks every received delivery on stop, and takes no new ones', async () => {
    let open!: () => void;
    provider.gate = new Promise((resolve) => { open = resolve; });
    deliveries.start();
    for (let i = 0; i < 12; i += 1) fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: String(i % 3) }, payload: { text: `m${i}` }, deliveryId: `b-${i}` });
    await fixture.fake.until(() => deliveries.status().queued + deliveries.status().inFlight === 12, 5_000, 'all received');
    const stopping = deliveries.stop({ drainTimeoutMs: 5_000 });
    fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '9' }, payload: { text: 'late' }, deliveryId: 'late' });
    open();
    expect(await stopping).to.deep.equal({ drained: true });
    for (let i = 0; i < 12; i += 1) expect(stored(`b-${i}`).status, `b-${i}`).to.equal('sent');
    expect(stored('late').status).to.equal('pending');
    // per-lane order: chat 0 got m0, m3, m6, m9 in that order
    expect(provider.sent.filter((s) => s.target.chatId === '0').map((s) => s.message.text)).to.deep.equal(['m0', 'm3', 'm6', 'm9']);
  });

  it('sheds over the queue cap unacked and drops a re-served copy of one in flight', async () => {
    await deliveries.stop();
    let open!: () => void;
    provider.gate = new Promise((resolve) => { open = resolve; });
    deliveries = new CloudDeliveries(fixture.store.channel, () => provider, { maxConcurrency: 1, maxQueueDepth: 1, reconnectBaseMs: 5 });
    deliveries.start();
    for (let i = 0; i < 3; i += 1) fixture.fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '1' }, payload: { text: `q${i}` }, deliveryId: `q-${i}` });
    await fixture.fake.until(() => fixture.store.channel.metrics.get('deliveriesShed') >= 1, 5_000, 'shed');
    fixture.fake.expireClaims();
    open();
    await fixture.fake.until(() => stored('q-0').status === 'sent' && stored('q-1').status === 'sent', 5_000, 'q sent');
    expect(provider.sent.filter((s) => s.deliveryId === 'q-0')).to.have.length(1);
  });
});
