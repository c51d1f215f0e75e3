/**
 * @packageDocumentation
 * `@cowork-gateway/pg-store`: the Store contract in PostgreSQL. Durable, shared by every
 * gateway process on the database (active-active), with verified TLS for team and enterprise
 * deployments and versioned, forward-only migrations.
 */
import { pgStorePlugin } from './plugin.js';

export { pgStorePlugin } from './plugin.js';
export { PgStore } from './pg-store.js';
export { pgStoreOptions, PG_STORE_OPTIONS } from './options.js';
export type { PgStoreOptions, PgStoreOptionsInput } from './options.js';
export { migratePgStore, pgStoreSchemaStatus } from './migrations.js';
export type { PgStoreSchemaStatus } from './migrations.js';

export default pgStorePlugin;
