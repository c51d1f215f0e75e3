import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGatewayError } from '../src/errors.js';
import type { GatewayError } from '../src/errors.js';
import { CORE_SETTINGS, loadConfig } from '../src/config/index.js';
import type { LoadConfigOptions, LoadedConfig, SettingSpec } from '../src/config/index.js';

const P = 'TEST_GW_';
const SPECS: readonly SettingSpec[] = [
  ...CORE_SETTINGS,
  {
    key: 'STORE',
    type: 'enum',
    values: ['postgres', 'memory'],
    aliases: { pg: 'postgres' },
    default: 'postgres',
    description: 'Store shortcut.',
    readBy: 'test-host',
  },
  { key: 'WEBHOOK_SECRET', type: 'string', secret: true, description: 'Webhook secret.', readBy: 'test-plugin' },
  { key: 'PIN', type: 'integer', secret: true, description: 'A secret number.', readBy: 'test-plugin' },
  { key: 'BOT_TOKEN', type: 'string', secret: true, envAliases: ['OTHER_BOT_TOKEN', 'LAST_BOT_TOKEN'], description: 'Bot token.', readBy: 'test-plugin' },
];

type Env = Record<string, string | undefined>;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cowork-config-test-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, lines: string | readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, typeof lines === 'string' ? lines : lines.join('\n'));
  return path;
}

function load(env: Env = {}, extra: Partial<LoadConfigOptions> = {}): LoadedConfig {
  return loadConfig({ prefix: P, specs: SPECS, env, cwd: dir, ...extra });
}

function loadError(env: Env = {}, extra: Partial<LoadConfigOptions> = {}): GatewayError {
  try {
    load(env, extra);
  } catch (error) {
    if (isGatewayError(error)) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

function issuesOf(error: GatewayError): string[] {
  expect(error.code).to.equal('config.invalid');
  return (error.details?.issues as string[] | undefined) ?? [];
}

describe('config load: defaults and accessors', () => {
  it('applies spec defaults and leaves unset keys absent', () => {
    const config = load();
    expect(config.prefix).to.equal(P);
    expect(config.get('PORT')).to.equal(8795);
    expect(config.get('HOST')).to.equal('127.0.0.1');
    expect(config.get('TRUSTED_PROXY_CIDRS')).to.deep.equal([]);
    expect(config.sourceOf('PORT')).to.equal('default');
    expect(config.isSet('PORT')).to.equal(false);
    expect('PUBLIC_URL' in config.settings).to.equal(false);
    expect(config.get('PUBLIC_URL')).to.equal(undefined);
    expect(config.sourceOf('PUBLIC_URL')).to.equal('unset');
    expect(config.isSet('PUBLIC_URL')).to.equal(false);
    expect(config.envName('PORT')).to.equal('TEST_GW_PORT');
    expect(config.configDir).to.equal(dir);
    expect(config.configFile).to.equal(undefined);
    expect(config.providers).to.deep.equal([]);
    expect(config.identities).to.deep.equal([]);
    expect(config.store).to.equal(undefined);
    expect(config.unknownKeys).to.deep.equal([]);
    expect(Object.isFrozen(config.settings)).to.equal(true);
  });

  it('throws config.unknown_setting for keys no spec declares', () => {
    const config = load();
    for (const call of [() => config.get('NOPE'), () => config.isSet('NOPE'), () => config.sourceOf('NOPE')]) {
      expect(call).to.throw().that.satisfies((e: unknown) => isGatewayError(e, 'config.unknown_setting'));
    }
  });

  it('uses process.env and process.cwd when not given', () => {
    const config = loadConfig({ prefix: 'TEST_GW_UNLIKELY_PREFIX_', specs: SPECS });
    expect(config.get('PORT')).to.equal(8795);
    expect(config.configDir).to.equal(process.cwd());
  });

  it('reads envAliases when the prefixed name is unset, the prefixed name winning and earlier aliases first', () => {
    expect(load({ LAST_BOT_TOKEN: 'c' }).get('BOT_TOKEN')).to.equal('c');
    expect(load({ OTHER_BOT_TOKEN: 'b', LAST_BOT_TOKEN: 'c' }).get('BOT_TOKEN')).to.equal('b');
    expect(load({ [`${P}BOT_TOKEN`]: 'a', OTHER_BOT_TOKEN: 'b' }).get('BOT_TOKEN')).to.equal('a');
    const config = load({ OTHER_BOT_TOKEN: 'bot-secret' });
    expect(config.sourceOf('BOT_TOKEN')).to.equal('env');
    expect(config.secrets.list()).to.include('bot-secret');
  });

  it('treats empty env values as unset', () => {
    const config = load({ TEST_GW_PORT: '', TEST_GW_CONFIG: '', TEST_GW_CONFIG_JSON: '' });
    expect(config.sourceOf('PORT')).to.equal('default');
  });

  it('lists prefixed env vars that match no spec without failing', () => {
    const config = load({ TEST_GW_ZED: '1', TEST_GW_ABC: 'x', OTHER_PORT: '1', TEST_GW_CONFIG_JSON: '{}' });
    expect(config.unknownKeys).to.deep.equal(['TEST_GW_ABC', 'TEST_GW_ZED']);
  });
});

describe('config load: precedence', () => {
  // Each step adds one higher source for PORT and proves it wins over everything below it.
  function sources(step: number): { env: Env; extra: Partial<LoadConfigOptions> } {
    const env: Env = {};
    const extra: Partial<LoadConfigOptions> = {};
    if (step >= 1) extra.defaults = { PORT: 1001, HOST: '10.0.0.1' };
    if (step >= 2) env.TEST_GW_CONFIG = write('gw.json', `{"TEST_GW_PORT": 1002, "TEST_GW_LOG_LEVEL": "warn"}`);
    if (step >= 3) env.TEST_GW_CONFIG_JSON = '{"TEST_GW_PORT": "1003", "TEST_GW_STORE": "memory"}';
    if (step >= 4) env.TEST_GW_PORT = '1004';
    if (step >= 5) extra.overrides = { PORT: '1005' };
    return { env, extra };
  }

  const expected: [number, string][] = [
    [8795, 'default'],
    [1001, 'default'],
    [1002, 'file'],
    [1003, 'inline'],
    [1004, 'env'],
    [1005, 'cli'],
  ];

  expected.forEach(([port, source], step) => {
    it(`step ${step}: PORT ${port} from ${source}`, () => {
      const { env, extra } = sources(step);
      const config = load(env, extra);
      expect(config.get('PORT')).to.equal(port);
      expect(config.sourceOf('PORT').split(' ')[0]).to.equal(source);
      expect(config.isSet('PORT')).to.equal(step >= 2);
    });
  });

  it('keeps lower-source values for keys higher sources do not set', () => {
    const { env, extra } = sources(5);
    const config = load(env, extra);
    expect(config.get('HOST')).to.equal('10.0.0.1');
    expect(config.get('LOG_LEVEL')).to.equal('warn');
    expect(config.sourceOf('LOG_LEVEL')).to.match(/^file .*gw\.json:1$/);
    expect(config.get('STORE')).to.equal('memory');
    expect(config.sourceOf('STORE')).to.equal('inline');
  });

  it('reads CONFIG and CONFIG_JSON from overrides before env', () => {
    const a = write('a.json', '{"TEST_GW_PORT": 1}');
    const b = write('b.json', '{"TEST_GW_PORT": 2}');
    const config = load({ TEST_GW_CONFIG: a }, { overrides: { CONFIG: b, CONFIG_JSON: '{"TEST_GW_HOST": "h"}' } });
    expect(config.get('PORT')).to.equal(2);
    expect(config.configFile).to.equal(b);
    expect(config.get('HOST')).to.equal('h');
  });

  it('resolves a relative config path from cwd and sets configDir to the file directory', () => {
    mkdirSync(join(dir, 'etc'));
    write('etc/gw.jsonc', '{"TEST_GW_PORT": 7}');
    const config = load({ TEST_GW_CONFIG: 'etc/gw.jsonc' });
    expect(config.configFile).to.equal(join(dir, 'etc', 'gw.jsonc'));
    expect(config.configDir).to.equal(join(dir, 'etc'));
    expect(config.get('PORT')).to.equal(7);
  });
});

describe('config load: config files', () => {
  it('accepts JSONC comments and trailing commas and reports key lines as sources', () => {
    const path = write('gw.jsonc', [
      '// gateway config',
      '{',
      '  /* the port */',
      '  "TEST_GW_PORT": 9000, // inline comment',
      '  "TEST_GW_TRUSTED_PROXY_CIDRS": ["10.0.0.0/8", "192.168.0.0/16",],',
      '  "TEST_GW_TRUST_PROXY_HEADERS": true,',
      '  "TEST_GW_PUBLIC_URL": null,',
      '  "$schema": "./schema.json",',
      '  "store": { "use": "@cowork-gateway/memory-store", },',
      '}',
    ]);
    const config = load({ TEST_GW_CONFIG: path });
    expect(config.get('PORT')).to.equal(9000);
    expect(config.sourceOf('PORT')).to.equal(`file ${path}:4`);
    expect(config.get('TRUSTED_PROXY_CIDRS')).to.deep.equal(['10.0.0.0/8', '192.168.0.0/16']);
    expect(config.sourceOf('TRUSTED_PROXY_CIDRS')).to.equal(`file ${path}:5`);
    expect(config.get('TRUST_PROXY_HEADERS')).to.equal(true);
    expect(config.sourceOf('PUBLIC_URL')).to.equal('unset');
    expect(config.store).to.deep.equal({
      use: '@cowork-gateway/memory-store',
      options: {},
      key: 'store',
      source: `file ${path}:9`,
    });
  });

  it('names the file line in value errors', () => {
    const path = write('gw.json', ['{', '  "TEST_GW_HOST": "ok",', '  "TEST_GW_PORT": "abc"', '}']);
    const issues = issuesOf(loadError({ TEST_GW_CONFIG: path }));
    expect(issues).to.deep.equal([`TEST_GW_PORT (file ${path}:3): expected an integer from 0 to 65535, got "abc"`]);
  });

  it('uses the line of the key when the value is on a later line', () => {
    const path = write('gw.json', ['{', '  "TEST_GW_PORT":', '    "abc",', '  "store":', '    {"use": 5}', '}']);
    expect(issuesOf(loadError({ TEST_GW_CONFIG: path }))).to.deep.equal([
      `store.use (file ${path}:5): expected a package name or path, got 5`,
      `TEST_GW_PORT (file ${path}:2): expected an integer from 0 to 65535, got "abc"`,
    ]);
  });

  it('reports JSONC syntax errors with line and column', () => {
    const path = write('bad.jsonc', ['{', '  "TEST_GW_PORT": 1,', '    2: 3', '}']);
    const error = loadError({ TEST_GW_CONFIG: path });
    expect(issuesOf(error)[0]).to.equal(`config file ${path}:3:5: PropertyNameExpected`);
    expect(error.message).to.contain(`config.invalid: config file ${path}:3:5: PropertyNameExpected`);
  });

  it('rejects a non-object root', () => {
    const path = write('arr.json', '[1, 2]');
    expect(issuesOf(loadError({ TEST_GW_CONFIG: path }))).to.deep.equal([
      `TEST_GW_CONFIG (file ${path}:1): must be a JSON object, got [1,2]`,
    ]);
  });

  it('throws config.file_unreadable for a missing file', () => {
    const path = join(dir, 'missing.json');
    const error = loadError({ TEST_GW_CONFIG: path });
    expect(error.code).to.equal('config.file_unreadable');
    expect(error.message).to.contain(path).and.to.contain('ENOENT');
  });

  it('throws config.file_unreadable for a directory', () => {
    const error = loadError({ TEST_GW_CONFIG: dir });
    expect(error.code).to.equal('config.file_unreadable');
    expect(error.message).to.contain('EISDIR');
  });

  it('rejects unknown prefixed keys with a did-you-mean hint', () => {
    const path = write('gw.json', ['{', '  "TEST_GW_PROT": 1,', '  "TEST_GW_QQQQQQQQQQQQ": 2', '}']);
    expect(issuesOf(loadError({ TEST_GW_CONFIG: path }))).to.deep.equal([
      `TEST_GW_PROT (file ${path}:2): not a known setting; did you mean TEST_GW_PORT?`,
      `TEST_GW_QQQQQQQQQQQQ (file ${path}:3): not a known setting`,
    ]);
  });

  it('rejects unknown top-level keys, hinting close structured keys and unprefixed settings', () => {
    const path = write('gw.json', '{"stor": {"use": "x"}, "PORT": 1, "whatever-this-is": true}');
    const issues = issuesOf(loadError({ TEST_GW_CONFIG: path }));
    expect(issues).to.have.length(3);
    expect(issues[0]).to.match(/^stor \(file .*:1\): not a known top-level key; .*; did you mean store\?$/);
    expect(issues[1]).to.match(/^PORT .*did you mean TEST_GW_PORT\?$/);
    expect(issues[2]).to.match(/^whatever-this-is .*not a known top-level key/).and.not.to.contain('did you mean');
  });

  it('rejects CONFIG and CONFIG_JSON inside a config object', () => {
    const path = write('gw.json', '{"TEST_GW_CONFIG": "/x", "TEST_GW_CONFIG_JSON": "{}"}');
    const issues = issuesOf(loadError({ TEST_GW_CONFIG: path }));
    expect(issues).to.have.length(2);
    expect(issues[0]).to.contain('TEST_GW_CONFIG (file').and.to.contain('can only be set in the environment');
  });

  it('rejects flat values of the wrong JSON type, naming the key', () => {
    const path = write('gw.json', '{"TEST_GW_HOST": {"host": "x"}, "TEST_GW_PORT": [1]}');
    const issues = issuesOf(loadError({ TEST_GW_CONFIG: path }));
    expect(issues).to.deep.equal([
      `TEST_GW_HOST (file ${path}:1): expected a non-empty string, got {"host":"x"}`,
      `TEST_GW_PORT (file ${path}:1): expected an integer from 0 to 65535, got [1]`,
    ]);
  });

  it('truncates long values in messages to 40 characters', () => {
    const long = 'x'.repeat(100);
    const issues = issuesOf(loadError({ TEST_GW_PORT: long }));
    expect(issues[0]).to.equal(`TEST_GW_PORT (env): expected an integer from 0 to 65535, got "${'x'.repeat(38)}…`);
  });
});

describe('config load: inline JSON', () => {
  it('reports invalid inline JSON without echoing it', () => {
    const issues = issuesOf(loadError({ TEST_GW_CONFIG_JSON: '{"TEST_GW_ADMIN_TOKEN": sentinel-inline}' }));
    expect(issues[0]).to.match(/^TEST_GW_CONFIG_JSON \(inline\): invalid JSON at 1:\d+: \w+$/);
    expect(issues.join('\n')).not.to.contain('sentinel-inline');
  });

  it('rejects a non-object inline root', () => {
    expect(issuesOf(loadError({ TEST_GW_CONFIG_JSON: '"memory"' }))).to.deep.equal([
      'TEST_GW_CONFIG_JSON (inline): must be a JSON object, got "memory"',
    ]);
  });

  it('replaces the file structured parts it sets and keeps the others', () => {
    const path = write('gw.json', JSON.stringify({
      store: { use: 'file-store' },
      renderer: { use: 'file-renderer' },
      providers: [{ use: 'p', id: 'from-file' }],
      identities: [{ provider: 'telegram', externalUserId: '1', role: 'owner' }],
    }));
    const inline = JSON.stringify({ store: { use: 'inline-store', options: { a: 1 } }, providers: [] });
    const config = load({ TEST_GW_CONFIG: path, TEST_GW_CONFIG_JSON: inline });
    expect(config.store).to.deep.equal({ use: 'inline-store', options: { a: 1 }, key: 'store', source: 'inline' });
    expect(config.renderer?.use).to.equal('file-renderer');
    expect(config.executor).to.equal(undefined);
    expect(config.providers).to.deep.equal([]);
    expect(config.identities).to.have.length(1);
  });

  it('replaces the file identities when inline has them', () => {
    const path = write('gw.json', JSON.stringify({ identities: [{ provider: 'a', externalUserId: '1', role: 'owner' }] }));
    const inline = JSON.stringify({ identities: [{ provider: 'b', externalUserId: '2', role: 'viewer' }] });
    const config = load({ TEST_GW_CONFIG: path, TEST_GW_CONFIG_JSON: inline });
    expect(config.identities).to.deep.equal([{ provider: 'b', externalUserId: '2', role: 'viewer', source: 'inline' }]);
  });
});

describe('config load: secrets', () => {
  it('resolves env and file secret refs deep inside options and registers them', () => {
    mkdirSync(join(dir, 'secrets'));
    write('secrets/webhook.txt', 'file-secret-webhook\n\n');
    write('secrets/nested.txt', 'file-secret-nested\r\n');
    const path = write('gw.jsonc', JSON.stringify({
      TEST_GW_WEBHOOK_SECRET: { file: 'secrets/webhook.txt' },
      providers: [{
        use: './telegram.js',
        id: 'telegram-main',
        options: { botToken: { env: 'TG_TOKEN' }, list: [{ file: join(dir, 'secrets/nested.txt') }, 'plain'], other: { env: 'X', extra: 1 } },
      }],
    }, null, 2));
    const config = load({ TEST_GW_CONFIG: path, TG_TOKEN: 'env-secret-telegram' });
    expect(config.get('WEBHOOK_SECRET')).to.equal('file-secret-webhook\n');
    expect(config.providers[0]!.options).to.deep.equal({
      botToken: 'env-secret-telegram',
      list: ['file-secret-nested', 'plain'],
      other: { env: 'X', extra: 1 },
    });
    expect(config.providers[0]!.source).to.equal(`file ${path}:6`); // the array element's own line
    expect(config.secrets.list()).to.have.members(['file-secret-webhook\n', 'env-secret-telegram', 'file-secret-nested']);
  });

  it('resolves relative secret files from cwd when there is no config file', () => {
    write('s.txt', 'inline-secret-file');
    const config = load({ TEST_GW_CONFIG_JSON: '{"store": {"use": "x", "options": {"password": {"file": "s.txt"}}}}' });
    expect(config.store?.options).to.deep.equal({ password: 'inline-secret-file' });
  });

  it('registers secret setting values from every source', () => {
    const config = load({ TEST_GW_ADMIN_TOKEN: 'admin-token-from-env' }, { overrides: { WEBHOOK_SECRET: 'cli-webhook-secret' } });
    expect(config.get('ADMIN_TOKEN')).to.equal('admin-token-from-env');
    expect(config.secrets.list()).to.have.members(['admin-token-from-env', 'cli-webhook-secret']);
  });

  it('fails on a missing env secret, naming key path, source and variable', () => {
    const path = write('gw.json', ['{', '  "providers": [{', '    "use": "x", "id": "a",', '    "options": {', '      "botToken": {"env": "MISSING_TOKEN"}', '    }', '  }]', '}']);
    const error = loadError({ TEST_GW_CONFIG: path });
    expect(error.code).to.equal('config.secret_unresolved');
    expect(error.message).to.equal(
      `config.secret_unresolved: providers[0].options.botToken (file ${path}:5): environment variable MISSING_TOKEN is not set`,
    );
  });

  it('fails on an unreadable or empty secret file without leaking other secrets', () => {
    write('empty.txt', '\n');
    const path = write('gw.json', JSON.stringify({
      TEST_GW_ADMIN_TOKEN: { env: 'ADMIN' },
      store: { use: 'x', options: { a: { file: 'nope.txt' }, b: { file: 'empty.txt' } } },
    }));
    const error = loadError({ TEST_GW_CONFIG: path, ADMIN: 'sentinel-admin-4242' });
    expect(error.code).to.equal('config.secret_unresolved');
    expect(error.message).to.contain('store.options.a').and.to.contain(join(dir, 'nope.txt')).and.to.contain('ENOENT');
    expect(error.message).to.contain('and 1 more unresolved');
    expect(error.message).not.to.contain('sentinel-admin-4242');
  });

  it('fails on an empty env secret and a flat ref', () => {
    const error = loadError({ TEST_GW_CONFIG_JSON: '{"TEST_GW_WEBHOOK_SECRET": {"env": "EMPTY"}}', EMPTY: '' });
    expect(error.message).to.equal('config.secret_unresolved: TEST_GW_WEBHOOK_SECRET (inline): environment variable EMPTY is not set');
  });

  it('reports config.invalid before unresolved secrets', () => {
    const error = loadError({ TEST_GW_CONFIG_JSON: '{"store": {"use": "x", "options": {"a": {"env": "NOPE"}}}}', TEST_GW_PORT: 'x' });
    expect(error.code).to.equal('config.invalid');
  });

  it('never shows secret setting values in errors', () => {
    const sentinel = 'sentinel-9f8e7d6c';
    const path = write('gw.json', JSON.stringify({ TEST_GW_ADMIN_TOKEN: [sentinel], TEST_GW_PORT: { env: 'PORT_SECRET' } }));
    const error = loadError({
      TEST_GW_CONFIG: path,
      TEST_GW_PIN: sentinel + '-pin',
      PORT_SECRET: sentinel + '-port',
      TEST_GW_WEBHOOK_SECRET: sentinel + '-webhook',
      TEST_GW_PUBLIC_URL: sentinel + '-webhook',
    });
    const issues = issuesOf(error);
    expect(issues).to.have.length(4);
    expect(issues).to.include(`TEST_GW_ADMIN_TOKEN (file ${path}:1): expected a non-empty string, got an invalid value`);
    expect(issues).to.include('TEST_GW_PIN (env): expected an integer, got an invalid value');
    expect(issues).to.include(`TEST_GW_PORT (file ${path}:1): expected an integer from 0 to 65535, got an invalid value`);
    expect(issues).to.include('TEST_GW_PUBLIC_URL (env): expected an absolute http(s) URL, got "[redacted]"');
    expect(error.message).not.to.contain(sentinel);
    expect(JSON.stringify(error.details)).not.to.contain(sentinel);
  });
});

describe('config load: providers and plugin selections', () => {
  it('returns providers with ids, keys and line sources', () => {
    const path = write('gw.json', [
      '{',
      '  "providers": [',
      '    { "use": "@cowork-gateway/telegram", "id": "telegram-main" },',
      '    { "use": "./webhook.js", "id": "hook-2", "options": { "x": 1 } }',
      '  ],',
      '  "executor": { "use": "exec" }',
      '}',
    ]);
    const config = load({ TEST_GW_CONFIG: path });
    expect(config.providers).to.deep.equal([
      { use: '@cowork-gateway/telegram', options: {}, key: 'providers[0]', source: `file ${path}:3`, id: 'telegram-main' },
      { use: './webhook.js', options: { x: 1 }, key: 'providers[1]', source: `file ${path}:4`, id: 'hook-2' },
    ]);
    expect(config.executor?.source).to.equal(`file ${path}:6`);
  });

  it('rejects bad ids, naming the key (duplicates are checked once, at assembly)', () => {
    const path = write('gw.json', [
      '{"providers": [',
      '  {"use": "a", "id": "tg"},',
      '  {"use": "a", "id": "Telegram"},',
      '  {"use": "a", "id": "tg"},',
      '  {"use": "a"}',
      ']}',
    ]);
    const issues = issuesOf(loadError({ TEST_GW_CONFIG: path }));
    expect(issues).to.have.length(2);
    expect(issues[0]).to.match(new RegExp(`^providers\\[1\\]\\.id \\(file ${path}:3\\): expected an instance id .*, got "Telegram"$`));
    expect(issues[1]).to.match(/^providers\[3\]\.id \(file .*:5\): expected an instance id .*, got nothing$/);
  });

  it('validates selection shape: object, use, options and known keys', () => {
    const inline = JSON.stringify({
      store: 'memory',
      executor: { use: '', options: [] },
      renderer: { use: 'r', opts: {} },
      providers: { use: 'x' },
    });
    const issues = issuesOf(loadError({ TEST_GW_CONFIG_JSON: inline }));
    expect(issues).to.deep.equal([
      'store (inline): expected an object with "use" and optional "options", got "memory"',
      'executor.use (inline): expected a package name or path, got ""',
      'executor.options (inline): expected an object, got []',
      'renderer.opts (inline): not a known key; expected use, options',
      'providers (inline): expected an array of { "use", "id", "options" }, got {"use":"x"}',
    ]);
  });

  it('rejects a provider that is not an object', () => {
    const issues = issuesOf(loadError({ TEST_GW_CONFIG_JSON: '{"providers": ["telegram"]}' }));
    expect(issues).to.deep.equal(['providers[0] (inline): expected an object with "use" and optional "options", got "telegram"']);
  });
});

describe('config load: identities', () => {
  it('reads structured identities and the IDENTITIES setting', () => {
    const path = write('gw.json', [
      '{',
      '  "identities": [',
      '    { "provider": "telegram", "externalUserId": "42", "role": "owner" },',
      '    { "provider": "slack", "workspaceId": "T1", "externalUserId": "U1", "role": "viewer", "status": "disabled" }',
      '  ]',
      '}',
    ]);
    const env = { TEST_GW_CONFIG: path, TEST_GW_IDENTITIES: '[{"provider":"webhook","externalUserId":"u","role":"admin"}]' };
    const config = load(env);
    expect(config.identities).to.deep.equal([
      { provider: 'telegram', externalUserId: '42', role: 'owner', source: `file ${path}:3` },
      { provider: 'slack', workspaceId: 'T1', externalUserId: 'U1', role: 'viewer', status: 'disabled', source: `file ${path}:4` },
      { provider: 'webhook', externalUserId: 'u', role: 'admin', source: 'env' },
    ]);
  });

  it('names the invalid field with its path and line', () => {
    const path = write('gw.json', [
      '{"identities": [',
      '  {"provider": "a", "externalUserId": "1", "role": "owner"},',
      '  "bob",',
      '  {"provider": "a", "externalUserId": "2",',
      '   "role": "god", "status": "gone", "nick": "x"},',
      '  {"provider": "", "workspaceId": 5, "role": "member"}',
      ']}',
    ]);
    const issues = issuesOf(loadError({ TEST_GW_CONFIG: path }));
    expect(issues).to.deep.equal([
      `identities[1] (file ${path}:3): expected an object { provider, externalUserId, role, workspaceId?, status? }, got "bob"`,
      `identities[2].nick (file ${path}:5): not a known key; expected provider, workspaceId, externalUserId, role, status`,
      `identities[2].role (file ${path}:5): expected one of owner, admin, member, approver, viewer, got "god"`,
      `identities[2].status (file ${path}:5): expected one of active, disabled, got "gone"`,
      `identities[3].provider (file ${path}:6): expected a non-empty string, got ""`,
      `identities[3].workspaceId (file ${path}:6): expected a non-empty string, got 5`,
      `identities[3].externalUserId (file ${path}:6): expected a non-empty string, got nothing`,
    ]);
  });

  it('validates the IDENTITIES setting and a non-array identities key', () => {
    const issues = issuesOf(loadError({
      TEST_GW_IDENTITIES: '[{"provider":"p","externalUserId":"u","role":"root"}]',
      TEST_GW_CONFIG_JSON: '{"identities": {}}',
    }));
    expect(issues).to.deep.equal([
      'identities (inline): expected an array of identities, got {}',
      'TEST_GW_IDENTITIES[0].role (env): expected one of owner, admin, member, approver, viewer, got "root"',
    ]);
  });
});

describe('config load: collecting issues', () => {
  it('collects issues from every source into one ConfigInvalid', () => {
    const path = write('gw.json', '{"TEST_GW_PORT": -5}');
    const error = loadError(
      { TEST_GW_CONFIG: path, TEST_GW_LOG_LEVEL: 'loud', TEST_GW_CONFIG_JSON: '{"TEST_GW_STORE": "mysql"}' },
      { overrides: { PROT: '1', HOST: '' }, defaults: { NOT_A_KEY: 1, PORT: undefined, JOB_MAX_ATTEMPTS: 0 } },
    );
    expect(error.status).to.equal(400);
    expect(issuesOf(error)).to.deep.equal([
      'TEST_GW_NOT_A_KEY (default): not a known setting',
      'TEST_GW_PROT (cli): not a known setting; did you mean TEST_GW_PORT?',
      'TEST_GW_JOB_MAX_ATTEMPTS (default): expected an integer from 1 to 100, got 0',
      `TEST_GW_PORT (file ${path}:1): expected an integer from 0 to 65535, got -5`,
      'TEST_GW_STORE (inline): expected one of postgres, memory, got "mysql"',
      'TEST_GW_LOG_LEVEL (env): expected one of debug, info, warn, error, got "loud"',
      'TEST_GW_HOST (cli): expected a non-empty string, got ""',
    ]);
    expect(error.message.split('\n')).to.have.length(7);
  });
});
