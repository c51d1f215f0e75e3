import 'reflect-metadata';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGatewayError, silentLogger } from '@cowork-gateway/core';
import { FakeCloud, type FakeCloudToken } from '@cowork-gateway/cloud-executor/testing';
import { FAKE_USER, privateMessage, startFakeTelegram, type FakeTelegram } from '@cowork-gateway/telegram/testing';
import { FakeBridge, signedWebhookRequest } from '@cowork-gateway/webhook/testing';
import {
  ALL_CLOUD_GATEWAY_SETTINGS,
  CLOUD_GATEWAY_PORT,
  assertSafeConfig,
  channelRoutes,
  instanceIdOf,
  isLoopbackHost,
  loadCloudGatewayConfig,
  operatorTokenMatches,
  providerSelections,
  runSetup,
  startCloudGateway,
  type RunningCloudGateway,
} from '../src/index.js';
import { ADMIN, BOT, FAKE_PROVIDERS, REFUSALS, TOKEN } from './helpers/refusals.js';

const PREFIX = 'OPEN_COWORK_GATEWAY_';

function envOf(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {
    OPEN_COWORK_CLOUD_BASE_URL: 'https://cloud.example.com',
    [`${PREFIX}SERVICE_TOKEN`]: TOKEN,
    [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
    [`${PREFIX}TELEGRAM_BOT_TOKEN`]: BOT,
    [`${PREFIX}PORT`]: '0',
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

describe('Cloud Channel Gateway preset in process', function () {
  this.timeout(30_000);

  describe('settings and startup refusals', () => {
    it('defaults to port 8790 on 127.0.0.1, cloud_channel, self-host, and the HOSTNAME as instance id', () => {
      const config = loadCloudGatewayConfig({ env: { HOSTNAME: 'box-1' } });
      expect(config.get('PORT')).to.equal(CLOUD_GATEWAY_PORT);
      expect(config.get('HOST')).to.equal('127.0.0.1');
      expect(config.get('PRODUCT_MODE')).to.equal('cloud_channel');
      expect(config.get('MODE')).to.equal('self-host');
      expect(instanceIdOf(config)).to.equal('box-1');
      expect(instanceIdOf(loadCloudGatewayConfig({ env: {} }))).to.equal('gateway');
      expect(ALL_CLOUD_GATEWAY_SETTINGS.map((s) => s.key)).to.include.members(['SERVICE_TOKEN', 'CLOUD_BASE_URL', 'TELEGRAM_BOT_TOKEN', 'MAX_DELIVERY_CONCURRENCY']);
    });

    for (const refusal of REFUSALS) {
      it(`refuses ${refusal.title}`, async () => {
        let caught: unknown;
        try {
          await startCloudGateway(loadCloudGatewayConfig({ env: envOf(refusal.env) }), { logger: silentLogger });
        } catch (error) {
          caught = error;
        }
        expect(isGatewayError(caught), String(caught)).to.equal(true);
        expect((caught as Error).message).to.contain(refusal.code);
        expect((caught as Error).message).to.contain(refusal.names);
        expect((caught as { status: number }).status).to.equal(400);
      });
    }

    it('routes Telegram to its channel binding and config-file providers to their ids', () => {
      const config = loadCloudGatewayConfig({ env: envOf({ [`${PREFIX}TELEGRAM_CHANNEL_BINDING_ID`]: 'cb_x' }) });
      expect(channelRoutes(config, providerSelections(config))).to.deep.equal([{ instance: 'telegram', provider: 'telegram', channelBindingId: 'cb_x', workspaceId: null }]);
      expect(channelRoutes(config, [{ id: 'slack-prod', use: 'x', options: {}, key: 'providers[0]', source: 'file' }])).to.deep.equal([{ instance: 'slack-prod', provider: 'slack', channelBindingId: 'slack-prod', workspaceId: null }]);
      const webhook = loadCloudGatewayConfig({ env: envOf({ [`${PREFIX}TELEGRAM_MODE`]: 'webhook', [`${PREFIX}PUBLIC_URL`]: 'https://gw.example.com', [`${PREFIX}TELEGRAM_WEBHOOK_SECRET`]: 'a-real-secret-value' }) });
      expect(providerSelections(webhook)[0]!.options).to.deep.include({ mode: 'webhook', publicUrl: 'https://gw.example.com' });
      let caught: unknown;
      try {
        providerSelections(loadCloudGatewayConfig({ env: envOf({ [`${PREFIX}TELEGRAM_MODE`]: 'webhook', [`${PREFIX}PUBLIC_URL`]: 'http://127.0.0.1:1' }) }));
      } catch (error) {
        caught = error;
      }
      expect(isGatewayError(caught, 'cloud_gateway.telegram_webhook_incomplete')).to.equal(true);
    });

    it('enables webhook, bridges, Slack and email from their settings and routes each to its channel binding', () => {
      const config = loadCloudGatewayConfig({
        env: envOf({
          [`${PREFIX}TELEGRAM_BOT_TOKEN`]: undefined,
          [`${PREFIX}WEBHOOK_SHARED_SECRET`]: 'webhook-shared-secret',
          [`${PREFIX}WEBHOOK_DELIVERY_URL`]: 'https://relay.example.com/out',
          [`${PREFIX}WEBHOOK_MAX_ATTACHMENT_BYTES`]: '65536',
          [`${PREFIX}DISCORD_DELIVERY_URL`]: 'https://discord-relay.example.com/out',
          [`${PREFIX}DISCORD_SHARED_SECRET`]: 'discord-shared-secret',
          [`${PREFIX}DISCORD_PROVIDER_ID`]: 'discord-main',
          [`${PREFIX}DISCORD_CHANNEL_BINDING_ID`]: 'cb_discord',
          [`${PREFIX}SLACK_BOT_TOKEN`]: 'xoxb-bot-token',
          [`${PREFIX}SLACK_MODE`]: 'socket',
          [`${PREFIX}SLACK_APP_TOKEN`]: 'xapp-app-token',
          [`${PREFIX}SLACK_CHANNEL_BINDING_ID`]: 'cb_slack',
          [`${PREFIX}EMAIL_INBOUND_SECRET`]: 'email-inbound-secret',
          [`${PREFIX}EMAIL_FROM`]: 'gateway@example.com',
          [`${PREFIX}EMAIL_SMTP_HOST`]: 'smtp.example.com',
        }),
      });
      const selections = providerSelections(config);
      expect(selections.map((s) => [s.id, s.use])).to.deep.equal([
        ['webhook', '@cowork-gateway/webhook'],
        ['discord-main', '@cowork-gateway/bridge'],
        ['slack', '@cowork-gateway/slack'],
        ['email', '@cowork-gateway/email'],
      ]);
      expect(selections[0]!.options).to.deep.include({ sharedSecret: 'webhook-shared-secret', maxAttachmentBytes: 65536 });
      // An unset inline attachment limit is lowered from the wire default (10 MiB) to the body cap.
      expect(selections[1]!.options).to.deep.include({ platform: 'discord', maxAttachmentBytes: 1_048_576 });
      expect(selections[2]!.options).to.deep.include({ mode: 'socket', appToken: 'xapp-app-token' });
      expect(selections[3]!.options).to.deep.include({ from: 'gateway@example.com', inboundSecret: 'email-inbound-secret' });
      expect(channelRoutes(config, selections)).to.deep.equal([
        { instance: 'webhook', provider: 'webhook', channelBindingId: 'webhook', workspaceId: null },
        { instance: 'discord-main', provider: 'discord', channelBindingId: 'cb_discord', workspaceId: null },
        { instance: 'slack', provider: 'slack', channelBindingId: 'cb_slack', workspaceId: null },
        { instance: 'email', provider: 'email', channelBindingId: 'email', workspaceId: null },
      ]);
      expect(() => assertSafeConfig(config, selections)).to.not.throw();
      const file = [
        { id: 'relay', use: '@cowork-gateway/bridge', options: { platform: 'signal' }, key: 'providers[0]', source: 'file' },
        { id: 'mail-eu', use: '@cowork-gateway/email', options: {}, key: 'providers[1]', source: 'file' },
        { id: 'bare', use: '@cowork-gateway/bridge', options: {}, key: 'providers[2]', source: 'file' },
      ];
      expect(channelRoutes(config, file).map((r) => [r.provider, r.channelBindingId])).to.deep.equal([['signal', 'relay'], ['email', 'mail-eu'], ['generic', 'bare']]);
      for (const key of ['WEBHOOK_CHANNEL_BINDING_ID', 'DISCORD_CHANNEL_BINDING_ID', 'WHATSAPP_CHANNEL_BINDING_ID', 'SIGNAL_CHANNEL_BINDING_ID', 'SLACK_CHANNEL_BINDING_ID', 'EMAIL_CHANNEL_BINDING_ID', 'ALLOW_PUBLIC_FAKE_PROVIDER', 'SLACK_SIGNING_SECRET', 'EMAIL_SMTP_HOST', 'DISCORD_SHARED_SECRET']) {
        expect(ALL_CLOUD_GATEWAY_SETTINGS.map((s) => s.key), key).to.include(key);
      }
    });

    it('allows the fake provider on loopback, and publicly only with the self-host override', () => {
      const check = (extra: Record<string, string>) => {
        const config = loadCloudGatewayConfig({ env: envOf({ [`${PREFIX}CONFIG_JSON`]: FAKE_PROVIDERS, ...extra }) });
        assertSafeConfig(config, providerSelections(config));
      };
      expect(() => check({})).to.not.throw();
      expect(() => check({ [`${PREFIX}HOST`]: '0.0.0.0', [`${PREFIX}ALLOW_PUBLIC_FAKE_PROVIDER`]: 'true' })).to.not.throw();
      expect(() => check({ [`${PREFIX}HOST`]: '0.0.0.0' })).to.throw(/cloud_gateway\.fake_provider_exposed/);
    });

    it('checks the admin token in constant time from Bearer or the gateway header, and knows loopback', () => {
      expect(operatorTokenMatches({ authorization: `Bearer ${ADMIN}` }, ADMIN)).to.equal(true);
      expect(operatorTokenMatches({ 'x-open-cowork-gateway-admin-token': ADMIN }, ADMIN)).to.equal(true);
      expect(operatorTokenMatches({ authorization: 'Bearer nope' }, ADMIN)).to.equal(false);
      expect(operatorTokenMatches({}, ADMIN)).to.equal(false);
      expect(operatorTokenMatches({ authorization: `Bearer ${ADMIN}` }, undefined)).to.equal(false);
      for (const host of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).to.equal(true);
      for (const host of ['0.0.0.0', '10.0.0.1', 'example.com', '::']) expect(isLoopbackHost(host), host).to.equal(false);
    });
  });

  describe('setup', () => {
    it('writes remote and local files (0600) and refuses bad input without echoing secrets', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cloud-setup-ip-'));
      const remote = runSetup({ mode: 'remote', cloudUrl: 'https://cowork.example.com', serviceToken: TOKEN, adminToken: ADMIN, output: join(dir, 'r.env') }, {});
      expect(remote.generated).to.deep.equal([]);
      expect(statSync(remote.output).mode & 0o777).to.equal(0o600);
      expect(readFileSync(remote.output, 'utf8')).to.contain(`OPEN_COWORK_GATEWAY_ADMIN_TOKEN=${ADMIN}`);
      const local = runSetup({ mode: 'local', output: join(dir, 'l.env') }, { OPEN_COWORK_GATEWAY_SERVICE_TOKEN: TOKEN });
      expect(local.generated).to.include('OPEN_COWORK_CLOUD_SECRET_KEY');
      expect(readFileSync(local.output, 'utf8')).to.contain(`OPEN_COWORK_GATEWAY_SERVICE_TOKEN=${TOKEN}`);
      writeFileSync(join(dir, 'exists.env'), 'x');
      const forced = runSetup({ mode: 'local', output: join(dir, 'exists.env'), force: true }, {});
      expect(readFileSync(forced.output, 'utf8')).to.contain('Set OPEN_COWORK_GATEWAY_SERVICE_TOKEN');
      for (const args of [{ mode: 'x' }, { mode: 'remote', cloudUrl: 'not a url', serviceToken: TOKEN, output: join(dir, 'n') }, { mode: 'local', output: join(dir, 'exists.env') }]) {
        let caught: unknown;
        try {
          runSetup(args, {});
        } catch (error) {
          caught = error;
        }
        expect(isGatewayError(caught, 'cloud_gateway.setup_invalid'), JSON.stringify(args)).to.equal(true);
        expect((caught as Error).message).to.not.contain(TOKEN);
      }
    });
  });

  describe('running against a fake Cloud and fake Telegram', () => {
    let cloud: FakeCloud;
    let token: FakeCloudToken;
    let telegram: FakeTelegram;
    let gateway: RunningCloudGateway | undefined;

    beforeEach(async () => {
      cloud = new FakeCloud();
      await cloud.start();
      cloud.addChannelBinding({ provider: 'telegram', bindingId: 'telegram' });
      token = cloud.issueToken({ channelBindingIds: ['telegram'] });
      cloud.setIdentity({ provider: 'telegram', externalUserId: String(FAKE_USER.id), role: 'member' });
      telegram = await startFakeTelegram({ token: BOT });
    });
    afterEach(async () => {
      await gateway?.stop();
      gateway = undefined;
      await telegram.close();
      await cloud.stop();
    });

    const start = async (extra: Record<string, string | undefined> = {}): Promise<RunningCloudGateway> => {
      gateway = await startCloudGateway(loadCloudGatewayConfig({ env: envOf({ OPEN_COWORK_CLOUD_BASE_URL: cloud.url, [`${PREFIX}SERVICE_TOKEN`]: token.plaintext, [`${PREFIX}TELEGRAM_API_ROOT`]: telegram.url, ...extra }) }), { logger: silentLogger });
      return gateway;
    };
    const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }) => fetch(gateway!.url + path, { headers });

    it('answers a message, serves /ready, /health, /metrics, /diagnostics and /deliveries, and stops idempotently', async () => {
      await start();
      await cloud.until(() => gateway!.deliveries.healthy(), 10_000, 'subscription');
      expect((await get('/ready', {})).status).to.equal(200);
      telegram.pushUpdate(privateMessage('hello in process'));
      const [reply] = await telegram.waitForSent(1, 15_000);
      expect(reply!.text).to.contain('Echo: hello in process');
      const metrics = await (await get('/metrics')).text();
      expect(metrics).to.contain('open_cowork_gateway_session_render_dead_letters_total 0');
      expect(metrics).to.contain('open_cowork_gateway_provider_up{provider="telegram"} 1');
      const diagnostics = await (await get('/diagnostics')).json() as Record<string, any>;
      expect(diagnostics.cloud).to.deep.equal({ baseUrl: cloud.url, serviceToken: '[redacted]' });
      expect(diagnostics.http.adminToken).to.equal('[redacted]');
      expect(diagnostics.deliveryOperator.channelBindingIds).to.deep.equal(['telegram']);
      telegram.addChat(77);
      cloud.injectDelivery({ channelBindingId: 'telegram', target: { chatId: '77' }, payload: { message: 'watch fired' }, deliveryId: 'w-1' });
      await cloud.until(() => [...cloud.deliveries.values()].some((d) => d.deliveryId === 'w-1' && d.status === 'sent'), 10_000, 'w-1 sent');
      const list = await (await get('/deliveries?channelBindingId=telegram&status=sent&limit=5')).json() as { deliveries: unknown[] };
      expect(list.deliveries).to.have.length(1);
      const dead = await fetch(gateway!.url + '/deliveries/w-1/dead-letter', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{}' });
      expect(dead.status).to.equal(200);
      expect((await fetch(gateway!.url + '/deliveries/zzz/dead-letter', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })).status).to.equal(404);
      cloud.failNext(/\/api\/channels\/deliveries$/, 401, 1);
      const denied = await (await get('/diagnostics')).json() as Record<string, any>;
      expect(denied.deliveryOperator).to.deep.include({ listAllowed: false, reason: 'cloud.unauthorized' });
      const stopping = gateway!.stop();
      expect(gateway!.stop()).to.equal(stopping);
      await stopping;
      gateway = undefined;
    });

    it('serves a signed webhook provider through its own Cloud channel binding', async () => {
      const secret = 'webhook-shared-secret';
      const bridge = await FakeBridge.start(secret);
      try {
        cloud.addChannelBinding({ provider: 'webhook', bindingId: 'cb_hooks' });
        const hooksToken = cloud.issueToken({ channelBindingIds: ['telegram', 'cb_hooks'] });
        cloud.setIdentity({ provider: 'webhook', externalUserId: 'hook-user', role: 'member' });
        await start({
          [`${PREFIX}SERVICE_TOKEN`]: hooksToken.plaintext,
          [`${PREFIX}WEBHOOK_SHARED_SECRET`]: secret,
          [`${PREFIX}WEBHOOK_DELIVERY_URL`]: bridge.url,
          [`${PREFIX}WEBHOOK_ALLOW_LOOPBACK_DELIVERY`]: 'true',
          [`${PREFIX}WEBHOOK_CHANNEL_BINDING_ID`]: 'cb_hooks',
        });
        const request = signedWebhookRequest('webhook', secret, { id: 'evt-hook-1', target: { chatId: 'room-1' }, sender: { userId: 'hook-user' }, text: 'hello over the webhook' });
        const response = await fetch(gateway!.url + request.path, { method: 'POST', headers: request.headers as Record<string, string>, body: request.rawBody });
        expect(response.status, await response.text()).to.be.within(200, 299);
        await bridge.waitFor(() => bridge.received().some((m) => m.text.includes('Echo: hello over the webhook')), 15_000);
        expect(bridge.deliveries.every((d) => d.signatureValid)).to.equal(true);
        const diagnostics = await (await get('/diagnostics')).json() as Record<string, any>;
        expect(diagnostics.deliveryOperator.channelBindingIds).to.have.members(['telegram', 'cb_hooks']);
        bridge.deliveries.length = 0;
        cloud.injectDelivery({ channelBindingId: 'cb_hooks', target: { chatId: 'room-1' }, payload: { message: 'hook watch fired' }, deliveryId: 'hw-1' });
        await bridge.waitFor(() => bridge.received().some((m) => m.text.includes('hook watch fired')), 15_000);
        await cloud.until(() => [...cloud.deliveries.values()].some((d) => d.deliveryId === 'hw-1' && d.status === 'sent'), 10_000, 'hw-1 sent');
      } finally {
        await gateway?.stop();
        gateway = undefined;
        await bridge.close();
      }
    });

    it('turns metrics and diagnostics off, and reports the subscription down on /ready', async () => {
      await start({ [`${PREFIX}METRICS_ENABLED`]: 'false', [`${PREFIX}DIAGNOSTICS_ENABLED`]: 'false' });
      expect((await get('/metrics')).status).to.equal(404);
      expect((await get('/diagnostics')).status).to.equal(404);
      expect((await get('/metrics', {})).status).to.equal(401);
      cloud.failNext(/deliveries\/stream$/, 503, 1000);
      cloud.dropStreams();
      await cloud.until(() => !gateway!.deliveries.healthy(), 10_000, 'subscription down');
      const ready = await get('/ready', {});
      expect(ready.status).to.equal(503);
      cloud.clearFailures();
    });
  });
});
