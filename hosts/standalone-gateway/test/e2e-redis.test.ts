import { expect } from 'chai';
import { signatureHeaders } from '@cowork-gateway/core';
import { FakeBridge } from '@cowork-gateway/core/testing';
import { startPrivateRedis, uniqueKeyPrefix, type PrivateRedis } from '@cowork-gateway/redis/testing';
import { childEnv, eventually, startHost, writeConfig, PREFIX, type HostProcess } from './helpers/host-process.js';

// Issue 15 acceptance: two standalone host processes sharing one Redis. Every pair gets its own
// key prefix; the kill/restart case runs on a redis-server this test starts on a free port.
const SHARED_REDIS = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const ADMIN = 'e2e-redis-admin-token-0123456789';
const SECRET = 'e2e-redis-shared-secret';

interface Answer {
  status: number;
  retryAfter: string | null;
  code?: string;
}

async function postSigned(host: HostProcess, payload: unknown, now = new Date()): Promise<Answer> {
  const body = Buffer.from(JSON.stringify(payload));
  const response = await fetch(`${host.url}/webhooks/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...signatureHeaders(SECRET, body, now) }, body });
  const json = (await response.json()) as { error?: { code: string } };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ...(json.error ? { code: json.error.code } : {}) };
}

async function adminGet(host: HostProcess, token: string): Promise<Answer> {
  const response = await fetch(`${host.url}/admin/deliveries`, { headers: { authorization: `Bearer ${token}` } });
  const json = (await response.json()) as { error?: { code: string } };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ...(json.error ? { code: json.error.code } : {}) };
}

async function ready(host: HostProcess): Promise<{ status: number; body: any }> {
  const response = await fetch(`${host.url}/ready`);
  return { status: response.status, body: await response.json() };
}

describe('standalone replicas sharing one Redis (two child processes, real HTTP)', function () {
  this.timeout(120_000);
  let bridge: FakeBridge;
  let hosts: HostProcess[] = [];
  let config: string;

  before(async () => {
    bridge = await FakeBridge.start(SECRET);
    config = writeConfig({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      identities: [{ provider: 'webhook', externalUserId: 'u-1', role: 'member' }],
    });
  });

  afterEach(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    hosts = [];
  });

  after(async () => {
    await bridge.close();
  });

  async function startPair(redisUrl: string, env: Record<string, string> = {}): Promise<[HostProcess, HostProcess]> {
    const keyPrefix = uniqueKeyPrefix('e2e');
    const shared = {
      OPEN_COWORK_GATEWAY_REDIS_URL: redisUrl,
      [`${PREFIX}REDIS_KEY_PREFIX`]: keyPrefix,
      [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
      [`${PREFIX}WEBHOOK_SHARED_SECRET`]: SECRET,
      [`${PREFIX}WEBHOOK_DELIVERY_URL`]: bridge.url,
      [`${PREFIX}WEBHOOK_ALLOW_LOOPBACK_DELIVERY`]: 'true',
      ...env,
    };
    const pair = await Promise.all([startHost(['--config', config], childEnv(shared)), startHost(['--config', config], childEnv(shared))]);
    hosts.push(...pair);
    for (const host of pair) {
      const listening = host.logs.find((l) => l.event === 'gateway.listening')!;
      expect(listening.limits).to.equal('redis');
    }
    return pair;
  }

  it('limits a client sending 200 requests split across both replicas at 120 in total', async () => {
    const [a, b] = await startPair(SHARED_REDIS, { [`${PREFIX}RATE_LIMIT_MAX_REQUESTS`]: '120', [`${PREFIX}RATE_LIMIT_WINDOW_SECONDS`]: '60' });
    const answers: Answer[] = [];
    for (let i = 0; i < 200; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) => postSigned(j % 2 === 0 ? a : b, { id: `rate-${i + j}`, target: { chatId: 'c-rate' }, sender: { userId: 'u-1' }, text: `hi ${i + j}` }));
      answers.push(...(await Promise.all(batch)));
    }
    const accepted = answers.filter((x) => x.status === 202);
    const limited = answers.filter((x) => x.status === 429);
    expect(accepted).to.have.length(120);
    expect(limited).to.have.length(80);
    for (const answer of limited) {
      expect(answer.code).to.equal('http.rate_limited');
      expect(Number(answer.retryAfter)).to.be.within(1, 60);
    }
    // Each replica alone would have allowed its 100; the budget was shared.
  });

  it('rejects a signed webhook replayed to the second replica within the window', async () => {
    const [a, b] = await startPair(SHARED_REDIS);
    const now = new Date();
    const payload = { target: { chatId: 'c-replay' }, sender: { userId: 'u-1' }, text: 'no id, so only the replay cache protects it' };
    expect((await postSigned(a, payload, now)).status).to.equal(202);
    const replay = await postSigned(b, payload, now);
    expect(replay).to.deep.include({ status: 409, code: 'webhook.replayed' });
    expect(await postSigned(a, payload, now)).to.deep.include({ status: 409, code: 'webhook.replayed' });
  });

  it('applies an auth-failure block made on one replica on the other', async () => {
    const [a, b] = await startPair(SHARED_REDIS, { [`${PREFIX}AUTH_FAILURE_LIMIT`]: '3', [`${PREFIX}AUTH_FAILURE_BLOCK_SECONDS`]: '60' });
    expect((await adminGet(b, ADMIN)).status).to.equal(200);
    for (let i = 0; i < 3; i += 1) expect((await adminGet(a, 'wrong-token-0123456789')).status).to.equal(401);
    const onB = await adminGet(b, ADMIN);
    expect(onB).to.deep.include({ status: 429, code: 'http.source_blocked' });
    expect(Number(onB.retryAfter)).to.be.within(55, 60);
    expect((await adminGet(a, ADMIN)).status).to.equal(429);
  });

  describe('when the Redis they share is killed and restarted', () => {
    let redis: PrivateRedis;

    before(async () => {
      redis = await startPrivateRedis();
    });

    after(async () => {
      await redis.stop();
    });

    it('degrades readiness and answers clean 503s, then recovers without restarting the gateways', async () => {
      const [a, b] = await startPair(redis.url);
      for (const host of [a, b]) {
        const r = await ready(host);
        expect(r.status).to.equal(200);
        expect(r.body.components.limits).to.deep.include({ kind: 'redis', state: 'ok' });
      }
      expect((await postSigned(a, { id: 'before-kill', target: { chatId: 'c-kill' }, sender: { userId: 'u-1' }, text: 'before' })).status).to.equal(202);

      await redis.stop();
      for (const host of [a, b]) {
        const r = await eventually(async () => {
          const answer = await ready(host);
          return answer.status === 503 ? answer : undefined;
        }, 15_000, '/ready to degrade');
        expect(r.body.status).to.equal('degraded');
        expect(r.body.components.limits).to.deep.include({ kind: 'redis', state: 'degraded' });
        const refused = await postSigned(host, { id: `during-${host.url}`, target: { chatId: 'c-kill' }, sender: { userId: 'u-1' }, text: 'during' });
        expect(refused).to.deep.include({ status: 503, code: 'limits.unavailable', retryAfter: '5' });
        const adminRefused = await adminGet(host, ADMIN);
        expect(adminRefused).to.deep.include({ status: 503, code: 'limits.unavailable' });
        expect((await fetch(`${host.url}/healthz`)).status).to.equal(200);
        expect(host.child.exitCode).to.equal(null);
        expect(host.stderr()).not.to.include('"http.internal_error"');
      }

      await redis.start();
      for (const host of [a, b]) {
        await eventually(async () => (await ready(host)).status === 200, 15_000, '/ready to recover');
        expect((await postSigned(host, { id: `after-${host.url}`, target: { chatId: 'c-kill' }, sender: { userId: 'u-1' }, text: 'after' })).status).to.equal(202);
        // The child's stderr pipe is not ordered with its HTTP answers: await the lines, do not assume them.
        await eventually(async () => host.logs.some((l) => l.event === 'redis.unavailable'), 5_000, 'the redis.unavailable log line');
        await eventually(async () => host.logs.some((l) => l.event === 'redis.recovered'), 5_000, 'the redis.recovered log line');
      }
      for (const host of [a, b]) expect(host.stderr()).not.to.include(redis.url.replace('redis://', ''));
    });
  });
});
