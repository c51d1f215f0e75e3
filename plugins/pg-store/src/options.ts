import * as v from 'valibot';
import { secret, token } from '@cowork-gateway/core';

/** A plain, unquoted SQL identifier (what `schema` accepts). */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

const flag = (description: string, fallback: boolean) => v.optional(v.pipe(v.boolean(), v.description(description)), fallback);
const filePath = (description: string) => v.optional(v.pipe(v.string(), v.minLength(1), v.description(description)));

/** Options of `@cowork-gateway/pg-store`; only `url` is required. */
export const pgStoreOptions = v.strictObject({
  url: v.pipe(
    v.string(),
    v.regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL'),
    secret(),
    v.description('Connection URL, postgres://user:password@host:port/database. Required; its password is never logged.'),
  ),
  ssl: flag('Connect with TLS. Default false.', false),
  sslRejectUnauthorized: flag('Verify the server certificate (chain and host name) when ssl is on. Default true.', true),
  sslCaPath: filePath('PEM file of the CA that signed the server certificate. Default: the system CAs.'),
  sslCertPath: filePath('PEM client certificate, for servers that require one. Default: none.'),
  sslKeyPath: filePath('PEM private key of the client certificate. Default: none.'),
  deploymentMode: v.optional(
    v.pipe(
      v.picklist(['solo', 'team', 'enterprise']),
      v.description('solo allows a plain local connection; team and enterprise require verified TLS. Default "solo".'),
    ),
    'solo',
  ),
  schema: v.optional(
    v.pipe(
      v.string(),
      v.regex(SQL_IDENTIFIER, 'expected a lowercase SQL identifier (letters, digits, "_"; at most 63 characters)'),
      v.description('Database schema holding the tables; created if missing. Default "public".'),
    ),
    'public',
  ),
  poolMax: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000), v.description('Most pooled connections. Default 10.')), 10),
  migrate: v.optional(
    v.pipe(
      v.picklist(['auto', 'verify']),
      v.description('auto applies pending migrations at start; verify refuses to start while any are pending. Default "auto".'),
    ),
    'auto',
  ),
});

/** Options as written in config (defaults not yet applied). */
export type PgStoreOptionsInput = v.InferInput<typeof pgStoreOptions>;
/** Parsed options of the PostgreSQL store. */
export type PgStoreOptions = v.InferOutput<typeof pgStoreOptions>;

/** Injection token of the parsed {@link PgStoreOptions}. */
export const PG_STORE_OPTIONS = token<PgStoreOptions>('pg-store.options');
