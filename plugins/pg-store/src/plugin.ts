import { Lifecycle, STORE, definePlugin } from '@cowork-gateway/core';
import { PG_STORE_OPTIONS, pgStoreOptions, pgStoreSettings } from './options.js';
import { PgStore } from './pg-store.js';

/** The PostgreSQL Store plugin: binds {@link PgStore} as `STORE` for its container. */
export const pgStorePlugin = definePlugin({
  name: '@cowork-gateway/pg-store',
  kind: 'store',
  core: '^0.1.0',
  description: 'PostgreSQL Store: durable and shared by every gateway process on the database (active-active); TLS; migrations.',
  configSchema: pgStoreOptions,
  settings: pgStoreSettings,
  enabledBy: 'DATABASE_URL',
  register(container, options) {
    container.register(PG_STORE_OPTIONS, { useValue: options });
    container.register(STORE, { useClass: PgStore }, { lifecycle: Lifecycle.ContainerScoped });
  },
});
