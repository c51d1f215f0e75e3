import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { PluginOptionsInvalid, describeIssue, silentLogger } from '@cowork-gateway/core';
import type { Logger } from '@cowork-gateway/core';
import { connectFailed, createClient, describeFailure, type Queryable, type Sql } from './connection.js';
import { PgStoreMigrationFailed, PgStoreSchemaTooNew } from './errors.js';
import { pgStoreOptions, type PgStoreOptions, type PgStoreOptionsInput } from './options.js';

/** One forward-only SQL migration shipped in the package's `migrations/` folder. */
export interface Migration {
  version: number;
  /** File name without `.sql`, e.g. `0001_baseline`. */
  name: string;
  sql: string;
  checksum: string;
}

/** Where a schema stands against the migrations this release ships. */
export interface PgStoreSchemaStatus {
  current: number;
  latest: number;
  pending: string[];
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const LEDGER = 'cg_schema_migrations';
/** First key of the migration advisory lock ("cgmg"); the second is the schema's hash. */
const MIGRATION_LOCK_CLASS = 0x63676d67;

let cached: readonly Migration[] | undefined;

/** The shipped migrations, ascending by version. */
export function shippedMigrations(): readonly Migration[] {
  cached ??= readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(MIGRATIONS_DIR + file, 'utf8');
      return { version: Number(file.slice(0, 4)), name: file.slice(0, -4), sql, checksum: sha256(sql) };
    });
  return cached;
}

/** The newest version this release knows. */
export function latestVersion(): number {
  return shippedMigrations().at(-1)?.version ?? 0;
}

/**
 * Applies every pending migration to `options.schema`, creating the schema if needed, in one
 * transaction under a transaction-scoped advisory lock: two processes starting at once migrate
 * once. Refuses (`pg_store.schema_too_new`) a schema migrated by a newer release.
 */
export async function migratePgStore(
  input: PgStoreOptionsInput,
  context: { logger?: Logger } = {},
): Promise<{ applied: string[]; version: number }> {
  const options = parseOptions(input);
  const logger = context.logger ?? silentLogger;
  return withClient(options, logger, (sql) => applyMigrations(sql, options.schema, logger));
}

/** Reads the schema's version and the migrations it still needs; changes nothing. */
export async function pgStoreSchemaStatus(input: PgStoreOptionsInput): Promise<PgStoreSchemaStatus> {
  const options = parseOptions(input);
  return withClient(options, silentLogger, (sql) => readSchemaStatus(sql, options.schema));
}

/** {@link migratePgStore} on an open client. */
export async function applyMigrations(sql: Sql, schema: string, logger: Logger): Promise<{ applied: string[]; version: number }> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_CLASS}, hashtext(${schema}))`;
    await createLedgerIfMissing(tx, schema);
    const applied = await appliedMigrations(tx, schema);
    refuseNewer(schema, applied);
    warnOnChangedFiles(applied, logger);
    const done = new Set(applied.map((row) => row.version));
    const names: string[] = [];
    for (const migration of shippedMigrations().filter((m) => !done.has(m.version))) {
      await runMigration(tx, schema, migration);
      names.push(migration.name);
      logger.info('pg_store.migration_applied', { schema, migration: migration.name });
    }
    return { applied: names, version: Math.max(latestVersion(), ...applied.map((row) => row.version)) };
  }) as Promise<{ applied: string[]; version: number }>;
}

/** {@link pgStoreSchemaStatus} on an open client. */
export async function readSchemaStatus(sql: Queryable, schema: string): Promise<PgStoreSchemaStatus> {
  const [ledger] = await sql`select to_regclass(${`"${schema}".${LEDGER}`}) is not null as present`;
  const applied = ledger?.present ? await appliedMigrations(sql, schema) : [];
  const done = new Set(applied.map((row) => row.version));
  return {
    current: Math.max(0, ...applied.map((row) => row.version)),
    latest: latestVersion(),
    pending: shippedMigrations().filter((m) => !done.has(m.version)).map((m) => m.name),
  };
}

/** Throws `pg_store.schema_too_new` when the ledger holds a version this release does not know. */
export function refuseNewer(schema: string, applied: readonly { version: number }[]): void {
  const current = Math.max(0, ...applied.map((row) => row.version));
  if (current > latestVersion()) throw new PgStoreSchemaTooNew({ schema, current, latest: latestVersion() });
}

interface LedgerRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Creates the schema and the ledger only when missing, so a database user without CREATE
 * rights can start against a schema that is already up to date (`create … if not exists`
 * still checks the privilege).
 */
async function createLedgerIfMissing(tx: Queryable, schema: string): Promise<void> {
  const [found] = await tx`
    select exists (select 1 from pg_namespace where nspname = ${schema}) as schema,
           to_regclass(${`"${schema}".${LEDGER}`}) is not null as ledger`;
  if (!found?.schema) await tx.unsafe(`create schema "${schema}"`);
  if (!found?.ledger) {
    await tx.unsafe(
      `create table "${schema}".${LEDGER} (version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())`,
    );
  }
}

async function appliedMigrations(sql: Queryable, schema: string): Promise<LedgerRow[]> {
  const rows = await sql.unsafe(`select version, name, checksum from "${schema}".${LEDGER} order by version`);
  return rows.map((row) => ({ version: Number(row.version), name: String(row.name), checksum: String(row.checksum) }));
}

async function runMigration(tx: Queryable, schema: string, migration: Migration): Promise<void> {
  try {
    await tx.unsafe(migration.sql).simple();
  } catch (error) {
    throw new PgStoreMigrationFailed({ schema, migration: migration.name, reason: describeFailure(error, '') }, { cause: error });
  }
  await tx.unsafe(`insert into "${schema}".${LEDGER} (version, name, checksum) values ($1, $2, $3)`, [
    migration.version,
    migration.name,
    migration.checksum,
  ]);
}

/** An applied migration whose file changed since is not re-run (forward-only), but is worth a warning. */
function warnOnChangedFiles(applied: readonly LedgerRow[], logger: Logger): void {
  const shipped = new Map(shippedMigrations().map((m) => [m.version, m]));
  for (const row of applied) {
    const file = shipped.get(row.version);
    if (file && file.checksum !== row.checksum) logger.warn('pg_store.migration_changed', { migration: row.name });
  }
}

async function withClient<T>(options: PgStoreOptions, logger: Logger, run: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = createClient(options, logger, { max: 1 });
  try {
    try {
      await sql`select 1`;
    } catch (error) {
      throw connectFailed(options, error);
    }
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function parseOptions(input: PgStoreOptionsInput): PgStoreOptions {
  const parsed = v.safeParse(pgStoreOptions, input);
  if (parsed.success) return parsed.output;
  throw new PluginOptionsInvalid({ use: '@cowork-gateway/pg-store', issues: parsed.issues.map((issue) => describeIssue('options', issue)) });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
