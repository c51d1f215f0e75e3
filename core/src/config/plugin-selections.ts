/** The structured keys of a config document: `store`, `executor`, `renderer`, `providers[]`. */
import { INSTANCE_ID_PATTERN } from '../plugin.js';
import type { JSONPath } from 'jsonc-parser';
import { SELECTION_KEYS, describeValue, formatPath, isPlainObject, type ConfigDoc, type Context, type DocParts } from './context.js';
import { readIdentities } from './identities.js';
import { checkKnownKeys, readFlatKey, unknownTopLevelIssue } from './keys.js';
import type { PluginSelection, ProviderSelection } from './load.js';
import { resolveSecrets } from './secret-refs.js';

export function readDocParts(ctx: Context, doc: ConfigDoc | undefined): DocParts {
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

export function readSelection(
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

export function readProviders(ctx: Context, doc: ConfigDoc, value: unknown): ProviderSelection[] | undefined {
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
export function readProvider(ctx: Context, doc: ConfigDoc, entry: unknown, index: number): ProviderSelection | undefined {
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
