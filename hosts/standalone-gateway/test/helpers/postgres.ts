import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import * as v from 'valibot';
import { silentLogger, systemClock } from '@cowork-gateway/core';
import { PgStore, pgStoreOptions } from '@cowork-gateway/pg-store';

/** The database host tests use; they fail (never skip) when it does not answer. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for one test, and how to open a store on it and drop it afterwards. */
export interface TestSchema {
  name: string;
  openStore(): Promise<PgStore>;
  drop(): Promise<void>;
}

export async function freshSchema(): Promise<TestSchema> {
  const name = `e2e_${randomBytes(6).toString('hex')}`;
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    throw new Error(`these tests need PostgreSQL at ${TEST_DATABASE_URL} (set DATABASE_URL); it did not answer: ${(error as Error).message}`);
  }
  const stores: PgStore[] = [];
  return {
    name,
    async openStore() {
      const store = new PgStore(v.parse(pgStoreOptions, { url: TEST_DATABASE_URL, schema: name }), silentLogger, systemClock);
      await store.start();
      stores.push(store);
      return store;
    },
    async drop() {
      await Promise.all(stores.map((store) => store.close()));
      await sql.unsafe(`drop schema if exists "${name}" cascade`);
      await sql.end({ timeout: 5 });
    },
  };
}
