import 'reflect-metadata';
import { describeProviderConformance, type InboundSample } from '@cowork-gateway/core/testing';
import bridgePlugin from '../src/index.js';
import { FakeBridge, signedWebhookRequest } from '../src/testing/index.js';

const SECRET = 'bridge-conformance-secret';

function inbound(sample: InboundSample, secret: string) {
  return signedWebhookRequest('conformance', secret, { id: sample.eventId, target: { chatId: sample.chatId }, sender: { userId: sample.userId }, text: sample.text });
}

// Every platform profile passes the same suite: capabilities differ (Discord 2000 characters and
// markdown, Signal without buttons, WhatsApp without threads), the wire does not.
for (const platform of ['discord', 'whatsapp', 'signal', 'generic'] as const) {
  describeProviderConformance<FakeBridge>({
    name: `bridge ${platform} (@cowork-gateway/bridge)`,
    plugin: bridgePlugin,
    fake: () => FakeBridge.start(SECRET),
    stopFake: (bridge) => bridge.close(),
    options: (bridge) => ({ platform, sharedSecret: SECRET, deliveryUrl: bridge.url, allowLoopbackDelivery: true }),
    inboundRequest: (_bridge, sample) => inbound(sample, SECRET),
    forgedRequest: (_bridge, sample) => inbound(sample, 'not-the-bridge-secret'),
    invalidRequest: () => signedWebhookRequest('conformance', SECRET, {}),
    failNextSend: (bridge, kind) => bridge.failNextAs(kind),
    received: (bridge) => bridge.received(),
  });
}
