import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as v from 'valibot';
import {
  CORE_SETTINGS,
  assemblePlugins,
  createJsonLogger,
  isSecretSchema,
  loadConfig,
  loadPluginModule,
  secret,
  secretValuesOf,
  silentLogger,
  type LoadedConfig,
} from '../src/index.js';

const CORE_URL = new URL('../src/index.js', import.meta.url).href;
const VALIBOT_URL = import.meta.resolve('valibot');
const PREFIX = 'SECRET_TEST_';
/** Shaped so the pattern-based redactor would not catch it: only the schema marker can. */
const INLINE_SECRET = 'plainvalue-4242-zz';
const VISIBLE = 'visible-value-1717';

/** A config file whose provider carries its secret inline in `providers[].options`. */
function configWithInlineSecret(key: string): LoadedConfig {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-secret-'));
  writeFileSync(join(dir, 'plugin.mjs'), `
    import * as core from '${CORE_URL}';
    import * as v from '${VALIBOT_URL}';
    class SecretProvider { constructor() { this.id = 'p'; this.kind = 'test'; } }
    core.injectable()(SecretProvider);
    export default core.definePlugin({
      name: 'secret-provider', kind: 'provider',
      configSchema: v.strictObject({ key: v.pipe(v.string(), core.secret(), v.regex(/^k-/)), label: v.optional(v.string()) }),
      register(container) { container.register(core.PROVIDER, { useClass: SecretProvider }); },
    });
  `);
  const file = join(dir, 'gateway.jsonc');
  writeFileSync(file, JSON.stringify({
    store: { use: '@cowork-gateway/memory-store' },
    providers: [{ use: './plugin.mjs', id: 'p', options: { key, label: VISIBLE } }],
  }, null, 2));
  return loadConfig({ prefix: PREFIX, specs: CORE_SETTINGS, env: { [`${PREFIX}CONFIG`]: file } });
}

describe('schema-level secret marker', () => {
  it('is detectable on a schema, also through optional()', () => {
    expect(isSecretSchema(v.pipe(v.string(), secret()))).to.equal(true);
    expect(isSecretSchema(v.optional(v.pipe(v.string(), secret())))).to.equal(true);
    expect(isSecretSchema(v.string())).to.equal(false);
  });

  it('finds secret values in raw options, and the password of a secret URL', () => {
    const schema = v.strictObject({ url: v.pipe(v.string(), secret()), nested: v.optional(v.object({ token: v.pipe(v.string(), secret()) })), name: v.string() });
    const found = secretValuesOf(schema, { url: 'postgres://u:p%40ss-word@h/db', nested: { token: 'abcd-1234' }, name: 'n' });
    expect(found).to.include.members(['postgres://u:p%40ss-word@h/db', 'p%40ss-word', 'p@ss-word', 'abcd-1234']);
    expect(found).not.to.include('n');
  });

  it('masks a secret given inline in a config file in a captured log line', async () => {
    const config = configWithInlineSecret(`k-${INLINE_SECRET}`);
    await assemblePlugins(config, { logger: silentLogger, choices: { searchDirs: [process.cwd()] } });
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (line) => lines.push(line), secrets: () => config.secrets.list() });
    logger.info('test.options', { note: `k-${INLINE_SECRET}`, label: VISIBLE });
    expect(lines).to.have.length(1);
    expect(lines[0]).not.to.include(INLINE_SECRET);
    expect(lines[0]).to.include(VISIBLE);
  });

  it('masks a secret given inline in a config file in the options error message', async () => {
    const config = configWithInlineSecret(INLINE_SECRET);
    const error = await assemblePlugins(config, { logger: silentLogger, choices: { searchDirs: [process.cwd()] } }).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).to.equal('plugin.options_invalid');
    expect(error?.message).to.include('providers[0].options.key');
    expect(error?.message).not.to.include(INLINE_SECRET);
  });

  it('marks the secrets of the bundled plugins: Telegram token and webhook secret, pg-store url, OpenCode password', async () => {
    const load = (use: string) => loadPluginModule({ use, baseDir: process.cwd() });
    const telegram = await load('@cowork-gateway/telegram');
    expect(secretValuesOf(telegram.configSchema, { token: '123:abc-def', webhookSecret: 'hook-secret-1' })).to.include.members(['123:abc-def', 'hook-secret-1']);
    const pg = await load('@cowork-gateway/pg-store');
    expect(secretValuesOf(pg.configSchema, { url: 'postgres://gw:pw-9911@db/test' })).to.include.members(['pw-9911']);
    const opencode = await load('@cowork-gateway/opencode-executor');
    expect(secretValuesOf(opencode.configSchema, { url: 'http://127.0.0.1:4096', password: 'oc-pass-77' })).to.deep.equal(['oc-pass-77']);
  });
});
