import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { isGatewayError, loadConfig, silentLogger } from '@cowork-gateway/core';
import { ALL_STANDALONE_SETTINGS, STANDALONE_PREFIX, assemblePlugins } from '../src/index.js';

const CORE_URL = pathToFileURL(join(process.cwd(), 'node_modules/@cowork-gateway/core/dist/src/index.js')).href;

/** Writes a provider plugin module whose class injects `tokenExpression` into a temp dir. */
function pluginInjecting(tokenExpression: string, registerProvider = true, needs = '[]'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-assemble-'));
  writeFileSync(join(dir, 'plugin.mjs'), `
    import * as core from '${CORE_URL}';
    const { definePlugin, PROVIDER, Lifecycle, token } = core;
    class NeedsSomething {
      constructor(dep) { this.dep = dep; this.id = 'p'; this.kind = 'test'; }
      static [Symbol.for('unused')] = 0;
    }
    core.inject(${tokenExpression})(NeedsSomething, undefined, 0);
    core.injectable()(NeedsSomething);
    export default definePlugin({
      name: 'needs-something', kind: 'provider', needs: ${needs}, configSchema: { kind: 'schema', type: 'unknown', expects: 'unknown', async: false, '~standard': {}, '~run': (d) => d },
      register(container) { ${registerProvider ? "container.register(PROVIDER, { useClass: NeedsSomething }, { lifecycle: Lifecycle.ContainerScoped });" : ''} },
    });
  `);
  return dir;
}

function configFor(dir: string) {
  return loadConfig({
    prefix: STANDALONE_PREFIX,
    specs: ALL_STANDALONE_SETTINGS,
    env: { [`${STANDALONE_PREFIX}STORE`]: 'memory', [`${STANDALONE_PREFIX}CONFIG_JSON`]: JSON.stringify({ providers: [{ use: './plugin.mjs', id: 'p' }] }) },
    cwd: dir,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isGatewayError(error) ? error.code : `not a GatewayError: ${(error as Error).message}`;
  }
  return 'no error';
}

describe('assembling plugins from config', () => {
  it('lets a provider inject the Store by its contract token', async () => {
    const dir = pluginInjecting('core.STORE');
    const plugins = await assemblePlugins(configFor(dir), silentLogger);
    const provider = plugins.providers[0] as unknown as { dep: unknown };
    expect(provider.dep).to.equal(plugins.store);
  });

  it('fails with plugin.dependency_missing, naming plugin and token, when a declared need is provided by nobody', async () => {
    const dir = pluginInjecting("token('nobody.provides.this')", true, "[token('nobody.provides.this')]");
    const error = await assemblePlugins(configFor(dir), silentLogger).then(() => null, (e: unknown) => e as Error & { code?: string });
    expect(error?.code).to.equal('plugin.dependency_missing');
    expect(error?.message).to.include('needs-something').and.to.include('nobody.provides.this');
  });

  it('fails with plugin.invalid when an undeclared injected token is provided by nobody', async () => {
    const dir = pluginInjecting("token('nobody.provides.this')");
    expect(await codeOf(assemblePlugins(configFor(dir), silentLogger))).to.equal('plugin.invalid');
  });

  it('fails with plugin.invalid when register() binds nothing under the contract token', async () => {
    const dir = pluginInjecting('core.STORE', false);
    expect(await codeOf(assemblePlugins(configFor(dir), silentLogger))).to.equal('plugin.invalid');
  });

  it('refuses two providers with the same instance id once, at assembly, naming the second', async () => {
    const config = loadConfig({
      prefix: STANDALONE_PREFIX,
      specs: ALL_STANDALONE_SETTINGS,
      env: {
        [`${STANDALONE_PREFIX}STORE`]: 'memory',
        [`${STANDALONE_PREFIX}CONFIG_JSON`]: JSON.stringify({ providers: [
          { use: '@cowork-gateway/core/testing/fake-provider', id: 'same' },
          { use: '@cowork-gateway/core/testing/fake-provider', id: 'same' },
        ] }),
      },
    });
    const error = await assemblePlugins(config, silentLogger).then(() => null, (e: unknown) => e as Error & { code?: string });
    expect(error?.code).to.equal('plugin.instance_id_duplicate');
    expect(error?.message).to.include('"same"').and.to.include('providers[1]');
  });

  it('refuses a Telegram shortcut whose id is already used by a config-file provider', async () => {
    const config = loadConfig({
      prefix: STANDALONE_PREFIX,
      specs: ALL_STANDALONE_SETTINGS,
      env: {
        [`${STANDALONE_PREFIX}STORE`]: 'memory',
        [`${STANDALONE_PREFIX}TELEGRAM_BOT_TOKEN`]: '123:abc',
        [`${STANDALONE_PREFIX}CONFIG_JSON`]: JSON.stringify({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'telegram' }] }),
      },
    });
    expect(await codeOf(assemblePlugins(config, silentLogger))).to.equal('plugin.instance_id_duplicate');
  });

  it('refuses a fake provider whose delivery URL is not loopback', async () => {
    const config = loadConfig({
      prefix: STANDALONE_PREFIX,
      specs: ALL_STANDALONE_SETTINGS,
      env: {
        [`${STANDALONE_PREFIX}STORE`]: 'memory',
        [`${STANDALONE_PREFIX}CONFIG_JSON`]: JSON.stringify({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'f', options: { deliveryUrl: 'http://example.com/x' } }] }),
      },
    });
    expect(await codeOf(assemblePlugins(config, silentLogger))).to.equal('fake_provider.not_loopback');
  });
});
