import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import RedisMock from 'ioredis-mock';
import * as v from 'valibot';
import { isGatewayError, signatureHeaders, verifyWebhookSignature, type Logger, type VerifiedSignature } from '@cowork-gateway/core';
import { RedisAbuseControls, redisOptions, type RedisClient, type RedisClientFactory, type RedisOptions } from '../src/index.js';
import { uniqueKeyPrefix } from '../src/testing/index.js';

interface Line {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

function memoryLogger(lines: Line[] = []): Logger {
  const at = (level: string) => (event: string, fields: Record<string, unknown> = {}) => void lines.push({ level, event, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/** ioredis-mock has no `status`; the controls only send commands to a `ready` client. */
type MockClient = RedisClient & { status: string; emit(event: string, ...args: unknown[]): boolean; keys(pattern: string): Promise<string[]>; pttl(key: string): Promise<number> };

function mockFactory(seen: { options?: unknown; url?: string; client?: MockClient } = {}): RedisClientFactory {
  return (url, options) => {
    const client = new RedisMock() as unknown as MockClient;
    Object.defineProperty(client, 'status', { value: 'ready', writable: true, configurable: true });
    seen.url = url;
    seen.options = options;
    seen.client = client;
    return client;
  };
}

function options(overrides: Partial<RedisOptions> = {}): RedisOptions {
  return v.parse(redisOptions, { url: 'redis://127.0.0.1:6379', keyPrefix: uniqueKeyPrefix('unit'), ...overrides });
}

async function started(overrides: Partial<RedisOptions> = {}, lines: Line[] = []): Promise<{ controls: RedisAbuseControls; client: MockClient; seen: { options?: unknown; url?: string } }> {
  const seen: { options?: unknown; url?: string; client?: MockClient } = {};
  const controls = RedisAbuseControls.withClientFactory(options(overrides), memoryLogger(lines), mockFactory(seen));
  await controls.start();
  return { controls, client: seen.client!, seen };
}

function verified(secret = 'unit-secret', body = '{"a":1}', now = new Date()): VerifiedSignature {
  const headers = signatureHeaders(secret, Buffer.from(body), now);
  const result = verifyWebhookSignature({ instance: 'hook', secret, headers, rawBody: Buffer.from(body), now, windowMs: 300_000 });
  if (!result.ok) throw result.error;
  return result.value;
}

describe('RedisAbuseControls on ioredis-mock', () => {
  it('connects with a queue-less, time-bounded client and reports ok', async () => {
    const { controls, seen } = await started({ commandTimeoutMs: 700, connectTimeoutMs: 900 });
    expect(seen.options).to.include({ enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 700, connectTimeout: 900 });
    expect(seen.options).not.to.have.property('tls');
    expect(controls.health().state).to.equal('ok');
    const retry = (seen.options as { retryStrategy(n: number): number }).retryStrategy;
    expect([retry(1), retry(5), retry(1000)]).to.deep.equal([100, 500, 2000]);
    await controls.close();
    expect(controls.health()).to.include({ state: 'degraded' });
  });

  it('turns TLS on for rediss:// and honours tlsRejectUnauthorized', async () => {
    const { controls, seen } = await started({ url: 'rediss://:pw@redis.internal:6380', tlsRejectUnauthorized: false });
    expect(seen.url).to.equal('rediss://:pw@redis.internal:6380');
    expect(seen.options).to.have.deep.property('tls', { rejectUnauthorized: false });
    await controls.close();
  });

  it('limits a request budget per key in a fixed window, with the time left as Retry-After', async () => {
    const { controls, client } = await started();
    const limiter = controls.requestLimiter({ limit: 3, windowMs: 60_000 });
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await limiter.claim('request:10.0.0.1:hook'));
    expect(answers.slice(0, 3).every((a) => a.allowed)).to.equal(true);
    expect(answers[3]!.allowed).to.equal(false);
    expect(answers[3]!.retryAfterMs).to.be.within(1, 60_000);
    expect((await limiter.claim('request:10.0.0.2:hook')).allowed).to.equal(true);
    const keys = await client.keys(`${prefixOf(controls)}:*`);
    expect(keys.length).to.equal(2);
    for (const key of keys) {
      expect(key.startsWith(`${prefixOf(controls)}:rl:{request:`)).to.equal(true);
      expect(await client.pttl(key)).to.be.within(1, 60_000);
    }
    await controls.close();
  });

  it('blocks a key at the limit-th auth failure; check counts nothing', async () => {
    const { controls, client } = await started();
    const block = controls.authFailureBlock({ limit: 2, blockMs: 30_000 });
    expect((await block.check('auth:1.2.3.4:admin')).allowed).to.equal(true);
    expect((await block.check('auth:1.2.3.4:admin')).allowed).to.equal(true);
    expect((await block.recordFailure('auth:1.2.3.4:admin')).allowed).to.equal(true);
    const blocking = await block.recordFailure('auth:1.2.3.4:admin');
    expect(blocking).to.deep.equal({ allowed: false, retryAfterMs: 30_000 });
    const checked = await block.check('auth:1.2.3.4:admin');
    expect(checked.allowed).to.equal(false);
    expect(checked.retryAfterMs).to.be.within(1, 30_000);
    expect((await block.recordFailure('auth:1.2.3.4:admin')).allowed).to.equal(false);
    expect((await block.check('auth:5.6.7.8:admin')).allowed).to.equal(true);
    const keys = await client.keys(`${prefixOf(controls)}:*`);
    expect(keys).to.have.length(1);
    for (const key of keys) expect(await client.pttl(key)).to.be.within(1, 30_000);
    await controls.close();
  });

  it('accepts a signed request once per instance, until released; keys expire with the signature', async () => {
    const { controls, client } = await started();
    const cache = controls.replayCache({ instance: 'hook', windowMs: 300_000 });
    const signed = verified();
    const first = await cache.claim(signed, 'hook:chat', new Date());
    expect(first.ok).to.equal(true);
    const again = await cache.claim(signed, 'hook:chat', new Date());
    expect(again.ok).to.equal(false);
    if (!again.ok) expect(isGatewayError(again.error, 'webhook.replayed')).to.equal(true);
    expect((await controls.replayCache({ instance: 'other' }).claim(signed, 'other:chat', new Date())).ok).to.equal(true);
    const keys = await client.keys('*:replay:hook:*');
    expect(keys).to.have.length(1);
    expect(keys[0]).not.to.include(signed.signature);
    expect(await client.pttl(keys[0]!)).to.be.within(290_000, 300_000);
    if (first.ok) first.value.release();
    await until(async () => (await client.keys('*:replay:hook:*')).length === 0);
    expect((await cache.claim(signed, 'hook:chat', new Date())).ok).to.equal(true);
    await controls.close();
  });

  it('holds a short-lived lock for one holder; release only by that holder', async () => {
    const { controls, client } = await started();
    const held = await controls.lock.acquire('outbox-sweep', 5000);
    expect(held).not.to.equal(undefined);
    expect(await controls.lock.acquire('outbox-sweep', 5000)).to.equal(undefined);
    const [key] = await client.keys('*:lock:outbox-sweep');
    expect(await client.pttl(key!)).to.be.within(1, 5000);
    expect(await held!.release()).to.equal(true);
    expect(await held!.release()).to.equal(false);
    const next = await controls.lock.acquire('outbox-sweep', 5000);
    expect(next).not.to.equal(undefined);
    await next!.release();
    await expectRejected(() => controls.lock.acquire('', 1000), RangeError);
    await expectRejected(() => controls.lock.acquire('x'.repeat(201), 1000), RangeError);
    await expectRejected(() => controls.lock.acquire('x', 0), RangeError);
    await controls.close();
  });

  it('refuses bad limits', async () => {
    const { controls } = await started();
    expect(() => controls.requestLimiter({ limit: 0, windowMs: 1000 })).to.throw(RangeError);
    expect(() => controls.authFailureBlock({ limit: 1, blockMs: Number.NaN })).to.throw(RangeError);
    await controls.close();
  });

  describe('when Redis is unreachable', () => {
    it('fails closed with limits.unavailable (503, Retry-After) and reports degraded', async () => {
      const lines: Line[] = [];
      const { controls, client } = await started({ retryAfterSeconds: 7 }, lines);
      client.status = 'reconnecting';
      client.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      client.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      expect(lines.filter((l) => l.event === 'redis.unavailable')).to.have.length(1);
      const health = controls.health();
      expect(health.state).to.equal('degraded');
      const failure = await rejectionOf(() => controls.requestLimiter({ limit: 1, windowMs: 1000 }).claim('k'));
      expect(isGatewayError(failure, 'limits.unavailable')).to.equal(true);
      expect(failure).to.include({ status: 503 });
      expect((failure as { details: unknown }).details).to.deep.equal({ retryAfterSeconds: 7 });
      expect(isGatewayError(await rejectionOf(() => controls.authFailureBlock({ limit: 1, blockMs: 1000 }).check('k')), 'limits.unavailable')).to.equal(true);
      expect(isGatewayError(await rejectionOf(() => controls.lock.acquire('n', 1000)), 'limits.unavailable')).to.equal(true);
      const replay = await controls.replayCache({ instance: 'hook' }).claim(verified(), 'hook:c', new Date());
      expect(replay.ok).to.equal(false);
      if (!replay.ok) expect(replay.error).to.include({ code: 'limits.unavailable', status: 503 });
      client.status = 'ready';
      client.emit('ready');
      expect(lines.filter((l) => l.event === 'redis.recovered')).to.have.length(1);
      expect(controls.health().state).to.equal('ok');
      expect((await controls.requestLimiter({ limit: 1, windowMs: 1000 }).claim('k')).allowed).to.equal(true);
      await controls.close();
    });

    it('turns a failing command (timeout, lost connection) into limits.unavailable too', async () => {
      const lines: Line[] = [];
      const { controls, client } = await started({}, lines);
      const cache = controls.replayCache({ instance: 'hook' });
      const claim = await cache.claim(verified(), 'hook:c', new Date());
      (client as unknown as { eval(): Promise<never> }).eval = async () => {
        throw new Error('Command timed out');
      };
      const failure = await rejectionOf(() => controls.requestLimiter({ limit: 1, windowMs: 1000 }).claim('k'));
      expect(failure).to.include({ code: 'limits.unavailable' });
      expect(String(failure)).not.to.include('pw');
      if (claim.ok) claim.value.release();
      await until(async () => lines.some((l) => l.event === 'redis.release_failed'));
      await controls.close();
    });

    it('answers limits.unavailable before start and starts even when Redis never answers', async () => {
      const lines: Line[] = [];
      let client: MockClient | undefined;
      const factory: RedisClientFactory = () => {
        // Never connects: no 'ready', no 'error'.
        client = Object.assign(new EventEmitter(), { status: 'connecting', quit: async () => 'OK', disconnect: () => undefined }) as unknown as MockClient;
        return client;
      };
      const controls = RedisAbuseControls.withClientFactory(options({ connectTimeoutMs: 100 }), memoryLogger(lines), factory);
      expect(isGatewayError(await rejectionOf(() => controls.requestLimiter({ limit: 1, windowMs: 1000 }).claim('k')), 'limits.unavailable')).to.equal(true);
      expect(controls.health()).to.deep.include({ state: 'degraded' });
      const began = Date.now();
      await controls.start();
      await controls.start();
      expect(Date.now() - began).to.be.within(90, 2000);
      expect(controls.health().state).to.equal('degraded');
      let disconnected = false;
      client!.disconnect = () => {
        disconnected = true;
      };
      await controls.close();
      await controls.close();
      expect(disconnected).to.equal(true);
    });

    it('falls back to a hard disconnect when QUIT fails', async () => {
      const { controls, client } = await started();
      let disconnected = false;
      client.quit = async () => {
        throw new Error('Connection is closed.');
      };
      client.disconnect = () => {
        disconnected = true;
      };
      await controls.close();
      expect(disconnected).to.equal(true);
    });
  });
});

function prefixOf(controls: RedisAbuseControls): string {
  return (controls as unknown as { prefix: string }).prefix;
}

async function rejectionOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function expectRejected(run: () => Promise<unknown>, type: new (...args: never[]) => Error): Promise<void> {
  expect(await rejectionOf(run)).to.be.instanceOf(type);
}

async function until(check: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
