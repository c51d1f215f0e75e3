import * as v from 'valibot';
import { secret, token, type PluginSetting, type PluginSettingRef } from '@cowork-gateway/core';

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

/** The flat settings (seed names) that fill these options when a host selects this store from env. */
export const pgStoreSettings: readonly (PluginSetting | PluginSettingRef)[] = [
  { key: 'DATABASE_URL', option: 'url', type: 'string', secret: true, description: 'PostgreSQL connection URL (postgres://user:password@host:5432/db); required when STORE is postgres.' },
  { key: 'DATABASE_SSL', option: 'ssl', type: 'boolean', default: false, description: 'Connect to PostgreSQL over TLS; any ssl* parameters in the URL are then replaced by the settings below.' },
  { key: 'DATABASE_SSL_REJECT_UNAUTHORIZED', option: 'sslRejectUnauthorized', type: 'boolean', default: true, description: "Verify the server's TLS certificate; team and enterprise deployments refuse to start without verification." },
  { key: 'DATABASE_SSL_CA_PATH', option: 'sslCaPath', type: 'string', description: 'PEM file of the CA that signed the PostgreSQL server certificate.' },
  { key: 'DATABASE_SSL_CERT_PATH', option: 'sslCertPath', type: 'string', description: 'PEM client certificate for PostgreSQL certificate authentication (optional).' },
  { key: 'DATABASE_SSL_KEY_PATH', option: 'sslKeyPath', type: 'string', description: 'PEM private key of the client certificate (optional).' },
  { key: 'DEPLOYMENT_MODE', option: 'deploymentMode', shared: true },
  { key: 'DATABASE_SCHEMA', option: 'schema', type: 'string', default: 'public', description: 'PostgreSQL schema holding the gateway tables.' },
  { key: 'DATABASE_POOL_MAX', option: 'poolMax', type: 'integer', default: 10, min: 1, max: 200, description: 'Most PostgreSQL connections one gateway process opens.' },
  { key: 'DATABASE_MIGRATE', option: 'migrate', type: 'enum', values: ['auto', 'verify'], default: 'auto', description: 'auto applies pending schema migrations at start (under an advisory lock); verify refuses to start until `cowork-standalone-gateway migrate` ran.' },
];
