import { expect } from 'chai';
import type { ManifestRecord } from '@cowork-gateway/core';
import { FakeChannel } from '@cowork-gateway/core/testing';
import type { PgStore } from '@cowork-gateway/pg-store';
import { childEnv, PREFIX, postJson, runCli, startHost, writeConfig, type HostProcess } from './helpers/host-process.js';
import { freshSchema, TEST_DATABASE_URL, type TestSchema } from './helpers/postgres.js';

const ADMIN_TOKEN = 'trace-admin-token-Pq28vN0sLm3K';
const DAY = 86_400_000;

/** Every Date in a row, moved `ms` into the past. */
function aged<T>(value: T, ms: number): T {
  if (value instanceof Date) return new Date(value.getTime() - ms) as T;
  if (Array.isArray(value)) return value.map((v) => aged(v, ms)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, aged(v, ms)])) as T;
  return value;
}

async function exportAll(store: PgStore): Promise<ManifestRecord[]> {
  const records: ManifestRecord[] = [];
  for await (const record of store.exportManifest()) records.push(record);
  return records;
}

describe('cowork-standalone-gateway trace and retention run (child process, PostgreSQL)', function () {
  this.timeout(120_000);
  let schema: TestSchema;
  let channel: FakeChannel;
  let host: HostProcess;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    schema = await freshSchema();
    channel = await FakeChannel.start();
    const file = writeConfig({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url } }],
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'member' }],
    });
    env = childEnv({ [`${PREFIX}STORE`]: 'postgres', [`${PREFIX}DATABASE_URL`]: TEST_DATABASE_URL, [`${PREFIX}DATABASE_SCHEMA`]: schema.name, [`${PREFIX}ADMIN_TOKEN`]: ADMIN_TOKEN, [`${PREFIX}CONFIG`]: file });
    host = await startHost([], env);
    expect((await postJson(`${host.url}/webhooks/fake`, { id: 'msg-trace-1', chatId: 'c1', userId: 'alice', text: 'hello trace' })).status).to.equal(202);
    await channel.waitFor(() => channel.messages.some((m) => m.message.text.includes('hello trace')), 30_000);
  });

  after(async () => {
    await host?.stop();
    await channel?.close();
    await schema?.drop();
  });

  it('trace finds a message by provider message id and by trace id, with its claim, job, events and delivery', async () => {
    const byMessage = await runCli(['trace', 'msg-trace-1', '--json'], env);
    expect(byMessage.code, byMessage.stderr).to.equal(0);
    const [report] = JSON.parse(byMessage.stdout).traces;
    expect(report.inbound[0]).to.include({ instance: 'fake', eventId: 'msg-trace-1', status: 'completed' });
    expect(report.inbound[0].token).to.equal('[redacted]');
    expect(report.jobs[0]).to.include({ kind: 'prompt', status: 'completed' });
    expect(report.deliveries[0]).to.include({ status: 'sent' });
    expect(report.audit.map((a: { type: string }) => a.type)).to.include('standalone.prompt');

    const byTrace = await runCli(['trace', report.traceId, '--provider', 'fake'], env);
    expect(byTrace.code).to.equal(0);
    expect(byTrace.stdout).to.include(`trace ${report.traceId}`).and.match(/inbound\s+fake event msg-trace-1: completed/).and.match(/job\s+\S+ prompt: completed/).and.match(/delivery\s+\S+ to fake \(reply\): sent/);

    const none = await runCli(['trace', 'no-such-message'], env);
    expect(none.code).to.equal(1);
    expect(none.stdout).to.match(/nothing recorded for "no-such-message"/);
    expect((await runCli(['trace'], env)).code).to.equal(1);
    expect((await runCli(['trace', 'x'.repeat(600)], env)).code).to.equal(2);
  });

  it('retention run is refused while the serving gateway holds the daemon lease; --dry-run deletes nothing', async () => {
    const refused = await runCli(['retention', 'run'], env);
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.match(/holds the daemon lease/);
    const before = (await exportAll(await schema.openStore())).length;
    const dry = await runCli(['retention', 'run', '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(JSON.parse(dry.stdout).wouldDelete).to.include({ sessionsDeleted: 0, jobsDeleted: 0, auditEventsDeleted: 0 });
    expect((await exportAll(await schema.openStore())).length).to.equal(before);
  });

  it('--dry-run predicts exactly what a real pass then deletes', async () => {
    const old = await freshSchema();
    try {
      const store = await old.openStore();
      await store.importManifest(aged(await exportAll(await schema.openStore()), 400 * DAY));
      const oldEnv = { ...env, [`${PREFIX}DATABASE_SCHEMA`]: old.name };
      const dry = await runCli(['retention', 'run', '--dry-run', '--json'], oldEnv);
      expect(dry.code, dry.stderr).to.equal(0);
      const predicted = JSON.parse(dry.stdout).wouldDelete;
      expect(predicted.sessionsDeleted).to.equal(1);
      expect(predicted.eventsDeleted).to.be.greaterThan(0);
      const human = await runCli(['retention', 'run', '--dry-run'], oldEnv);
      expect(human.stdout).to.match(/^retention dry run \(nothing deleted\)/).and.match(/sessionsDeleted\s+1/);

      const run = await runCli(['retention', 'run', '--json'], oldEnv);
      expect(run.code, run.stderr).to.equal(0);
      const deleted = JSON.parse(run.stdout).deleted;
      for (const key of ['sessionsDeleted', 'eventsDeleted', 'artifactsDeleted', 'auditEventsDeleted', 'jobsDeleted', 'deliveriesDeleted']) {
        expect(deleted[key], key).to.equal(predicted[key]);
      }
      const left = await exportAll(store);
      expect(left.map((r) => r.table).filter((t) => t !== 'identity' && t !== 'audit')).to.deep.equal([]);
      expect((await store.audit.list({ type: 'standalone.retention.pruned' })).length).to.equal(1);
    } finally {
      await old.drop();
    }
  });

  it('refuses retention on the memory store', async () => {
    const result = await runCli(['retention', 'run', '--dry-run'], childEnv());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^backup\.store_not_durable: /);
  });
});
