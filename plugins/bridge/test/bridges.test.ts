import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { isGatewayPlugin, loadConfig, pluginOptionsFromSettings, pluginSettingSpecs, silentLogger, type DeliveryTarget } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import { BRIDGE_ENV_NAMES, BRIDGE_PROFILES, BridgeProvider, bridgeEnvPlugins, bridgeOptions, bridgePlugin } from '../src/index.js';
import * as testing from '../src/testing/index.js';
import { FakeBridge, signedWebhookRequest } from '../src/testing/index.js';

const instance = (id: string) => ({ id, plugin: '@cowork-gateway/bridge', kind: 'provider' as const });
const clock = { now: () => new Date() };

describe('@cowork-gateway/bridge', () => {
  it('exports the plugin, its env views and the documented names', () => {
    expect(isGatewayPlugin(bridgePlugin)).to.equal(true);
    expect(api.default).to.equal(bridgePlugin);
    expect(Object.keys(api).sort()).to.deep.equal(
      ['BRIDGE_ENV_NAMES', 'BRIDGE_OPTIONS', 'BRIDGE_PLATFORMS', 'BRIDGE_PROFILES', 'BridgeProvider', 'bridgeEnvPlugin', 'bridgeEnvPlugins', 'bridgeOptions', 'bridgePlugin', 'bridgeSettings', 'default'].sort(),
    );
    expect(Object.keys(testing).sort()).to.deep.equal(['FakeBridge', 'signedWebhookRequest']);
    for (const name of BRIDGE_ENV_NAMES) {
      const plugin = bridgeEnvPlugins[name];
      expect(plugin).to.include({ name: '@cowork-gateway/bridge', enabledBy: `${name.toUpperCase()}_DELIVERY_URL`, instanceIdSetting: `${name.toUpperCase()}_PROVIDER_ID` });
      const aliases = pluginSettingSpecs(plugin).flatMap((s) => s.envAliases ?? []);
      expect(aliases).to.include.members([`OPEN_COWORK_GATEWAY_${name.toUpperCase()}_ALLOW_PRIVATE_DELIVERY`, `OPEN_COWORK_GATEWAY_${name.toUpperCase()}_DELIVERY_ALLOWED_HOSTS`, `OPEN_COWORK_GATEWAY_${name.toUpperCase()}_SHARED_SECRET`]);
    }
  });

  it('fills one bridge\'s options from its own env keys, seed 001 names included', () => {
    const plugin = bridgeEnvPlugins.discord;
    const config = loadConfig({
      prefix: 'TEST_',
      specs: pluginSettingSpecs(plugin),
      env: {
        TEST_DISCORD_DELIVERY_URL: 'https://relay.example.com/discord',
        OPEN_COWORK_GATEWAY_DISCORD_SHARED_SECRET: 'discord-secret-1',
        OPEN_COWORK_GATEWAY_DISCORD_DELIVERY_ALLOWED_HOSTS: 'relay.example.com,*.relay.example.com',
        TEST_DISCORD_ALLOW_PRIVATE_DELIVERY: 'true',
        TEST_DISCORD_WORKSPACE_ID: 'guild-7',
      },
    });
    expect(pluginOptionsFromSettings(plugin, config)).to.deep.equal({
      deliveryUrl: 'https://relay.example.com/discord',
      sharedSecret: 'discord-secret-1',
      allowedHosts: ['relay.example.com', '*.relay.example.com'],
      allowPrivateDelivery: true,
      workspaceId: 'guild-7',
    });
  });

  it('gives each platform its kind and capabilities, and lets maxTextLength be overridden', () => {
    const make = (platform: string, extra: Record<string, unknown> = {}) =>
      new BridgeProvider(v.parse(bridgeOptions, { platform, sharedSecret: 'bridge-secret', deliveryUrl: 'https://relay.example.com/in', ...extra }), instance(platform), silentLogger, clock);
    expect(make('discord')).to.deep.include({ kind: 'discord' });
    expect(make('discord').capabilities).to.deep.include({ maxTextLength: 2000, markdownDialect: 'markdown', buttons: true, threads: true, inbound: 'webhook' });
    expect(make('signal').capabilities).to.deep.include({ buttons: false, threads: false });
    expect(make('whatsapp').capabilities).to.deep.include({ buttons: true, threads: false });
    expect(make('generic').kind).to.equal('bridge');
    expect(make('generic', { maxTextLength: 500 }).capabilities.maxTextLength).to.equal(500);
    expect(Object.keys(BRIDGE_PROFILES)).to.deep.equal(['discord', 'whatsapp', 'signal', 'generic']);
    expect(v.safeParse(bridgeOptions, { platform: 'irc', sharedSecret: 'bridge-secret', deliveryUrl: 'https://relay.example.com/in' }).success).to.equal(false);
  });

  it('runs any number of named bridges side by side, each with its own secret, URL and events', async () => {
    const discordSink = await FakeBridge.start('discord-secret-1');
    const signalSink = await FakeBridge.start('signal-secret-22');
    try {
      const discord = new BridgeProvider(v.parse(bridgeOptions, { platform: 'discord', sharedSecret: 'discord-secret-1', deliveryUrl: discordSink.url, allowLoopbackDelivery: true, workspaceId: 'guild-1' }), instance('discord-eu'), silentLogger, clock);
      const signal = new BridgeProvider(v.parse(bridgeOptions, { platform: 'signal', sharedSecret: 'signal-secret-22', deliveryUrl: signalSink.url, allowLoopbackDelivery: true }), instance('signal-ops'), silentLogger, clock);
      const body = { id: 'e-1', target: { chatId: 'c' }, sender: { userId: 'u' }, text: 'hi' };
      const [fromDiscord] = (await discord.handleWebhook(signedWebhookRequest('discord-eu', 'discord-secret-1', body))).events;
      expect(fromDiscord).to.deep.include({ provider: 'discord', instance: 'discord-eu', workspaceId: 'guild-1' });
      const crossed = await signal.handleWebhook(signedWebhookRequest('signal-ops', 'discord-secret-1', body)).catch((e: unknown) => e as { code: string });
      expect(crossed).to.include({ code: 'webhook.signature_invalid' });
      const target: DeliveryTarget = { instance: 'signal-ops', chatId: 'c' };
      await signal.send(target, { text: 'to signal', format: 'plain' }, { deliveryId: 'd-s' });
      await discord.send({ ...target, instance: 'discord-eu' }, { text: 'to discord', format: 'markdown' }, { deliveryId: 'd-d' });
      expect(signalSink.deliveries.map((d) => [d.body['providerKind'], d.body['provider'], d.signatureValid])).to.deep.equal([['signal', 'signal-ops', true]]);
      expect(discordSink.deliveries.map((d) => [d.body['providerKind'], d.body['provider'], d.signatureValid])).to.deep.equal([['discord', 'discord-eu', true]]);
      const wrongInstance = await signal.send({ ...target, instance: 'discord-eu' }, { text: 'x', format: 'plain' }, { deliveryId: 'd-x' }).catch((e: unknown) => e as { code: string });
      expect(wrongInstance).to.include({ code: 'delivery.target_invalid' });
    } finally {
      await discordSink.close();
      await signalSink.close();
    }
  });
});
