import type { Logger, WebhookRequest } from '@cowork-gateway/core';
import { silentLogger } from '@cowork-gateway/core';
import type { InboundSample, SendFailureKind } from '@cowork-gateway/core/testing';
import { eventCallback, messageEvent, type FakeSlack, type FakeSlackFailure } from '../../src/testing/index.js';

/** Shaped like real credentials, so a leak would be visible to every redaction check. */
export const BOT_TOKEN = 'xoxb-1111111111-2222222222222-FakeSlackBotTokenValue';
export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** The fake failure that stands for each delivery failure class. */
export const FAILURE_FOR: Record<SendFailureKind, FakeSlackFailure> = {
  transient: 'server_error',
  rate_limited: 'rate_limited',
  permanent: 'channel_not_found',
};

/** A signed direct message carrying `sample`, as the Events API would POST it. */
export function sampleRequest(fake: FakeSlack, sample: InboundSample, secret?: string): WebhookRequest {
  const envelope = eventCallback(messageEvent(sample.text, { user: sample.userId, channel: sample.chatId, channelType: 'im', ts: '1700000000.000100' }), { eventId: sample.eventId });
  return fake.webhookRequest(envelope, secret ? { secret } : {});
}

/** Texts the fake received through chat.postMessage, as the conformance suite reads them. */
export function receivedTexts(fake: FakeSlack): { text: string }[] {
  return fake.posts.map((m) => ({ text: m.text }));
}

/** Options of a provider talking to `fake`. */
export function providerOptions(fake: FakeSlack, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl, ...extra };
}

/** A logger that keeps every line as JSON text. */
export function capturingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const make = (bindings: Record<string, unknown>): Logger => {
    const emit = (level: string) => (event: string, fields: Record<string, unknown> = {}) => {
      lines.push(JSON.stringify({ level, event, ...bindings, ...fields }, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value)));
    };
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return Object.assign(make({}), { lines });
}

export { silentLogger };

/** Polls `check` every 10 ms until it is true; fails after `timeoutMs` naming `what`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
