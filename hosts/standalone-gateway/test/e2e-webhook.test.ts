import http from 'node:http';
import { expect } from 'chai';
import { signatureHeaders } from '@cowork-gateway/core';
import { FakeBridge } from '@cowork-gateway/core/testing';
import { childEnv, eventually, startHost, writeConfig, PREFIX, type HostProcess } from './helpers/host-process.js';

const ADMIN = 'e2e-webhook-admin-token-0123456789';
const SECRET = 'e2e-webhook-shared-secret';
const DISCORD_SECRET = 'e2e-discord-shared-secret';

interface Answer {
  status: number;
  body: string;
}

/** One raw POST (any headers, any bytes); resolves with the status the client actually received. */
function post(url: string, body: Buffer, headers: Record<string, string | string[]>, agent?: http.Agent): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-length': String(body.length), ...headers }, ...(agent ? { agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function signed(secret: string, payload: unknown, now = new Date()): { body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { body, headers: { 'content-type': 'application/json', ...signatureHeaders(secret, body, now) } };
}

async function admin(url: string, method = 'GET', body?: unknown, token = ADMIN): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: await response.json() };
}

/** mulberry32: a small seeded PRNG, so a failing fuzz run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('standalone gateway with the webhook provider and a bridge (child process, real HTTP)', function () {
  this.timeout(120_000);
  let bridge: FakeBridge;
  let discord: FakeBridge;
  let host: HostProcess;
  let hook: string;

  before(async () => {
    bridge = await FakeBridge.start(SECRET);
    discord = await FakeBridge.start(DISCORD_SECRET);
    const config = writeConfig({
      [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
      [`${PREFIX}RATE_LIMIT_MAX_REQUESTS`]: 1_000_000,
      [`${PREFIX}AUTH_FAILURE_LIMIT`]: 1_000_000,
      [`${PREFIX}DELIVERY_BACKOFF_BASE_MS`]: 3000,
      [`${PREFIX}DELIVERY_BACKOFF_MAX_MS`]: 3000,
      executor: { use: '@cowork-gateway/core/testing/fake-executor', options: { stepDelayMs: 150 } },
      identities: [
        { provider: 'webhook', externalUserId: 'u-1', role: 'member' },
        { provider: 'discord', externalUserId: 'd-1', role: 'member' },
      ],
    });
    host = await startHost(['--config', config], childEnv({
      [`${PREFIX}WEBHOOK_SHARED_SECRET`]: SECRET,
      [`${PREFIX}WEBHOOK_DELIVERY_URL`]: bridge.url,
      [`${PREFIX}WEBHOOK_ALLOW_LOOPBACK_DELIVERY`]: 'true',
      OPEN_COWORK_GATEWAY_DISCORD_SHARED_SECRET: DISCORD_SECRET,
      OPEN_COWORK_GATEWAY_DISCORD_DELIVERY_URL: discord.url,
      OPEN_COWORK_GATEWAY_DISCORD_ALLOW_PRIVATE_DELIVERY: 'true',
    }));
    hook = `${host.url}/webhooks/webhook`;
  });

  after(async () => {
    expect(await host.stop()).to.equal(0);
    expect(host.stderr(), 'secrets never reach the log').not.to.contain(SECRET);
    expect(host.stderr()).not.to.contain(DISCORD_SECRET);
    await bridge.close();
    await discord.close();
  });

  describe('each flaw of the reference, and what this gateway does instead', () => {
    it('invalid JSON: 400 webhook.payload_invalid (reference: 400)', async () => {
      const { body, headers } = signed(SECRET, '{"id": "x", ');
      const answer = await post(hook, body, headers);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.match(/http\.bad_json|webhook\.payload_invalid/);
    });

    it('bad or stale signature: 401 coded (reference: 401)', async () => {
      const bad = signed('not-the-secret-at-all', { id: 'f-1', target: { chatId: 'c' }, sender: { userId: 'u-1' }, text: 'x' });
      expect(await post(hook, bad.body, bad.headers)).to.include({ status: 401 });
      const stale = signed(SECRET, { id: 'f-1', target: { chatId: 'c' }, sender: { userId: 'u-1' }, text: 'x' }, new Date(Date.now() - 10 * 60_000));
      const answer = await post(hook, stale.body, stale.headers);
      expect(answer.status).to.equal(401);
      expect(answer.body).to.contain('webhook.signature_stale');
    });

    it('wrong body shape: 400 webhook.payload_invalid naming the field (reference: 500)', async () => {
      const { body, headers } = signed(SECRET, { id: 'f-2', target: { chatId: ['not', 'a', 'string'] }, sender: { userId: 'u-1' } });
      const answer = await post(hook, body, headers);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.contain('webhook.payload_invalid').and.to.contain('target.chatId');
    });

    it('unknown provider: 404 webhook.unknown_instance (reference: 500)', async () => {
      const { body, headers } = signed(SECRET, { id: 'f-3', target: { chatId: 'c' }, sender: { userId: 'u-1' } });
      const answer = await post(`${host.url}/webhooks/nobody-here`, body, headers);
      expect(answer.status).to.equal(404);
      expect(answer.body).to.contain('webhook.unknown_instance');
    });

    it('a body over 1 MiB: a 413 the client actually receives (reference: connection reset)', async () => {
      const { body, headers } = signed(SECRET, { id: 'f-4', target: { chatId: 'c' }, sender: { userId: 'u-1' }, text: 'x'.repeat(1024 * 1024 + 10) });
      const answer = await post(hook, body, headers);
      expect(answer.status).to.equal(413);
      expect(answer.body).to.contain('http.body_too_large');
    });

    it('the same payload id re-signed later: delivered to the agent once (reference: twice)', async () => {
      const payload = { id: 'dup-1', target: { chatId: 'room-dup' }, sender: { userId: 'u-1' }, text: 'only once please' };
      const first = signed(SECRET, payload, new Date(Date.now() - 60_000));
      const second = signed(SECRET, payload);
      expect((await post(hook, first.body, first.headers)).status).to.equal(202);
      const again = await post(hook, second.body, second.headers);
      expect(again.status).to.equal(202);
      expect(JSON.parse(again.body).events[0].outcome).to.equal('duplicate');
      const exact = await post(hook, second.body, second.headers);
      expect(exact.status, 'an exact replay of a payload with an id is the same durable no-op').to.equal(202);
      await bridge.waitFor(() => bridge.deliveries.some((d) => d.body.text === 'Echo: only once please'));
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(bridge.deliveries.filter((d) => d.body.text === 'Echo: only once please')).to.have.length(1);
    });

    it('an exact replay of a payload without id: 409 webhook.replayed', async () => {
      const request = signed(SECRET, { target: { chatId: 'room-noid' }, sender: { userId: 'u-1' }, text: 'no id here' });
      expect((await post(hook, request.body, request.headers)).status).to.equal(202);
      const replay = await post(hook, request.body, request.headers);
      expect(replay.status).to.equal(409);
      expect(replay.body).to.contain('webhook.replayed');
    });

    it('answers 202 as soon as the event is durably claimed, before the agent turn ends (reference: after the whole turn)', async () => {
      const { body, headers } = signed(SECRET, { id: 'fast-1', target: { chatId: 'room-fast' }, sender: { userId: 'u-1' }, text: 'a slow turn' });
      const answer = await post(hook, body, headers);
      expect(answer.status).to.equal(202);
      expect(JSON.parse(answer.body).events[0]).to.include({ eventId: 'fast-1', outcome: 'enqueued' });
      expect(bridge.deliveries.some((d) => d.body.text === 'Echo: a slow turn'), 'no reply yet when the 202 arrives').to.equal(false);
      await bridge.waitFor(() => bridge.deliveries.some((d) => d.body.text === 'Echo: a slow turn'));
      const reply = bridge.deliveries.find((d) => d.body.text === 'Echo: a slow turn')!;
      expect(reply.signatureValid).to.equal(true);
      expect(reply.body).to.deep.include({ provider: 'webhook', providerKind: 'webhook', type: 'text' });
      expect(reply.body.deliveryId).to.match(/:chunk:1$/);
      expect(reply.headers['x-open-cowork-gateway-delivery-id']).to.equal(reply.body.deliveryId);
    });
  });

  it('runs a named bridge from seed 001 env names next to the webhook, on its own secret and URL', async () => {
    const { body, headers } = signed(DISCORD_SECRET, { id: 'dc-1', target: { chatId: 'chan-1' }, sender: { userId: 'd-1' }, text: 'hello from discord' });
    expect((await post(`${host.url}/webhooks/discord`, body, headers)).status).to.equal(202);
    const crossed = signed(SECRET, { id: 'dc-2', target: { chatId: 'chan-1' }, sender: { userId: 'd-1' }, text: 'wrong secret' });
    expect((await post(`${host.url}/webhooks/discord`, crossed.body, crossed.headers)).status).to.equal(401);
    await discord.waitFor(() => discord.deliveries.some((d) => d.body.text === 'Echo: hello from discord'));
    expect(discord.deliveries.find((d) => d.body.text === 'Echo: hello from discord')!.body).to.deep.include({ provider: 'discord', providerKind: 'discord' });
    expect(bridge.deliveries.some((d) => d.body.text === 'Echo: hello from discord')).to.equal(false);
  });

  it('lets an operator list, dead-letter and retry deliveries behind the admin token', async () => {
    discord.goDown({ status: 503 });
    const { body, headers } = signed(DISCORD_SECRET, { id: 'dc-ops', target: { chatId: 'chan-ops' }, sender: { userId: 'd-1' }, text: 'operator test' });
    expect((await post(`${host.url}/webhooks/discord`, body, headers)).status).to.equal(202);
    const pending = await eventually(async () => {
      const list = await admin(`${host.url}/admin/deliveries?status=pending`);
      return list.body.deliveries.find((d: any) => d.target.chatId === 'chan-ops' && d.attempts >= 1);
    }, 20_000, 'a pending delivery after a failed attempt');
    expect((await admin(`${host.url}/admin/deliveries/${pending.deliveryId}/dead-letter`, 'POST', {}, 'wrong-token')).status).to.equal(401);
    const dead = await admin(`${host.url}/admin/deliveries/${pending.deliveryId}/dead-letter`, 'POST', { reason: 'bridge is being replaced' });
    expect(dead.status).to.equal(200);
    expect(dead.body.delivery).to.include({ status: 'dead', deadReason: 'operator: bridge is being replaced' });
    const twice = await admin(`${host.url}/admin/deliveries/${pending.deliveryId}/dead-letter`, 'POST', {});
    expect(twice.status).to.equal(400);
    expect(twice.body.error.code).to.equal('admin.bad_request');
    expect((await admin(`${host.url}/admin/deliveries/nope/dead-letter`, 'POST', {})).status).to.equal(404);
    expect((await admin(`${host.url}/admin/deliveries/${pending.deliveryId}/dead-letter`, 'POST', { reason: 'x'.repeat(501) })).status).to.equal(400);
    discord.recover();
    const retried = await admin(`${host.url}/admin/deliveries/${pending.deliveryId}/retry`, 'POST', {});
    expect(retried.status).to.equal(200);
    await discord.waitFor(() => discord.deliveries.some((d) => d.body.text === 'Echo: operator test'), 20_000);
    const sent = await admin(`${host.url}/admin/deliveries?status=sent`);
    expect(sent.body.deliveries.map((d: any) => d.deliveryId)).to.include(pending.deliveryId);
  });

  it('fuzz: 2,000 randomly mutated signed and unsigned requests get only 2xx/4xx, none accepted unless correctly signed, and the gateway stays healthy', async () => {
    const random = prng(0xc0ffee);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const statuses: Record<number, number> = {};
    const acceptedUnsigned: string[] = [];
    let acceptedSigned = 0;
    const mutateBytes = (bytes: Buffer): Buffer => {
      const copy = Buffer.from(bytes);
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips && copy.length > 0; i += 1) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      return copy;
    };
    const payloads: (() => unknown)[] = [
      () => ({ id: `fz-${Math.floor(random() * 1e9)}`, target: { chatId: `fz-${Math.floor(random() * 20)}` }, sender: { userId: pick(['u-1', 'stranger', '']) }, text: pick(['hi', '', '/approve x', 'ü€😀', '\u0000ctl']) }),
      () => ({ id: pick([1, null, '', ' ', 'x'.repeat(600), 'ok-id']), target: pick([null, {}, { chatId: '' }, { chatId: 'c', isDirect: 'yes' }, 'c']), sender: pick([{}, { userId: 5 }, null]) }),
      () => ({ id: 'fz-att', target: { chatId: 'c' }, sender: { userId: 'u-1' }, attachments: [{ filename: pick(['a', '', '../../etc/passwd']), bufferBase64: pick(['aGk=', 'aGk', '!!!', 'aGk=\n', '']), sizeBytes: pick([2, 3, -1, 1e12]) }] }),
      () => ({ id: 'fz-int', target: { chatId: 'c' }, sender: { userId: 'u-1' }, interaction: { id: pick(['', 'p']), token: pick(['t', 'x'.repeat(65), '\u0007']) } }),
      () => pick([[], 'string', 42, null, true, { a: { b: { c: { d: [[[[[]]]]] } } } }]),
      () => ({ id: 'fz-big', target: { chatId: 'c' }, sender: { userId: 'u-1' }, text: 'y'.repeat(pick([70_000, 1_100_000])) }),
      () => ({ id: 'fz-ts', target: { chatId: 'c' }, sender: { userId: 'u-1' }, text: 'x', receivedAt: pick(['2026-13-45T00:00:00Z', 'yesterday', '2026-01-01T00:00:00Z']) }),
    ];
    for (let i = 0; i < 2000; i += 1) {
      const payload = pick(payloads)();
      let body: Buffer = Buffer.from(JSON.stringify(payload) ?? 'null');
      const mode = pick(['signed', 'signed', 'unsigned', 'wrong-secret', 'stale', 'future', 'tampered', 'bad-header', 'duplicate-header', 'signed-raw-mutation']);
      let headers: Record<string, string | string[]> = { 'content-type': random() < 0.8 ? pick(['application/json', 'application/json; charset=utf-8']) : pick(['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'APPLICATION/JSON']) };
      let correctlySigned = false;
      if (mode === 'signed-raw-mutation') body = mutateBytes(body);
      if (mode === 'signed' || mode === 'signed-raw-mutation' || mode === 'tampered' || mode === 'duplicate-header') {
        headers = { ...headers, ...signatureHeaders(SECRET, body, new Date()) };
        correctlySigned = mode !== 'tampered';
      }
      if (mode === 'wrong-secret') headers = { ...headers, ...signatureHeaders('wrong-secret-value', body, new Date()) };
      if (mode === 'stale') headers = { ...headers, ...signatureHeaders(SECRET, body, new Date(Date.now() - 400_000)) };
      if (mode === 'future') headers = { ...headers, ...signatureHeaders(SECRET, body, new Date(Date.now() + 400_000)) };
      if (mode === 'tampered') body = Buffer.concat([body, Buffer.from(' ')]);
      if (mode === 'bad-header') headers = { ...headers, 'x-open-cowork-gateway-webhook-timestamp': pick(['', '-1', '1e9', 'NaN', '9'.repeat(20)]), 'x-open-cowork-gateway-webhook-signature': pick(['v1=', 'v2=00', 'v1=' + 'g'.repeat(64), 'v1=' + 'A'.repeat(64)]) };
      if (mode === 'duplicate-header') {
        headers['x-open-cowork-gateway-webhook-signature'] = [headers['x-open-cowork-gateway-webhook-signature'] as string, 'v1=' + '0'.repeat(64)];
        correctlySigned = false;
      }
      if (random() < 0.05) headers['content-encoding'] = pick(['gzip', 'br', 'identity']);
      const answer = await post(hook, body, headers, agent);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      expect(answer.status >= 200 && answer.status < 500, `request ${i} (${mode}) answered ${answer.status}: ${answer.body.slice(0, 200)}`).to.equal(true);
      expect(answer.status === 202 || answer.status >= 400, `request ${i} (${mode}) answered ${answer.status}`).to.equal(true);
      if (answer.status < 300) {
        if (!correctlySigned) acceptedUnsigned.push(`${i}:${mode}`);
        else acceptedSigned += 1;
      }
    }
    agent.destroy();
    expect(acceptedUnsigned, 'requests accepted without a correct signature').to.deep.equal([]);
    expect(acceptedSigned, 'some signed requests were valid and accepted').to.be.greaterThan(0);
    expect(Object.keys(statuses).map(Number).every((s) => s < 500)).to.equal(true);
    const health = await fetch(`${host.url}/healthz`);
    expect(health.status).to.equal(200);
    const ready = (await admin(`${host.url}/ready`)).body;
    expect(ready.components.providers.webhook.state).to.equal('ok');
    // Still answering real traffic afterwards.
    const { body, headers } = signed(SECRET, { id: 'after-fuzz', target: { chatId: 'room-after' }, sender: { userId: 'u-1' }, text: 'still alive' });
    expect((await post(hook, body, headers)).status).to.equal(202);
    await bridge.waitFor(() => bridge.deliveries.some((d) => d.body.text === 'Echo: still alive'), 30_000);
    console.log(`      fuzz statuses: ${JSON.stringify(statuses)}`);
  });
});
