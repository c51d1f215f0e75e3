/** Secret references in config documents: `{ "env": NAME }` and `{ "file": PATH }`. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JSONPath } from 'jsonc-parser';
import { formatPath, isPlainObject, type ConfigDoc, type Context } from './context.js';
import { errorReason } from './document.js';

/** Replaces every `{ "env": NAME }` / `{ "file": PATH }` inside `value` with the secret it names. */
export function resolveSecrets(ctx: Context, doc: ConfigDoc, value: unknown, path: JSONPath): unknown {
  if (isSecretRef(value)) return resolveSecretRef(ctx, value, formatPath(path), doc.locate(path));
  if (Array.isArray(value)) return value.map((item: unknown, i) => resolveSecrets(ctx, doc, item, [...path, i]));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = resolveSecrets(ctx, doc, item, [...path, key]);
  return out;
}

export type SecretRef = { env: string } | { file: string };

export function isSecretRef(value: unknown): value is SecretRef {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof value[keys[0]] === 'string';
}

export function resolveSecretRef(ctx: Context, ref: SecretRef, key: string, source: string): string | undefined {
  const result = 'env' in ref ? readEnvSecret(ctx, ref.env) : readFileSecret(ctx, ref.file);
  if ('reason' in result) {
    ctx.unresolved.push({ key, source, reason: result.reason });
    return undefined;
  }
  ctx.secrets.add(result.value);
  return result.value;
}

export function readEnvSecret(ctx: Context, name: string): { value: string } | { reason: string } {
  const value = ctx.env[name];
  return value === undefined || value === '' ? { reason: `environment variable ${name} is not set` } : { value };
}

export function readFileSecret(ctx: Context, file: string): { value: string } | { reason: string } {
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
