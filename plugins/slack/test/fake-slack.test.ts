import { expect } from 'chai';
import { FAKE_CHANNEL_ID, blocksProblem, startFakeSlack, type FakeSlack } from '../src/testing/index.js';
import { BOT_TOKEN, SIGNING_SECRET } from './helpers/fixtures.js';

async function call(fake: FakeSlack, method: string, params: Record<string, string>, token: string | null = BOT_TOKEN): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${fake.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, headers: response.headers };
}

describe('FakeSlack (loopback Web API)', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    fake.addChannel(FAKE_CHANNEL_ID);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('answers not_authed without a token and invalid_auth with a wrong one, like Slack (HTTP 200)', async () => {
    expect((await call(fake, 'auth.test', {}, null)).body).to.deep.equal({ ok: false, error: 'not_authed' });
    expect((await call(fake, 'auth.test', {}, 'xoxb-other')).body).to.deep.equal({ ok: false, error: 'invalid_auth' });
    expect((await call(fake, 'auth.test', {})).body).to.include({ ok: true, user_id: fake.botUserId });
  });

  it('refuses unknown channels, missing text, text over 40,000 characters and invalid blocks', async () => {
    expect((await call(fake, 'chat.postMessage', { channel: 'C0UNKNOWN', text: 'x' })).body.error).to.equal('channel_not_found');
    expect((await call(fake, 'chat.postMessage', { channel: FAKE_CHANNEL_ID })).body.error).to.equal('no_text');
    expect((await call(fake, 'chat.postMessage', { channel: FAKE_CHANNEL_ID, text: 'x'.repeat(40_001) })).body.error).to.equal('msg_too_long');
    const blocks = JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }]);
    expect((await call(fake, 'chat.postMessage', { channel: FAKE_CHANNEL_ID, text: 'x', blocks })).body.error).to.equal('invalid_blocks');
    fake.addChannel('C0OUTSIDE', { member: false });
    expect((await call(fake, 'chat.postMessage', { channel: 'C0OUTSIDE', text: 'x' })).body.error).to.equal('not_in_channel');
    expect(fake.posts).to.have.length(0);
  });

  it('answers a scripted 429 with Retry-After and a 500 with an HTML page', async () => {
    fake.failNext('chat.postMessage', 'rate_limited', { retryAfter: 30 });
    fake.failNext('chat.postMessage', 'server_error');
    const limited = await call(fake, 'chat.postMessage', { channel: FAKE_CHANNEL_ID, text: 'x' });
    expect(limited.status).to.equal(429);
    expect(limited.headers.get('retry-after')).to.equal('30');
    expect(limited.body).to.deep.equal({ ok: false, error: 'ratelimited' });
    const broken = await call(fake, 'chat.postMessage', { channel: FAKE_CHANNEL_ID, text: 'x' });
    expect(broken.status).to.equal(500);
    expect((await call(fake, 'chat.postMessage', { channel: FAKE_CHANNEL_ID, text: 'x' })).body.ok).to.equal(true);
  });

  it('answers an unknown method with unknown_method', async () => {
    expect((await call(fake, 'conversations.kick', {})).body.error).to.equal('unknown_method');
  });

  it('accepts a response_url five times, then answers used_url', async () => {
    const url = fake.responseUrl(FAKE_CHANNEL_ID);
    for (let i = 0; i < 5; i += 1) expect((await fetch(url, { method: 'POST', body: JSON.stringify({ text: `r${i}` }) })).status).to.equal(200);
    const sixth = await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'r6' }) });
    expect(sixth.status).to.equal(404);
    expect(await sixth.text()).to.equal('used_url');
    expect((await fetch(`${fake.url}/response/nope`, { method: 'POST', body: '{}' })).status).to.equal(404);
  });

  it('refuses an upload whose length differs from the announced one and a completion without bytes', async () => {
    const slot = (await call(fake, 'files.getUploadURLExternal', { filename: 'a.txt', length: '5' })).body;
    expect((await fetch(slot.upload_url, { method: 'POST', body: 'toolong' })).status).to.equal(400);
    const files = JSON.stringify([{ id: slot.file_id }]);
    expect((await call(fake, 'files.completeUploadExternal', { files, channel_id: FAKE_CHANNEL_ID })).body.error).to.equal('file_not_found');
  });

  it('checks Block Kit the way Slack does for the blocks the gateway sends', () => {
    const button = (id: string) => ({ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: id, value: id });
    expect(blocksProblem([{ type: 'actions', elements: [button('a'), button('b')] }])).to.equal(null);
    expect(blocksProblem([{ type: 'actions', elements: [button('a'), button('a')] }])).to.match(/used twice/);
    expect(blocksProblem([{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`b${i}`)) }])).to.match(/1-25/);
    expect(blocksProblem([{ type: 'divider' }])).to.match(/unsupported/);
    expect(blocksProblem('nope')).to.match(/not an array/);
  });
});
