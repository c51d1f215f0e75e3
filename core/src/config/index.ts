/**
 * Configuration of cowork-gateway: setting specs, the loader and the docs generators.
 */
export { CORE_SETTINGS, describeSettingType, parseSettingValue } from './settings.js';
export type { SettingParseResult, SettingSpec, SettingType } from './settings.js';
export { ConfigUnknownSetting, loadConfig } from './load.js';
export type {
  IdentityBootstrap,
  LoadConfigOptions,
  LoadedConfig,
  PluginSelection,
  ProviderSelection,
} from './load.js';
export { configFileJsonSchema, renderSettingsTable } from './docs.js';
