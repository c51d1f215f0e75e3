import 'reflect-metadata';
import { expect } from 'chai';
import { classifyDeliveryFailure, isGatewayError, type DeliveryTarget, type Provider } from '@cowork-gateway/core';
import { FAKE_CHANNEL_ID, startFakeSlack, type FakeSlack } from '../src/testing/index.js';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger } from './helpers/fixtures.js';
import { createProvider, recordingContext } from './helpers/provider.js';

const THREAD = '1700000001.000200';

describe('SlackProvider outbound (Web API)', () => {
  let fake: FakeSlack;
  let provider: Provider;
  let lines: string[];
  const target: DeliveryTarget = { instance: 'slack', chatId: FAKE_CHANNEL_ID, threadId: THREAD };

  beforeEach(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    fake.addChannel(FAKE_CHANNEL_ID);
    lines = [];
    provider = createProvider(fake, {}, capturingLogger(lines));
    await provider.start(recordingContext());
  });

  afterEach(async () => {
    await provider.stop({ drain: true });
    await fake.close();
  });

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a rejection');
  }

  it('posts mrkdwn into the thread with link unfurling off, returning the message ts', async () => {
    const result = await provider.send(target, { text: '*done* <https://example.com|here>', format: 'slack-mrkdwn' }, { deliveryId: 'd1' });
    const [post] = fake.posts;
    expect(post).to.include({ channel: FAKE_CHANNEL_ID, thread_ts: THREAD, text: '*done* <https://example.com|here>', mrkdwn: true });
    expect(result.providerMessageId).to.equal(post!.ts);
    const params = fake.calls.find((c) => c.method === 'chat.postMessage')!.params;
    expect(params).to.include({ unfurl_links: false, unfurl_media: false });
  });

  it('posts plain text with mrkdwn off and no thread when the target has none', async () => {
    await provider.send({ instance: 'slack', chatId: FAKE_CHANNEL_ID }, { text: '*not bold*', format: 'plain' }, { deliveryId: 'd1' });
    expect(fake.posts[0]).to.include({ mrkdwn: false });
    expect(fake.posts[0]).not.to.have.property('thread_ts');
  });

  it('renders buttons as Block Kit: a section, then one actions block per row, value and action_id = the kernel value', async () => {
    const long = 'L'.repeat(100);
    await provider.send(target, {
      text: 'Allow *bash*?',
      format: 'slack-mrkdwn',
      buttons: [[{ label: 'Allow once', value: 'perm:a1:once', style: 'primary' }, { label: 'Deny', value: 'perm:a1:reject', style: 'danger' }], [{ label: long, value: 'perm:a1:always' }]],
    }, { deliveryId: 'd2' });
    const blocks = fake.posts[0]!.blocks!;
    expect(blocks[0]).to.deep.equal({ type: 'section', text: { type: 'mrkdwn', text: 'Allow *bash*?' } });
    expect(blocks[1]).to.deep.equal({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Allow once', emoji: true }, value: 'perm:a1:once', action_id: 'perm:a1:once', style: 'primary' },
        { type: 'button', text: { type: 'plain_text', text: 'Deny', emoji: true }, value: 'perm:a1:reject', action_id: 'perm:a1:reject', style: 'danger' },
      ],
    });
    const third = (blocks[2]!.elements as Record<string, any>[])[0]!;
    expect(third.text.text).to.have.length(75);
    expect(third).not.to.have.property('style');
    expect(fake.posts[0]!.text).to.equal('Allow *bash*?');
  });

  it('classifies 429 as rate_limited with Slack\'s Retry-After', async () => {
    fake.failNext('chat.postMessage', 'rate_limited', { retryAfter: 7 });
    const error = await failure(provider.send(target, { text: 'x', format: 'plain' }, { deliveryId: 'd3' }));
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(isGatewayError(error, 'slack.rate_limited')).to.equal(true);
  });

  it('classifies channel_not_found, not_in_channel and invalid_auth as permanent, 5xx as transient', async () => {
    const expectations: [Parameters<FakeSlack['failNext']>[1], string, string][] = [
      ['channel_not_found', 'permanent', 'slack.channel_not_found'],
      ['not_in_channel', 'permanent', 'slack.not_in_channel'],
      ['invalid_auth', 'permanent', 'slack.invalid_auth'],
      ['server_error', 'transient', 'slack.send_failed'],
    ];
    for (const [kind, classification, code] of expectations) {
      fake.failNext('chat.postMessage', kind);
      const error = await failure(provider.send(target, { text: 'x', format: 'plain' }, { deliveryId: `d-${kind}` }));
      expect(classifyDeliveryFailure(error).kind, kind).to.equal(classification);
      expect(isGatewayError(error, code), `${kind}: ${String(error)}`).to.equal(true);
      expect(String((error as Error).message)).not.to.contain(BOT_TOKEN);
    }
    expect((await provider.health()).state).to.equal('down');
    expect(lines.join('\n')).not.to.contain(BOT_TOKEN);
  });

  it('classifies what Slack refuses for good (msg_too_long, invalid_blocks) as permanent and a dead Web API as transient', async () => {
    const tooLong = await failure(provider.send(target, { text: 'x'.repeat(40_001), format: 'plain' }, { deliveryId: 'd4' }));
    expect(classifyDeliveryFailure(tooLong).kind).to.equal('permanent');
    expect(isGatewayError(tooLong, 'slack.send_rejected')).to.equal(true);
    const offline = createProvider({ ...fake, apiUrl: 'http://127.0.0.1:9/api/' } as FakeSlack);
    const error = await failure(offline.send(target, { text: 'x', format: 'plain' }, { deliveryId: 'd5' }));
    expect(classifyDeliveryFailure(error).kind).to.equal('transient');
  });

  it('falls back to the response_url when the bot is not in the channel', async () => {
    fake.addChannel('C0NOTMEMBER', { member: false });
    const responseUrl = fake.responseUrl('C0NOTMEMBER');
    const result = await provider.send({ instance: 'slack', chatId: 'C0NOTMEMBER', replyContext: { responseUrl } }, { text: 'Allowed once', format: 'slack-mrkdwn' }, { deliveryId: 'd6' });
    expect(result.providerMessageId).to.equal('response_url:d6');
    expect(fake.posts).to.have.length(1);
    expect(fake.posts[0]).to.include({ via: 'response_url', channel: 'C0NOTMEMBER', text: 'Allowed once' });
  });

  it('classifies an expired response_url as permanent', async () => {
    fake.addChannel('C0NOTMEMBER', { member: false });
    const error = await failure(provider.send({ instance: 'slack', chatId: 'C0NOTMEMBER', replyContext: { responseUrl: `${fake.url}/response/gone` } }, { text: 'x', format: 'plain' }, { deliveryId: 'd11' }));
    expect(isGatewayError(error, 'slack.response_url_expired')).to.equal(true);
    expect(classifyDeliveryFailure(error).kind).to.equal('permanent');
  });

  it('never posts to a response_url on another host', async () => {
    fake.addChannel('C0NOTMEMBER', { member: false });
    const error = await failure(provider.send({ instance: 'slack', chatId: 'C0NOTMEMBER', replyContext: { responseUrl: 'http://127.0.0.2:1/steal' } }, { text: 'x', format: 'plain' }, { deliveryId: 'd7' }));
    expect(isGatewayError(error, 'slack.not_in_channel')).to.equal(true);
    expect(fake.posts).to.have.length(0);
  });

  it('edits a posted message with chat.update, and reports a vanished one as permanent', async () => {
    const { providerMessageId } = await provider.send(target, { text: 'before', format: 'plain', buttons: [[{ label: 'Go', value: 'q:z:0' }]] }, { deliveryId: 'd8' });
    await provider.edit!(target, providerMessageId, { text: 'after', format: 'plain' }, { deliveryId: 'd8:edit' });
    expect(fake.posts[0]!.text).to.equal('after');
    expect(fake.posts[0]!.blocks).to.equal(undefined);
    const error = await failure(provider.edit!(target, '1.000000', { text: 'x', format: 'plain' }, { deliveryId: 'd9' }));
    expect(classifyDeliveryFailure(error).kind).to.equal('permanent');
    const viaUrl = await failure(provider.edit!(target, 'response_url:d6', { text: 'x', format: 'plain' }, { deliveryId: 'd10' }));
    expect(isGatewayError(viaUrl, 'slack.message_not_found')).to.equal(true);
  });

  it('uploads a file into the thread with the external upload flow', async () => {
    const bytes = Buffer.from('report line\n'.repeat(10));
    const result = await provider.sendFile!(target, { bytes, filename: 'report.txt', mimeType: 'text/plain' }, { deliveryId: 'f1', caption: 'the report' });
    const [file] = fake.files;
    expect(file).to.include({ filename: 'report.txt', channel: FAKE_CHANNEL_ID, thread_ts: THREAD, initial_comment: 'the report' });
    expect(file!.bytes.equals(bytes)).to.equal(true);
    expect(result.providerMessageId).to.equal(file!.id);
    expect(fake.calls.map((c) => c.method)).to.include.members(['files.getUploadURLExternal', 'files.completeUploadExternal']);
  });

  it('classifies a failed upload step like a send', async () => {
    fake.failNext('files.completeUploadExternal', 'rate_limited', { retryAfter: 2 });
    const error = await failure(provider.sendFile!(target, { bytes: Buffer.from('x'), filename: 'a.txt' }, { deliveryId: 'f2' }));
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'rate_limited', retryAfterMs: 2000 });
  });
});

describe('SlackProvider start', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('fails with slack.unauthorized when Slack refuses the token, without showing it', async () => {
    const provider = createProvider(fake, { botToken: 'xoxb-wrong-token' });
    let error: unknown;
    try {
      await provider.start(recordingContext());
    } catch (caught) {
      error = caught;
    }
    expect(isGatewayError(error, 'slack.unauthorized')).to.equal(true);
    expect(String((error as Error).message)).not.to.contain('xoxb-wrong-token');
    expect((await provider.health()).state).to.equal('down');
  });

  it('degrades when auth.test fails and recovers in the background', async () => {
    fake.failNext('auth.test', 'server_error');
    const lines: string[] = [];
    const provider = createProvider(fake, {}, capturingLogger(lines));
    await provider.start(recordingContext());
    expect(await provider.health()).to.include({ state: 'degraded', reason: 'slack.connect_failed' });
    const deadline = Date.now() + 5000;
    while ((await provider.health()).state !== 'ok' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await provider.health()).state).to.equal('ok');
    await provider.stop({ drain: true });
    expect(lines.some((l) => l.includes('slack.connect_failed'))).to.equal(true);
  });

  it('stops at once while waiting to reconnect', async () => {
    fake.failNext('auth.test', 'server_error', { times: 10 });
    const provider = createProvider(fake);
    await provider.start(recordingContext());
    const started = Date.now();
    await provider.stop({ drain: true });
    expect(Date.now() - started).to.be.lessThan(500);
  });
});
