import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as v from 'valibot';
import {
  CORE_SETTINGS,
  InMemoryAbuseControls,
  InMemoryLock,
  LimitsUnavailable,
  SignedWebhookProvider,
  bootGateway,
  httpServerOptionsFrom,
  loadConfig,
  signedWebhookOptionEntries,
  silentLogger,
  startHttpServer,
  usesAbuseControls,
  type AbuseControls,
  type ComponentHealth,
  type GatewayHttpOptions,
  type Logger,
} from '../src/index.js';
import { signedWebhookRequest } from '../src/testing/index.js';

interface Line {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

function memoryLogger(lines: Line[]): Logger {
  const at = (level: string) => (event: string, fields: Record<string, unknown> = {}) => void lines.push({ level, event, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

const unavailable = (): never => {
  throw new LimitsUnavailable({ control: 'rate limit', retryAfterSeconds: 4 }, { details: { retryAfterSeconds: 4 } });
};

/** Controls whose backend is down: every call fails closed. */
class DownControls extends InMemoryAbuseControls {
  override requestLimiter(): ReturnType<AbuseControls['requestLimiter']> {
    return { claim: async () => unavailable() };
  }
  override authFailureBlock(): ReturnType<AbuseControls['authFailureBlock']> {
    return { check: async () => unavailable(), recordFailure: async () => unavailable() };
  }
}

function serverOptions(overrides: Partial<GatewayHttpOptions>): GatewayHttpOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    maxBodyBytes: 10_000,
    rateLimit: { maxRequests: 2, windowMs: 60_000 },
    authFailure: { limit: 2, blockMs: 60_000 },
    trustProxyHeaders: false,
    trustedProxyCidrs: [],
    adminToken: 'admin-token-0123456789',
    readiness: async () => ({ ready: true, body: {} }),
    webhook: async () => ({ status: 202, body: { ok: true } }),
    routes: [{ method: 'GET', path: '/admin/x', auth: 'admin', handle: async () => ({ status: 200, body: { ok: true } }) }],
    ...overrides,
  };
}

describe('core abuse controls: in memory (the default)', () => {
  it('limits request budgets and blocks auth failures like FixedWindowRateLimiter', async () => {
    const controls = new InMemoryAbuseControls();
    expect(controls.kind).to.equal('memory');
    expect(controls.health()).to.deep.equal({ state: 'ok' });
    const limiter = controls.requestLimiter({ limit: 2, windowMs: 10_000 });
    expect((await limiter.claim('a')).allowed).to.equal(true);
    expect((await limiter.claim('a')).allowed).to.equal(true);
    const refused = await limiter.claim('a');
    expect(refused.allowed).to.equal(false);
    expect(refused.retryAfterMs).to.be.within(1, 10_000);
    const block = controls.authFailureBlock({ limit: 2, blockMs: 5000 });
    expect((await block.recordFailure('k')).allowed).to.equal(true);
    expect((await block.check('k')).allowed).to.equal(true);
    expect(await block.recordFailure('k')).to.deep.equal({ allowed: false, retryAfterMs: 5000 });
    expect((await block.check('k')).allowed).to.equal(false);
  });

  it('keeps a replay cache per provider instance', async () => {
    const controls = new InMemoryAbuseControls();
    const request = signedWebhookRequest('hook', 'a-shared-secret', { x: 1 });
    const { verifyWebhookSignature } = await import('../src/index.js');
    const verified = verifyWebhookSignature({ instance: 'hook', secret: 'a-shared-secret', headers: request.headers, rawBody: request.rawBody, now: new Date(), windowMs: 300_000 });
    if (!verified.ok) throw verified.error;
    const cache = controls.replayCache({ instance: 'hook' });
    const first = await cache.claim(verified.value, 'hook:c', new Date());
    expect(first.ok).to.equal(true);
    const again = await cache.claim(verified.value, 'hook:c', new Date());
    expect(again.ok ? 'ok' : again.error.code).to.equal('webhook.replayed');
    expect((await controls.replayCache({ instance: 'other' }).claim(verified.value, 'other:c', new Date())).ok).to.equal(true);
  });

  it('holds a short-lived lock that expires and is released only by its holder', async () => {
    let now = 1000;
    const lock = new InMemoryLock(() => now);
    const held = await lock.acquire('job', 500);
    expect(held).not.to.equal(undefined);
    expect(await lock.acquire('job', 500)).to.equal(undefined);
    expect(await (await lock.acquire('other', 500))!.release()).to.equal(true);
    now = 1500;
    const next = await lock.acquire('job', 500);
    expect(next).not.to.equal(undefined);
    expect(await held!.release()).to.equal(false);
    expect(await next!.release()).to.equal(true);
    expect(await next!.release()).to.equal(false);
    const expiring = await lock.acquire('job', 10);
    now = 2000;
    expect(await expiring!.release()).to.equal(false);
    await lock.acquire('x', 0).then(
      () => expect.fail('expected a RangeError'),
      (error: unknown) => expect(error).to.be.instanceOf(RangeError),
    );
    expect(await new InMemoryControlsLockProbe().works()).to.equal(true);
  });

  it('recognises providers that take the controls', () => {
    expect(usesAbuseControls({ useAbuseControls: () => undefined })).to.equal(true);
    expect(usesAbuseControls({})).to.equal(false);
    expect(usesAbuseControls(null)).to.equal(false);
  });
});

class InMemoryControlsLockProbe {
  async works(): Promise<boolean> {
    const lock = new InMemoryAbuseControls().lock;
    const held = await lock.acquire('probe', 1000);
    return held !== undefined && (await held.release());
  }
}

describe('core abuse controls: the HTTP server fails closed when they are down', () => {
  it('answers webhooks and admin routes 503 limits.unavailable with Retry-After, never 500', async () => {
    const server = await startHttpServer(serverOptions({ controls: new DownControls() }));
    try {
      const hook = await fetch(`${server.url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(hook.status).to.equal(503);
      expect(hook.headers.get('retry-after')).to.equal('4');
      const refused = ((await hook.json()) as { error: { code: string; message: string } }).error;
      expect(refused.code).to.equal('limits.unavailable');
      expect(refused.message, 'a deliberate refusal says what is down and when to retry').to.match(/^the shared .+ is unavailable; the request was refused, retry in \d+ s$/);
      const admin = await fetch(`${server.url}/admin/x`, { headers: { authorization: 'Bearer admin-token-0123456789' } });
      expect(admin.status).to.equal(503);
      expect(admin.headers.get('retry-after')).to.equal('4');
      await admin.arrayBuffer();
      const ready = await fetch(`${server.url}/healthz`);
      expect(ready.status).to.equal(200);
      await ready.arrayBuffer();
    } finally {
      await server.close();
    }
  });

  it('keeps the 401 of a bad signature when the failure cannot be counted, and logs it', async () => {
    class CountDown extends InMemoryAbuseControls {
      override authFailureBlock(): ReturnType<AbuseControls['authFailureBlock']> {
        return { check: async () => ({ allowed: true, retryAfterMs: 0 }), recordFailure: async () => unavailable() };
      }
    }
    const lines: Line[] = [];
    const { WebhookAuthFailed } = await import('../src/errors.js');
    const server = await startHttpServer(
      serverOptions({
        controls: new CountDown(),
        logger: memoryLogger(lines),
        webhook: async () => {
          throw Object.assign(new WebhookAuthFailed({ instance: 'hook', reason: 'bad signature' }), { code: 'webhook.signature_invalid' });
        },
      }),
    );
    try {
      const res = await fetch(`${server.url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await res.arrayBuffer();
      expect(res.status).to.equal(401);
      expect(lines.find((l) => l.event === 'limits.record_failed')?.fields).to.deep.include({ scope: 'hook', code: 'limits.unavailable' });
    } finally {
      await server.close();
    }
  });
});

describe('core abuse controls: boot wiring', () => {
  const PREFIX = 'LIMITS_TEST_';
  const CORE_URL = new URL('../src/index.js', import.meta.url).href;
  const VALIBOT_URL = import.meta.resolve('valibot');

  function controlsPlugin(): string {
    const dir = mkdtempSync(join(tmpdir(), 'cowork-limits-'));
    writeFileSync(join(dir, 'limits.mjs'), `
      import * as core from '${CORE_URL}';
      import * as v from '${VALIBOT_URL}';
      export const calls = [];
      export class TestControls extends core.InMemoryAbuseControls {
        kind = 'test';
        state = 'ok';
        async start() { calls.push('start'); }
        async close() { calls.push('close'); }
        health() { return this.state === 'ok' ? { state: 'ok' } : { state: 'degraded', reason: 'backend down' }; }
        requestLimiter(o) { calls.push('requestLimiter:' + o.limit); return super.requestLimiter(o); }
      }
      export const instance = new TestControls();
      export default core.definePlugin({
        name: 'test-limits', kind: 'extension', configSchema: v.strictObject({}),
        register(container) { container.register(core.ABUSE_CONTROLS, { useValue: instance }); },
      });
    `);
    return join(dir, 'limits.mjs');
  }

  it('loads the limits choice, hands it to providers and the server, reports it on /ready and closes it on stop', async () => {
    const file = controlsPlugin();
    const mod = (await import(file)) as { calls: string[]; instance: { state: string } };
    const config = loadConfig({
      prefix: PREFIX,
      specs: CORE_SETTINGS,
      env: { [`${PREFIX}PORT`]: '0', [`${PREFIX}RATE_LIMIT_MAX_REQUESTS`]: '77', [`${PREFIX}CONFIG_JSON`]: JSON.stringify({ store: { use: '@cowork-gateway/memory-store' } }) },
    });
    const gateway = await bootGateway(config, {
      logger: silentLogger,
      auditPrefix: 'test',
      choices: { searchDirs: [process.cwd()], limits: () => ({ use: file, options: {}, key: 'LIMITS', source: 'test' }) },
    });
    try {
      expect(mod.calls).to.include.members(['start', 'requestLimiter:77']);
      const ok = await fetch(`${gateway.url}/ready`);
      const okBody = (await ok.json()) as { status: string; components: { limits: ComponentHealth & { kind: string } } };
      expect(okBody.components.limits).to.deep.equal({ kind: 'test', state: 'ok' });
      mod.instance.state = 'down';
      const degraded = await fetch(`${gateway.url}/ready`);
      const body = (await degraded.json()) as { status: string; components: { limits: Record<string, unknown> } };
      expect(degraded.status).to.equal(503);
      expect(body.status).to.equal('degraded');
      expect(body.components.limits).to.deep.include({ kind: 'test', state: 'degraded', reason: 'backend down' });
    } finally {
      await gateway.stop();
    }
    expect(mod.calls).to.include('close');
  });

  it('keeps /ready as the kernel reports it without shared controls', async () => {
    const config = loadConfig({ prefix: PREFIX, specs: CORE_SETTINGS, env: {} });
    const kernel = { context: {}, readiness: async () => ({ status: 'degraded', components: {} }) } as never;
    const limits = new InMemoryAbuseControls();
    expect(await httpServerOptionsFrom(config, kernel, silentLogger).readiness()).to.deep.equal({ ready: false, body: { status: 'degraded', components: {} } });
    const withLimits = await httpServerOptionsFrom(config, kernel, silentLogger, limits).readiness();
    expect(withLimits).to.deep.equal({ ready: false, body: { status: 'degraded', components: { limits: { kind: 'memory', state: 'ok' } } } });
    expect(httpServerOptionsFrom(config, kernel, silentLogger, limits).controls).to.equal(limits);
  });

  it('gives signed-webhook providers the replay cache of the controls', async () => {
    const options = v.parse(v.strictObject(signedWebhookOptionEntries()), { sharedSecret: 'a-shared-secret', deliveryUrl: 'http://127.0.0.1:9/x', allowLoopbackDelivery: true });
    const provider = new SignedWebhookProvider(
      { kind: 'webhook', capabilities: { maxTextLength: 4096, threads: true, buttons: true, markdownDialect: 'plain' } },
      options,
      { id: 'hook', plugin: 'test', kind: 'provider' },
      { logger: silentLogger },
    );
    const claimed: string[] = [];
    provider.useAbuseControls({
      ...new InMemoryAbuseControls(),
      kind: 'probe',
      lock: new InMemoryLock(),
      requestLimiter: () => ({ claim: async () => ({ allowed: true, retryAfterMs: 0 }) }),
      authFailureBlock: () => ({ check: async () => ({ allowed: true, retryAfterMs: 0 }), recordFailure: async () => ({ allowed: true, retryAfterMs: 0 }) }),
      health: () => ({ state: 'ok' }),
      replayCache: ({ instance }) => ({
        claim: async () => {
          claimed.push(instance);
          return { ok: false, error: new LimitsUnavailable({ control: 'replay cache', retryAfterSeconds: 5 }, { details: { retryAfterSeconds: 5 } }) };
        },
      }),
    });
    const error = await provider
      .handleWebhook(signedWebhookRequest('hook', 'a-shared-secret', { target: { chatId: 'c' }, sender: { userId: 'u' }, text: 'no id' }))
      .then(() => undefined, (e: unknown) => e as { code: string; status: number });
    expect(error).to.include({ code: 'limits.unavailable', status: 503 });
    expect(claimed).to.deep.equal(['hook']);
  });
});
