import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError, type InboundEvent, type Provider } from '@cowork-gateway/core';
import { CONFORMANCE_SAMPLE, describeProviderConformance } from '@cowork-gateway/core/testing';
import slackPlugin from '../src/index.js';
import {
  FAKE_BOT_USER_ID,
  FAKE_CHANNEL_ID,
  FAKE_DM_CHANNEL_ID,
  blockActions,
  eventCallback,
  messageEvent,
  slashCommand,
  startFakeSlack,
  type FakeSlack,
} from '../src/testing/index.js';
import { BOT_TOKEN, FAILURE_FOR, SIGNING_SECRET, capturingLogger, eventually, providerOptions, receivedTexts } from './helpers/fixtures.js';
import { createProvider, recordingContext } from './helpers/provider.js';

const APP_TOKEN = 'xapp-1-A0FAKEAPP1-1234567890-fakeAppLevelTokenValue';
const socketOptions = (fake: FakeSlack, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const { signingSecret: _unused, ...options } = providerOptions(fake, { mode: 'socket', appToken: APP_TOKEN, ...extra });
  return options;
};

async function socketFake(): Promise<FakeSlack> {
  const fake = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, appToken: APP_TOKEN });
  fake.addChannel(CONFORMANCE_SAMPLE.chatId);
  fake.addChannel(FAKE_CHANNEL_ID);
  fake.addChannel(FAKE_DM_CHANNEL_ID);
  return fake;
}

describeProviderConformance<FakeSlack>({
  name: 'slack (socket mode)',
  plugin: slackPlugin,
  fake: socketFake,
  stopFake: (fake) => fake.close(),
  options: (fake) => socketOptions(fake),
  failNextSend: (fake, kind) => fake.failNext('chat.postMessage', FAILURE_FOR[kind]),
  received: receivedTexts,
});

describe('SlackProvider in Socket Mode', () => {
  let fake: FakeSlack;
  let provider: Provider;
  let ctx: ReturnType<typeof recordingContext>;
  let lines: string[];

  beforeEach(async () => {
    fake = await socketFake();
    lines = [];
    ctx = recordingContext();
  });

  afterEach(async () => {
    await provider?.stop({ drain: true });
    await fake.close();
  });

  async function start(extra: Record<string, unknown> = {}): Promise<void> {
    provider = createSocketProvider(fake, extra);
    await provider.start(ctx);
  }

  function createSocketProvider(f: FakeSlack, extra: Record<string, unknown>): Provider {
    return createProvider(f, { mode: 'socket', appToken: APP_TOKEN, signingSecret: undefined, ...extra }, capturingLogger(lines));
  }

  it('counts as polling inbound and accepts no HTTP requests', async () => {
    await start();
    expect(provider.capabilities.inbound).to.equal('polling');
    let error: unknown;
    try {
      await provider.handleWebhook!(fake.webhookRequest(eventCallback(messageEvent('x'))));
    } catch (caught) {
      error = caught;
    }
    expect(isGatewayError(error, 'webhook.signature_invalid')).to.equal(true);
  });

  it('ingests an event envelope before acknowledging it, and reports progress', async () => {
    await start();
    const ack = await fake.sendEnvelope('events_api', eventCallback(messageEvent(`<@${FAKE_BOT_USER_ID}> over the socket`, { type: 'app_mention', ts: '1700000400.000100' }), { eventId: 'Ev0SOCKET1' }));
    expect(ack.envelope_id).to.be.a('string');
    expect(ctx.ingested).to.have.length(1);
    expect(ctx.ingested[0]).to.deep.include({ eventId: 'Ev0SOCKET1', text: 'over the socket', threadId: '1700000400.000100', chatId: FAKE_CHANNEL_ID });
    expect((await provider.health()).state).to.equal('ok');
    expect(ctx.progress, 'the hello and the envelope count as inbound progress').to.be.at.least(2);
  });

  it('gives a retried envelope the same event id and logs the retry', async () => {
    await start();
    const envelope = eventCallback(messageEvent('twice', { channel: FAKE_DM_CHANNEL_ID }), { eventId: 'Ev0SOCKET2' });
    await fake.sendEnvelope('events_api', envelope);
    await fake.sendEnvelope('events_api', envelope, { retryAttempt: 1 });
    expect(ctx.ingested.map((e) => e.eventId)).to.deep.equal(['Ev0SOCKET2', 'Ev0SOCKET2']);
    expect(lines.some((l) => l.includes('slack.retry_received'))).to.equal(true);
  });

  it('maps button presses and slash commands, answering a command with an ephemeral payload', async () => {
    await start();
    await fake.sendEnvelope('interactive', blockActions({ value: 'perm:p1:once', messageTs: '1700000500.000100', threadTs: '1700000400.000100' }));
    const ack = await fake.sendEnvelope('slash_commands', Object.fromEntries(slashCommand({ command: '/approve', text: 'p1', channel: FAKE_DM_CHANNEL_ID })));
    expect(ctx.ingested.map((e: InboundEvent) => e.kind)).to.deep.equal(['interaction', 'command']);
    expect(ctx.ingested[0]?.interaction?.value).to.equal('perm:p1:once');
    expect(ctx.ingested[1]?.text).to.equal('/approve p1');
    expect(ack.payload).to.include({ response_type: 'ephemeral' });
  });

  it('acknowledges a malformed envelope without ingesting it', async () => {
    await start();
    await fake.sendEnvelope('events_api', { type: 'event_callback', event: messageEvent('no envelope id', { channel: FAKE_DM_CHANNEL_ID }) });
    expect(ctx.ingested).to.deep.equal([]);
    expect(lines.some((l) => l.includes('slack.envelope_invalid'))).to.equal(true);
  });

  it('leaves an envelope unacknowledged when the kernel cannot claim it, so Slack resends it', async () => {
    ctx.ingest = async () => {
      throw new Error('store down');
    };
    await start();
    let error: unknown;
    try {
      await fake.sendEnvelope('events_api', eventCallback(messageEvent('lost?', { channel: FAKE_DM_CHANNEL_ID })), { timeoutMs: 500 });
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).to.match(/not acknowledged/);
  });

  it('reconnects when Slack asks it to, and is degraded while the socket is gone', async () => {
    await start();
    expect(fake.socketConnections).to.equal(1);
    fake.requestReconnect();
    let sawDegraded = false;
    const deadline = Date.now() + 15_000;
    while (!(fake.socketConnections === 2 && fake.openSockets === 1) && Date.now() < deadline) {
      if ((await provider.health()).state === 'degraded') sawDegraded = true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(fake.socketConnections, 'a second connection').to.equal(2);
    expect(sawDegraded, 'degraded while the socket was gone').to.equal(true);
    await eventually(() => lines.filter((l) => l.includes('"state":"connected"')).length >= 2, 'connected again');
    expect((await provider.health()).state).to.equal('ok');
    const ack = await fake.sendEnvelope('events_api', eventCallback(messageEvent('after reconnect', { channel: FAKE_DM_CHANNEL_ID })));
    expect(ack.envelope_id).to.be.a('string');
    expect(ctx.ingested.at(-1)?.text).to.equal('after reconnect');
  });

  it('fails start with slack.unauthorized when Slack refuses the app token', async () => {
    provider = createSocketProvider(fake, { appToken: 'xapp-wrong' });
    let error: unknown;
    try {
      await provider.start(ctx);
    } catch (caught) {
      error = caught;
    }
    expect(isGatewayError(error, 'slack.unauthorized')).to.equal(true);
    expect(String((error as Error).message)).not.to.contain('xapp-wrong');
  });

  it('refuses socket mode without an app token and events mode without a signing secret', () => {
    const make = (extra: Record<string, unknown>): unknown => {
      try {
        createProvider(fake, extra);
        return null;
      } catch (error) {
        return error;
      }
    };
    expect(isGatewayError(make({ mode: 'socket', signingSecret: undefined }), 'slack.app_token_required')).to.equal(true);
    expect(isGatewayError(make({ signingSecret: undefined }), 'slack.signing_secret_required')).to.equal(true);
  });
});
