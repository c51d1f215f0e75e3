import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError, type Provider, type WebhookResult } from '@cowork-gateway/core';
import {
  FAKE_BOT_ID,
  FAKE_BOT_USER_ID,
  FAKE_CHANNEL_ID,
  FAKE_DM_CHANNEL_ID,
  FAKE_TEAM_ID,
  FAKE_USER_ID,
  blockActions,
  eventCallback,
  messageEvent,
  slashCommand,
  startFakeSlack,
  urlVerification,
  type FakeSlack,
} from '../src/testing/index.js';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger } from './helpers/fixtures.js';
import { createProvider, recordingContext } from './helpers/provider.js';

describe('SlackProvider.handleWebhook', () => {
  let fake: FakeSlack;
  let provider: Provider;
  let ctx: ReturnType<typeof recordingContext>;

  async function startProvider(extra: Record<string, unknown> = {}, logger = capturingLogger()): Promise<void> {
    provider = createProvider(fake, extra, logger);
    ctx = recordingContext();
    await provider.start(ctx);
  }

  beforeEach(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await startProvider();
  });

  afterEach(async () => {
    await provider.stop({ drain: true });
    await fake.close();
  });

  const handle = (body: Record<string, unknown> | URLSearchParams, options = {}): Promise<WebhookResult> => provider.handleWebhook!(fake.webhookRequest(body, options));

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a rejection');
  }

  it('answers url_verification with the challenge (200)', async () => {
    const result = await handle(urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P'));
    expect(result).to.deep.equal({ events: [], reply: { status: 200, body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' } } });
  });

  it('refuses an unsigned url_verification: the challenge is answered only to Slack', async () => {
    const error = await rejection(handle(urlVerification('abc'), { unsigned: true }));
    expect(isGatewayError(error, 'webhook.signature_invalid')).to.equal(true);
  });

  it('maps a channel mention to a threaded message event scoped to the team, without the mention', async () => {
    const event = messageEvent(`<@${FAKE_BOT_USER_ID}> build &lt;it&gt; &amp; ship`, { type: 'app_mention', ts: '1700000001.000200' });
    const [normalized] = (await handle(eventCallback(event, { eventId: 'Ev01' }))).events;
    expect(normalized).to.deep.include({
      provider: 'slack',
      instance: 'slack',
      workspaceId: FAKE_TEAM_ID,
      chatId: FAKE_CHANNEL_ID,
      threadId: '1700000001.000200',
      userId: FAKE_USER_ID,
      eventId: 'Ev01',
      kind: 'message',
      text: 'build <it> & ship',
      messageId: '1700000001.000200',
    });
  });

  it('keeps the thread of a message written in a thread', async () => {
    const event = messageEvent(`<@${FAKE_BOT_USER_ID}> more`, { type: 'app_mention', ts: '1700000002.000300', threadTs: '1700000001.000200' });
    const [normalized] = (await handle(eventCallback(event))).events;
    expect(normalized?.threadId).to.equal('1700000001.000200');
    expect(normalized?.messageId).to.equal('1700000002.000300');
  });

  it('maps a direct message to the DM conversation without a thread', async () => {
    const [normalized] = (await handle(eventCallback(messageEvent('hello', { channel: FAKE_DM_CHANNEL_ID })))).events;
    expect(normalized).to.include({ chatId: FAKE_DM_CHANNEL_ID, text: 'hello', kind: 'message' });
    expect(normalized).not.to.have.property('threadId');
  });

  it('takes one of the message / app_mention pair: mentions by default, message events with channelMessages all', async () => {
    const ts = '1700000003.000400';
    const message = eventCallback(messageEvent(`<@${FAKE_BOT_USER_ID}> hi`, { ts }));
    const mention = eventCallback(messageEvent(`<@${FAKE_BOT_USER_ID}> hi`, { ts, type: 'app_mention' }));
    expect((await handle(message)).events).to.have.length(0);
    expect((await handle(mention)).events).to.have.length(1);
    await provider.stop({ drain: true });
    await startProvider({ channelMessages: 'all' });
    expect((await handle(message)).events).to.have.length(1);
    expect((await handle(mention)).events).to.have.length(0);
  });

  it('ignores the bot\'s own messages, bot messages, edits and deletions', async () => {
    const cases = [
      messageEvent('echo', { channel: FAKE_DM_CHANNEL_ID, user: FAKE_BOT_USER_ID }),
      messageEvent('from a bot', { channel: FAKE_DM_CHANNEL_ID, botId: FAKE_BOT_ID }),
      messageEvent('bot message', { channel: FAKE_DM_CHANNEL_ID, subtype: 'bot_message' }),
      messageEvent('edited', { channel: FAKE_DM_CHANNEL_ID, subtype: 'message_changed' }),
      messageEvent('', { channel: FAKE_DM_CHANNEL_ID, subtype: 'message_deleted' }),
      { type: 'reaction_added', user: FAKE_USER_ID, reaction: 'thumbsup' },
    ];
    for (const event of cases) expect((await handle(eventCallback(event))).events, JSON.stringify(event)).to.deep.equal([]);
  });

  it('gives a retried event (x-slack-retry-num) the same event id and logs the retry', async () => {
    const lines: string[] = [];
    await provider.stop({ drain: true });
    await startProvider({}, capturingLogger(lines));
    const envelope = eventCallback(messageEvent('once', { channel: FAKE_DM_CHANNEL_ID }), { eventId: 'Ev0RETRY' });
    const [first] = (await handle(envelope)).events;
    const [retry] = (await handle(envelope, { retryNum: 1, timestamp: Math.floor(Date.now() / 1000) + 1 })).events;
    expect(first?.eventId).to.equal('Ev0RETRY');
    expect(retry?.eventId).to.equal('Ev0RETRY');
    expect(lines.some((l) => l.includes('slack.retry_received') && l.includes('Ev0RETRY'))).to.equal(true);
  });

  it('maps a block_actions button press to an interaction carrying the button value, answered with 200', async () => {
    const responseUrl = fake.responseUrl(FAKE_CHANNEL_ID);
    const payload = blockActions({ value: 'perm:abc123:once', messageTs: '1700000005.000100', threadTs: '1700000001.000200', responseUrl, userName: 'ada' });
    const result = await handle(new URLSearchParams({ payload: JSON.stringify(payload) }));
    expect(result.reply).to.deep.equal({ status: 200, body: {} });
    const [event] = result.events;
    expect(event).to.deep.include({ kind: 'interaction', chatId: FAKE_CHANNEL_ID, threadId: '1700000001.000200', workspaceId: FAKE_TEAM_ID, userId: FAKE_USER_ID, userName: 'ada', replyContext: { responseUrl } });
    expect(event?.interaction?.value).to.equal('perm:abc123:once');
    expect(event?.eventId).to.equal(`block_actions:${String(payload.trigger_id)}`);
  });

  it('maps a button press in a DM card to the DM conversation', async () => {
    const payload = blockActions({ value: 'q:xyz:1', channel: FAKE_DM_CHANNEL_ID, messageTs: '1700000006.000100' });
    const [event] = (await handle(new URLSearchParams({ payload: JSON.stringify(payload) }))).events;
    expect(event).to.include({ chatId: FAKE_DM_CHANNEL_ID });
    expect(event).not.to.have.property('threadId');
  });

  it('acknowledges other interaction types without an event', async () => {
    const result = await handle(new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', team: { id: FAKE_TEAM_ID }, user: { id: FAKE_USER_ID } }) }));
    expect(result).to.deep.equal({ events: [], reply: { status: 200, body: {} } });
  });

  it('maps /approve, /deny and /answer slash commands to command events with an ephemeral acknowledgement', async () => {
    const responseUrl = fake.responseUrl(FAKE_DM_CHANNEL_ID);
    const result = await handle(slashCommand({ command: '/approve', text: 'perm-7 always', channel: FAKE_DM_CHANNEL_ID, responseUrl, triggerId: 'trig-1' }));
    expect(result.events[0]).to.deep.include({ kind: 'command', text: '/approve perm-7 always', chatId: FAKE_DM_CHANNEL_ID, eventId: 'command:trig-1', workspaceId: FAKE_TEAM_ID, replyContext: { responseUrl } });
    expect(result.reply?.status).to.equal(200);
    expect(result.reply?.body).to.include({ response_type: 'ephemeral' });
    expect((await handle(slashCommand({ command: '/deny', text: 'perm-7' }))).events[0]?.text).to.equal('/deny perm-7');
    expect((await handle(slashCommand({ command: '/answer', text: 'q-1 2' }))).events[0]?.text).to.equal('/answer q-1 2');
  });

  it('answers Slack\'s ssl_check with 200 and no event', async () => {
    const result = await handle(new URLSearchParams({ ssl_check: '1', token: 'x' }));
    expect(result).to.deep.equal({ events: [], reply: { status: 200, body: {} } });
  });

  it('rejects malformed but signed bodies with webhook.payload_invalid', async () => {
    const bad: (Record<string, unknown> | URLSearchParams)[] = [
      { hello: 'world' },
      { type: 'url_verification' },
      { type: 'event_callback', event_id: 'Ev1', team_id: FAKE_TEAM_ID },
      eventCallback({ type: 'message', user: FAKE_USER_ID, text: 'no channel', ts: '1.2', channel_type: 'im' }),
      new URLSearchParams({ payload: '{not json' }),
      new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', team: { id: FAKE_TEAM_ID }, user: { id: FAKE_USER_ID }, actions: [] }) }),
      new URLSearchParams({ command: 'approve', team_id: FAKE_TEAM_ID, user_id: FAKE_USER_ID, channel_id: FAKE_CHANNEL_ID, trigger_id: 't' }),
      new URLSearchParams({ command: '/approve', team_id: FAKE_TEAM_ID, user_id: FAKE_USER_ID, channel_id: FAKE_CHANNEL_ID }),
      new URLSearchParams({ something: 'else' }),
    ];
    for (const body of bad) {
      const error = await rejection(handle(body));
      expect(isGatewayError(error, 'webhook.payload_invalid'), `${String(body)}: ${String(error)}`).to.equal(true);
    }
    const notJson = { ...fake.webhookRequest({}), rawBody: Buffer.from('not json') };
    notJson.headers = { ...notJson.headers, ...fake.signatureHeaders('not json') };
    expect(isGatewayError(await rejection(provider.handleWebhook!(notJson)), 'webhook.payload_invalid')).to.equal(true);
  });

  it('refuses requests from another team when teamId is configured (403)', async () => {
    await provider.stop({ drain: true });
    await startProvider({ teamId: FAKE_TEAM_ID });
    expect((await handle(eventCallback(messageEvent('ok', { channel: FAKE_DM_CHANNEL_ID })))).events).to.have.length(1);
    const error = await rejection(handle(eventCallback(messageEvent('other', { channel: FAKE_DM_CHANNEL_ID }), { teamId: 'T0OTHER001' })));
    expect(isGatewayError(error, 'slack.team_not_allowed')).to.equal(true);
    expect((error as { status: number }).status).to.equal(403);
  });

  it('rejects a stale signature even when the body is authentic', async () => {
    const error = await rejection(handle(eventCallback(messageEvent('old', { channel: FAKE_DM_CHANNEL_ID })), { timestamp: Math.floor(Date.now() / 1000) - 600 }));
    expect(isGatewayError(error, 'webhook.signature_stale')).to.equal(true);
  });
});
