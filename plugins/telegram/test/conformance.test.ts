import 'reflect-metadata';
import { CONFORMANCE_SAMPLE, describeProviderConformance } from '@cowork-gateway/core/testing';
import telegramPlugin from '../src/index.js';
import { startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
import { FAILURE_FOR, PUBLIC_URL, TOKEN, WEBHOOK_SECRET, receivedTexts, webhookRequest } from './helpers/fixtures.js';

describeProviderConformance<FakeTelegram>({
  name: 'telegram (polling)',
  plugin: telegramPlugin,
  fake: () => knownChatFake(),
  stopFake: (fake) => fake.close(),
  options: (fake) => ({ token: TOKEN, apiRoot: fake.url, pollTimeoutSeconds: 1 }),
  failNextSend: (fake, kind) => fake.failNext('sendMessage', FAILURE_FOR[kind]),
  received: receivedTexts,
});

describeProviderConformance<FakeTelegram>({
  name: 'telegram (webhook)',
  plugin: telegramPlugin,
  fake: () => knownChatFake(),
  stopFake: (fake) => fake.close(),
  options: (fake) => ({ token: TOKEN, apiRoot: fake.url, mode: 'webhook', publicUrl: PUBLIC_URL, webhookSecret: WEBHOOK_SECRET }),
  inboundRequest: (_fake, sample) => webhookRequest(sample, WEBHOOK_SECRET),
  forgedRequest: (_fake, sample) => webhookRequest(sample, 'not-the-webhook-secret'),
  failNextSend: (fake, kind) => fake.failNext('sendMessage', FAILURE_FOR[kind]),
  received: receivedTexts,
});

/** A fake Telegram that knows the conformance chat, as if its user had written to the bot. */
async function knownChatFake(): Promise<FakeTelegram> {
  const fake = await startFakeTelegram({ token: TOKEN });
  fake.addChat(CONFORMANCE_SAMPLE.chatId);
  return fake;
}
