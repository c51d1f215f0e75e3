import { defineError, type LoadedConfig, type Logger } from '@cowork-gateway/core';
import { migratePgStore, pgStoreSchemaStatus } from '@cowork-gateway/pg-store';
import { postgresOptions, storeSelection } from './selections.js';
import { PG_STORE_PACKAGE } from './settings.js';

export const MigrateNeedsPostgres = defineError<{ key: string; store: string }>({
  code: 'host.migrate_needs_postgres',
  status: 400,
  message: ({ key, store }) => `host.migrate_needs_postgres: migrations apply to the postgres store, but ${key} selects ${store}`,
});

/**
 * `migrate`: applies pending pg-store migrations under the advisory lock (a no-op when up to
 * date), or with `status` only reports the schema version and what is pending.
 */
export async function runMigrateCommand(config: LoadedConfig, options: { status: boolean }, logger: Logger): Promise<unknown> {
  const selection = storeSelection(config);
  if (selection.use !== PG_STORE_PACKAGE) throw new MigrateNeedsPostgres({ key: selection.key, store: selection.use });
  const pgOptions = config.store ? selection.options : postgresOptions(config);
  if (options.status) return { ok: true, ...(await pgStoreSchemaStatus(pgOptions as never)) };
  const result = await migratePgStore(pgOptions as never, { logger });
  return { ok: true, ...result };
}
