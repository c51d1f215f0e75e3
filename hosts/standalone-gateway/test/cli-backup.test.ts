import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import type { ManifestRecord } from '@cowork-gateway/core';
import type { PgStore } from '@cowork-gateway/pg-store';
import { childEnv, PREFIX, runCli } from './helpers/host-process.js';
import { freshSchema, TEST_DATABASE_URL, type TestSchema } from './helpers/postgres.js';

const ADMIN_TOKEN = 'backup-admin-token-Zq81hT5mVx0PLe';
const SESSIONS = 200;
const EVENTS_PER_SESSION = 10;
const AUDITS = 1000;

/** Rows of every table; one audit row carries the admin token, which a backup must not keep. */
async function populate(store: PgStore): Promise<number> {
  let rows = 0;
  for (let i = 0; i < 100; i += 1) {
    await store.identities.upsert({ provider: 'fake', externalUserId: `user-${i}`, role: i % 3 === 0 ? 'owner' : 'member', ...(i % 10 === 0 ? { workspaceId: `team-${i}` } : {}) });
    rows += 1;
  }
  for (let s = 0; s < SESSIONS; s += 1) {
    const { session } = await store.sessions.findOrCreate({ instance: 'fake', chatId: `chat-${s}`, providerKind: 'fake', title: `Session ${s} <script>alert(1)</script> ünïcode` });
    await store.events.append(session.sessionId, Array.from({ length: EVENTS_PER_SESSION }, (_, e) => ({ type: e % 2 ? 'assistant.message' : 'tool.activity', payload: { text: `event ${e} of ${s}`, nested: { n: e, list: [1, 'two', null] } }, traceId: `trace-${s}` })));
    const { job } = await store.jobs.enqueue({ kind: 'prompt', idempotencyKey: `job-${s}`, payload: { text: `prompt ${s}` }, runAt: new Date(Date.now() - 60_000), sessionId: session.sessionId, queueKey: session.sessionId, traceId: `trace-${s}` });
    await store.deliveries.enqueue({
      deliveryId: `delivery-${s}`,
      instance: 'fake',
      target: { instance: 'fake', chatId: `chat-${s}` },
      purpose: 'reply',
      chunks: [{ chunkId: `delivery-${s}:0`, message: { text: `reply ${s} part 1`, format: 'plain' } }, { chunkId: `delivery-${s}:1`, message: { text: `reply ${s} part 2`, format: 'plain' } }],
      sessionId: session.sessionId,
      jobId: job.jobId,
      traceId: `trace-${s}`,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    if (s % 2 === 0) await store.artifacts.record({ sessionId: session.sessionId, filename: `file-${s}.txt`, contentType: 'text/plain', storageUri: `file:///artifacts/${s}`, sizeBytes: s });
    rows += 1 + EVENTS_PER_SESSION + 1 + 1 + (s % 2 === 0 ? 1 : 0);
  }
  for (let a = 0; a < AUDITS; a += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, k) => store.audit.record({ type: 'standalone.prompt', actor: `user-${(a + k) % 100}`, metadata: { n: a + k }, traceId: `trace-${(a + k) % SESSIONS}` })));
    rows += 50;
  }
  await store.audit.record({ type: 'standalone.test', actor: 'operator', metadata: { leaked: `token ${ADMIN_TOKEN} pasted by mistake` } });
  return rows + 1;
}

async function exportAll(store: PgStore): Promise<ManifestRecord[]> {
  const records: ManifestRecord[] = [];
  for await (const record of store.exportManifest()) records.push(record);
  return records;
}

function keyOf(r: ManifestRecord): string {
  switch (r.table) {
    case 'identity': return r.row.identityId;
    case 'session': return r.row.sessionId;
    case 'event': return `${r.row.sessionId}:${String(r.row.seq).padStart(8, '0')}`;
    case 'job': return r.row.jobId;
    case 'delivery': return r.row.deliveryId;
    case 'audit': return r.row.auditId;
    case 'artifact': return r.row.artifactId;
  }
}

function canonical(records: ManifestRecord[]): string[] {
  return records.map((r) => `${r.table}|${keyOf(r)}|${JSON.stringify(r.row)}`).sort();
}

describe('cowork-standalone-gateway backup / restore (child process, PostgreSQL)', function () {
  this.timeout(180_000);
  let source: TestSchema;
  let target: TestSchema;
  let dir: string;
  let expectedRows: number;
  let sourceRecords: ManifestRecord[];

  const env = (schema: TestSchema, extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
    childEnv({ [`${PREFIX}STORE`]: 'postgres', [`${PREFIX}DATABASE_URL`]: TEST_DATABASE_URL, [`${PREFIX}DATABASE_SCHEMA`]: schema.name, [`${PREFIX}ADMIN_TOKEN`]: ADMIN_TOKEN, ...extra });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cowork-backup-'));
    source = await freshSchema();
    target = await freshSchema();
    const store = await source.openStore();
    expectedRows = await populate(store);
    sourceRecords = await exportAll(store);
  });

  after(async () => {
    await source?.drop();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restore drill: backs up thousands of rows, restores them into an empty database, and every row compares equal', async () => {
    expect(sourceRecords.length).to.be.at.least(expectedRows);
    expect(sourceRecords.length).to.be.greaterThan(3000);
    const counts = { identity: 0, session: 0, event: 0, job: 0, delivery: 0, audit: 0, artifact: 0 };
    for (const record of sourceRecords) counts[record.table] += 1;
    const archive = join(dir, 'manifest.jsonl.gz');
    const backup = await runCli(['backup', '--output', archive], env(source), 120_000);
    expect(backup.code, backup.stderr).to.equal(0);
    expect(backup.stdout).to.include(`event ${counts.event}`).and.match(/sha256 [0-9a-f]{64}/);
    expect(backup.stdout).to.include('1 record(s) contained a configured secret value');
    expect(statSync(archive).mode & 0o777).to.equal(0o600);
    const text = gunzipSync(readFileSync(archive)).toString();
    expect(text).to.not.include(ADMIN_TOKEN);
    expect(JSON.parse(text.split('\n')[0]!)).to.include({ format: 'cowork-gateway-manifest', version: 1 });

    const restore = await runCli(['restore', '--input', archive], env(target), 120_000);
    expect(restore.code, restore.stderr).to.equal(0);
    expect(restore.stdout).to.include(Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', '));
    expect(counts).to.include({ identity: 100, session: SESSIONS, job: SESSIONS, delivery: SESSIONS, artifact: SESSIONS / 2 });
    expect(counts.event).to.be.at.least(SESSIONS * EVENTS_PER_SESSION);

    const restored = await exportAll(await target.openStore());
    // The one secret-bearing row is the only difference: its token was replaced.
    const redact = (records: ManifestRecord[]): string[] => canonical(records).map((line) => line.split(ADMIN_TOKEN).join('[REDACTED]'));
    expect(restored).to.have.length(sourceRecords.length);
    const expected = redact(sourceRecords);
    const actual = canonical(restored);
    for (let i = 0; i < expected.length; i += 1) if (actual[i] !== expected[i]) expect(actual[i]).to.equal(expected[i]);
    expect(actual).to.deep.equal(expected);
  });

  it('refuses to restore into a database that already has rows, and changes nothing there', async () => {
    const archive = join(dir, 'again.jsonl.gz');
    expect((await runCli(['backup', '--output', archive], env(source), 120_000)).code).to.equal(0);
    const result = await runCli(['restore', '--input', archive], env(source), 120_000);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^backup\.restore_target_not_empty: /);
    expect(await exportAll(await source.openStore())).to.have.length(sourceRecords.length);
  });

  it('refuses a tampered, a truncated and a foreign archive before touching the target', async () => {
    const empty = await freshSchema();
    try {
      const archive = join(dir, 'good.jsonl.gz');
      expect((await runCli(['backup', '--output', archive], env(source), 120_000)).code).to.equal(0);
      const lines = gunzipSync(readFileSync(archive)).toString().split('\n');
      const tampered = join(dir, 'tampered.jsonl.gz');
      writeFileSync(tampered, gzipSync(lines.map((l, i) => (i === 5 ? l.replace('user-', 'evil-') : l)).join('\n')));
      const truncated = join(dir, 'truncated.jsonl.gz');
      writeFileSync(truncated, gzipSync(lines.slice(0, -2).join('\n') + '\n'));
      const foreign = join(dir, 'foreign.jsonl.gz');
      writeFileSync(foreign, gzipSync('{"hello":"world"}\n'));
      const cut = join(dir, 'cut.jsonl.gz');
      writeFileSync(cut, readFileSync(archive).subarray(0, 2000));
      for (const [file, reason] of [[tampered, /checksum mismatch/], [truncated, /trailer is missing/], [foreign, /not a cowork-gateway manifest archive/], [cut, /truncated or corrupt/]] as const) {
        const result = await runCli(['restore', '--input', file], env(empty), 60_000);
        expect(result.code, result.stderr).to.equal(2);
        expect(result.stderr).to.match(/^backup\.archive_invalid: /).and.match(reason);
      }
      expect(await exportAll(await empty.openStore())).to.have.length(0);
    } finally {
      await empty.drop();
    }
  });

  it('refuses bad arguments and the memory store with exit code 2', async () => {
    const noOutput = await runCli(['backup'], env(source));
    expect(noOutput.code).to.equal(2);
    expect(noOutput.stderr).to.match(/^cli\.args_invalid: backup: give --output/);
    const exists = join(dir, 'exists.gz');
    writeFileSync(exists, 'x');
    const overwrite = await runCli(['backup', '--output', exists], env(source));
    expect(overwrite.code).to.equal(2);
    expect(readFileSync(exists, 'utf8')).to.equal('x');
    const memory = await runCli(['backup', '--output', join(dir, 'memory.gz')], childEnv({ [`${PREFIX}ADMIN_TOKEN`]: ADMIN_TOKEN }));
    expect(memory.code).to.equal(2);
    expect(memory.stderr).to.match(/^backup\.store_not_durable: /);
    expect(existsSync(join(dir, 'memory.gz'))).to.equal(false);
    const missing = await runCli(['restore', '--input', join(dir, 'nope.gz')], env(target));
    expect(missing.code).to.equal(2);
    const help = await runCli(['backup', '--help'], env(source));
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('Exit codes: 0 ok, 1');
  });

  it('writes a separate secret inventory with names only', async () => {
    const inventory = join(dir, 'secrets.json');
    const result = await runCli(['backup', '--secret-inventory', inventory], env(source, { [`${PREFIX}TELEGRAM_BOT_TOKEN`]: '123456:inventory-bot-token-value' }));
    expect(result.code, result.stderr).to.equal(0);
    const body = JSON.parse(readFileSync(inventory, 'utf8'));
    expect(body.secrets.map((s: { name: string }) => s.name)).to.include.members([`${PREFIX}ADMIN_TOKEN`, `${PREFIX}DATABASE_URL`, `${PREFIX}TELEGRAM_BOT_TOKEN`]);
    expect(body.secrets[0]).to.have.all.keys('name', 'source');
    const raw = readFileSync(inventory, 'utf8') + result.stdout;
    for (const secret of [ADMIN_TOKEN, 'inventory-bot-token-value', TEST_DATABASE_URL]) expect(raw).to.not.include(secret);
    expect(statSync(inventory).mode & 0o777).to.equal(0o600);
  });
});
