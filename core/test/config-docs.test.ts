import { expect } from 'chai';
import { CORE_SETTINGS, configFileJsonSchema, renderSettingsTable } from '../src/config/index.js';
import type { SettingSpec } from '../src/config/index.js';

const P = 'OPEN_COWORK_STANDALONE_GATEWAY_';
const EXTRA: SettingSpec[] = [
  {
    key: 'STORE',
    type: 'enum',
    values: ['postgres', 'memory'],
    aliases: { pg: 'postgres' },
    default: 'postgres',
    description: 'Which store | to use.',
    readBy: '@cowork-gateway/standalone-gateway',
  },
  { key: 'SECRET_WITH_DEFAULT', type: 'string', secret: true, default: 'sentinel-default-secret', description: 'Odd.', readBy: 'x' },
  { key: 'NAMES', type: 'list', default: ['a', 'b'], description: 'Names.', readBy: 'x' },
];
const SPECS = [...CORE_SETTINGS, ...EXTRA];

type Schema = Record<string, any>;

describe('config docs: renderSettingsTable', () => {
  const table = renderSettingsTable(SPECS, P);
  const lines = table.trimEnd().split('\n');

  it('renders a header and one row per spec', () => {
    expect(lines[0]).to.equal('| Env var | Default | Read by | Description |');
    expect(lines[1]).to.equal('| --- | --- | --- | --- |');
    expect(lines).to.have.length(SPECS.length + 2);
  });

  it('contains every key with its env name, in order', () => {
    SPECS.forEach((spec, i) => {
      expect(lines[i + 2]!.startsWith(`| \`${P}${spec.key}\` |`), spec.key).to.equal(true);
    });
  });

  it('renders defaults as code, unset, or hidden for secrets', () => {
    const rowOf = (key: string): string[] =>
      lines.find((line) => line.startsWith(`| \`${P}${key}\``))!.split(/(?<!\\)\|/).map((cell) => cell.trim());
    expect(rowOf('HOST')[2]).to.equal('`127.0.0.1`');
    expect(rowOf('PORT')[2]).to.equal('`8795`');
    expect(rowOf('ALLOW_WILDCARD_BIND')[2]).to.equal('`false`');
    expect(rowOf('TRUSTED_PROXY_CIDRS')[2]).to.equal('`[]`');
    expect(rowOf('NAMES')[2]).to.equal('`["a","b"]`');
    expect(rowOf('PUBLIC_URL')[2]).to.equal('unset');
    expect(rowOf('ADMIN_TOKEN')[2]).to.equal('unset');
    expect(rowOf('SECRET_WITH_DEFAULT')[2]).to.equal('(secret)');
    expect(rowOf('STORE')[3]).to.equal('@cowork-gateway/standalone-gateway');
    expect(rowOf('PORT')[4]).to.equal('TCP port the HTTP server listens on (0 picks a free port). Expects an integer from 0 to 65535.');
    expect(rowOf('ADMIN_TOKEN')[4]).to.contain('Secret: masked');
    expect(table).not.to.contain('sentinel-default-secret');
  });

  it('escapes pipes inside cells', () => {
    expect(table).to.contain('Which store \\| to use.');
  });
});

describe('config docs: configFileJsonSchema', () => {
  const schema = configFileJsonSchema(SPECS, P) as Schema;
  const props = schema.properties as Schema;

  it('is a closed draft 2020-12 object schema with flat and structured keys', () => {
    expect(schema.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).to.equal('object');
    expect(schema.additionalProperties).to.equal(false);
    for (const spec of SPECS) expect(props, spec.key).to.have.property(P + spec.key);
    for (const key of ['$schema', 'store', 'executor', 'renderer', 'providers', 'identities']) expect(props).to.have.property(key);
    expect(Object.keys(props)).to.have.length(SPECS.length + 6);
  });

  it('types flat settings by SettingType and allows secret refs and null', () => {
    const port = props[`${P}PORT`].anyOf as Schema[];
    expect(port[0]).to.deep.equal({ type: 'integer', minimum: 0, maximum: 65535 });
    expect(new RegExp(port[1]!.pattern).test('8080')).to.equal(true);
    expect(port).to.deep.include({ $ref: '#/$defs/secretRef' });
    expect(port).to.deep.include({ type: 'null' });
    expect(props[`${P}RATE_LIMIT_MAX_REQUESTS`].anyOf[0]).to.deep.equal({ type: 'integer', minimum: 1 });

    const bool = new RegExp(props[`${P}TRUST_PROXY_HEADERS`].anyOf[1].pattern);
    expect(['true', 'Yes', 'OFF', '0'].every((s) => bool.test(s))).to.equal(true);
    expect(bool.test('maybe')).to.equal(false);

    const store = new RegExp(props[`${P}STORE`].anyOf[0].pattern);
    expect(['memory', 'PG', 'Postgres'].every((s) => store.test(s))).to.equal(true);
    expect(store.test('mysql')).to.equal(false);

    const url = props[`${P}PUBLIC_URL`].anyOf[0];
    expect(url.format).to.equal('uri');
    expect(new RegExp(url.pattern).test('https://x.example')).to.equal(true);
    expect(new RegExp(url.pattern).test('ftp://x.example')).to.equal(false);

    expect(props[`${P}TRUSTED_PROXY_CIDRS`].anyOf[0]).to.deep.equal({ type: 'array', items: { type: 'string' } });
    expect(props[`${P}HOST`].anyOf[0]).to.deep.equal({ type: 'string', minLength: 1 });
    expect(props[`${P}IDENTITIES`].anyOf[0]).to.deep.equal({});
    expect(props[`${P}HOST`].description).to.equal('Address the HTTP server listens on.');
  });

  it('describes plugin selections, providers and identities', () => {
    const defs = schema.$defs as Schema;
    expect(props.store.$ref).to.equal('#/$defs/selection');
    expect(defs.selection.required).to.deep.equal(['use']);
    expect(defs.selection.additionalProperties).to.equal(false);
    expect(Object.keys(defs.selection.properties)).to.deep.equal(['use', 'options']);
    expect(props.providers.items.$ref).to.equal('#/$defs/provider');
    expect(defs.provider.required).to.deep.equal(['use', 'id']);
    const id = new RegExp(defs.provider.properties.id.pattern);
    expect(id.test('telegram-main')).to.equal(true);
    expect(id.test('Telegram')).to.equal(false);
    expect(props.identities.items.$ref).to.equal('#/$defs/identity');
    expect(defs.identity.required).to.deep.equal(['provider', 'externalUserId', 'role']);
    expect(defs.identity.properties.role.enum).to.include('approver');
    expect(defs.secretRef.oneOf).to.have.length(2);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(schema))).to.deep.equal(schema);
  });
});
