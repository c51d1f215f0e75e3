import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayPlugin } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import telegramPlugin from '../src/index.js';
import * as testing from '../src/testing/index.js';

describe('@cowork-gateway/telegram exports', () => {
  it('default-exports the telegram provider plugin', () => {
    expect(isGatewayPlugin(telegramPlugin)).to.equal(true);
    expect(telegramPlugin).to.include({ name: '@cowork-gateway/telegram', kind: 'provider', core: '^0.1.0' });
    expect(telegramPlugin).to.equal(api.telegramPlugin);
  });

  it('has exactly the documented named exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(
      [
        'DEFAULT_COMMANDS',
        'TELEGRAM_OPTIONS',
        'TelegramAttachmentFetchFailed',
        'TelegramAttachmentTooLarge',
        'TelegramProvider',
        'TelegramUnauthorized',
        'TelegramWebhookPublicUrlRequired',
        'TelegramWebhookSecretInvalid',
        'TelegramWebhookSecretRequired',
        'default',
        'telegramOptions',
        'telegramPlugin',
      ].sort(),
    );
  });

  it('has exactly the documented testing exports', () => {
    expect(Object.keys(testing).sort()).to.deep.equal(
      ['FAKE_GROUP_ID', 'FAKE_USER', 'FakeTelegram', 'callbackQuery', 'editedMessage', 'groupMessage', 'parseMultipart', 'privateMessage', 'startFakeTelegram', 'topicMessage'].sort(),
    );
  });

  it('defines its error codes with stable codes and statuses', () => {
    expect([
      api.TelegramWebhookPublicUrlRequired,
      api.TelegramWebhookSecretRequired,
      api.TelegramWebhookSecretInvalid,
      api.TelegramUnauthorized,
      api.TelegramAttachmentTooLarge,
      api.TelegramAttachmentFetchFailed,
    ].map((e) => [e.code, e.status])).to.deep.equal([
      ['telegram.webhook_public_url_required', 400],
      ['telegram.webhook_secret_required', 400],
      ['telegram.webhook_secret_invalid', 400],
      ['telegram.unauthorized', 401],
      ['telegram.attachment_too_large', 413],
      ['telegram.attachment_fetch_failed', 502],
    ]);
  });
});
