import * as v from 'valibot';

/** Metadata a {@link secret} action puts on a schema's pipe. */
export type SecretMetadata = { readonly secret: true };

/**
 * A valibot pipe action marking an option as secret: `v.pipe(v.string(), secret(), v.description(…))`.
 * Core registers the value with the config's secret registry wherever it came from (env, a config
 * file, inline `providers[].options`), so it is masked in logs and error messages. A secret that
 * is a URL has its password masked on its own as well.
 */
export function secret<TInput>(): v.MetadataAction<TInput, SecretMetadata> {
  return v.metadata<TInput, SecretMetadata>({ secret: true });
}

type AnySchema = v.GenericSchema & {
  pipe?: readonly { type: string; metadata?: Record<string, unknown> }[];
  wrapped?: AnySchema;
  entries?: Record<string, AnySchema>;
  item?: AnySchema;
  options?: readonly AnySchema[];
  value?: AnySchema;
};

/** Whether a schema (or the schema it wraps as optional/nullable) carries the {@link secret} marker. */
export function isSecretSchema(schema: v.GenericSchema): boolean {
  const s = schema as AnySchema;
  if (s.pipe?.some((action) => action.type === 'metadata' && action.metadata?.secret === true)) return true;
  return s.wrapped !== undefined && isSecretSchema(s.wrapped);
}

/**
 * The string values of `value` that sit at secret-marked places of `schema`. Works on raw,
 * unvalidated input, so secrets are known before a validation message could echo one.
 */
export function secretValuesOf(schema: v.GenericSchema, value: unknown): string[] {
  const out: string[] = [];
  collect(schema as AnySchema, value, out, 0);
  return out;
}

function collect(schema: AnySchema, value: unknown, out: string[], depth: number): void {
  if (value === undefined || value === null || depth > 16) return;
  if (isSecretSchema(schema)) {
    if (typeof value === 'string') addSecret(value, out);
    return;
  }
  if (schema.wrapped) return collect(schema.wrapped, value, out, depth + 1);
  if (schema.entries && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, entry] of Object.entries(schema.entries)) collect(entry, (value as Record<string, unknown>)[key], out, depth + 1);
    return;
  }
  if (schema.item && Array.isArray(value)) {
    for (const item of value) collect(schema.item, item, out, depth + 1);
    return;
  }
  if (schema.options && Array.isArray(schema.options)) {
    // union / variant: whichever branch marks a place secret, its value is a secret.
    for (const option of schema.options) collect(option, value, out, depth + 1);
    return;
  }
  if (schema.value && typeof value === 'object' && !Array.isArray(value)) {
    for (const item of Object.values(value as Record<string, unknown>)) collect(schema.value, item, out, depth + 1);
  }
}

function addSecret(value: string, out: string[]): void {
  out.push(value);
  if (!value.includes('://')) return;
  try {
    const password = new URL(value).password;
    if (password) out.push(password, decodeURIComponent(password));
  } catch {
    // not a URL: the whole value is already registered
  }
}
