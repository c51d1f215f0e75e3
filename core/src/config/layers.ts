/** Settings layers (defaults, env, overrides) and their precedence. */
import { BOOTSTRAP_KEYS, describeValue, type Context, type RawValue } from './context.js';
import { unknownSettingIssue } from './keys.js';
import { parseSettingValue } from './settings.js';
import type { SettingSpec } from './settings.js';

export function defaultsLayer(ctx: Context, defaults: Record<string, unknown>): RawValue[] {
  const out: RawValue[] = [];
  for (const [key, raw] of Object.entries(defaults)) {
    if (raw === undefined) continue;
    if (ctx.specs.has(key)) out.push({ key, name: ctx.prefix + key, raw, source: 'default' });
    else ctx.issues.push(unknownSettingIssue(ctx, key, 'default'));
  }
  return out;
}

/** One value per key: `<prefix><KEY>`, else the first of its `envAliases` that is set. */
export function envLayer(ctx: Context): RawValue[] {
  const out: RawValue[] = [];
  for (const spec of ctx.specs.values()) {
    const name = [ctx.prefix + spec.key, ...(spec.envAliases ?? [])].find((n) => ctx.env[n] !== undefined && ctx.env[n] !== '');
    if (name !== undefined) out.push({ key: spec.key, name, raw: ctx.env[name], source: 'env' });
  }
  return out;
}

export function overridesLayer(ctx: Context, overrides: Record<string, unknown>): RawValue[] {
  const out: RawValue[] = [];
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === undefined || BOOTSTRAP_KEYS.includes(key)) continue;
    if (ctx.specs.has(key)) out.push({ key, name: ctx.prefix + key, raw, source: 'cli' });
    else ctx.issues.push(unknownSettingIssue(ctx, key, 'cli'));
  }
  return out;
}

export function unknownEnvKeys(ctx: Context): string[] {
  return Object.keys(ctx.env)
    .filter((name) => name.startsWith(ctx.prefix))
    .filter((name) => {
      const key = name.slice(ctx.prefix.length);
      return !ctx.specs.has(key) && !BOOTSTRAP_KEYS.includes(key);
    })
    .sort();
}

/** Applies spec defaults, then each layer in order; a later valid value wins. */
export function applyLayers(ctx: Context, layers: readonly RawValue[]): { settings: Record<string, unknown>; sources: Record<string, string> } {
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

export function parseLayer(ctx: Context, spec: SettingSpec, layer: RawValue): { value: unknown } | undefined {
  const hidden = spec.secret === true || layer.fromSecretRef === true;
  if (spec.secret && typeof layer.raw === 'string') ctx.secrets.add(layer.raw);
  const result = parseSettingValue(spec, layer.raw);
  if (result.ok) return { value: result.value };
  ctx.issues.push(`${layer.name} (${layer.source}): expected ${result.expected}, got ${hidden ? 'an invalid value' : describeValue(layer.raw)}`);
  return undefined;
}
