/**
 * The configuration loader: merges spec defaults, host defaults, a JSON/JSONC config file, inline
 * JSON, the environment and CLI overrides into one typed, validated {@link LoadedConfig}.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { JSONPath, Node, ParseError } from 'jsonc-parser';
import { ConfigFileUnreadable, ConfigInvalid, ConfigSecretUnresolved, defineError } from '../errors.js';
import { INSTANCE_ID_PATTERN } from '../plugin.js';
import { SecretRegistry, redactText } from '../redaction.js';
import { IDENTITY_FIELDS, checkIdentity } from './identity-schema.js';
import { parseSettingValue } from './settings.js';
import type { SettingSpec } from './settings.js';

/** Thrown by {@link LoadedConfig.get} and friends when asked for a key no spec declares. */
export const ConfigUnknownSetting = defineError<{ key: string }>({
  code: 'config.unknown_setting',
  status: 500,
  message: ({ key }) => `config.unknown_setting: "${key}" is not a declared setting; add a SettingSpec for it`,
});

/** A plugin chosen in config: module to load, its options, and where it was configured. */
export interface PluginSelection {
  /** Package name or path (relative paths resolve from {@link LoadedConfig.configDir}). */
  use: string;
  /** Plugin options with secret refs already resolved. */
  options: Record<string, unknown>;
  /** Config path, e.g. `store` or `providers[1]`. */
  key: string;
  /** Where it came from, e.g. `file /etc/gw.jsonc:12` or `inline`. */
  source: string;
}

/** A provider plugin chosen in config, with its instance id. */
export interface ProviderSelection extends PluginSelection {
  id: string;
}

/** An identity to upsert at start, from `identities` or the IDENTITIES setting. */
export interface IdentityBootstrap {
  provider: string;
  workspaceId?: string;
  externalUserId: string;
  role: string;
  status?: string;
  source: string;
}

/** The loaded, validated configuration a host starts from. */
export interface LoadedConfig {
  /** Env var prefix, e.g. `OPEN_COWORK_STANDALONE_GATEWAY_`. */
  prefix: string;
  /** Key suffix → parsed value, defaults applied; unset keys are absent. */
  settings: Readonly<Record<string, unknown>>;
  /** The parsed value of a setting; throws ConfigUnknownSetting if no spec declares the key. */
  get<T = unknown>(key: string): T;
  /** Whether a source other than a default set the key. */
  isSet(key: string): boolean;
  /** `default` | `env` | `inline` | `file <path>:<line>` | `cli`, or `unset` when nothing set it. */
  sourceOf(key: string): string;
  /** The env var name of a key: prefix + key. */
  envName(key: string): string;
  store?: PluginSelection;
  executor?: PluginSelection;
  renderer?: PluginSelection;
  providers: ProviderSelection[];
  /** From the structured `identities` array followed by the IDENTITIES setting. */
  identities: IdentityBootstrap[];
  /** Directory of the config file, else cwd; relative `use` paths resolve from it. */
  configDir: string;
  /** Absolute path of the config file, when one was read. */
  configFile?: string;
  /** Every secret value seen: secret settings and resolved secret refs. */
  secrets: SecretRegistry;
  /** Env vars with the prefix that match no spec (the host logs a warning). */
  unknownKeys: string[];
}

/** Inputs of {@link loadConfig}. */
export interface LoadConfigOptions {
  prefix: string;
  /** The host passes CORE_SETTINGS plus its own. */
  specs: readonly SettingSpec[];
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Host or preset defaults (override spec defaults), as parsed values. */
  defaults?: Record<string, unknown>;
  /** CLI flags by key suffix: highest precedence, raw values parsed like env, source `cli`. */
  overrides?: Record<string, unknown>;
  /** Default `process.cwd()`. */
  cwd?: string;
}

const STRUCTURED_KEYS = ['store', 'executor', 'renderer', 'providers', 'identities', '$schema'] as const;
const SELECTION_KEYS = ['store', 'executor', 'renderer'] as const;
const BOOTSTRAP_KEYS = ['CONFIG', 'CONFIG_JSON'];

interface Context {
  prefix: string;
  specs: Map<string, SettingSpec>;
  env: Record<string, string | undefined>;
  configDir: string;
  issues: string[];
  unresolved: { key: string; source: string; reason: string }[];
  secrets: SecretRegistry;
}

interface RawValue {
  key: string;
  name: string;
  raw: unknown;
  source: string;
  fromSecretRef?: boolean;
}

interface ConfigDoc {
  value: Record<string, unknown>;
  locate(path: JSONPath): string;
}

interface DocParts {
  flat: RawValue[];
  store?: PluginSelection;
  executor?: PluginSelection;
  renderer?: PluginSelection;
  providers?: ProviderSelection[];
  identities?: IdentityBootstrap[];
}

/**
 * Loads configuration, lowest to highest precedence: spec default < `defaults` < config file
 * (`<prefix>CONFIG`) < inline JSON (`<prefix>CONFIG_JSON`) < env < `overrides`. Collects every
 * issue, then throws one ConfigInvalid; also throws ConfigFileUnreadable and ConfigSecretUnresolved.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const ctx = createContext(options, cwd);
  const overrides = options.overrides ?? {};
  const configPath = bootstrapValue(ctx, overrides, 'CONFIG');
  const configFile = configPath === undefined ? undefined : resolve(cwd, configPath);
  if (configFile !== undefined) ctx.configDir = dirname(configFile);
  const fileParts = readDocParts(ctx, configFile === undefined ? undefined : parseFileDoc(ctx, configFile));
  const inlineText = bootstrapValue(ctx, overrides, 'CONFIG_JSON');
  const inlineParts = readDocParts(ctx, inlineText === undefined ? undefined : parseInlineDoc(ctx, inlineText));
  const layers = [
    ...defaultsLayer(ctx, options.defaults ?? {}),
    ...fileParts.flat,
    ...inlineParts.flat,
    ...envLayer(ctx),
    ...overridesLayer(ctx, overrides),
  ];
  const { settings, sources } = applyLayers(ctx, layers);
  const identities = [...(inlineParts.identities ?? fileParts.identities ?? []), ...settingIdentities(ctx, settings, sources)];
  finish(ctx);
  return buildConfig(ctx, settings, sources, {
    store: inlineParts.store ?? fileParts.store,
    executor: inlineParts.executor ?? fileParts.executor,
    renderer: inlineParts.renderer ?? fileParts.renderer,
    providers: inlineParts.providers ?? fileParts.providers ?? [],
    identities,
    configFile,
    unknownKeys: unknownEnvKeys(ctx),
  });
}

function createContext(options: LoadConfigOptions, cwd: string): Context {
  return {
    prefix: options.prefix,
    specs: new Map(options.specs.map((spec) => [spec.key, spec])),
    env: options.env ?? process.env,
    configDir: cwd,
    issues: [],
    unresolved: [],
    secrets: new SecretRegistry(),
  };
}

/** `<prefix>CONFIG` / `<prefix>CONFIG_JSON`: from overrides, else env; empty counts as unset. */
function bootstrapValue(ctx: Context, overrides: Record<string, unknown>, key: string): string | undefined {
  const override = overrides[key];
  if (override !== undefined && override !== null && override !== '') return String(override);
  const fromEnv = ctx.env[ctx.prefix + key];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** Throws the collected problems: ConfigInvalid first, then the first unresolved secret. */
function finish(ctx: Context): void {
  const secrets = ctx.secrets.list();
  if (ctx.issues.length > 0) {
    const issues = ctx.issues.map((issue) => redactText(issue, secrets));
    throw new ConfigInvalid({ issues }, { details: { issues } });
  }
  const first = ctx.unresolved[0];
  if (first !== undefined) {
    const more = ctx.unresolved.length - 1;
    throw new ConfigSecretUnresolved({ ...first, reason: first.reason + (more > 0 ? ` (and ${more} more unresolved)` : '') });
  }
}

interface Structured {
  store?: PluginSelection;
  executor?: PluginSelection;
  renderer?: PluginSelection;
  providers: ProviderSelection[];
  identities: IdentityBootstrap[];
  configFile?: string;
  unknownKeys: string[];
}

function buildConfig(
  ctx: Context,
  values: Record<string, unknown>,
  sources: Record<string, string>,
  structured: Structured,
): LoadedConfig {
  const settings = Object.freeze({ ...values });
  const requireSpec = (key: string): void => {
    if (!ctx.specs.has(key)) throw new ConfigUnknownSetting({ key });
  };
  return {
    prefix: ctx.prefix,
    settings,
    get<T = unknown>(key: string): T {
      requireSpec(key);
      return settings[key] as T;
    },
    isSet(key: string): boolean {
      requireSpec(key);
      return sources[key] !== undefined && sources[key] !== 'default';
    },
    sourceOf(key: string): string {
      requireSpec(key);
      return sources[key] ?? 'unset';
    },
    envName: (key) => ctx.prefix + key,
    ...structured,
    configDir: ctx.configDir,
    secrets: ctx.secrets,
  };
}

// ---- documents ------------------------------------------------------------------------------

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileUnreadable({ path, reason: errorReason(error) }, { cause: error });
  }
}

function errorReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : String((error as Error).message ?? error);
}

function parseFileDoc(ctx: Context, path: string): ConfigDoc | undefined {
  const text = readConfigText(path);
  const root = parseJsonc(text, (line, column, code) => `config file ${path}:${line}:${column}: ${code}`, ctx);
  const locate = (jsonPath: JSONPath): string => `file ${path}:${lineOf(text, nodeOffset(root, jsonPath))}`;
  return asDoc(ctx, root, `${ctx.prefix}CONFIG`, locate);
}

function parseInlineDoc(ctx: Context, text: string): ConfigDoc | undefined {
  const name = `${ctx.prefix}CONFIG_JSON`;
  const root = parseJsonc(text, (line, column, code) => `${name} (inline): invalid JSON at ${line}:${column}: ${code}`, ctx);
  return asDoc(ctx, root, name, () => 'inline');
}

type SyntaxIssue = (line: number, column: number, code: string) => string;

/** Parses JSON with comments and trailing commas; syntax errors become issues and yield undefined. */
function parseJsonc(text: string, syntaxIssue: SyntaxIssue, ctx: Context): Node | null | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  for (const error of errors) {
    const { line, column } = lineColumnOf(text, error.offset);
    ctx.issues.push(syntaxIssue(line, column, printParseErrorCode(error.error)));
  }
  return errors.length > 0 ? undefined : (root ?? null);
}

function asDoc(ctx: Context, root: Node | null | undefined, name: string, locate: ConfigDoc['locate']): ConfigDoc | undefined {
  if (root === undefined) return undefined;
  const value: unknown = root === null ? undefined : getNodeValue(root);
  if (!isPlainObject(value)) {
    ctx.issues.push(`${name} (${locate([])}): must be a JSON object, got ${describeValue(value)}`);
    return undefined;
  }
  return { value, locate };
}

/** Offset of the deepest node on `path` (the key of a property, when it is one). */
function nodeOffset(root: Node | null | undefined, path: JSONPath): number {
  if (!root) return 0;
  for (let length = path.length; length > 0; length--) {
    const node = findNodeAtLocation(root, path.slice(0, length));
    if (node) return node.parent?.type === 'property' ? node.parent.offset : node.offset;
  }
  return root.offset;
}

function lineOf(text: string, offset: number): number {
  return lineColumnOf(text, offset).line;
}

function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}

// ---- config objects -------------------------------------------------------------------------

function readDocParts(ctx: Context, doc: ConfigDoc | undefined): DocParts {
  const parts: DocParts = { flat: [] };
  if (doc === undefined) return parts;
  for (const [key, value] of Object.entries(doc.value)) {
    if (key === '$schema') continue;
    if ((SELECTION_KEYS as readonly string[]).includes(key)) {
      parts[key as (typeof SELECTION_KEYS)[number]] = readSelection(ctx, doc, value, [key], ['use', 'options']);
    } else if (key === 'providers') parts.providers = readProviders(ctx, doc, value);
    else if (key === 'identities') parts.identities = readIdentities(ctx, value, 'identities', (p) => doc.locate(['identities', ...p]));
    else if (key.startsWith(ctx.prefix)) readFlatKey(ctx, doc, key, value, parts.flat);
    else ctx.issues.push(unknownTopLevelIssue(ctx, key, doc.locate([key])));
  }
  return parts;
}

function unknownTopLevelIssue(ctx: Context, key: string, source: string): string {
  const candidates = [...STRUCTURED_KEYS, ...[...ctx.specs.keys()].map((k) => ctx.prefix + k)];
  const hint = closest(key, candidates, (candidate) => candidate.startsWith(ctx.prefix) ? candidate.slice(ctx.prefix.length) : candidate);
  return (
    `${key} (${source}): not a known top-level key; expected ${ctx.prefix}<KEY> settings or one of ` +
    `${STRUCTURED_KEYS.join(', ')}` + (hint ? `; did you mean ${hint}?` : '')
  );
}

function readFlatKey(ctx: Context, doc: ConfigDoc, name: string, value: unknown, out: RawValue[]): void {
  const key = name.slice(ctx.prefix.length);
  const source = doc.locate([name]);
  if (BOOTSTRAP_KEYS.includes(key)) {
    ctx.issues.push(`${name} (${source}): can only be set in the environment, not in a config object`);
    return;
  }
  if (!ctx.specs.has(key)) {
    ctx.issues.push(unknownSettingIssue(ctx, key, source));
    return;
  }
  if (value === null) return;
  if (isSecretRef(value)) {
    const resolved = resolveSecretRef(ctx, value, name, source);
    if (resolved !== undefined) out.push({ key, name, raw: resolved, source, fromSecretRef: true });
    return;
  }
  out.push({ key, name, raw: value, source });
}

function unknownSettingIssue(ctx: Context, key: string, source: string): string {
  const hint = closest(key, [...ctx.specs.keys()], (candidate) => candidate);
  return `${ctx.prefix}${key} (${source}): not a known setting` + (hint ? `; did you mean ${ctx.prefix}${hint}?` : '');
}

/** The candidate closest to `word` within Levenshtein distance 3, if any. */
function closest(word: string, candidates: readonly string[], compareAs: (candidate: string) => string): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toUpperCase(), compareAs(candidate).toUpperCase());
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---- structured keys ------------------------------------------------------------------------

function readSelection(
  ctx: Context,
  doc: ConfigDoc,
  value: unknown,
  path: JSONPath,
  allowed: readonly string[],
): PluginSelection | undefined {
  const key = formatPath(path);
  const source = doc.locate(path);
  if (!isPlainObject(value)) {
    ctx.issues.push(`${key} (${source}): expected an object with "use" and optional "options", got ${describeValue(value)}`);
    return undefined;
  }
  const before = ctx.issues.length;
  checkKnownKeys(ctx, value, allowed, (k) => `${key}.${k} (${doc.locate([...path, k])})`);
  if (typeof value.use !== 'string' || value.use.trim() === '') {
    ctx.issues.push(`${key}.use (${doc.locate([...path, 'use'])}): expected a package name or path, got ${describeValue(value.use)}`);
  }
  if (value.options !== undefined && !isPlainObject(value.options)) {
    ctx.issues.push(`${key}.options (${doc.locate([...path, 'options'])}): expected an object, got ${describeValue(value.options)}`);
  }
  if (ctx.issues.length > before) return undefined;
  const options = resolveSecrets(ctx, doc, value.options ?? {}, [...path, 'options']) as Record<string, unknown>;
  return { use: value.use as string, options, key, source };
}

function checkKnownKeys(ctx: Context, value: Record<string, unknown>, allowed: readonly string[], label: (key: string) => string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) ctx.issues.push(`${label(key)}: not a known key; expected ${allowed.join(', ')}`);
  }
}

function readProviders(ctx: Context, doc: ConfigDoc, value: unknown): ProviderSelection[] | undefined {
  if (!Array.isArray(value)) {
    ctx.issues.push(`providers (${doc.locate(['providers'])}): expected an array of { "use", "id", "options" }, got ${describeValue(value)}`);
    return undefined;
  }
  const providers: ProviderSelection[] = [];
  value.forEach((entry: unknown, index) => {
    const provider = readProvider(ctx, doc, entry, index);
    if (provider !== undefined) providers.push(provider);
  });
  return providers;
}

/** Unique ids are checked once, at assembly, across every source of providers (core's boot). */
function readProvider(ctx: Context, doc: ConfigDoc, entry: unknown, index: number): ProviderSelection | undefined {
  const path = ['providers', index];
  const selection = readSelection(ctx, doc, entry, path, ['use', 'id', 'options']);
  if (!isPlainObject(entry)) return undefined;
  const id = entry.id;
  const label = `providers[${index}].id (${doc.locate([...path, 'id'])})`;
  if (typeof id !== 'string' || !INSTANCE_ID_PATTERN.test(id)) {
    ctx.issues.push(`${label}: expected an instance id (lowercase letters, digits and "-", starting with a letter, at most 64 characters), got ${describeValue(id)}`);
    return undefined;
  }
  return selection && { ...selection, id };
}

/** Replaces every `{ "env": NAME }` / `{ "file": PATH }` inside `value` with the secret it names. */
function resolveSecrets(ctx: Context, doc: ConfigDoc, value: unknown, path: JSONPath): unknown {
  if (isSecretRef(value)) return resolveSecretRef(ctx, value, formatPath(path), doc.locate(path));
  if (Array.isArray(value)) return value.map((item: unknown, i) => resolveSecrets(ctx, doc, item, [...path, i]));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = resolveSecrets(ctx, doc, item, [...path, key]);
  return out;
}

type SecretRef = { env: string } | { file: string };

function isSecretRef(value: unknown): value is SecretRef {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof value[keys[0]] === 'string';
}

function resolveSecretRef(ctx: Context, ref: SecretRef, key: string, source: string): string | undefined {
  const result = 'env' in ref ? readEnvSecret(ctx, ref.env) : readFileSecret(ctx, ref.file);
  if ('reason' in result) {
    ctx.unresolved.push({ key, source, reason: result.reason });
    return undefined;
  }
  ctx.secrets.add(result.value);
  return result.value;
}

function readEnvSecret(ctx: Context, name: string): { value: string } | { reason: string } {
  const value = ctx.env[name];
  return value === undefined || value === '' ? { reason: `environment variable ${name} is not set` } : { value };
}

function readFileSecret(ctx: Context, file: string): { value: string } | { reason: string } {
  const path = resolve(ctx.configDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { reason: `cannot read secret file ${path}: ${errorReason(error)}` };
  }
  const value = text.replace(/\r?\n$/, '');
  return value === '' ? { reason: `secret file ${path} is empty` } : { value };
}

// ---- identities -----------------------------------------------------------------------------

/** Validates an identities array; `locate` maps a path inside it (`[2, 'role']`) to a source. */
function readIdentities(ctx: Context, value: unknown, name: string, locate: (path: JSONPath) => string): IdentityBootstrap[] {
  if (!Array.isArray(value)) {
    ctx.issues.push(`${name} (${locate([])}): expected an array of identities, got ${describeValue(value)}`);
    return [];
  }
  const identities: IdentityBootstrap[] = [];
  value.forEach((entry: unknown, index) => {
    const identity = readIdentity(ctx, entry, `${name}[${index}]`, (path) => locate([index, ...path]));
    if (identity !== undefined) identities.push(identity);
  });
  return identities;
}

function readIdentity(ctx: Context, entry: unknown, name: string, locate: (path: JSONPath) => string): IdentityBootstrap | undefined {
  if (!isPlainObject(entry)) {
    ctx.issues.push(`${name} (${locate([])}): expected an object { provider, externalUserId, role, workspaceId?, status? }, got ${describeValue(entry)}`);
    return undefined;
  }
  const before = ctx.issues.length;
  checkKnownKeys(ctx, entry, [...IDENTITY_FIELDS], (k) => `${name}.${k} (${locate([k])})`);
  const checked = checkIdentity(entry);
  if (!checked.ok) {
    for (const { field, expected } of checked.issues) ctx.issues.push(`${name}.${field} (${locate([field])}): expected ${expected}, got ${describeValue(entry[field])}`);
  }
  if (ctx.issues.length > before || !checked.ok) return undefined;
  return { ...(entry as Omit<IdentityBootstrap, 'source'>), source: locate([]) };
}

function settingIdentities(ctx: Context, settings: Record<string, unknown>, sources: Record<string, string>): IdentityBootstrap[] {
  const value = settings.IDENTITIES;
  if (!ctx.specs.has('IDENTITIES') || value === undefined) return [];
  const source = sources.IDENTITIES ?? 'default';
  return readIdentities(ctx, value, `${ctx.prefix}IDENTITIES`, () => source);
}

// ---- settings layers ------------------------------------------------------------------------

function defaultsLayer(ctx: Context, defaults: Record<string, unknown>): RawValue[] {
  const out: RawValue[] = [];
  for (const [key, raw] of Object.entries(defaults)) {
    if (raw === undefined) continue;
    if (ctx.specs.has(key)) out.push({ key, name: ctx.prefix + key, raw, source: 'default' });
    else ctx.issues.push(unknownSettingIssue(ctx, key, 'default'));
  }
  return out;
}

/** One value per key: `<prefix><KEY>`, else the first of its `envAliases` that is set. */
function envLayer(ctx: Context): RawValue[] {
  const out: RawValue[] = [];
  for (const spec of ctx.specs.values()) {
    const name = [ctx.prefix + spec.key, ...(spec.envAliases ?? [])].find((n) => ctx.env[n] !== undefined && ctx.env[n] !== '');
    if (name !== undefined) out.push({ key: spec.key, name, raw: ctx.env[name], source: 'env' });
  }
  return out;
}

function overridesLayer(ctx: Context, overrides: Record<string, unknown>): RawValue[] {
  const out: RawValue[] = [];
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === undefined || BOOTSTRAP_KEYS.includes(key)) continue;
    if (ctx.specs.has(key)) out.push({ key, name: ctx.prefix + key, raw, source: 'cli' });
    else ctx.issues.push(unknownSettingIssue(ctx, key, 'cli'));
  }
  return out;
}

function unknownEnvKeys(ctx: Context): string[] {
  return Object.keys(ctx.env)
    .filter((name) => name.startsWith(ctx.prefix))
    .filter((name) => {
      const key = name.slice(ctx.prefix.length);
      return !ctx.specs.has(key) && !BOOTSTRAP_KEYS.includes(key);
    })
    .sort();
}

/** Applies spec defaults, then each layer in order; a later valid value wins. */
function applyLayers(ctx: Context, layers: readonly RawValue[]): { settings: Record<string, unknown>; sources: Record<string, string> } {
  const settings: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const spec of ctx.specs.values()) {
    if (spec.default === undefined) continue;
    settings[spec.key] = spec.default;
    sources[spec.key] = 'default';
  }
  for (const layer of layers) {
    const spec = ctx.specs.get(layer.key)!;
    const parsed = parseLayer(ctx, spec, layer);
    if (parsed === undefined) continue;
    settings[spec.key] = parsed.value;
    sources[spec.key] = layer.source;
  }
  return { settings, sources };
}

function parseLayer(ctx: Context, spec: SettingSpec, layer: RawValue): { value: unknown } | undefined {
  const hidden = spec.secret === true || layer.fromSecretRef === true;
  if (spec.secret && typeof layer.raw === 'string') ctx.secrets.add(layer.raw);
  const result = parseSettingValue(spec, layer.raw);
  if (result.ok) return { value: result.value };
  ctx.issues.push(`${layer.name} (${layer.source}): expected ${result.expected}, got ${hidden ? 'an invalid value' : describeValue(layer.raw)}`);
  return undefined;
}

// ---- helpers --------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `['providers', 1, 'options', 'botToken']` → `providers[1].options.botToken`. */
function formatPath(path: JSONPath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** A short description of a (non-secret) value: JSON, truncated to 40 characters. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 39)}…` : json;
}
