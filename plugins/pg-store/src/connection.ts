import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import type { GatewayError, Logger } from '@cowork-gateway/core';
import { PgStoreConnectFailed, PgStoreTlsFileUnreadable, PgStoreTlsRequired } from './errors.js';
import type { PgStoreOptions } from './options.js';

/** The postgres.js client type used throughout the package. */
export type Sql = postgres.Sql;
/** Anything that runs a query: the pool, a transaction or a reserved connection. */
export type Queryable = postgres.ISql;

const ENV_PREFIX = 'OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_';
const TLS_FILES = [
  { option: 'sslCaPath', env: `${ENV_PREFIX}SSL_CA_PATH`, field: 'ca' },
  { option: 'sslCertPath', env: `${ENV_PREFIX}SSL_CERT_PATH`, field: 'cert' },
  { option: 'sslKeyPath', env: `${ENV_PREFIX}SSL_KEY_PATH`, field: 'key' },
] as const;

/** Team and enterprise deployments refuse anything but verified TLS (seed "Postgres TLS"). */
export function assertTlsPolicy(options: PgStoreOptions): void {
  if (options.deploymentMode === 'solo') return;
  if (!options.ssl || !options.sslRejectUnauthorized) throw new PgStoreTlsRequired({ deploymentMode: options.deploymentMode });
}

/**
 * The URL without `ssl*`/`sslmode` query parameters: TLS comes only from the explicit options,
 * and postgres.js would otherwise send unknown parameters to the server as settings.
 */
export function stripSslParams(url: string): { url: string; stripped: string[] } {
  const parsed = new URL(url);
  const stripped = [...parsed.searchParams.keys()].filter((key) => key.toLowerCase().startsWith('ssl'));
  for (const key of stripped) parsed.searchParams.delete(key);
  return { url: parsed.toString(), stripped };
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured database URL';
  }
}

/** TLS options for node's `tls.connect`, reading the CA, cert and key files the options name. */
export function tlsOptions(options: PgStoreOptions): postgres.Options<{}>['ssl'] {
  if (!options.ssl) return false;
  const tls: Record<string, unknown> = { rejectUnauthorized: options.sslRejectUnauthorized };
  for (const file of TLS_FILES) {
    const path = options[file.option];
    if (path !== undefined) tls[file.field] = readTlsFile(path, file);
  }
  return tls as postgres.Options<{}>['ssl'];
}

function readTlsFile(path: string, file: (typeof TLS_FILES)[number]): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new PgStoreTlsFileUnreadable({ option: file.option, env: file.env, path, reason });
  }
}

/**
 * A postgres.js client for `options`: TLS only from the explicit options, the store's schema as
 * `search_path`, notices to the debug log. Does no I/O beyond reading the TLS files.
 */
export function createClient(options: PgStoreOptions, logger: Logger, overrides: { max?: number } = {}): Sql {
  assertTlsPolicy(options);
  const { url, stripped } = stripSslParams(options.url);
  if (stripped.length > 0) logger.warn('pg_store.url_ssl_params_ignored', { params: stripped, hint: 'TLS is set by the ssl* options only' });
  return postgres(url, {
    ssl: tlsOptions(options),
    max: overrides.max ?? options.poolMax,
    connect_timeout: 10,
    idle_timeout: 60,
    onnotice: (notice) => logger.debug('pg_store.notice', { message: notice.message }),
    connection: { search_path: options.schema, application_name: 'cowork-gateway' },
  });
}

/** Wraps a failed first contact with the database in `pg_store.connect_failed` (password redacted). */
export function connectFailed(options: PgStoreOptions, error: unknown): GatewayError {
  return new PgStoreConnectFailed({ url: redactUrl(options.url), reason: describeFailure(error, options.url) }, { cause: error });
}

/** A one-line reason for a database error, never containing the URL's password. */
export function describeFailure(error: unknown, url: string): string {
  const e = error as { code?: string; message?: string };
  const parts = [e.code, e.message].filter((p): p is string => typeof p === 'string' && p.length > 0);
  let text = parts.length > 0 ? [...new Set(parts)].join(': ') : String(error);
  const password = safePassword(url);
  if (password) text = text.split(password).join('***');
  return text;
}

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
