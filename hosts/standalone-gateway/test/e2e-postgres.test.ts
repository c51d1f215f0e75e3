import { expect } from 'chai';
import { FakeChannel } from '@cowork-gateway/core/testing';
import type { PgStore } from '@cowork-gateway/pg-store';
import { childEnv, eventually, postJson, PREFIX, startHost, writeConfig, type HostProcess } from './helpers/host-process.js';
import { freshSchema, TEST_DATABASE_URL, type TestSchema } from './helpers/postgres.js';

const CHATS = 50;
const PROMPTS = 500;

describe('standalone gateway on PostgreSQL, several processes on one database', function () {
  this.timeout(120_000);
  let schema: TestSchema;
  let channel: FakeChannel;
  let hosts: HostProcess[] = [];

  beforeEach(async () => {
    schema = await freshSchema();
    channel = await FakeChannel.start();
  });

  afterEach(async () => {
    await Promise.all(hosts.map((host) => host.stop().catch(() => undefined)));
    hosts = [];
    await channel.close();
    await schema.drop();
  });

  function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return childEnv({
      [`${PREFIX}STORE`]: 'postgres',
      [`${PREFIX}DATABASE_URL`]: TEST_DATABASE_URL,
      [`${PREFIX}DATABASE_SCHEMA`]: schema.name,
      [`${PREFIX}WORKER_CONCURRENCY`]: '8',
      [`${PREFIX}RATE_LIMIT_MAX_REQUESTS`]: '100000',
      ...extra,
    });
  }

  function config(): string {
    return writeConfig({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: { deliveryUrl: channel.url } }],
      identities: [{ provider: 'fake', externalUserId: 'alice', role: 'member' }],
    });
  }

  it('two processes share 500 prompts from 50 chats: each runs once, each reply arrives once, in order per chat; one process prunes', async () => {
    const file = config();
    const env = hostEnv({ [`${PREFIX}RETENTION_INTERVAL_SECONDS`]: '1' });
    hosts = await Promise.all([startHost(['--config', file], env), startHost(['--config', file], env)]);

    await sendAll(hosts, PROMPTS, 25);
    const replies = await eventually(async () => {
      const echoes = channel.messages.filter((m) => m.message.text.startsWith('Echo: '));
      return echoes.length >= PROMPTS ? echoes : undefined;
    }, 90_000, `${PROMPTS} replies`);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const texts = channel.messages.filter((m) => m.message.text.startsWith('Echo: ')).map((m) => m.message.text);
    expect(texts).to.have.length(PROMPTS, 'no reply is delivered twice');
    expect(new Set(texts).size).to.equal(PROMPTS);
    for (let chat = 0; chat < CHATS; chat += 1) {
      const order = replies.filter((m) => m.target.chatId === `c${chat}`).map((m) => Number(m.message.text.slice('Echo: p'.length)));
      expect(order, `replies of chat c${chat} in prompt order`).to.deep.equal([...order].sort((a, b) => a - b));
    }

    const store = await schema.openStore();
    await expectEachPromptRanOnce(store);
    await expectGaplessHistories(store);
    const prunes = await eventually(async () => {
      const audits = await store.audit.list({ type: 'standalone.retention.pruned' });
      return audits.length >= 2 ? audits : undefined;
    }, 10_000, 'retention passes');
    expect(new Set(prunes.map((a) => a.actor)).size, 'retention ran in exactly one process').to.equal(1);
    const workers = new Set((await store.jobs.list({ limit: 1000 })).map((job) => job.claimedBy).filter(Boolean));
    expect(workers.size, 'both processes ran jobs').to.be.greaterThan(1);
  });

  it('a job held by a SIGKILLed process is taken over after its lease and completes once', async () => {
    const file = config();
    const env = hostEnv({ [`${PREFIX}JOB_LEASE_SECONDS`]: '2' });
    const first = await startHost(['--config', file], env);
    hosts.push(first);
    const store = await schema.openStore();
    await postJson(`${first.url}/webhooks/fake`, { id: 'slow-1', chatId: 'c1', userId: 'alice', text: '/slow 1500' });
    await eventually(async () => ((await store.jobs.list({ status: 'running' })).length === 1 ? true : undefined), 10_000, 'the job to be claimed');
    expect(await first.stop('SIGKILL')).to.equal(null);
    hosts = [];

    const second = await startHost(['--config', file], env);
    hosts.push(second);
    await eventually(async () => ((await store.jobs.list({ status: 'completed' })).length === 1 ? true : undefined), 20_000, 'the job to complete');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [job] = await store.jobs.list({ limit: 10 });
    expect(job).to.include({ status: 'completed', attempts: 2 });
    const replies = channel.messages.filter((m) => m.message.text.includes('/slow 1500'));
    expect(replies, 'one reply').to.have.length(1);
  });
});

async function sendAll(hosts: HostProcess[], count: number, inFlight: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const host = hosts[i % hosts.length]!;
      const result = await postJson(`${host.url}/webhooks/fake`, { id: `e${i}`, chatId: `c${i % CHATS}`, userId: 'alice', text: `p${i}` });
      if (result.status !== 202) throw new Error(`webhook ${i} answered ${result.status}: ${JSON.stringify(result.body)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function expectEachPromptRanOnce(store: PgStore): Promise<void> {
  const jobs = await store.jobs.list({ kind: 'prompt', limit: 1000 });
  expect(jobs).to.have.length(PROMPTS);
  expect(jobs.every((job) => job.status === 'completed' && job.attempts === 1), 'every job completed on its first claim').to.equal(true);
}

async function expectGaplessHistories(store: PgStore): Promise<void> {
  const sessions = await store.sessions.list({ limit: 1000 });
  expect(sessions).to.have.length(CHATS);
  let runs = 0;
  for (const session of sessions) {
    const events = await store.events.list(session.sessionId, { limit: 100_000 });
    expect(events.map((e) => e.seq), `seq of ${session.sessionId}`).to.deep.equal(events.map((_, i) => i + 1));
    runs += events.filter((e) => e.type === 'run.started').length;
  }
  expect(runs, 'one run.started per prompt').to.equal(PROMPTS);
}
