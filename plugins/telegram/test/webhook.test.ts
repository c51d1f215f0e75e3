import 'reflect-metadata';
import { expect } from 'chai';
import { PROVIDER, instantiatePlugin, isGatewayError, resolve, rootContainer, silentLogger, type WebhookRequest } from '@cowork-gateway/core';
import { CONFORMANCE_SAMPLE } from '@cowork-gateway/core/testing';
import telegramPlugin from '../src/index.js';
import { callbackQuery, editedMessage, privateMessage, startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
import { PUBLIC_URL, TOKEN, WEBHOOK_SECRET, eventually, webhookRequest } from './helpers/fixtures.js';
import { startProvider, type Harness } from './helpers/provider.js';

const WEBHOOK = { mode: 'webhook', publicUrl: PUBLIC_URL, webhookSecret: WEBHOOK_SECRET };

/** Instantiates the plugin the way the kernel does and resolves the provider (which runs the constructor). */
function construct(options: Record<string, unknown>): unknown {
  try {
    const instance = instantiatePlugin({
      plugin: telegramPlugin,
      use: telegramPlugin.name,
      key: 'providers[0]',
      expectedKind: 'provider',
      instanceId: 'tg',
      rawOptions: { token: TOKEN, ...options },
      parent: rootContainer.createChildContainer(),
      logger: silentLogger,
    });
    return resolve(instance.container, PROVIDER);
  } catch (error) {
    return error;
  }
}

function expectRefusal(result: unknown, code: string, ...mentions: string[]): void {
  expect(isGatewayError(result, code), `expected ${code}, got ${String(result)}`).to.equal(true);
  for (const text of mentions) expect((result as Error).message).to.include(text);
  expect((result as Error).message).not.to.include(TOKEN);
}

function update(body: Record<string, unknown>, secret: string | null = WEBHOOK_SECRET): WebhookRequest {
  return webhookRequest(CONFORMANCE_SAMPLE, secret, body);
}

describe('TelegramProvider webhook mode', () => {
  describe('settings (fail closed at construction)', () => {
    it('refuses webhook mode without a public URL, naming the settings', () => {
      expectRefusal(construct({ mode: 'webhook', webhookSecret: WEBHOOK_SECRET }), 'telegram.webhook_public_url_required',
        'OPEN_COWORK_STANDALONE_GATEWAY_TELEGRAM_PUBLIC_URL', 'OPEN_COWORK_GATEWAY_TELEGRAM_PUBLIC_URL', 'OPEN_COWORK_GATEWAY_PUBLIC_URL');
    });

    it('refuses a public URL that is not https', () => {
      expectRefusal(construct({ ...WEBHOOK, publicUrl: 'http://gateway.example.test' }), 'telegram.webhook_public_url_required', 'not an https URL');
      expectRefusal(construct({ ...WEBHOOK, publicUrl: 'gateway.example.test' }), 'telegram.webhook_public_url_required');
    });

    it('never echoes credentials from a public URL', () => {
      const result = construct({ ...WEBHOOK, publicUrl: 'https://user:hunter2pass@gateway.example.test' });
      expectRefusal(result, 'telegram.webhook_public_url_required', 'with credentials');
      expect((result as Error).message).not.to.include('hunter2pass');
    });

    it('refuses webhook mode without a secret, naming the settings', () => {
      expectRefusal(construct({ mode: 'webhook', publicUrl: PUBLIC_URL }), 'telegram.webhook_secret_required',
        'OPEN_COWORK_STANDALONE_GATEWAY_TELEGRAM_WEBHOOK_SECRET', 'OPEN_COWORK_GATEWAY_TELEGRAM_WEBHOOK_SECRET');
      expectRefusal(construct({ ...WEBHOOK, webhookSecret: '' }), 'telegram.webhook_secret_required');
    });

    it('refuses a secret Telegram would not accept', () => {
      expectRefusal(construct({ ...WEBHOOK, webhookSecret: 'has spaces and $ymbols' }), 'telegram.webhook_secret_invalid');
    });

    it('needs neither in polling mode', () => {
      expect(isGatewayError(construct({}))).to.equal(false);
    });
  });

  describe('running', () => {
    let fake: FakeTelegram;
    let harness: Harness;

    beforeEach(async () => {
      fake = await startFakeTelegram({ token: TOKEN });
      harness = await startProvider(fake, { options: WEBHOOK });
    });

    afterEach(async () => {
      await harness.stop();
      await fake.close();
    });

    it('registers <publicUrl>/webhooks/<instance> with the secret and the update types, and does not poll', async () => {
      expect(fake.webhook).to.deep.equal({
        url: `${PUBLIC_URL}/webhooks/tg`,
        secret_token: WEBHOOK_SECRET,
        allowed_updates: ['message', 'edited_message', 'callback_query'],
      });
      expect(fake.commands.map((c) => c.command)).to.include.members(['approve', 'deny', 'answer']);
      expect(harness.provider.capabilities.inbound).to.equal('webhook');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fake.callsOf('getUpdates')).to.deep.equal([]);
    });

    it('rejects a wrong or missing secret header with webhook.signature_invalid', async () => {
      for (const secret of ['wrong-secret', WEBHOOK_SECRET.slice(0, -1), '', null]) {
        const error = await harness.provider.handleWebhook(update({ update_id: 1, ...privateMessage('hi') }, secret)).catch((e: unknown) => e);
        expect(isGatewayError(error, 'webhook.signature_invalid'), `secret ${String(secret)}: ${String(error)}`).to.equal(true);
        expect((error as { status: number }).status).to.equal(401);
      }
    });

    it('rejects a body that is not an Update with webhook.payload_invalid', async () => {
      for (const body of [{}, { update_id: 'x', message: { text: 'no chat' } }, { update_id: 3, callback_query: { id: 'q' } }]) {
        const error = await harness.provider.handleWebhook(update(body)).catch((e: unknown) => e);
        expect(isGatewayError(error, 'webhook.payload_invalid'), `${JSON.stringify(body)}: ${String(error)}`).to.equal(true);
      }
      const notJson = { ...update({ update_id: 1 }), body: undefined, rawBody: Buffer.from('{oops') };
      expect(isGatewayError(await harness.provider.handleWebhook(notJson).catch((e: unknown) => e), 'webhook.payload_invalid')).to.equal(true);
    });

    it('normalizes a verified update into one event keyed by update_id', async () => {
      const result = await harness.provider.handleWebhook(update({ update_id: 555, ...privateMessage('hello via webhook') }));
      expect(result.events).to.have.length(1);
      expect(result.events[0]).to.deep.include({ eventId: '555', text: 'hello via webhook', kind: 'message', instance: 'tg' });
    });

    it('acknowledges an edited message with no events', async () => {
      expect((await harness.provider.handleWebhook(update({ update_id: 556, ...editedMessage('edit') }))).events).to.deep.equal([]);
    });

    it('answers a button press at once and returns it as an interaction', async () => {
      const result = await harness.provider.handleWebhook(update({ update_id: 557, ...callbackQuery('q:abc:1') }));
      expect(result.events[0]).to.deep.include({ kind: 'interaction' });
      expect(result.events[0]!.interaction!.value).to.equal('q:abc:1');
      await eventually(() => fake.callbackAnswers.length === 1, 'answerCallbackQuery');
      expect(fake.callbackAnswers[0]!.callback_query_id).to.equal(result.events[0]!.interaction!.id);
    });
  });

  it('refuses every webhook request in polling mode (there is no secret to check)', async () => {
    const fake = await startFakeTelegram({ token: TOKEN });
    const harness = await startProvider(fake);
    try {
      const error = await harness.provider.handleWebhook(update({ update_id: 1, ...privateMessage('hi') }, 'anything')).catch((e: unknown) => e);
      expect(isGatewayError(error, 'webhook.signature_invalid')).to.equal(true);
    } finally {
      await harness.stop();
      await fake.close();
    }
  });
});
