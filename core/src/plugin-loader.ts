import { createRequire } from 'node:module';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import * as v from 'valibot';
import {
  PluginCoreVersionMismatch,
  PluginDependencyMissing,
  PluginInstanceIdInvalid,
  PluginInvalid,
  PluginNotFound,
  PluginOptionsInvalid,
  PluginWrongKind,
} from './errors.js';
import type { Logger } from './logging.js';
import { INSTANCE_ID_PATTERN, isGatewayPlugin, type GatewayPlugin } from './plugin.js';
import { CLOCK, INSTANCE, LOGGER, systemClock, type Clock, type InstanceInfo, type PluginKind } from './tokens.js';
import { satisfiesRange } from './semver-range.js';
import { secretValuesOf } from './config/secret-schema.js';
import { SecretRegistry, redactText } from './redaction.js';

/** The version of this core, checked against each plugin's `core` range. */
export const CORE_VERSION = '0.1.0';

export interface PluginLocation {
  /** Package name (`@cowork-gateway/memory-store`) or a path relative to `baseDir`. */
  use: string;
  /** Directory relative paths are resolved from (the config file's directory). */
  baseDir: string;
  /** Extra directories to resolve package names from (the host package), after baseDir. */
  searchDirs?: readonly string[];
}

/** Imports a plugin module and returns its default export, with coded errors for every failure. */
export async function loadPluginModule(location: PluginLocation): Promise<GatewayPlugin> {
  const url = resolvePluginUrl(location);
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (isModuleNotFound(error)) throw new PluginNotFound({ use: location.use, from: location.baseDir }, { cause: error });
    throw new PluginInvalid({ use: location.use, reason: `it failed to load (${(error as Error).message})` }, { cause: error });
  }
  const candidate = module.default ?? module.plugin;
  if (!isGatewayPlugin(candidate)) {
    throw new PluginInvalid({ use: location.use, reason: 'its default export is not a plugin object' });
  }
  if (candidate.core && !satisfiesRange(CORE_VERSION, candidate.core)) {
    throw new PluginCoreVersionMismatch({ use: location.use, wants: candidate.core, have: CORE_VERSION });
  }
  return candidate;
}

function resolvePluginUrl({ use, baseDir, searchDirs = [] }: PluginLocation): string {
  if (isPathLike(use)) {
    const path = isAbsolute(use) ? use : resolvePath(baseDir, use);
    return pathToFileURL(path).href;
  }
  for (const dir of [baseDir, ...searchDirs]) {
    try {
      return pathToFileURL(createRequire(join(dir, 'noop.js')).resolve(use)).href;
    } catch {
      // try the next directory
    }
  }
  throw new PluginNotFound({ use, from: [baseDir, ...searchDirs].join(', ') });
}

function isPathLike(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || use.startsWith('/') || use.startsWith('file:');
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT';
}

/** A plugin bound into its own child container, ready to resolve its contract token. */
export interface PluginInstance {
  plugin: GatewayPlugin;
  instance: InstanceInfo;
  options: unknown;
  container: DependencyContainer;
}

export interface InstantiateOptions {
  plugin: GatewayPlugin;
  use: string;
  /** Config path used in error messages, e.g. `providers[1]`. */
  key: string;
  /** Label of where the selection came from, e.g. `file ./gateway.jsonc:12`. */
  source?: string;
  expectedKind: PluginKind;
  instanceId: string;
  rawOptions: unknown;
  parent: DependencyContainer;
  logger: Logger;
  clock?: Clock;
  /**
   * The config's secret registry: option values under a `secret()`-marked schema are added to it
   * before validation, so neither logs nor the validation error can show them.
   */
  secrets?: SecretRegistry;
}

/**
 * Checks kind, id, options and declared `needs`, then registers the plugin in a fresh child
 * container.
 */
export function instantiatePlugin(options: InstantiateOptions): PluginInstance {
  const { plugin, use, key, expectedKind, instanceId } = options;
  if (plugin.kind !== expectedKind) {
    throw new PluginWrongKind({ use, expected: expectedKind, actual: plugin.kind, key });
  }
  if (!INSTANCE_ID_PATTERN.test(instanceId)) throw new PluginInstanceIdInvalid({ id: instanceId, key: `${key}.id` });
  const secrets = options.secrets ?? new SecretRegistry();
  for (const value of secretValuesOf(plugin.configSchema, options.rawOptions)) secrets.add(value);
  const parsed = v.safeParse(plugin.configSchema, options.rawOptions ?? {});
  if (!parsed.success) {
    const where = options.source ? ` (${options.source})` : '';
    const masked = secrets.list();
    throw new PluginOptionsInvalid({ use, issues: parsed.issues.map((issue) => redactText(describeIssue(`${key}.options`, issue), masked) + where) });
  }
  const instance: InstanceInfo = { id: instanceId, plugin: plugin.name, kind: plugin.kind };
  const container = options.parent.createChildContainer();
  container.register(INSTANCE, { useValue: instance });
  container.register(LOGGER, { useValue: options.logger.child({ component: plugin.kind, plugin: plugin.name, instance: instanceId }) });
  container.register(CLOCK, { useValue: options.clock ?? systemClock });
  for (const need of plugin.needs ?? []) {
    if (!container.isRegistered(need, true)) throw new PluginDependencyMissing({ plugin: plugin.name, token: tokenId(need) });
  }
  plugin.register(container, parsed.output, instance);
  return { plugin, instance, options: parsed.output, container };
}

/** A token's dotted id for messages: `core.executor` (its symbol description without core's namespace). */
export function tokenId(t: symbol): string {
  return (t.description ?? String(t)).replace(/^cowork-gateway:/, '');
}

/** One line per valibot issue: `providers[1].options.url: expected string, got number`. */
export function describeIssue(prefix: string, issue: v.BaseIssue<unknown>): string {
  const path = (issue.path ?? []).map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`)).join('');
  return `${prefix}${path}: ${issue.message}`;
}
