import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { isGatewayPlugin, pluginSettingSpecs } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import webhookPlugin from '../src/index.js';
import * as testing from '../src/testing/index.js';

describe('@cowork-gateway/webhook exports', () => {
  it('default-exports the webhook provider plugin', () => {
    expect(isGatewayPlugin(webhookPlugin)).to.equal(true);
    expect(webhookPlugin).to.include({ name: '@cowork-gateway/webhook', kind: 'provider', core: '^0.1.0', enabledBy: 'WEBHOOK_SHARED_SECRET', instanceIdSetting: 'WEBHOOK_PROVIDER_ID' });
    expect(webhookPlugin).to.equal(api.webhookPlugin);
  });

  it('has exactly the documented named exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(['WEBHOOK_OPTIONS', 'WebhookProvider', 'default', 'webhookOptions', 'webhookPlugin', 'webhookSettings'].sort());
    expect(Object.keys(testing).sort()).to.deep.equal(['FakeBridge', 'signedWebhookRequest']);
  });

  it('declares the seed env names, seed 001 names as fallbacks, and masks the secret', () => {
    const specs = pluginSettingSpecs(webhookPlugin);
    const byKey = new Map(specs.map((s) => [s.key, s]));
    expect(byKey.get('WEBHOOK_SHARED_SECRET')).to.include({ secret: true, readBy: '@cowork-gateway/webhook' });
    expect(byKey.get('WEBHOOK_SHARED_SECRET')!.envAliases).to.deep.equal(['OPEN_COWORK_GATEWAY_WEBHOOK_SHARED_SECRET']);
    expect(byKey.get('WEBHOOK_DELIVERY_ALLOWED_HOSTS')!.envAliases).to.deep.equal(['OPEN_COWORK_GATEWAY_WEBHOOK_DELIVERY_ALLOWED_HOSTS']);
    expect(byKey.get('WEBHOOK_ALLOW_PRIVATE_DELIVERY')!.envAliases).to.deep.equal(['OPEN_COWORK_GATEWAY_WEBHOOK_ALLOW_PRIVATE_DELIVERY']);
    expect([...byKey.keys()]).to.include.members(['WEBHOOK_DELIVERY_URL', 'WEBHOOK_PROVIDER_ID', 'WEBHOOK_MAX_ATTACHMENT_BYTES', 'WEBHOOK_DELIVERY_TIMEOUT_MS']);
  });

  it('applies the reference defaults and requires both the secret and the delivery URL', () => {
    const parsed = v.parse(api.webhookOptions, { sharedSecret: 'a-secret-value', deliveryUrl: 'https://hooks.example.com/in' });
    expect(parsed).to.deep.include({ allowedHosts: [], allowPrivateDelivery: false, allowLoopbackDelivery: false, maxAttachmentBytes: 10_485_760, deliveryTimeoutMs: 15_000, maxResponseBytes: 65_536, maxRetryAfterMs: 10_000, signatureWindowMs: 300_000, maxTextLength: 4096 });
    expect(v.safeParse(api.webhookOptions, { deliveryUrl: 'https://hooks.example.com/in' }).success).to.equal(false);
    expect(v.safeParse(api.webhookOptions, { sharedSecret: 'a-secret-value' }).success).to.equal(false);
    expect(v.safeParse(api.webhookOptions, { sharedSecret: 'short', deliveryUrl: 'https://hooks.example.com/in' }).success).to.equal(false);
    expect(v.safeParse(api.webhookOptions, { sharedSecret: 'a-secret-value', deliveryUrl: 'https://hooks.example.com/in', surprise: 1 }).success).to.equal(false);
  });
});
