import 'reflect-metadata';
import { expect } from 'chai';
import { silentLogger, type DeliveryTarget } from '@cowork-gateway/core';
import { describeProviderConformance, type InboundSample } from '@cowork-gateway/core/testing';
import webhookPlugin, { WebhookProvider, webhookOptions } from '../src/index.js';
import { FakeBridge, signedWebhookRequest } from '../src/testing/index.js';
import * as v from 'valibot';

const SECRET = 'webhook-conformance-secret';

function inbound(sample: InboundSample, secret: string) {
  return signedWebhookRequest('conformance', secret, { id: sample.eventId, target: { chatId: sample.chatId }, sender: { userId: sample.userId }, text: sample.text });
}

describeProviderConformance<FakeBridge>({
  name: 'webhook (@cowork-gateway/webhook)',
  plugin: webhookPlugin,
  fake: () => FakeBridge.start(SECRET),
  stopFake: (bridge) => bridge.close(),
  options: (bridge) => ({ sharedSecret: SECRET, deliveryUrl: bridge.url, allowLoopbackDelivery: true }),
  inboundRequest: (_bridge, sample) => inbound(sample, SECRET),
  forgedRequest: (_bridge, sample) => inbound(sample, 'not-the-webhook-secret'),
  // The provider reads the signed raw body, so the invalid request is a signed `{}`.
  invalidRequest: () => signedWebhookRequest('conformance', SECRET, {}),
  failNextSend: (bridge, kind) => bridge.failNextAs(kind),
  received: (bridge) => bridge.received(),
});

// The reference's documented examples (docs/webhook-wire.md, inventory §2.5), byte for byte.
const EXAMPLE_SECRET = 'test-secret';
const EXAMPLE_TIMESTAMP = 1767225600;
const EXAMPLE_REQUEST = '{"id":"evt-1001","target":{"chatId":"room-42","isDirect":false,"threadId":"t-7"},"sender":{"userId":"u-9","username":"ada","displayName":"Ada Lovelace"},"text":"hello gateway"}';
const EXAMPLE_SIGNATURE = 'v1=41cc369b729e1abc7aeb9b8810d2a4785802d505223834b28ac51c21469a1b34';
const EXAMPLE_DELIVERY = '{"deliveryId":"dlv-7f3a:chunk:1","idempotencyKey":"dlv-7f3a:chunk:1","provider":"hooks-prod","providerInstanceId":"hooks-prod","providerKind":"webhook","type":"text","target":{"provider":"hooks-prod","chatId":"room-42","isDirect":false,"threadId":"t-7","userId":"u-9","messageId":"m-100"},"text":"Hello **world**","options":{}}';

describe('webhook provider: the reference wire examples as fixtures', () => {
  let bridge: FakeBridge;
  const clock = { now: () => new Date(EXAMPLE_TIMESTAMP * 1000 + 30_000) };
  const provider = (url: string) => new WebhookProvider(v.parse(webhookOptions, { sharedSecret: EXAMPLE_SECRET, deliveryUrl: url, allowLoopbackDelivery: true }), { id: 'hooks-prod', plugin: '@cowork-gateway/webhook', kind: 'provider' }, silentLogger, clock);

  beforeEach(async () => {
    bridge = await FakeBridge.start(EXAMPLE_SECRET, { now: clock.now });
  });
  afterEach(() => bridge.close());

  it('accepts the documented signed request exactly as given and maps it to one event', async () => {
    const result = await provider(bridge.url).handleWebhook({
      method: 'POST',
      path: '/webhooks/hooks-prod',
      headers: { 'content-type': 'application/json', 'x-open-cowork-gateway-webhook-timestamp': String(EXAMPLE_TIMESTAMP), 'x-open-cowork-gateway-webhook-signature': EXAMPLE_SIGNATURE },
      rawBody: Buffer.from(EXAMPLE_REQUEST),
      body: JSON.parse(EXAMPLE_REQUEST),
      sourceIp: '127.0.0.1',
    });
    expect(result.events).to.have.length(1);
    expect(result.events[0]).to.deep.include({ provider: 'webhook', instance: 'hooks-prod', eventId: 'evt-1001', chatId: 'room-42', threadId: 't-7', userId: 'u-9', userName: 'ada', kind: 'message', text: 'hello gateway' });
    expect(result.events[0]!.replyContext).to.deep.equal({ isDirect: false, userId: 'u-9' });
  });

  it('sends the documented delivery body byte for byte, signed over those bytes', async () => {
    const target: DeliveryTarget = { instance: 'hooks-prod', chatId: 'room-42', threadId: 't-7', replyToMessageId: 'm-100', replyContext: { isDirect: false, userId: 'u-9' } };
    const sent = await provider(bridge.url).send(target, { text: 'Hello **world**', format: 'plain' }, { deliveryId: 'dlv-7f3a:chunk:1' });
    expect(sent.providerMessageId).to.equal('bridge-msg-1');
    const [attempt] = bridge.attempts;
    expect(attempt!.raw.toString('utf8')).to.equal(EXAMPLE_DELIVERY);
    expect(attempt!.headers['x-open-cowork-gateway-delivery-id']).to.equal('dlv-7f3a:chunk:1');
    expect(attempt!.headers['x-open-cowork-gateway-webhook-timestamp']).to.equal(String(EXAMPLE_TIMESTAMP + 30));
    expect(attempt!.signatureValid, 'the fake bridge verifies the v1 signature').to.equal(true);
    const { signWebhookBody } = await import('@cowork-gateway/core');
    expect(attempt!.headers['x-open-cowork-gateway-webhook-signature']).to.equal(signWebhookBody(EXAMPLE_SECRET, String(EXAMPLE_TIMESTAMP + 30), Buffer.from(EXAMPLE_DELIVERY)));
    expect(JSON.stringify(attempt!.headers)).not.to.contain(EXAMPLE_SECRET);
  });
});
