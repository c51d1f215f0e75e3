import { expect } from 'chai';
import { FakeChannel } from '@cowork-gateway/core/testing';
import { adminGet, childEnv, eventually, postJson, startHost, writeConfig, PREFIX, type HostProcess } from './helpers/host-process.js';

const ADMIN = 'e2e-admin-token-0123456789';

/** The whole pipeline through the real CLI as a child process, driven over HTTP. */
describe('standalone gateway end to end (child process, fake provider, scripted executor)', function () {
  this.timeout(60_000);
  let channel: FakeChannel;
  let host: HostProcess;
  let webhook: string;

  before(async () => {
    channel = await FakeChannel.start();
    const config = writeConfig({
      [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
      [`${PREFIX}DELIVERY_BACKOFF_BASE_MS`]: 50,
      [`${PREFIX}DELIVERY_BACKOFF_MAX_MS`]: 200,
      [`${PREFIX}DELIVERY_MAX_ATTEMPTS`]: 4,
      [`${PREFIX}CIRCUIT_FAILURE_THRESHOLD`]: 50,
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url, maxTextLength: 500 } }],
      identities: [
        { provider: 'fake', externalUserId: 'alice', role: 'member' },
        { provider: 'fake', externalUserId: 'victor', role: 'viewer' },
      ],
    });
    host = await startHost(['--config', config], childEnv());
    webhook = `${host.url}/webhooks/fake`;
  });

  after(async () => {
    expect(await host.stop()).to.equal(0);
    await channel.close();
  });

  const trace = async (eventId: string): Promise<any> => {
    const body = await adminGet(`${host.url}/admin/trace?instance=fake&eventId=${encodeURIComponent(eventId)}`, ADMIN);
    return body.traces[0];
  };

  it('answers an authorized member with exactly one reply and stores the session events in order', async () => {
    const res = await postJson(webhook, { id: 'evt-1', chatId: 'chat-1', userId: 'alice', text: 'hello gateway' });
    expect(res.status).to.equal(202);
    await channel.waitFor(() => channel.messagesFor('chat-1').length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const replies = channel.messagesFor('chat-1');
    expect(replies).to.have.length(1);
    expect(replies[0]!.message.text).to.contain('Echo: hello gateway');
    const t = await eventually(async () => {
      const found = await trace('evt-1');
      return found?.events.some((e: any) => e.type === 'run.completed') ? found : null;
    });
    const seqs = t.events.map((e: any) => e.seq);
    expect(seqs).to.deep.equal([...seqs].sort((a: number, b: number) => a - b));
    expect(t.events.map((e: any) => e.type)).to.include.ordered.members(['user.message', 'run.started', 'assistant.message', 'run.completed']);
    expect(t.jobs[0].status).to.equal('completed');
    expect(t.deliveries[0].chunks[0].chunkId).to.equal(`${t.deliveries[0].deliveryId}:chunk:1`);
    expect(t.inbound[0].token, 'claim tokens are not shown to operators').to.equal('[redacted]');
  });

  it('denies an unknown sender and a viewer, audited without message text', async () => {
    for (const [id, user] of [['evt-deny-1', 'mallory'], ['evt-deny-2', 'victor']] as const) {
      const res = await postJson(webhook, { id, chatId: `chat-${user}`, userId: user, text: 'secret plan do not store' });
      expect(res.status).to.equal(202);
      const t = await eventually(() => trace(id));
      const denied = t.audit.find((a: any) => a.type === 'standalone.prompt.denied');
      expect(denied, `audit for ${user}`).to.exist;
      expect(denied.metadata.reason).to.equal(user === 'mallory' ? 'identity_not_found' : 'role_not_allowed');
      expect(JSON.stringify(t.audit)).not.to.contain('secret plan');
      expect(t.jobs).to.have.length(0);
      await channel.waitFor(() => channel.messagesFor(`chat-${user}`).length === 1);
      expect(channel.messagesFor(`chat-${user}`)[0]!.message.text).to.contain('not allowed');
    }
  });

  it('treats the same provider event id sent twice as one prompt with one reply', async () => {
    const first = await postJson(webhook, { id: 'evt-dup', chatId: 'chat-dup', userId: 'alice', text: 'only once' });
    const second = await postJson(webhook, { id: 'evt-dup', chatId: 'chat-dup', userId: 'alice', text: 'only once' });
    expect([first.status, second.status]).to.deep.equal([202, 202]);
    expect(second.body.events[0].outcome).to.equal('duplicate');
    await channel.waitFor(() => channel.messagesFor('chat-dup').length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(channel.messagesFor('chat-dup')).to.have.length(1);
    const t = await trace('evt-dup');
    expect(t.jobs).to.have.length(1);
  });

  it('splits a reply longer than the provider limit into ordered, deterministic chunks', async () => {
    await postJson(webhook, { id: 'evt-long', chatId: 'chat-long', userId: 'alice', text: '/long 1800' });
    await eventually(async () => (await trace('evt-long'))?.deliveries[0]?.status === 'sent', 10_000, 'long reply sent');
    const t = await trace('evt-long');
    const delivery = t.deliveries[0];
    const received = channel.messagesFor('chat-long');
    expect(received.length).to.be.greaterThan(3);
    expect(received.map((m) => m.deliveryId)).to.deep.equal(received.map((_, i) => `${delivery.deliveryId}:chunk:${i + 1}`));
    for (const m of received) expect(m.message.text.length).to.be.at.most(500);
  });

  it('delivers after retries when the provider fails transiently, and honours 429 Retry-After', async () => {
    channel.failNext({ status: 503, count: 2 });
    channel.failNext({ status: 429, count: 1, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await postJson(webhook, { id: 'evt-flaky', chatId: 'chat-flaky', userId: 'alice', text: 'flaky channel' });
    await channel.waitFor(() => channel.messagesFor('chat-flaky').length === 1, 20_000);
    expect(Date.now() - started).to.be.at.least(900);
    const t = await trace('evt-flaky');
    expect(t.deliveries[0].status).to.equal('sent');
    expect(t.deliveries[0].attempts).to.equal(4);
  });

  it('keeps the prompt succeeded and audits standalone.reply.failed when the provider fails permanently', async () => {
    channel.failNext({ status: 400, count: 1 });
    await postJson(webhook, { id: 'evt-perm', chatId: 'chat-perm', userId: 'alice', text: 'never arrives' });
    const t = await eventually(async () => {
      const found = await trace('evt-perm');
      return found?.audit.some((a: any) => a.type === 'standalone.reply.failed') ? found : null;
    });
    expect(t.jobs[0].status).to.equal('completed');
    expect(t.audit.map((a: any) => a.type)).to.include('standalone.prompt');
    expect(t.deliveries[0].status).to.equal('dead');
    expect(t.deliveries[0].attempts).to.equal(1);
    expect(JSON.stringify(t.audit)).not.to.contain('never arrives');
    expect(channel.messagesFor('chat-perm')).to.have.length(0);
  });

  it('lets an operator list dead deliveries and retry one, which then arrives', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const dead = (await adminGet(`${host.url}/admin/deliveries?status=dead`, ADMIN)) as { deliveries: { deliveryId: string; target: { chatId: string } }[]; counts: Record<string, number> };
    const perm = dead.deliveries.find((d) => d.target.chatId === 'chat-perm');
    expect(perm, 'the dead-lettered reply of the permanent-failure test').to.exist;
    expect(dead.counts.dead).to.be.at.least(1);
    const retried = await fetch(`${host.url}/admin/deliveries/${encodeURIComponent(perm!.deliveryId)}/retry`, { method: 'POST', headers: auth });
    expect(retried.status).to.equal(200);
    await channel.waitFor(() => channel.messagesFor('chat-perm').length === 1);
    const again = await fetch(`${host.url}/admin/deliveries/${encodeURIComponent(perm!.deliveryId)}/retry`, { method: 'POST', headers: auth });
    expect(again.status).to.equal(400);
    const missing = await fetch(`${host.url}/admin/deliveries/nope/retry`, { method: 'POST', headers: auth });
    expect(missing.status).to.equal(404);
    const badStatus = await fetch(`${host.url}/admin/deliveries?status=lost`, { headers: auth });
    expect(badStatus.status).to.equal(400);
    const noAuth = await fetch(`${host.url}/admin/deliveries`);
    expect(noAuth.status).to.equal(401);
  });

  it('queues messages that arrive while the session is busy and runs them in order', async () => {
    await postJson(webhook, { id: 'evt-q1', chatId: 'chat-q', userId: 'alice', text: '/slow 600' });
    await postJson(webhook, { id: 'evt-q2', chatId: 'chat-q', userId: 'alice', text: 'second' });
    await postJson(webhook, { id: 'evt-q3', chatId: 'chat-q', userId: 'alice', text: 'third' });
    await channel.waitFor(() => channel.messagesFor('chat-q').filter((m) => m.message.text.includes('Echo:')).length === 3, 20_000);
    const texts = channel.messagesFor('chat-q').map((m) => m.message.text);
    const notices = texts.filter((t) => t.includes('Queued'));
    expect(notices).to.have.length(2);
    const replies = texts.filter((t) => t.includes('Echo:'));
    expect(replies[0]).to.contain('/slow 600');
    expect(replies[1]).to.contain('second');
    expect(replies[2]).to.contain('third');
  });

  it('answers malformed requests with coded 4xx errors', async () => {
    const bad = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":' });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as any).error.code).to.equal('http.bad_json');
    const big = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).to.equal(413);
    const unknown = await postJson(`${host.url}/webhooks/nope`, { id: 'x' });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('webhook.unknown_instance');
    const text = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).to.equal(415);
    const missing = await postJson(webhook, { id: 'evt-bad', userId: 'alice' });
    expect(missing.status).to.equal(400);
    expect(missing.body.error.code).to.equal('webhook.payload_invalid');
  });

  it('reports every component on /ready and answers /healthz', async () => {
    expect((await fetch(`${host.url}/healthz`)).status).to.equal(200);
    const ready = await fetch(`${host.url}/ready`);
    const body = (await ready.json()) as any;
    expect(ready.status).to.equal(200);
    expect(body.status).to.equal('ok');
    expect(body.components.store.kind).to.equal('memory');
    expect(body.components.executor.state).to.equal('ok');
    expect(body.components.providers.fake.lastInboundAt).to.be.a('string');
  });
});
