import 'reflect-metadata';
import { CONFORMANCE_SAMPLE, describeProviderConformance } from '@cowork-gateway/core/testing';
import slackPlugin from '../src/index.js';
import { startFakeSlack, type FakeSlack } from '../src/testing/index.js';
import { BOT_TOKEN, FAILURE_FOR, SIGNING_SECRET, providerOptions, receivedTexts, sampleRequest } from './helpers/fixtures.js';

describeProviderConformance<FakeSlack>({
  name: 'slack',
  plugin: slackPlugin,
  fake: async () => {
    const fake = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    fake.addChannel(CONFORMANCE_SAMPLE.chatId);
    return fake;
  },
  stopFake: (fake) => fake.close(),
  options: (fake) => providerOptions(fake),
  inboundRequest: (fake, sample) => sampleRequest(fake, sample),
  forgedRequest: (fake, sample) => sampleRequest(fake, sample, 'not-the-signing-secret'),
  // Signed, but an event_callback without event_id, team or event.
  invalidRequest: (fake) => fake.webhookRequest({ type: 'event_callback' }),
  failNextSend: (fake, kind) => fake.failNext('chat.postMessage', FAILURE_FOR[kind]),
  received: receivedTexts,
});
