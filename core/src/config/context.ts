/** Internal state and helpers shared by the config loader's parts (not exported from core). */
import type { JSONPath } from 'jsonc-parser';
import type { SecretRegistry } from '../redaction.js';
import type { IdentityBootstrap, PluginSelection, ProviderSelection } from './load.js';
import type { SettingSpec } from './settings.js';

export const STRUCTURED_KEYS = ['store', 'executor', 'renderer', 'providers', 'identities', '$schema'] as const;
export const SELECTION_KEYS = ['store', 'executor', 'renderer'] as const;
export const BOOTSTRAP_KEYS = ['CONFIG', 'CONFIG_JSON'];

export interface Context {
  prefix: string;
  specs: Map<string, SettingSpec>;
  env: Record<string, string | undefined>;
  configDir: string;
  issues: string[];
  unresolved: { key: string; source: string; reason: string }[];
  secrets: SecretRegistry;
}

export interface RawValue {
  key: string;
  name: string;
  raw: unknown;
  source: string;
  fromSecretRef?: boolean;
}

export interface ConfigDoc {
  value: Record<string, unknown>;
  locate(path: JSONPath): string;
}

export interface DocParts {
  flat: RawValue[];
  store?: PluginSelection;
  executor?: PluginSelection;
  renderer?: PluginSelection;
  providers?: ProviderSelection[];
  identities?: IdentityBootstrap[];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `['providers', 1, 'options', 'botToken']` → `providers[1].options.botToken`. */
export function formatPath(path: JSONPath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** A short description of a (non-secret) value: JSON, truncated to 40 characters. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 39)}…` : json;
}
