import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError, loadConfig, silentLogger } from '@cowork-gateway/core';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX, assemblePlugins } from '../src/index.js';
import { providerSelections } from '../src/selections.js';

const P = STANDALONE_PREFIX;
const config = (env: Record<string, string>, json?: unknown) =>
  loadConfig({ prefix: P, specs: ALL_STANDALONE_SETTINGS, env: { [`${P}STORE`]: 'memory', ...(json ? { [`${P}CONFIG_JSON`]: JSON.stringify(json) } : {}), ...env } });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isGatewayError(error) ? `${error.code}: ${error.message}` : `not coded: ${(error as Error).message}`;
  }
  return 'no error';
}

describe('standalone host: webhook and bridge providers from env', () => {
  it('selects nothing without the webhook or bridge keys', () => {
    expect(providerSelections(config({}))).to.deep.equal([]);
  });

  it('selects the webhook provider from seed 000 names, with its id from WEBHOOK_PROVIDER_ID', () => {
    const [selection] = providerSelections(config({
      [`${P}WEBHOOK_SHARED_SECRET`]: 'seed-000-secret',
      [`${P}WEBHOOK_DELIVERY_URL`]: 'https://relay.example.com/in',
      [`${P}WEBHOOK_PROVIDER_ID`]: 'webhook-ci',
      [`${P}WEBHOOK_DELIVERY_ALLOWED_HOSTS`]: 'relay.example.com',
    }));
    expect(selection).to.deep.include({ use: '@cowork-gateway/webhook', id: 'webhook-ci' });
    expect(selection!.options).to.deep.equal({ sharedSecret: 'seed-000-secret', deliveryUrl: 'https://relay.example.com/in', allowedHosts: ['relay.example.com'] });
  });

  it('reads seed 001 names (OPEN_COWORK_GATEWAY_WEBHOOK_*) when the host names are unset', () => {
    const [selection] = providerSelections(config({
      OPEN_COWORK_GATEWAY_WEBHOOK_SHARED_SECRET: 'seed-001-secret',
      OPEN_COWORK_GATEWAY_WEBHOOK_DELIVERY_URL: 'https://relay.example.com/in',
      OPEN_COWORK_GATEWAY_WEBHOOK_ALLOW_PRIVATE_DELIVERY: 'true',
    }));
    expect(selection).to.deep.include({ use: '@cowork-gateway/webhook', id: 'webhook' });
    expect(selection!.options).to.deep.include({ sharedSecret: 'seed-001-secret', allowPrivateDelivery: true });
  });

  it('fails closed, naming the missing variable, when only one of secret and delivery URL is set', () => {
    expect(codeOf(() => providerSelections(config({ [`${P}WEBHOOK_DELIVERY_URL`]: 'https://relay.example.com/in' })))).to.match(/^host\.webhook_incomplete: .*OPEN_COWORK_STANDALONE_GATEWAY_WEBHOOK_SHARED_SECRET/);
    expect(codeOf(() => providerSelections(config({ [`${P}WEBHOOK_SHARED_SECRET`]: 'only-a-secret' })))).to.match(/^host\.webhook_incomplete: .*OPEN_COWORK_STANDALONE_GATEWAY_WEBHOOK_DELIVERY_URL/);
    expect(codeOf(() => providerSelections(config({ OPEN_COWORK_GATEWAY_SIGNAL_SHARED_SECRET: 'only-a-secret' })))).to.match(/^host\.webhook_incomplete: .*the signal provider .*OPEN_COWORK_STANDALONE_GATEWAY_SIGNAL_DELIVERY_URL/);
  });

  it('selects each named bridge from its own keys, with its platform, next to the config file\'s bridges', () => {
    const selections = providerSelections(config({
      OPEN_COWORK_GATEWAY_DISCORD_DELIVERY_URL: 'https://relay.example.com/discord',
      OPEN_COWORK_GATEWAY_DISCORD_SHARED_SECRET: 'discord-secret',
      OPEN_COWORK_GATEWAY_DISCORD_ALLOW_PRIVATE_DELIVERY: 'true',
      [`${P}WHATSAPP_DELIVERY_URL`]: 'https://relay.example.com/wa',
      [`${P}WHATSAPP_SHARED_SECRET`]: 'whatsapp-secret',
      [`${P}WHATSAPP_PROVIDER_ID`]: 'whatsapp-sales',
    }, { providers: [{ use: '@cowork-gateway/bridge', id: 'matrix-lab', options: { sharedSecret: 'matrix-secret', deliveryUrl: 'https://relay.example.com/matrix' } }] }));
    expect(selections.map((s) => [s.id, s.use, (s.options as { platform?: string }).platform])).to.deep.equal([
      ['matrix-lab', '@cowork-gateway/bridge', undefined],
      ['discord', '@cowork-gateway/bridge', 'discord'],
      ['whatsapp-sales', '@cowork-gateway/bridge', 'whatsapp'],
    ]);
    expect(selections[1]!.options).to.deep.include({ allowPrivateDelivery: true, sharedSecret: 'discord-secret' });
  });

  it('assembles started-ready provider instances and refuses a private delivery URL at load', async () => {
    const plugins = await assemblePlugins(config({
      [`${P}OPENCODE_MANAGED`]: 'false',
      [`${P}WEBHOOK_SHARED_SECRET`]: 'seed-000-secret',
      [`${P}WEBHOOK_DELIVERY_URL`]: 'https://relay.example.com/in',
      [`${P}SIGNAL_SHARED_SECRET`]: 'signal-secret',
      [`${P}SIGNAL_DELIVERY_URL`]: 'https://relay.example.com/signal',
    }), silentLogger);
    expect(plugins.providers.map((p) => [p.id, p.kind, p.capabilities.buttons])).to.deep.equal([['webhook', 'webhook', true], ['signal', 'signal', false]]);
    const refused = await assemblePlugins(config({
      [`${P}OPENCODE_MANAGED`]: 'false',
      [`${P}WEBHOOK_SHARED_SECRET`]: 'seed-000-secret',
      [`${P}WEBHOOK_DELIVERY_URL`]: 'https://10.1.2.3/in',
    }), silentLogger).then(() => null, (e: unknown) => e as Error & { code?: string });
    expect(refused?.code).to.equal('plugin.options_invalid');
    expect(refused?.message).to.contain('delivery.ssrf_blocked');
    expect(refused?.message).not.to.contain('seed-000-secret');
  });
});
