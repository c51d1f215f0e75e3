import 'reflect-metadata';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import * as v from 'valibot';
import { isGatewayError, signatureHeaders, verifyWebhookSignature, type Logger } from '@cowork-gateway/core';
import { RedisAbuseControls, redisOptions } from '../src/index.js';
import { startPrivateRedis, uniqueKeyPrefix } from '../src/testing/index.js';

// Against the real Redis of the test environment. Under CI=true a missing Redis fails the run; it never skips.
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

function controlsOn(url: string, keyPrefix: string, extra: Record<string, unknown> = {}): RedisAbuseControls {
  return new RedisAbuseControls(v.parse(redisOptions, { url, keyPrefix, ...extra }), silent);
}

describe('RedisAbuseControls on a real Redis', function () {
  this.timeout(20_000);
  let admin: Redis;
  const opened: RedisAbuseControls[] = [];

  before(async () => {
    admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await admin.connect();
  });

  after(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await admin.quit();
  });

  async function replicas(count: number, prefix = uniqueKeyPrefix('it')): Promise<RedisAbuseControls[]> {
    const list = Array.from({ length: count }, () => controlsOn(REDIS_URL, prefix));
    opened.push(...list);
    await Promise.all(list.map((c) => c.start()));
    for (const c of list) expect(c.health().state).to.equal('ok');
    return list;
  }

  it('shares one request budget between replicas, atomically under concurrency', async () => {
    const [a, b] = await replicas(2);
    const limiters = [a!.requestLimiter({ limit: 120, windowMs: 60_000 }), b!.requestLimiter({ limit: 120, windowMs: 60_000 })];
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 2]!.claim('request:203.0.113.9:hook')));
    expect(answers.filter((d) => d.allowed)).to.have.length(120);
    const refused = answers.filter((d) => !d.allowed);
    expect(refused).to.have.length(80);
    for (const d of refused) expect(d.retryAfterMs).to.be.within(1, 60_000);
  });

  it('keeps every key under its prefix with a TTL', async () => {
    const prefix = uniqueKeyPrefix('it');
    const [a] = await replicas(1, prefix);
    await a!.requestLimiter({ limit: 5, windowMs: 10_000 }).claim('request:1.1.1.1:x');
    await a!.authFailureBlock({ limit: 1, blockMs: 20_000 }).recordFailure('auth:1.1.1.1:x');
    await a!.authFailureBlock({ limit: 3, blockMs: 20_000 }).recordFailure('auth:2.2.2.2:x');
    await a!.lock.acquire('job', 3000);
    const keys = await admin.keys(`${prefix}:*`);
    expect(keys).to.have.length(4);
    for (const key of keys) expect(await admin.pttl(key)).to.be.within(1, 20_000);
    expect(await admin.keys(`${prefix}*`)).to.have.length(4);
  });

  it('applies an auth-failure block set on one replica on the other', async () => {
    const [a, b] = await replicas(2);
    const blockA = a!.authFailureBlock({ limit: 3, blockMs: 60_000 });
    const blockB = b!.authFailureBlock({ limit: 3, blockMs: 60_000 });
    await blockA.recordFailure('auth:198.51.100.7:admin');
    await blockB.recordFailure('auth:198.51.100.7:admin');
    expect((await blockB.check('auth:198.51.100.7:admin')).allowed).to.equal(true);
    expect((await blockA.recordFailure('auth:198.51.100.7:admin')).allowed).to.equal(false);
    const seen = await blockB.check('auth:198.51.100.7:admin');
    expect(seen.allowed).to.equal(false);
    expect(seen.retryAfterMs).to.be.within(55_000, 60_000);
  });

  it('rejects a signed request replayed to another replica within the window', async () => {
    const [a, b] = await replicas(2);
    const now = new Date();
    const body = Buffer.from('{"hello":"world"}');
    const headers = signatureHeaders('integration-secret', body, now);
    const verified = verifyWebhookSignature({ instance: 'hook', secret: 'integration-secret', headers, rawBody: body, now, windowMs: 300_000 });
    if (!verified.ok) throw verified.error;
    const first = await a!.replayCache({ instance: 'hook' }).claim(verified.value, 'hook:c', now);
    expect(first.ok).to.equal(true);
    const replay = await b!.replayCache({ instance: 'hook' }).claim(verified.value, 'hook:c', now);
    expect(replay.ok).to.equal(false);
    if (!replay.ok) expect(isGatewayError(replay.error, 'webhook.replayed')).to.equal(true);
  });

  it('gives a lock to one replica at a time and lets it expire', async () => {
    const [a, b] = await replicas(2);
    const held = await a!.lock.acquire('sweep', 150);
    expect(held).not.to.equal(undefined);
    expect(await b!.lock.acquire('sweep', 150)).to.equal(undefined);
    const deadline = Date.now() + 5000;
    let taken = await b!.lock.acquire('sweep', 5000);
    while (!taken && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      taken = await b!.lock.acquire('sweep', 5000);
    }
    expect(taken).not.to.equal(undefined);
    expect(await held!.release()).to.equal(false);
    expect(await taken!.release()).to.equal(true);
  });

  it('fails closed while its own redis-server is down and recovers by itself when it is back', async () => {
    const server = await startPrivateRedis();
    const controls = controlsOn(server.url, uniqueKeyPrefix('it'), { connectTimeoutMs: 500, commandTimeoutMs: 500 });
    try {
      await controls.start();
      const limiter = controls.requestLimiter({ limit: 100, windowMs: 60_000 });
      expect((await limiter.claim('k')).allowed).to.equal(true);
      await server.stop();
      await waitFor(() => controls.health().state === 'degraded');
      const failure = await limiter.claim('k').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isGatewayError(failure, 'limits.unavailable')).to.equal(true);
      await server.start();
      await waitFor(() => controls.health().state === 'ok');
      // The restarted server is empty (no persistence): the budget starts again.
      expect(await limiter.claim('k')).to.deep.equal({ allowed: true, retryAfterMs: 0 });
    } finally {
      await controls.close();
      await server.stop();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
