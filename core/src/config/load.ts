/**
 * The configuration loader: merges spec defaults, host defaults, a JSON/JSONC config file, inline
 * JSON, the environment and CLI overrides into one typed, validated {@link LoadedConfig}.
 */
import { dirname, resolve } from 'node:path';
import { ConfigInvalid, ConfigSecretUnresolved, defineError } from '../errors.js';
import { SecretRegistry, redactText } from '../redaction.js';
import type { Context } from './context.js';
import { parseFileDoc, parseInlineDoc } from './document.js';
import { settingIdentities } from './identities.js';
import { applyLayers, defaultsLayer, envLayer, overridesLayer, unknownEnvKeys } from './layers.js';
import { readDocParts } from './plugin-selections.js';
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

