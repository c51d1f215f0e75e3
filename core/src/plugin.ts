import type { DependencyContainer } from 'tsyringe';
import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import type { SettingSpec } from './config/settings.js';
import type { InstanceInfo, PluginKind, Token } from './tokens.js';

/**
 * A flat setting (`<prefix><KEY>`, seed names) a plugin declares next to its schema. Core adds it
 * to the host's settings (documented with the plugin as reader) and copies its value into the
 * option at `option` when the host selects the plugin from flat settings.
 */
export type PluginSetting = Omit<SettingSpec, 'readBy'> & {
  /** Dotted option path the value fills (`token`, `managed.dataDir`); absent: only the host reads it. */
  option?: string;
  /** Another setting key read when this one is unset (e.g. `PUBLIC_URL`). */
  fallback?: string;
};

/** Maps a setting declared elsewhere (by core or the host) onto one of this plugin's options. */
export interface PluginSettingRef {
  key: string;
  option: string;
  /** Declared by core or the host, not by this plugin. */
  shared: true;
}

const PLUGIN_BRAND = Symbol.for('cowork-gateway.plugin');

/** What a plugin author writes; see {@link definePlugin}. */
export interface PluginSpec<S extends v.GenericSchema = v.GenericSchema> {
  /** Equals the npm package name (or a file-local name for relative plugins). */
  name: string;
  kind: PluginKind;
  /** Range of @cowork-gateway/core versions supported, e.g. `^0.1.0`. Default: any. */
  core?: string;
  /** One line shown by `validate` and in docs. */
  description?: string;
  /** valibot schema of `options`; exported as JSON Schema for docs and editors. */
  configSchema: S;
  /**
   * Tokens this plugin injects that other plugins or the host provide (`STORE`, `EXECUTOR`, a
   * token of another plugin). Checked when the instance is created, before anything is resolved:
   * a missing one fails with `plugin.dependency_missing` naming the plugin and the token.
   * Core's per-instance tokens (`INSTANCE`, `LOGGER`, `CLOCK`) are always present. Default: none.
   */
  needs?: readonly Token<unknown>[];
  /** Flat settings that fill this plugin's options when a host selects it from env; see {@link PluginSetting}. */
  settings?: readonly (PluginSetting | PluginSettingRef)[];
  /** The setting whose being set selects this plugin from flat settings (Telegram: `TELEGRAM_BOT_TOKEN`). */
  enabledBy?: string;
  /** The setting naming the instance id of a provider selected from flat settings (`TELEGRAM_PROVIDER_ID`). */
  instanceIdSetting?: string;
  /**
   * Binds the plugin's classes in the child container the kernel made for this instance.
   * Synchronous, no I/O: I/O starts in `start()`.
   */
  register(container: DependencyContainer, options: v.InferOutput<S>, instance: InstanceInfo): void;
}

/** A plugin object as loaded from a module's default export. */
export type GatewayPlugin<S extends v.GenericSchema = v.GenericSchema> = Readonly<PluginSpec<S>> & {
  readonly [PLUGIN_BRAND]: true;
};

/** Declares a plugin: a typed plain object, default-exported by the plugin module. */
export function definePlugin<S extends v.GenericSchema>(spec: PluginSpec<S>): GatewayPlugin<S> {
  return Object.freeze({ ...spec, [PLUGIN_BRAND]: true as const });
}

export function isGatewayPlugin(value: unknown): value is GatewayPlugin {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}

/** The pattern every instance id must match (kebab-case, starts with a letter, ≤ 64 chars). */
export const INSTANCE_ID_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * The JSON Schema (draft-07) of a plugin's `options`, for docs and editor completion. Parts
 * valibot cannot express (custom checks) are left out rather than failing.
 */
export function pluginOptionsJsonSchema(plugin: GatewayPlugin): Record<string, unknown> {
  return toJsonSchema(plugin.configSchema, { errorMode: 'ignore' }) as Record<string, unknown>;
}
