import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  CORE_SETTINGS,
  assemblePlugins,
  bootGateway,
  httpServerOptionsFrom,
  kernelSettingsFrom,
  loadConfig,
  silentLogger,
  type LoadedConfig,
} from '../src/index.js';

const CORE_URL = new URL('../src/index.js', import.meta.url).href;
const VALIBOT_URL = import.meta.resolve('valibot');
/** Plugin modules live in temp dirs: package names resolve from the repository, as a host's own dependencies. */
const searchDirs = [process.cwd()];
const PREFIX = 'BOOT_TEST_';

/** Writes `plugin.mjs`: a provider plugin that declares `needs` and injects its first entry. */
function providerNeeding(needs: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-boot-'));
  writeFileSync(join(dir, 'plugin.mjs'), `
    import * as core from '${CORE_URL}';
    import * as v from '${VALIBOT_URL}';
    const needs = ${needs};
    class NeedsProvider {
      constructor(dep) { this.dep = dep; this.id = 'p'; this.kind = 'test'; }
    }
    if (needs.length) core.inject(needs[0])(NeedsProvider, undefined, 0);
    core.injectable()(NeedsProvider);
    export default core.definePlugin({
      name: 'needs-provider', kind: 'provider', needs, configSchema: v.strictObject({}),
      register(container) { container.register(core.PROVIDER, { useClass: NeedsProvider }, { lifecycle: core.Lifecycle.ContainerScoped }); },
    });
  `);
  return dir;
}

function configOf(document: Record<string, unknown>, cwd = process.cwd(), env: Record<string, string> = {}): LoadedConfig {
  return loadConfig({ prefix: PREFIX, specs: CORE_SETTINGS, env: { [`${PREFIX}CONFIG_JSON`]: JSON.stringify(document), ...env }, cwd });
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error & { code?: string },
  );
}

const MEMORY_STORE = { use: '@cowork-gateway/memory-store' };

describe('core boot: assemblePlugins', () => {
  it('fails with plugin.dependency_missing naming plugin and token when a plugin needs EXECUTOR and there is none', async () => {
    const dir = providerNeeding('[core.EXECUTOR]');
    const config = configOf({ store: MEMORY_STORE, providers: [{ use: './plugin.mjs', id: 'p' }] }, dir);
    const error = await failure(assemblePlugins(config, { logger: silentLogger, choices: { searchDirs } }));
    expect(error.code).to.equal('plugin.dependency_missing');
    expect(error.message).to.include('"needs-provider"').and.to.include('core.executor');
  });

  it('injects a declared need once it is provided', async () => {
    const dir = providerNeeding('[core.EXECUTOR, core.STORE]');
    const config = configOf({ store: MEMORY_STORE, executor: { use: '@cowork-gateway/core/testing/fake-executor' }, providers: [{ use: './plugin.mjs', id: 'p' }] }, dir);
    const plugins = await assemblePlugins(config, { logger: silentLogger, choices: { searchDirs } });
    expect((plugins.providers[0] as unknown as { dep: unknown }).dep).to.equal(plugins.executor);
  });

  it('rejects duplicate provider instance ids once, naming the id and the second entry', async () => {
    const fake = '@cowork-gateway/core/testing/fake-provider';
    const config = configOf({ store: MEMORY_STORE, providers: [{ use: fake, id: 'same' }, { use: fake, id: 'other' }, { use: fake, id: 'same' }] });
    const error = await failure(assemblePlugins(config, { logger: silentLogger, choices: { searchDirs } }));
    expect(error.code).to.equal('plugin.instance_id_duplicate');
    expect(error.message).to.include('"same"').and.to.include('providers[2]');
  });

  it('rejects duplicates that only appear once a host hook adds its own providers', async () => {
    const fake = '@cowork-gateway/core/testing/fake-provider';
    const config = configOf({ store: MEMORY_STORE, providers: [{ use: fake, id: 'shortcut' }] });
    const choices = { providers: (c: LoadedConfig) => [...c.providers, { use: fake, id: 'shortcut', key: 'SHORTCUT', source: 'env', options: {} }] };
    expect((await failure(assemblePlugins(config, { logger: silentLogger, choices }))).code).to.equal('plugin.instance_id_duplicate');
  });

  it('fails with plugin.invalid when neither the config nor the host selects a store', async () => {
    const error = await failure(assemblePlugins(configOf({}), { logger: silentLogger }));
    expect(error.code).to.equal('plugin.invalid');
    expect(error.message).to.include('store');
  });

  it('lets a host hook rewrite a load error', async () => {
    const config = configOf({ store: { use: '@cowork-gateway/no-such-store' } });
    const choices = { onLoadError: (error: unknown, attempt: { kind: string }) => Object.assign(new Error(`wrapped ${attempt.kind}`), { code: 'host.wrapped', cause: error }) };
    const error = await failure(assemblePlugins(config, { logger: silentLogger, choices }));
    expect(error.code).to.equal('host.wrapped');
    expect(error.message).to.equal('wrapped store');
  });
});

describe('core boot: settings mapping', () => {
  it('maps seconds-based settings to kernel milliseconds, with host overrides winning', () => {
    const config = configOf({}, process.cwd(), { [`${PREFIX}PROMPT_DEADLINE_SECONDS`]: '30', [`${PREFIX}JOB_LEASE_SECONDS`]: '45' });
    const settings = kernelSettingsFrom(config, { auditPrefix: 'cloud' });
    expect(settings.promptDeadlineMs).to.equal(30_000);
    expect(settings.jobLeaseMs).to.equal(45_000);
    expect(settings.auditPrefix).to.equal('cloud');
    expect(kernelSettingsFrom(config, { promptDeadlineMs: 1234 }).promptDeadlineMs).to.equal(1234);
  });
});

describe('core boot: bootGateway', () => {
  let blocker: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
  });

  it('stops the started kernel again when listening fails', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const config = configOf({ store: MEMORY_STORE, executor: { use: '@cowork-gateway/core/testing/fake-executor' } }, process.cwd(), { [`${PREFIX}PORT`]: String(port) });
    let stopped = false;
    const { Kernel } = await import('../src/kernel/kernel.js');
    const original = Kernel.prototype.stop;
    Kernel.prototype.stop = async function (this: InstanceType<typeof Kernel>) {
      stopped = true;
      return original.call(this);
    };
    try {
      const error = await failure(bootGateway(config, { logger: silentLogger, auditPrefix: 'test' }));
      expect((error as { code?: string }).code).to.equal('EADDRINUSE');
      expect(stopped).to.equal(true);
    } finally {
      Kernel.prototype.stop = original;
    }
  });

  it('maps HTTP settings and the admin token onto the server options', async () => {
    const config = configOf({}, process.cwd(), { [`${PREFIX}ADMIN_TOKEN`]: 'an-admin-token-0123456789', [`${PREFIX}RATE_LIMIT_WINDOW_SECONDS`]: '7' });
    const kernel = { context: {}, readiness: async () => ({ status: 'ok' }), handleWebhook: async () => ({ status: 200 }) } as never;
    const options = httpServerOptionsFrom(config, kernel, silentLogger);
    expect(options.host).to.equal('127.0.0.1');
    expect(options.adminToken).to.equal('an-admin-token-0123456789');
    expect(options.rateLimit.windowMs).to.equal(7000);
    expect(await options.readiness()).to.deep.include({ ready: true });
  });
});
