import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { container } from 'tsyringe';
import * as v from 'valibot';
import { definePlugin, isGatewayPlugin } from '../src/plugin.js';
import { instantiatePlugin, loadPluginModule } from '../src/plugin-loader.js';
import { silentLogger } from '../src/logging.js';
import { EXECUTOR, PROVIDER, INSTANCE, resolve } from '../src/tokens.js';
import { satisfiesRange } from '../src/semver-range.js';
import { isGatewayError } from '../src/errors.js';

function tempModule(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-plugin-'));
  writeFileSync(join(dir, 'plugin.mjs'), source);
  return dir;
}

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(isGatewayError(error, code), `expected ${code}, got ${(error as Error).message}`).to.equal(true);
    return error as Error;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('plugin loader', () => {
  it('loads a plugin by package name through the exports map', async () => {
    const plugin = await loadPluginModule({ use: '@cowork-gateway/core/testing/fake-provider', baseDir: process.cwd() });
    expect(isGatewayPlugin(plugin)).to.equal(true);
    expect(plugin.kind).to.equal('provider');
  });

  it('loads a plugin by relative path from the base directory', async () => {
    const dir = tempModule(`export default { [Symbol.for('cowork-gateway.plugin')]: true, name: 'local', kind: 'extension', configSchema: null, register() {} };`);
    const plugin = await loadPluginModule({ use: './plugin.mjs', baseDir: dir });
    expect(plugin.name).to.equal('local');
  });

  it('fails with plugin.not_found for a missing package or file', async () => {
    const err = await expectCode(loadPluginModule({ use: '@nobody/nothing', baseDir: process.cwd() }), 'plugin.not_found');
    expect(err.message).to.contain('@nobody/nothing');
    await expectCode(loadPluginModule({ use: './missing.mjs', baseDir: tmpdir() }), 'plugin.not_found');
  });

  it('fails with plugin.invalid for a module that is not a plugin or does not load', async () => {
    const dir = tempModule('export default { name: "x" };');
    await expectCode(loadPluginModule({ use: './plugin.mjs', baseDir: dir }), 'plugin.invalid');
    const broken = tempModule('throw new Error("boom at import");');
    const err = await expectCode(loadPluginModule({ use: './plugin.mjs', baseDir: broken }), 'plugin.invalid');
    expect(err.message).to.contain('boom at import');
  });

  it('fails with plugin.core_version_mismatch when the core range excludes this core', async () => {
    const dir = tempModule(`export default { [Symbol.for('cowork-gateway.plugin')]: true, name: 'old', kind: 'provider', core: '^9.0.0', configSchema: null, register() {} };`);
    await expectCode(loadPluginModule({ use: './plugin.mjs', baseDir: dir }), 'plugin.core_version_mismatch');
  });

  const sample = definePlugin({
    name: 'sample',
    kind: 'provider',
    configSchema: v.strictObject({ url: v.pipe(v.string(), v.url()), retries: v.optional(v.number(), 3) }),
    register(c, options, instance) {
      c.register(PROVIDER, { useValue: { id: instance.id, options } as never });
    },
  });

  it('instantiates a plugin in its own child container with parsed options and instance info', () => {
    const instance = instantiatePlugin({ plugin: sample, use: 'sample', key: 'providers[0]', expectedKind: 'provider', instanceId: 'sample-a', rawOptions: { url: 'http://127.0.0.1/x' }, parent: container, logger: silentLogger });
    expect(instance.options).to.deep.equal({ url: 'http://127.0.0.1/x', retries: 3 });
    expect(resolve(instance.container, INSTANCE)).to.deep.equal({ id: 'sample-a', plugin: 'sample', kind: 'provider' });
    expect((resolve(instance.container, PROVIDER) as unknown as { id: string }).id).to.equal('sample-a');
    const other = instantiatePlugin({ plugin: sample, use: 'sample', key: 'providers[1]', expectedKind: 'provider', instanceId: 'sample-b', rawOptions: { url: 'http://127.0.0.1/y' }, parent: container, logger: silentLogger });
    expect((resolve(other.container, PROVIDER) as unknown as { id: string }).id).to.equal('sample-b');
  });

  it('names the invalid option key and the source', async () => {
    const err = await expectCode(() => instantiatePlugin({ plugin: sample, use: 'sample', key: 'providers[2]', source: 'file /x.json:4', expectedKind: 'provider', instanceId: 'sample', rawOptions: { url: 42, extra: true }, parent: container, logger: silentLogger }), 'plugin.options_invalid');
    expect(err.message).to.contain('providers[2].options.url');
    expect(err.message).to.contain('file /x.json:4');
  });

  it('checks declared needs before register(), naming plugin and token, and passes once they are bound', async () => {
    const needy = definePlugin({ ...sample, name: 'needy', needs: [EXECUTOR] });
    const err = await expectCode(() => instantiatePlugin({ plugin: needy, use: 'needy', key: 'providers[0]', expectedKind: 'provider', instanceId: 'needy', rawOptions: { url: 'http://127.0.0.1/x' }, parent: container.createChildContainer(), logger: silentLogger }), 'plugin.dependency_missing');
    expect(err.message).to.contain('"needy"').and.to.contain('core.executor');
    const parent = container.createChildContainer();
    parent.register(EXECUTOR, { useValue: {} as never });
    const instance = instantiatePlugin({ plugin: needy, use: 'needy', key: 'providers[0]', expectedKind: 'provider', instanceId: 'needy', rawOptions: { url: 'http://127.0.0.1/x' }, parent, logger: silentLogger });
    expect(instance.instance.id).to.equal('needy');
  });

  it('refuses the wrong kind and a bad instance id', async () => {
    await expectCode(() => instantiatePlugin({ plugin: sample, use: 'sample', key: 'store', expectedKind: 'store', instanceId: 'store', rawOptions: {}, parent: container, logger: silentLogger }), 'plugin.wrong_kind');
    await expectCode(() => instantiatePlugin({ plugin: sample, use: 'sample', key: 'providers[0]', expectedKind: 'provider', instanceId: 'Bad_ID', rawOptions: { url: 'http://127.0.0.1' }, parent: container, logger: silentLogger }), 'plugin.instance_id_invalid');
  });
});

describe('semver ranges for plugin core compatibility', () => {
  const cases: [string, string, boolean][] = [
    ['0.1.0', '^0.1.0', true], ['0.1.5', '^0.1.0', true], ['0.2.0', '^0.1.0', false], ['1.2.0', '^1.0.0', true],
    ['2.0.0', '^1.0.0', false], ['0.0.3', '^0.0.3', true], ['0.0.4', '^0.0.3', false], ['1.4.0', '~1.4.0', true],
    ['1.5.0', '~1.4.0', false], ['3.0.0', '>=2.0.0', true], ['1.0.0', '>=2.0.0', false], ['1.0.0', '1.0.0', true],
    ['1.0.0', '*', true], ['2.0.0', '^1.0.0 || ^2.0.0', true], ['v1.0.0-beta.1', '^1.0.0', true],
  ];
  for (const [version, range, expected] of cases) {
    it(`${version} ${expected ? 'satisfies' : 'does not satisfy'} ${range}`, () => {
      expect(satisfiesRange(version, range)).to.equal(expected);
    });
  }
});

describe('plugin options as JSON Schema', () => {
  it('exports a plugin\'s valibot schema with types, defaults, descriptions and strictness', async () => {
    const { pluginOptionsJsonSchema } = await import('../src/plugin.js');
    const plugin = definePlugin({
      name: 'schema-sample',
      kind: 'provider',
      configSchema: v.strictObject({
        url: v.pipe(v.string(), v.url(), v.description('Where to send.')),
        retries: v.optional(v.pipe(v.number(), v.integer(), v.description('Retries. Default 3.')), 3),
      }),
      register() {},
    });
    const schema = pluginOptionsJsonSchema(plugin) as { properties: Record<string, Record<string, unknown>>; required: string[]; additionalProperties: boolean };
    expect(schema.required).to.deep.equal(['url']);
    expect(schema.additionalProperties).to.equal(false);
    expect(schema.properties.url).to.include({ type: 'string', description: 'Where to send.' });
    expect(schema.properties.retries).to.include({ type: 'integer', default: 3 });
  });
});
