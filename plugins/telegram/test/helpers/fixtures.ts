import type { InboundSample, SendFailureKind } from '@cowork-gateway/core/testing';
import type { Logger, WebhookRequest } from '@cowork-gateway/core';
import type { FakeFailure, FakeTelegram } from '../../src/testing/index.js';

/** A token shaped like a real one, so a leak would be visible to every redaction check. */
export const TOKEN = '123456789:AAFtestTokenForTheFakeTelegramBotApi_x';
export const WEBHOOK_SECRET = 'conformance_webhook_secret-1';
export const PUBLIC_URL = 'https://gateway.example.test';

/** The fake failure that stands for each delivery failure class. */
export const FAILURE_FOR: Record<SendFailureKind, FakeFailure> = {
  transient: 'server_error',
  rate_limited: 'rate_limited',
  permanent: 'forbidden',
};

/** A webhook request carrying one private text message for `sample`, as Telegram would POST it. */
export function webhookRequest(sample: InboundSample, secret: string | null, update?: Record<string, unknown>): WebhookRequest {
  const body = update ?? {
    update_id: sample.eventId,
    message: {
      message_id: 7,
      date: 1_700_000_000,
      chat: { id: sample.chatId, type: 'private' },
      from: { id: sample.userId, is_bot: false, first_name: 'Conformance' },
      text: sample.text,
    },
  };
  const rawBody = Buffer.from(JSON.stringify(body));
  return {
    method: 'POST',
    path: '/webhooks/conformance',
    headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    rawBody,
    body,
    sourceIp: '149.154.167.200',
  };
}

/** The messages the fake received through sendMessage, as the conformance suite reads them. */
export function receivedTexts(fake: FakeTelegram): { text: string }[] {
  return fake.sent.filter((m) => m.method === 'sendMessage').map((m) => ({ text: m.text ?? '' }));
}

/** A logger that keeps every line as JSON text, errors with their cause chains, unredacted. */
export function capturingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const make = (bindings: Record<string, unknown>): Logger => {
    const emit = (level: string) => (event: string, fields: Record<string, unknown> = {}) => {
      lines.push(JSON.stringify({ level, event, ...bindings, ...fields }, (_key, value: unknown) => (value instanceof Error ? errorJson(value) : value)));
    };
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return Object.assign(make({}), { lines });
}

function errorJson(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack, ...(error.cause !== undefined ? { cause: error.cause instanceof Error ? errorJson(error.cause) : String(error.cause) } : {}) };
}

/** Polls `check` every 10 ms until it is true; fails after `timeoutMs` naming `what`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
