import type { GatewayPlugin, PluginSetting, PluginSettingRef } from '../plugin.js';
import type { LoadedConfig, PluginSelection, ProviderSelection } from './load.js';
import type { SettingSpec } from './settings.js';

function isRef(setting: PluginSetting | PluginSettingRef): setting is PluginSettingRef {
  return (setting as PluginSettingRef).shared === true;
}

/** The setting specs a plugin declares, with the plugin as their reader (for `loadConfig` and the docs). */
export function pluginSettingSpecs(plugin: GatewayPlugin): SettingSpec[] {
  return (plugin.settings ?? []).filter((s): s is PluginSetting => !isRef(s)).map(({ option: _option, fallback: _fallback, ...spec }) => ({ ...spec, readBy: plugin.name }));
}

/**
 * The plugin's options as its flat settings describe them: each mapped setting with a value
 * (set, defaulted, or from its `fallback` key) fills its option path. Unset settings are left
 * out, so the schema's own defaults apply.
 */
export function pluginOptionsFromSettings(plugin: GatewayPlugin, config: LoadedConfig): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const setting of plugin.settings ?? []) {
    if (!setting.option) continue;
    let value = config.get<unknown>(setting.key);
    if (value === undefined && !isRef(setting) && setting.fallback) value = config.get<unknown>(setting.fallback);
    if (value !== undefined) setPath(options, setting.option, value);
  }
  return options;
}

/** Whether the plugin's `enabledBy` setting is set (a plugin without one is never enabled by settings). */
export function pluginEnabledBySettings(plugin: GatewayPlugin, config: LoadedConfig): boolean {
  return plugin.enabledBy !== undefined && config.isSet(plugin.enabledBy);
}

/**
 * A selection of `use` with options from flat settings, named after `key` (default: the plugin's
 * `enabledBy` setting) in error messages. Providers get their id from `instanceIdSetting`.
 */
export function pluginSelectionFromSettings(plugin: GatewayPlugin, config: LoadedConfig, use: string, key = plugin.enabledBy): PluginSelection {
  const named = key ?? plugin.settings?.[0]?.key ?? 'options';
  return { use, options: pluginOptionsFromSettings(plugin, config), key: config.envName(named), source: config.sourceOf(named) };
}

/** {@link pluginSelectionFromSettings} for a provider: its id from the plugin's `instanceIdSetting`. */
export function providerSelectionFromSettings(plugin: GatewayPlugin, config: LoadedConfig, use: string): ProviderSelection {
  const id = plugin.instanceIdSetting ? config.get<string>(plugin.instanceIdSetting) : plugin.name;
  return { ...pluginSelectionFromSettings(plugin, config, use), id };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}
