import { defineError } from '@cowork-gateway/core';

/** Team and enterprise deployments must use verified TLS (seed "Postgres TLS"). */
export const PgStoreTlsRequired = defineError<{ deploymentMode: string }>({
  code: 'pg_store.tls_required',
  status: 400,
  message: ({ deploymentMode }) =>
    `pg_store.tls_required: deployment mode "${deploymentMode}" needs verified Postgres TLS; set ` +
    'OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SSL=true and OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SSL_REJECT_UNAUTHORIZED=true ' +
    '(options ssl and sslRejectUnauthorized), or use deployment mode "solo" for a local database',
});

/** A TLS file named in the options cannot be read; the message names the setting, never the contents. */
export const PgStoreTlsFileUnreadable = defineError<{ option: string; env: string; path: string; reason: string }>({
  code: 'pg_store.tls_file_unreadable',
  status: 400,
  message: ({ option, env, path, reason }) =>
    `pg_store.tls_file_unreadable: cannot read ${path}, named by ${env} (option ${option}): ${reason}; fix the path or the file's permissions`,
});

/** The database did not answer; `url` has its password removed. */
export const PgStoreConnectFailed = defineError<{ url: string; reason: string }>({
  code: 'pg_store.connect_failed',
  status: 503,
  message: ({ url, reason }) =>
    `pg_store.connect_failed: cannot connect to ${url}: ${reason}; check OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_URL and the TLS settings`,
});

/** The schema was migrated by a newer release than this one. */
export const PgStoreSchemaTooNew = defineError<{ schema: string; current: number; latest: number }>({
  code: 'pg_store.schema_too_new',
  status: 500,
  message: ({ schema, current, latest }) =>
    `pg_store.schema_too_new: schema "${schema}" is at version ${current} but this release knows only up to ${latest}; ` +
    'run the release that migrated it (or newer), or restore a backup made for this release',
});

/** `migrate: verify` and the schema is behind. */
export const PgStoreMigrationsPending = defineError<{ schema: string; pending: readonly string[] }>({
  code: 'pg_store.migrations_pending',
  status: 500,
  message: ({ schema, pending }) =>
    `pg_store.migrations_pending: schema "${schema}" needs migrations ${pending.join(', ')}; ` +
    'run the host\'s migrate command, or set the store option migrate to "auto"',
});

/** A migration's SQL failed; nothing of that run was applied (one transaction). */
export const PgStoreMigrationFailed = defineError<{ schema: string; migration: string; reason: string }>({
  code: 'pg_store.migration_failed',
  status: 500,
  message: ({ schema, migration, reason }) =>
    `pg_store.migration_failed: migration ${migration} failed on schema "${schema}" and was rolled back: ${reason}`,
});

/** A repository was used before `start()` or after `close()`. */
export const PgStoreNotStarted = defineError<void>({
  code: 'pg_store.not_started',
  status: 503,
  message: () => 'pg_store.not_started: the PostgreSQL store is not started (call start() first, or it was closed)',
});
