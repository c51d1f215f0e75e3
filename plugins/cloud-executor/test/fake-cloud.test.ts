import { expect } from 'chai';
import { FakeCloud, type FakeCloudToken } from '../src/testing/index.js';

/** Reads an SSE response's raw text until `done(text)` holds, then aborts it. */
async function readSse(url: string, headers: Record<string, string>, done: (text: string) => boolean): Promise<{ status: number; headers: Headers; text: string }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (!response.ok) return { status: response.status, headers: response.headers, text: await response.text() };
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (!done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    controller.abort();
  }
  return { status: response.status, headers: response.headers, text };
}

describe('fake Cloud: status codes and framings of cloud-protocol.md', () => {
  let fake: FakeCloud;
  let token: FakeCloudToken;
  let auth: Record<string, string>;

  const post = async (path: string, body: unknown, headers = auth): Promise<{ status: number; body: Record<string, any>; headers: Headers }> => {
    const res = await fetch(fake.url + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  };
  const get = async (path: string, headers = auth): Promise<{ status: number; body: Record<string, any> }> => {
    const res = await fetch(fake.url + path, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  const bindOwnerThread = async (chat = 'chat-1'): Promise<Record<string, any>> => {
    fake.setIdentity({ provider: 'telegram', externalUserId: 'owner-1', role: 'owner' });
    const bound = await post('/api/channels/sessions/bind', { channelBindingId: 'cb_tg', provider: 'telegram', externalChatId: chat, externalThreadId: chat, externalUserId: 'owner-1', externalWorkspaceId: null, title: 'hi' });
    expect(bound.status).to.equal(200);
    return bound.body.binding;
  };

  beforeEach(async () => {
    fake = new FakeCloud({ autoRun: false });
    await fake.start();
    fake.addChannelBinding({ provider: 'telegram', bindingId: 'cb_tg' });
    token = fake.issueToken({ channelBindingIds: ['cb_tg'] });
    auth = { authorization: `Bearer ${token.plaintext}` };
  });
  afterEach(() => fake.stop());

  describe('auth and policy (§1, §11 items 1–2)', () => {
    it('answers 401 without a token, with an unknown token and with a revoked one', async () => {
      expect((await get('/api/channels/deliveries', {})).status).to.equal(401);
      expect((await get('/api/channels/deliveries', { authorization: 'Bearer occ_tok_AAAAAAAAAAAAAAAA_nope' })).status).to.equal(401);
      expect((await get('/api/channels/deliveries', { authorization: `Bearer ${token.plaintext}x` })).status).to.equal(401);
      token.revoked = true;
      const revoked = await get('/api/channels/deliveries');
      expect(revoked.status).to.equal(401);
      expect(revoked.body.error).to.be.a('string');
    });

    it('answers 403 channels.disabled when the feature is off, and channels.binding_scope_required without a grant', async () => {
      fake.channelsEnabled = false;
      const disabled = await get('/api/channels/deliveries');
      expect(disabled.status).to.equal(403);
      expect(disabled.body.verdict).to.deep.include({ allowed: false, policyCode: 'channels.disabled' });
      fake.channelsEnabled = true;
      const ungranted = fake.issueToken({ channelBindingIds: [] });
      const scoped = await get('/api/channels/deliveries', { authorization: `Bearer ${ungranted.plaintext}` });
      expect(scoped.status).to.equal(403);
      expect(scoped.body.verdict.policyCode).to.equal('channels.binding_scope_required');
    });

    it('refuses a requested binding the token was not granted, and a token whose account is no org admin', async () => {
      fake.addChannelBinding({ provider: 'telegram', bindingId: 'cb_other' });
      const other = await post('/api/channels/provider-events/claim', { provider: 'telegram', providerInstanceId: 'telegram', providerEventId: '1', eventType: 'message', claimedBy: 'gateway:x', channelBindingId: 'cb_other' });
      expect(other.status).to.equal(403);
      expect(other.body.error).to.equal('Gateway API token is not authorized for the requested channel binding.');
      const member = fake.issueToken({ role: 'member', channelBindingIds: ['cb_tg'] });
      expect((await get('/api/channels/deliveries', { authorization: `Bearer ${member.plaintext}` })).status).to.equal(403);
    });

    it('answers 404 for an unknown route and 400 for a body that is not JSON', async () => {
      expect((await get('/api/channels/nope')).status).to.equal(404);
      const res = await fetch(fake.url + '/api/channels/cursor', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{not json' });
      expect(res.status).to.equal(400);
    });
  });

  describe('identities, threads, prompts (§3.1–3.5)', () => {
    it('resolves a new sender as viewer/pending (200) and requires provider and externalUserId (400)', async () => {
      const resolved = await post('/api/channels/identities/resolve', { provider: 'telegram', externalUserId: 'u-9', channelBindingId: 'cb_tg', role: 'owner', status: 'active' });
      expect(resolved.status).to.equal(200);
      expect(resolved.body.identity).to.deep.include({ role: 'viewer', status: 'pending', externalUserId: 'u-9' });
      expect((await post('/api/channels/identities/resolve', { provider: 'telegram' })).status).to.equal(400);
    });

    it('binds a thread only for an active owner/admin/member actor (403 otherwise) and returns the same binding again', async () => {
      await post('/api/channels/identities/resolve', { provider: 'telegram', externalUserId: 'pending-1', channelBindingId: 'cb_tg' });
      const refused = await post('/api/channels/sessions/bind', { channelBindingId: 'cb_tg', provider: 'telegram', externalChatId: 'c', externalThreadId: 'c', externalUserId: 'pending-1' });
      expect(refused.status).to.equal(403);
      const first = await bindOwnerThread('c');
      expect(first.sessionId).to.match(/^channel_session_[0-9a-f]{32}$/);
      const again = await bindOwnerThread('c');
      expect(again.bindingId).to.equal(first.bindingId);
      expect((await post('/api/channels/sessions/bind', { channelBindingId: 'cb_tg', provider: 'slack', externalChatId: 'c', externalUserId: 'owner-1' })).status).to.equal(400);
      const byThread = await get('/api/channels/sessions/by-thread?provider=telegram&externalChatId=c&externalThreadId=c');
      expect(byThread.body.binding.bindingId).to.equal(first.bindingId);
      expect((await get('/api/channels/sessions/by-thread?provider=telegram&externalChatId=zz&externalThreadId=zz')).status).to.equal(404);
    });

    it('accepts a prompt with 202, derives the command id from the idempotency key, and needs bindingId and text', async () => {
      const thread = await bindOwnerThread();
      const first = await post('/api/channels/sessions/prompt', { bindingId: thread.bindingId, text: 'hi', idempotencyKey: 'k1', externalUserId: 'owner-1' });
      expect(first.status).to.equal(202);
      expect(first.body.command.commandId).to.match(/^channel_command_/);
      const again = await post('/api/channels/sessions/prompt', { bindingId: thread.bindingId, text: 'hi', idempotencyKey: 'k1', externalUserId: 'owner-1' });
      expect(again.body.command.commandId).to.equal(first.body.command.commandId);
      expect(fake.sessionEvents(thread.sessionId).filter((e) => e.type === 'prompt.submitted')).to.have.length(1);
      expect((await post('/api/channels/sessions/prompt', { bindingId: thread.bindingId, externalUserId: 'owner-1' })).status).to.equal(400);
      expect((await post('/api/channels/sessions/prompt', { bindingId: 'csb_unknown', text: 'x' })).status).to.equal(404);
      const snapshot = await get(`/api/channels/sessions/${thread.bindingId}/snapshot`);
      expect(snapshot.status).to.equal(200);
      expect(snapshot.body.session.sessionId).to.equal(thread.sessionId);
    });
  });

  describe('provider-event claims (§5)', () => {
    const claim = (id: string, extra: Record<string, unknown> = {}) => post('/api/channels/provider-events/claim', { provider: 'telegram', providerInstanceId: 'telegram', providerEventId: id, eventType: 'message', claimedBy: 'gateway:a', channelBindingId: 'cb_tg', ttlMs: 60_000, ...extra });

    it('claims once, reports a live or processed claim as a duplicate, and reclaims after the lease or a retryable failure', async () => {
      const first = await claim('42');
      expect(first.status).to.equal(200);
      expect(first.body).to.deep.include({ claimed: true, duplicate: false });
      expect(first.body.event.eventId).to.match(/^channel_provider_event_[0-9a-f]{32}$/);
      expect((await claim('42')).body).to.deep.include({ claimed: false, duplicate: true });
      fake.advance(61_000);
      const reclaimed = await claim('42', { claimedBy: 'gateway:b' });
      expect(reclaimed.body).to.deep.include({ claimed: true });
      expect(reclaimed.body.event.attemptCount).to.equal(2);
      const eventId = reclaimed.body.event.eventId as string;
      expect((await post(`/api/channels/provider-events/${eventId}/complete`, { claimedBy: 'gateway:a', status: 'processed' })).status).to.equal(404);
      const failed = await post(`/api/channels/provider-events/${eventId}/complete`, { claimedBy: 'gateway:b', status: 'failed', lastError: 'x' });
      expect(failed.body.event).to.deep.include({ status: 'failed', retryable: true });
      const retried = await claim('42', { claimedBy: 'gateway:b' });
      expect(retried.body.claimed).to.equal(true);
      const done = await post(`/api/channels/provider-events/${eventId}/complete`, { claimedBy: 'gateway:b', status: 'processed' });
      expect(done.body.event).to.deep.include({ status: 'processed', retryable: false, lastError: null });
      expect((await claim('42')).body.duplicate).to.equal(true);
    });

    it('never reclaims a non-retryable failure and validates claim and complete bodies (400)', async () => {
      const first = await claim('7');
      await post(`/api/channels/provider-events/${first.body.event.eventId}/complete`, { claimedBy: 'gateway:a', status: 'failed', retryable: false });
      expect((await claim('7')).body.duplicate).to.equal(true);
      expect((await post('/api/channels/provider-events/claim', { provider: 'telegram' })).status).to.equal(400);
      expect((await claim('8', { eventType: 'reaction' })).status).to.equal(400);
      expect((await post(`/api/channels/provider-events/${first.body.event.eventId}/complete`, { status: 'processed' })).status).to.equal(400);
    });
  });

  describe('cursor and interactions (§3.7, §7)', () => {
    it('accepts forward and equal cursors, reports stale ones, 404s unknown bindings and 400s bad numbers', async () => {
      const thread = await bindOwnerThread();
      const ok = await post('/api/channels/cursor', { bindingId: thread.bindingId, lastEventSequence: 3, lastWorkspaceSequence: 0 });
      expect(ok.body.result.ok).to.equal(true);
      expect((await post('/api/channels/cursor', { bindingId: thread.bindingId, lastEventSequence: 3, lastWorkspaceSequence: 0 })).body.result.ok).to.equal(true);
      const stale = await post('/api/channels/cursor', { bindingId: thread.bindingId, lastEventSequence: 2, lastWorkspaceSequence: 0 });
      expect(stale.status).to.equal(200);
      expect(stale.body.result).to.deep.include({ ok: false, reason: 'stale' });
      expect(stale.body.result.binding.lastEventSequence).to.equal(3);
      expect((await post('/api/channels/cursor', { bindingId: 'csb_none', lastEventSequence: 1, lastWorkspaceSequence: 0 })).status).to.equal(404);
      expect((await post('/api/channels/cursor', { bindingId: thread.bindingId, lastEventSequence: -1, lastWorkspaceSequence: 0 })).status).to.equal(400);
    });

    it('creates an interaction (201, occi_ token, hash only), resolves it once (202), then 409; a wrong chat or token is 404', async () => {
      const thread = await bindOwnerThread();
      const created = await post('/api/channels/interactions', { interactionId: 'gw_permission_abc', agentId: thread.agentId, sessionBindingId: thread.bindingId, sessionId: thread.sessionId, provider: 'telegram', kind: 'permission', targetId: 'perm_1' });
      expect(created.status).to.equal(201);
      expect(created.body.plaintextToken).to.match(/^occi_channel_interaction_[0-9a-f]{32}_/);
      expect(created.body.interaction).to.not.have.property('tokenHash');
      const base = { token: created.body.plaintextToken, provider: 'telegram', externalWorkspaceId: null, externalUserId: 'owner-1', response: { allowed: true } };
      expect((await post('/api/channels/interactions/resolve', { ...base, externalChatId: 'elsewhere' })).status).to.equal(404);
      expect((await post('/api/channels/interactions/resolve', { ...base, token: created.body.plaintextToken + 'x', externalChatId: 'chat-1' })).status).to.equal(404);
      const resolved = await post('/api/channels/interactions/resolve', { ...base, externalChatId: 'chat-1' });
      expect(resolved.status).to.equal(202);
      expect(resolved.body.command.kind).to.equal('permission.respond');
      expect((await post('/api/channels/interactions/resolve', { ...base, externalChatId: 'chat-1' })).status).to.equal(409);
      expect(fake.sessionEvents(thread.sessionId).map((e) => e.type)).to.include('permission.resolved');
      expect((await post('/api/channels/interactions', { interactionId: 'gw_permission_abc', agentId: thread.agentId, sessionBindingId: thread.bindingId, sessionId: thread.sessionId, provider: 'telegram', kind: 'permission', targetId: 'perm_1' })).status).to.equal(409);
      expect((await post('/api/channels/interactions', { sessionBindingId: thread.bindingId })).status).to.equal(400);
    });
  });

  describe('delivery SSE and acks (§4, §11 item 5)', () => {
    it('frames claimed deliveries as id/event/data with keep-alives, acks only for the claimant, and lists/retries/dead-letters', async () => {
      const injected = fake.injectDelivery({ channelBindingId: 'cb_tg', target: { externalChatId: '5' }, payload: { text: 'hello' }, deliveryId: 'd-1' });
      expect(injected.status).to.equal('pending');
      const stream = await readSse(`${fake.url}/api/channels/deliveries/stream?claimedBy=gateway%3Aa&ttlMs=1000&channelBindingId=cb_tg`, auth, (t) => t.includes(': keep-alive'));
      expect(stream.status).to.equal(200);
      expect(stream.headers.get('content-type')).to.equal('text/event-stream');
      expect(stream.headers.get('cache-control')).to.equal('no-store');
      expect(stream.text).to.match(/^id: d-1\nevent: channel\.delivery\ndata: \{"delivery":\{/);
      const frame = JSON.parse(stream.text.split('\n')[2]!.slice('data: '.length)) as { delivery: Record<string, unknown> };
      expect(frame.delivery).to.deep.include({ status: 'claimed', claimedBy: 'gateway:a', lastClaimedBy: token.tokenId, attemptCount: 1 });
      expect((await post('/api/channels/deliveries/d-1/ack', { status: 'sent', channelBindingId: 'cb_tg', claimedBy: 'gateway:other' })).status).to.equal(404);
      expect((await post('/api/channels/deliveries/d-1/ack', { status: 'bogus', channelBindingId: 'cb_tg', claimedBy: 'gateway:a' })).status).to.equal(400);
      const acked = await post('/api/channels/deliveries/d-1/ack', { status: 'sent', channelBindingId: 'cb_tg', claimedBy: 'gateway:a', lastError: null });
      expect(acked.status).to.equal(200);
      expect(acked.body.delivery).to.deep.include({ status: 'sent', claimedBy: null, claimExpiresAt: null });
      const list = await get('/api/channels/deliveries?status=sent&limit=10');
      expect(list.body.deliveries.map((d: { deliveryId: string }) => d.deliveryId)).to.deep.equal(['d-1']);
      expect((await post('/api/channels/deliveries/d-1/retry', {})).body.delivery).to.deep.include({ status: 'failed', lastError: null });
      expect((await post('/api/channels/deliveries/d-1/dead-letter', {})).body.delivery).to.deep.include({ status: 'dead', lastError: 'Manually dead-lettered by gateway operator.' });
      expect((await post('/api/channels/deliveries/nope/retry', {})).status).to.equal(404);
      const created = await post('/api/channels/deliveries', { channelBindingId: 'cb_tg', provider: 'telegram', target: { chatId: '1' }, eventType: 'x', payload: {}, deliveryId: 'd-2' });
      expect(created.status).to.equal(201);
    });

    it('re-serves an expired claim and refuses an ungranted binding before streaming (403 JSON)', async () => {
      fake.injectDelivery({ channelBindingId: 'cb_tg', target: { chatId: '5' }, payload: { text: 'x' }, deliveryId: 'd-3' });
      await readSse(`${fake.url}/api/channels/deliveries/stream?claimedBy=a&ttlMs=60000&channelBindingId=cb_tg`, auth, (t) => t.includes('d-3'));
      fake.expireClaims();
      const second = await readSse(`${fake.url}/api/channels/deliveries/stream?claimedBy=b&ttlMs=60000&channelBindingId=cb_tg`, auth, (t) => t.includes('d-3'));
      expect(second.text).to.include('"attemptCount":2');
      fake.addChannelBinding({ provider: 'telegram', bindingId: 'cb_x' });
      const refused = await readSse(`${fake.url}/api/channels/deliveries/stream?channelBindingId=cb_x`, auth, () => true);
      expect(refused.status).to.equal(403);
    });

    it('writes event: error frames on request', async () => {
      const pending = readSse(`${fake.url}/api/channels/deliveries/stream?channelBindingId=cb_tg`, auth, (t) => t.includes('event: error'));
      await fake.until(() => fake.requestsTo('/api/channels/deliveries/stream').length > 0);
      await new Promise((resolve) => setImmediate(resolve));
      fake.emitDeliveryStreamError('quota exceeded');
      const { text } = await pending;
      expect(text).to.include('event: error\ndata: {"error":"quota exceeded"}');
    });
  });

  describe('session SSE (§6, §11 item 6)', () => {
    it('starts with ": connected", replays after the cursor (after= or Last-Event-ID) and follows live events', async () => {
      const thread = await bindOwnerThread();
      fake.appendSessionEvent(thread.sessionId, 'assistant.message', { content: 'a' });
      fake.appendSessionEvent(thread.sessionId, 'assistant.message', { content: 'b' });
      const url = `${fake.url}/api/channels/sessions/${thread.bindingId}/events`;
      const replay = await readSse(`${url}?after=2`, auth, (t) => t.includes('id: 3\n'));
      expect(replay.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
      expect(replay.headers.get('x-accel-buffering')).to.equal('no');
      expect(replay.text.startsWith(': connected\n\n')).to.equal(true);
      expect(replay.text).to.not.include('id: 2\n');
      expect(replay.text).to.include('id: 3\nevent: assistant.message\ndata: {');
      const byHeader = await readSse(`${url}?after=0`, { ...auth, 'last-event-id': '2' }, (t) => t.includes('id: 3\n'));
      expect(byHeader.text).to.not.include('id: 1\n');
      const live = readSse(`${url}?after=3`, auth, (t) => t.includes('id: 4\n'));
      await fake.until(() => fake.requestsTo(`/api/channels/sessions/${thread.bindingId}/events?after=3`).length > 0);
      fake.appendSessionEvent(thread.sessionId, 'tool.call', { id: 't', name: 'bash', status: 'running' });
      expect((await live).text).to.include('event: tool.call');
    });

    it('sends snapshot.required on a gap, then continues after it; unknown bindings are 404 JSON, not a stream', async () => {
      const thread = await bindOwnerThread();
      fake.forceGap(thread.sessionId, 3);
      fake.appendSessionEvent(thread.sessionId, 'assistant.message', { content: 'after gap' });
      const { text } = await readSse(`${fake.url}/api/channels/sessions/${thread.bindingId}/events?after=1`, auth, (t) => t.includes('after gap'));
      expect(text).to.include('id: 1\nevent: snapshot.required\n');
      const data = JSON.parse(text.split('\n').find((l) => l.startsWith('data: {') && l.includes('snapshot.required'))!.slice(6)) as { payload: Record<string, unknown>; eventId: string };
      expect(data.eventId).to.equal('snapshot-required:1');
      expect(data.payload).to.deep.equal({ reason: 'event_retention_gap', afterSequence: 1, earliestSequence: 5, latestSequence: 4 });
      expect(text).to.include('id: 5\nevent: assistant.message');
      const missing = await readSse(`${fake.url}/api/channels/sessions/csb_missing/events`, auth, () => true);
      expect(missing.status).to.equal(404);
    });
  });

  describe('failure controls (§11 item 7)', () => {
    it('forces 429 with Retry-After, 5xx bursts and dropped connections', async () => {
      fake.failNext(/\/cursor$/, 429, 1, 2);
      const limited = await post('/api/channels/cursor', {});
      expect(limited.status).to.equal(429);
      expect(limited.headers.get('retry-after')).to.equal('2');
      fake.failNext(/\/cursor$/, 503, 2);
      expect((await post('/api/channels/cursor', {})).status).to.equal(503);
      expect((await post('/api/channels/cursor', {})).status).to.equal(503);
      expect((await post('/api/channels/cursor', {})).status).to.equal(400);
      fake.dropNext(/\/cursor$/);
      let dropped = false;
      await post('/api/channels/cursor', {}).catch(() => { dropped = true; });
      expect(dropped).to.equal(true);
    });
  });
});
