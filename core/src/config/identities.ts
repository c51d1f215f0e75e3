/** Bootstrap identities from a config document or the IDENTITIES setting, checked by core's one identity schema. */
import type { JSONPath } from 'jsonc-parser';
import { describeValue, isPlainObject, type Context } from './context.js';
import { IDENTITY_FIELDS, checkIdentity } from './identity-schema.js';
import { checkKnownKeys } from './keys.js';
import type { IdentityBootstrap } from './load.js';

/** Validates an identities array; `locate` maps a path inside it (`[2, 'role']`) to a source. */
export function readIdentities(ctx: Context, value: unknown, name: string, locate: (path: JSONPath) => string): IdentityBootstrap[] {
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

export function readIdentity(ctx: Context, entry: unknown, name: string, locate: (path: JSONPath) => string): IdentityBootstrap | undefined {
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

export function settingIdentities(ctx: Context, settings: Record<string, unknown>, sources: Record<string, string>): IdentityBootstrap[] {
  const value = settings.IDENTITIES;
  if (!ctx.specs.has('IDENTITIES') || value === undefined) return [];
  const source = sources.IDENTITIES ?? 'default';
  return readIdentities(ctx, value, `${ctx.prefix}IDENTITIES`, () => source);
}
