import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { isGatewayError, silentLogger, systemClock } from '@cowork-gateway/core';
import { latestVersion, migratePgStore, pgStoreSchemaStatus, shippedMigrations } from '../src/migrations.js';
import { PgStore } from '../src/pg-store.js';
import { TEST_DATABASE_URL, dropSchema, freshSchemaName, requireDatabase, testOptions, withAdmin } from './support.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/migrate-child.js', import.meta.url));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function ledger(schema: string): Promise<number[]> {
  return withAdmin(async (sql) => (await sql.unsafe(`select version from "${schema}".cg_schema_migrations order by version`)).map((r) => Number(r.version)));
}

describe('pg-store migrations', () => {
  let schema: string;
  const all = () => shippedMigrations().map((m) => m.name);

  before(requireDatabase);
  beforeEach(() => {
    schema = freshSchemaName('cgmig');
  });
  afterEach(async () => dropSchema(schema));

  it('ships versioned migrations, ascending from 0001', () => {
    const versions = shippedMigrations().map((m) => m.version);
    expect(versions[0]).to.equal(1);
    expect(versions).to.deep.equal([...versions].sort((a, b) => a - b));
    expect(all()).to.include('0001_baseline');
    expect(latestVersion()).to.equal(versions.at(-1));
  });

  it('migrates a fresh schema (creating it), and reports its status before and after', async () => {
    expect(await pgStoreSchemaStatus({ url: TEST_DATABASE_URL, schema })).to.deep.equal({ current: 0, latest: latestVersion(), pending: all() });
    expect(await migratePgStore({ url: TEST_DATABASE_URL, schema })).to.deep.equal({ applied: all(), version: latestVersion() });
    expect(await pgStoreSchemaStatus({ url: TEST_DATABASE_URL, schema })).to.deep.equal({ current: latestVersion(), latest: latestVersion(), pending: [] });
    expect(await ledger(schema)).to.deep.equal(shippedMigrations().map((m) => m.version));
  });

  it('running again is a no-op', async () => {
    await migratePgStore({ url: TEST_DATABASE_URL, schema });
    expect(await migratePgStore({ url: TEST_DATABASE_URL, schema })).to.deep.equal({ applied: [], version: latestVersion() });
    expect(await ledger(schema)).to.have.length(shippedMigrations().length);
  });

  it('concurrent migrations in one process apply each migration once', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => migratePgStore({ url: TEST_DATABASE_URL, schema })));
    expect(results.flatMap((r) => r.applied).sort()).to.deep.equal(all().sort());
    expect(await ledger(schema)).to.deep.equal(shippedMigrations().map((m) => m.version));
  });

  it('two processes starting at once migrate once', async () => {
    const outputs = await Promise.all([0, 1].map(() => run(process.execPath, [CHILD, TEST_DATABASE_URL, schema])));
    const results = outputs.map((o) => JSON.parse(o.stdout) as { applied: string[]; version: number });
    expect(results.flatMap((r) => r.applied).sort()).to.deep.equal(all().sort());
    for (const result of results) expect(result.version).to.equal(latestVersion());
    expect(await ledger(schema)).to.deep.equal(shippedMigrations().map((m) => m.version));
  });

  it('refuses a schema migrated by a newer release: pg_store.schema_too_new, in migrate and at start in both modes', async () => {
    await migratePgStore({ url: TEST_DATABASE_URL, schema });
    const future = latestVersion() + 1;
    await withAdmin((sql) => sql.unsafe(`insert into "${schema}".cg_schema_migrations (version, name, checksum) values (${future}, 'from_the_future', 'x')`));
    const error = await rejection(migratePgStore({ url: TEST_DATABASE_URL, schema }));
    expect(isGatewayError(error, 'pg_store.schema_too_new')).to.equal(true);
    expect((error as Error).message).to.include(`version ${future}`).and.include(`up to ${latestVersion()}`);
    for (const migrate of ['auto', 'verify'] as const) {
      const store = new PgStore(testOptions({ schema, migrate }), silentLogger, systemClock);
      expect(isGatewayError(await rejection(store.start()), 'pg_store.schema_too_new'), migrate).to.equal(true);
      expect((await store.health()).state).to.equal('down');
    }
    expect(await pgStoreSchemaStatus({ url: TEST_DATABASE_URL, schema })).to.include({ current: future });
  });

  it('migrate "verify" refuses to start with pending migrations and starts once they are applied', async () => {
    const store = new PgStore(testOptions({ schema, migrate: 'verify' }), silentLogger, systemClock);
    try {
      const error = await rejection(store.start());
      expect(isGatewayError(error, 'pg_store.migrations_pending')).to.equal(true);
      expect((error as Error).message).to.include('0001_baseline');
      await migratePgStore({ url: TEST_DATABASE_URL, schema });
      await store.start();
      expect((await store.health()).state).to.equal('ok');
    } finally {
      await store.close();
    }
  });

  it('a user without CREATE rights starts (migrate "auto") against an up-to-date schema and works', async () => {
    await migratePgStore({ url: TEST_DATABASE_URL, schema });
    const role = `${schema}_app`;
    await withAdmin(async (sql) => {
      await sql.unsafe(`create role ${role} login`);
      await sql.unsafe(`grant usage on schema "${schema}" to ${role}`);
      await sql.unsafe(`grant select, insert, update, delete on all tables in schema "${schema}" to ${role}`);
      await sql.unsafe(`grant usage on all sequences in schema "${schema}" to ${role}`);
    });
    const url = new URL(TEST_DATABASE_URL);
    url.username = role;
    const store = new PgStore(testOptions({ url: url.toString(), schema }), silentLogger, systemClock);
    try {
      await store.start();
      const { job } = await store.jobs.enqueue({ kind: 'prompt', idempotencyKey: 'least-privilege', payload: {} });
      const claimed = await store.jobs.claim({ workerId: 'w', leaseMs: 60_000 });
      expect(claimed?.jobId).to.equal(job.jobId);
      expect(await store.jobs.complete(job.jobId, claimed!.claimToken!)).to.include({ status: 'completed' });
    } finally {
      await store.close();
      await withAdmin(async (sql) => {
        await sql.unsafe(`drop owned by ${role}`);
        await sql.unsafe(`drop role ${role}`);
      });
    }
  });

  it('options are validated before connecting', async () => {
    const error = await rejection(migratePgStore({ url: TEST_DATABASE_URL, schema: 'Bad-Name' }));
    expect(isGatewayError(error, 'plugin.options_invalid')).to.equal(true);
  });
});
