/**
 * Documentation generators for settings: the Markdown settings table and the JSON Schema of a
 * config file, both derived from the same {@link SettingSpec} list the loader uses.
 */
import { INSTANCE_ID_PATTERN } from '../plugin.js';
import { describeSettingType } from './settings.js';
import type { SettingSpec } from './settings.js';

/** A Markdown table `| Env var | Default | Read by | Description |`, one row per spec. */
export function renderSettingsTable(specs: readonly SettingSpec[], prefix: string): string {
  const rows = specs.map((spec) =>
    row([code(prefix + spec.key), renderDefault(spec), spec.readBy, describe(spec)]),
  );
  return [row(['Env var', 'Default', 'Read by', 'Description']), row(['---', '---', '---', '---']), ...rows].join('\n') + '\n';
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text}${fence}`;
}

function renderDefault(spec: SettingSpec): string {
  if (spec.default === undefined) return 'unset';
  if (spec.secret) return '(secret)';
  return code(typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default));
}

function describe(spec: SettingSpec): string {
  const secret = spec.secret ? ' Secret: masked in logs and errors.' : '';
  const aliases = spec.envAliases?.length ? ` Also read from ${spec.envAliases.map(code).join(', then ')} when unset.` : '';
  return `${spec.description} Expects ${describeSettingType(spec)}.${secret}${aliases}`;
}

// ---- JSON Schema ----------------------------------------------------------------------------

type Schema = Record<string, unknown>;

const SECRET_REF: Schema = {
  description: 'A secret reference, resolved at load time.',
  oneOf: [
    { type: 'object', properties: { env: { type: 'string', minLength: 1 } }, required: ['env'], additionalProperties: false },
    { type: 'object', properties: { file: { type: 'string', minLength: 1 } }, required: ['file'], additionalProperties: false },
  ],
};

const USE: Schema = { type: 'string', minLength: 1, description: 'Package name or path of the plugin module.' };
const OPTIONS: Schema = { type: 'object', description: 'Plugin options; { "env" } / { "file" } secret refs allowed anywhere.' };

const SELECTION: Schema = {
  type: 'object',
  properties: { use: USE, options: OPTIONS },
  required: ['use'],
  additionalProperties: false,
};

const PROVIDER: Schema = {
  type: 'object',
  properties: {
    use: USE,
    id: { type: 'string', pattern: INSTANCE_ID_PATTERN.source, description: 'Unique instance id, e.g. telegram-main.' },
    options: OPTIONS,
  },
  required: ['use', 'id'],
  additionalProperties: false,
};

const IDENTITY: Schema = {
  type: 'object',
  properties: {
    provider: { type: 'string', minLength: 1 },
    workspaceId: { type: 'string', minLength: 1 },
    externalUserId: { type: 'string', minLength: 1 },
    role: { enum: ['owner', 'admin', 'member', 'approver', 'viewer'] },
    status: { enum: ['active', 'disabled'] },
  },
  required: ['provider', 'externalUserId', 'role'],
  additionalProperties: false,
};

/**
 * A JSON Schema (draft 2020-12) for a config file: the flat `<prefix><KEY>` settings typed by
 * their SettingType, plus `store`/`executor`/`renderer`, `providers`, `identities` and `$schema`.
 */
export function configFileJsonSchema(specs: readonly SettingSpec[], prefix: string): object {
  const flat = Object.fromEntries(specs.map((spec) => [prefix + spec.key, settingSchema(spec)]));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `Config file (${prefix}CONFIG)`,
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      ...flat,
      store: { $ref: '#/$defs/selection', description: 'The Store plugin.' },
      executor: { $ref: '#/$defs/selection', description: 'The ExecutionAuthority plugin.' },
      renderer: { $ref: '#/$defs/selection', description: 'The Renderer plugin.' },
      providers: { type: 'array', items: { $ref: '#/$defs/provider' }, description: 'Provider plugin instances.' },
      identities: { type: 'array', items: { $ref: '#/$defs/identity' }, description: 'Identities to upsert at start.' },
    },
    additionalProperties: false,
    $defs: { secretRef: SECRET_REF, selection: SELECTION, provider: PROVIDER, identity: IDENTITY },
  };
}

/** Schema of one flat setting: its typed forms, a secret ref, or null (skipped). */
function settingSchema(spec: SettingSpec): Schema {
  return {
    description: spec.description,
    anyOf: [...typedSchemas(spec), { $ref: '#/$defs/secretRef' }, { type: 'null' }],
  };
}

function typedSchemas(spec: SettingSpec): Schema[] {
  switch (spec.type) {
    case 'string':
      return [{ type: 'string', minLength: 1 }, { type: 'number' }];
    case 'integer':
      return [{ type: 'integer', ...bounds(spec) }, { type: 'string', pattern: '^\\s*[+-]?[0-9]+\\s*$' }];
    case 'boolean':
      return [{ type: 'boolean' }, { type: 'string', pattern: caseInsensitive(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']) }];
    case 'list':
      return [{ type: 'array', items: { type: 'string' } }, { type: 'string' }];
    case 'url':
      return [{ type: 'string', format: 'uri', pattern: caseInsensitive(['http://', 'https://'], false) }];
    case 'enum':
      return [{ type: 'string', pattern: caseInsensitive([...(spec.values ?? []), ...Object.keys(spec.aliases ?? {})]) }];
    case 'json':
      return [{}];
  }
}

function bounds(spec: SettingSpec): Schema {
  const out: Schema = {};
  if (spec.min !== undefined) out.minimum = spec.min;
  if (spec.max !== undefined) out.maximum = spec.max;
  return out;
}

/** An ECMA-262 pattern matching any of `words`, ignoring case (JSON Schema has no `i` flag). */
function caseInsensitive(words: readonly string[], whole = true): string {
  const alternatives = words.map((word) =>
    [...word].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : escapeRegExp(ch))).join(''),
  );
  return `^\\s*(${alternatives.join('|')})${whole ? '\\s*$' : ''}`;
}

function escapeRegExp(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
