/**
 * Test helpers: the test database, fresh schemas and their cleanup. Tests need PostgreSQL on
 * 127.0.0.1 (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and fail with a
 * clear message when it does not answer; they never skip.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import * as v from 'valibot';
import { silentLogger, systemClock, type Clock } from '@cowork-gateway/core';
import { PgStore } from '../src/pg-store.js';
import { pgStoreOptions, type PgStoreOptions, type PgStoreOptionsInput } from '../src/options.js';

/** The database the tests use. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other test uses. */
export function freshSchemaName(prefix = 'cgtest'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Parsed store options for the test database, with a fresh schema unless given. */
export function testOptions(overrides: Partial<PgStoreOptionsInput> = {}): PgStoreOptions {
  return v.parse(pgStoreOptions, { url: TEST_DATABASE_URL, schema: freshSchemaName(), ...overrides });
}

/** A started store on its own fresh schema, reading times from `clock` (default: the system clock). */
export async function startedStore(overrides: Partial<PgStoreOptionsInput> = {}, clock: Clock = systemClock): Promise<PgStore> {
  const store = new PgStore(testOptions(overrides), silentLogger, clock);
  await store.start();
  return store;
}

/** Runs `fn` with a short-lived admin connection to the test database. */
export async function withAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await withAdmin((sql) => sql.unsafe(`drop schema if exists "${schema}" cascade`));
}

/** Fails (never skips) with a clear message when the test database does not answer. */
export async function requireDatabase(): Promise<void> {
  try {
    await withAdmin((sql) => sql`select 1`);
  } catch (error) {
    throw new Error(
      `pg-store tests need PostgreSQL at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (set DATABASE_URL); ` +
        `it did not answer: ${(error as Error).message}`,
    );
  }
}

/**
 * The error `promise` rejects with; fails when it resolves. Each call returns its own rejection,
 * so one call's error can never stand in for a later call that wrongly succeeded.
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
