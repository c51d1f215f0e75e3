import { expect } from 'chai';
import * as v from 'valibot';
import { FakeExecutor, fakeExecutorOptions } from '@cowork-gateway/core/testing';
import { DeliveryError, ExecutorUnavailableError, type DeliveryTarget, type OutboundMessage } from '@cowork-gateway/core';
import { StoreNotFound } from '@cowork-gateway/core';
import { testMessage as message, until } from '@cowork-gateway/core/testing';
import { startMemoryTestKernel as startTestKernel, type MemoryTestKernel as TestKernel } from './helpers/memory-kernel.js';


describe('kernel pipeline (in process, memory store)', function () {
  this.timeout(20_000);
  let t: TestKernel;
  afterEach(async () => {
    await t?.kernel.stop();
  });

  it('runs a prompt on a worker, not on the ingest call, and replies once', async () => {
    t = await startTestKernel();
    const result = await t.kernel.ingest(message('hi'));
    expect(result.outcome).to.equal('enqueued');
    await until(() => t.provider.sent.length === 1);
    expect(t.provider.sent[0]!.message.text).to.contain('Echo: hi');
    expect(t.executor.promptCount).to.equal(1);
  });

  it('passes attachments to the executor as data URLs, records artifacts, and skips files over the limit', async () => {
    t = await startTestKernel({ settings: { attachmentMaxBytes: 10 } });
    t.provider.files.set('f1', { filename: 'notes.txt', mimeType: 'text/plain', bytes: Buffer.from('hello') });
    t.provider.files.set('f2', { filename: 'big.bin', bytes: Buffer.alloc(11) });
    const attachments = [
      { id: 'f1', filename: 'notes.txt', mimeType: 'text/plain', sizeBytes: 5 },
      { id: 'f2', filename: 'big.bin' },
    ];
    expect((await t.kernel.ingest(message('read this', { attachments }))).outcome).to.equal('enqueued');
    await until(() => t.provider.sent.length === 2);
    const [input] = t.executor.inputs;
    expect(input!.attachments).to.have.length(1);
    expect(input!.attachments![0]).to.include({ filename: 'notes.txt', mimeType: 'text/plain', dataUrl: `data:text/plain;base64,${Buffer.from('hello').toString('base64')}` });
    const artifacts = await t.store.artifacts.list();
    expect(artifacts.map((a) => [a.filename, a.sizeBytes, a.storageUri])).to.deep.equal([['notes.txt', 5, 'provider://fake/f1']]);
    const texts = t.provider.sent.map((m) => m.message.text);
    expect(texts.some((text) => /big\.bin.*not passed to the agent.*larger than 10 bytes/.test(text))).to.equal(true, texts.join(' | '));
    expect(texts.some((text) => text.includes('Echo: read this'))).to.equal(true);
  });

  it('runs a message that carries only a file', async () => {
    t = await startTestKernel();
    t.provider.files.set('f1', { filename: 'a.txt', bytes: Buffer.from('x') });
    expect((await t.kernel.ingest(message('', { attachments: [{ id: 'f1', filename: 'a.txt' }] }))).outcome).to.equal('enqueued');
    await until(() => t.executor.inputs.length === 1);
    expect(t.executor.inputs[0]!.attachments).to.have.length(1);
  });

  it('rebinds a session whose executor session was lost, and keeps using the new one', async () => {
    const lost = new Set<string>();
    const executor = new FakeExecutor(v.parse(fakeExecutorOptions, {}));
    const bind = executor.bindSession.bind(executor);
    executor.bindSession = async (request) =>
      request.executorSessionId && lost.has(request.executorSessionId) ? { executorSessionId: `${request.executorSessionId}-new` } : bind(request);
    t = await startTestKernel({ executor });
    await t.kernel.ingest(message('one', { eventId: 'r1' }));
    await until(() => t.provider.sent.length === 1);
    const [session] = await t.store.sessions.list();
    const first = session!.executorSessionId!;
    lost.add(first);
    await t.kernel.ingest(message('two', { eventId: 'r2' }));
    await until(() => t.provider.sent.length === 2);
    expect((await t.store.sessions.get(session!.sessionId))!.executorSessionId).to.equal(`${first}-new`);
  });

  it('scopes identities by workspace: an unscoped message from a scoped user is denied', async () => {
    t = await startTestKernel();
    expect((await t.kernel.ingest(message('x', { userId: 'sam' }))).outcome).to.equal('denied');
    expect((await t.kernel.ingest(message('x', { userId: 'sam', workspaceId: 'T1' }))).outcome).to.equal('enqueued');
    expect((await t.kernel.ingest(message('x', { userId: 'alice', workspaceId: 'T1' }))).outcome).to.equal('denied');
    const audits = await t.store.audit.list({ type: 'standalone.prompt.denied' });
    expect(audits).to.have.length(2);
    expect(audits.every((a) => a.metadata.reason === 'identity_not_found')).to.equal(true);
  });

  it('denies a disabled identity with reason identity_disabled', async () => {
    t = await startTestKernel();
    await t.store.identities.disable({ provider: 'fake', externalUserId: 'alice' });
    expect((await t.kernel.ingest(message('x'))).outcome).to.equal('denied');
    const [audit] = await t.store.audit.list({ type: 'standalone.prompt.denied' });
    expect(audit!.metadata.reason).to.equal('identity_disabled');
  });

  it('ignores empty messages and says an unknown button is not supported', async () => {
    t = await startTestKernel();
    expect((await t.kernel.ingest(message('   '))).outcome).to.equal('ignored');
    const interaction = await t.kernel.ingest(message('', { kind: 'interaction', interaction: { id: 'i1', value: 'menu:settings' } }));
    expect(interaction.outcome).to.equal('ignored');
    await until(() => t.provider.sent.length === 1);
    expect(t.provider.sent[0]!.message.text).to.contain('not supported');
  });

  it('refuses prompts with a clear message when no executor is configured', async () => {
    t = await startTestKernel({ executor: null });
    expect((await t.kernel.ingest(message('hi'))).outcome).to.equal('refused');
    await until(() => t.provider.sent.length === 1);
    expect(t.provider.sent[0]!.message.text).to.match(/no execution runtime/i);
    const ready = await t.kernel.readiness();
    expect(ready.components.executor.state).to.equal('not_configured');
  });

  it('aborts a run at the deadline and tells the user', async () => {
    t = await startTestKernel({ settings: { promptDeadlineMs: 200 } });
    await t.kernel.ingest(message('/slow 5000'));
    await until(() => t.provider.sent.length === 1, 5000, 'deadline notice');
    expect(t.provider.sent[0]!.message.text).to.contain('run.deadline_exceeded');
    const [job] = await t.store.jobs.list();
    expect(job!.status).to.equal('failed');
    expect(job!.lastError).to.contain('run.deadline_exceeded');
    const session = (await t.store.sessions.list())[0]!;
    expect(session.status).to.equal('failed');
  });

  it('retries a job while the executor is unavailable, then succeeds', async () => {
    t = await startTestKernel({ settings: { jobMaxAttempts: 3 } });
    await t.kernel.ingest(message('/unavailable 1'));
    await until(() => t.provider.sent.length === 1, 8000, 'reply after retry');
    const [job] = await t.store.jobs.list();
    expect(job!.status).to.equal('completed');
    expect(job!.attempts).to.equal(2);
  });

  it('dead-letters a job after max attempts and tells the user', async () => {
    t = await startTestKernel({ settings: { jobMaxAttempts: 1 } });
    await t.kernel.ingest(message('/unavailable 5'));
    await until(() => t.provider.sent.length === 1, 5000, 'failure notice');
    const [job] = await t.store.jobs.list();
    expect(job!.status).to.equal('dead');
    expect(t.provider.sent[0]!.message.text).to.contain('executor.unavailable');
    expect((await t.store.audit.list({ type: 'standalone.prompt.failed' }))).to.have.length(1);
  });

  it('reports a failed run to the user and audits standalone.prompt.failed', async () => {
    t = await startTestKernel();
    await t.kernel.ingest(message('/fail model overloaded'));
    await until(() => t.provider.sent.length === 1);
    expect(t.provider.sent[0]!.message.text).to.contain('model overloaded');
    await until(async () => (await t.store.audit.list({ type: 'standalone.prompt.failed' })).length === 1);
  });

  it('forwards permission requests and questions to the chat while the run waits', async () => {
    t = await startTestKernel({ executor: new FakeExecutor(v.parse(fakeExecutorOptions, { interactionTimeoutMs: 300 })) });
    await t.kernel.ingest(message('/permission'));
    await until(() => t.provider.sent.length === 2, 5000, 'permission card and reply');
    expect(t.provider.sent[0]!.message.text).to.contain('Permission requested');
    expect(t.provider.sent[0]!.message.buttons?.[0]?.length).to.equal(3);
    const session = (await t.store.sessions.list())[0]!;
    const events = await t.store.events.list(session.sessionId);
    expect(events.map((e) => e.type)).to.include('permission.requested');
  });

  it('says a request is no longer pending when the executor no longer knows it (404)', async () => {
    const executor = new FakeExecutor(v.parse(fakeExecutorOptions, { interactionTimeoutMs: 5000 }));
    executor.answer = async () => {
      throw new StoreNotFound({ what: 'interaction', id: 'x' });
    };
    t = await startTestKernel({ executor });
    await t.kernel.ingest(message('/permission'));
    await until(() => t.provider.sent.length === 1, 5000, 'permission card');
    const value = t.provider.sent[0]!.message.buttons![0]![0]!.value;
    const result = await t.kernel.ingest(message('', { eventId: 'press', userId: 'ada', kind: 'interaction', interaction: { id: 'cb', value } }));
    expect(result.outcome).to.equal('ignored');
    await until(() => t.provider.sent.some((m) => m.message.text.includes('no longer waiting')), 5000, 'not-pending notice');
  });

  it('fails unsupported job kinds with a descriptive error and an audit event', async () => {
    t = await startTestKernel();
    const { job } = await t.store.jobs.enqueue({ kind: 'workflow', idempotencyKey: 'wf-1', payload: {} });
    t.kernel.context.wakeJobs();
    await until(async () => (await t.store.jobs.get(job.jobId))!.status === 'failed');
    const failed = (await t.store.jobs.get(job.jobId))!;
    expect(failed.lastError).to.equal('Job kind "workflow" is not implemented in the standalone gateway.');
    const audits = await t.store.audit.list({ type: 'standalone.job.unsupported' });
    expect(audits[0]!.metadata).to.include({ jobId: job.jobId, kind: 'workflow' });
  });

  it('dead-letters replies older than the delivery TTL instead of sending them late', async () => {
    const target: DeliveryTarget = { instance: 'fake', chatId: 'old' };
    t = await startTestKernel();
    const store = t.store;
    for (let i = 0; i < 20; i += 1) {
      await store.deliveries.enqueue({ deliveryId: `old-${i}`, instance: 'fake', target, purpose: 'reply', chunks: [{ chunkId: `old-${i}:chunk:1`, message: { text: 'late', format: 'markdown' } }], expiresAt: new Date(Date.now() - 1000) });
    }
    t.kernel.context.wakeDeliveries();
    await until(async () => (await store.deliveries.countByStatus()).dead === 20);
    expect(t.provider.sent).to.have.length(0);
    const dead = await store.deliveries.list({ status: 'dead' });
    expect(dead.every((d) => d.deadReason?.startsWith('expired'))).to.equal(true);
    expect(await store.audit.list({ type: 'standalone.reply.failed' })).to.have.length(20);
  });

  it('opens the circuit after repeated transient failures and reports the provider degraded', async () => {
    t = await startTestKernel({ settings: { circuitFailureThreshold: 2, circuitOpenMs: 60_000, deliveryMaxAttempts: 10 } });
    t.provider.send = async (_target: DeliveryTarget, _message: OutboundMessage) => {
      throw new DeliveryError('down', { kind: 'transient' });
    };
    await t.kernel.ingest(message('hello'));
    await until(async () => (await t.kernel.readiness()).components.providers.fake!.circuit === 'open', 5000, 'circuit open');
    const ready = await t.kernel.readiness();
    expect(ready.status).to.equal('degraded');
    expect(ready.components.providers.fake!.state).to.equal('degraded');
  });

  it('runs retention only under the daemon lease and audits standalone.retention.pruned', async () => {
    t = await startTestKernel();
    expect(t.kernel.maintenance.holdsLease()).to.equal(true);
    const result = await t.kernel.maintenance.runRetention();
    expect(result).to.include.keys('sessionCutoff', 'sessionsDeleted', 'jobsDeleted');
    const [audit] = await t.store.audit.list({ type: 'standalone.retention.pruned' });
    expect(audit!.metadata).to.include.keys('sessionCutoff', 'artifactCutoff', 'auditCutoff', 'jobCutoff', 'sessionsDeleted');
  });

  it('keeps one session per thread and runs different threads independently', async () => {
    t = await startTestKernel();
    await t.kernel.ingest(message('a', { chatId: 'group', threadId: 'topic-1' }));
    await t.kernel.ingest(message('b', { chatId: 'group', threadId: 'topic-2' }));
    await t.kernel.ingest(message('c', { chatId: 'group', threadId: 'topic-1' }));
    await until(() => t.provider.sent.filter((s) => s.message.text.includes('Echo')).length === 3);
    const sessions = await t.store.sessions.list();
    expect(sessions).to.have.length(2);
    const replyTargets = t.provider.sent.filter((s) => s.message.text.includes('Echo')).map((s) => s.target.threadId);
    expect(replyTargets.sort()).to.deep.equal(['topic-1', 'topic-1', 'topic-2']);
  });
});

describe('readiness reflects real inbound progress of polling providers', function () {
  this.timeout(10_000);

  it('degrades a polling provider with no inbound progress, and recovers when progress resumes', async () => {
    let ctx: import('@cowork-gateway/core').ProviderContext | null = null;
    const poller: import('@cowork-gateway/core').Provider = {
      id: 'poller',
      kind: 'poll',
      capabilities: { maxTextLength: 4096, threads: false, buttons: false, edits: false, files: false, attachments: false, markdownDialect: 'plain', inbound: 'polling' },
      start: async (c) => { ctx = c; },
      stop: async () => { ctx = null; },
      health: async () => ({ state: 'ok' }),
      send: async () => ({ providerMessageId: 'x' }),
    };
    const t = await startTestKernel({ settings: { inboundStallMs: 150 }, extraProviders: [poller] });
    try {
      expect((await t.kernel.readiness()).components.providers.poller!.state).to.equal('ok');
      await new Promise((r) => setTimeout(r, 250));
      const stalled = (await t.kernel.readiness()).components.providers.poller!;
      expect(stalled.state).to.equal('degraded');
      expect(stalled.reason).to.match(/no inbound progress/);
      ctx!.reportInboundProgress();
      const recovered = (await t.kernel.readiness()).components.providers.poller!;
      expect(recovered.state).to.equal('ok');
      expect(recovered.lastInboundAt).to.be.a('string');
      const ingested = await ctx!.ingest(message('from the poller', { instance: 'poller', provider: 'poll', userId: 'nobody' }));
      expect(ingested).to.deep.equal({ accepted: true, duplicate: false });
    } finally {
      await t.kernel.stop();
    }
  });
});

describe('answering permission requests and questions from the chat', function () {
  this.timeout(15_000);
  let t: TestKernel;
  afterEach(async () => {
    await t?.kernel.stop();
  });

  const waitingExecutor = (): FakeExecutor => new FakeExecutor(v.parse(fakeExecutorOptions, { interactionTimeoutMs: 10_000 }));
  const card = async (): Promise<import('@cowork-gateway/core/testing').FakeSentMessage> => {
    await until(() => t.provider.sent.length >= 1, 5000, 'interaction card');
    return t.provider.sent[0]!;
  };

  it('lets an admin allow a permission with the card button, and the run goes on', async () => {
    t = await startTestKernel({ executor: waitingExecutor() });
    await t.kernel.ingest(message('/permission'));
    const allowOnce = (await card()).message.buttons![0]![0]!;
    const result = await t.kernel.ingest(message('', { kind: 'interaction', userId: 'ada', interaction: { id: 'cb-1', value: allowOnce.value } }));
    expect(result.outcome).to.equal('answered');
    expect(t.executor.answers).to.have.length(1);
    expect(t.executor.answers[0]!.answer).to.deep.equal({ kind: 'permission', decision: 'once' });
    await until(() => t.provider.sent.some((s) => s.message.text.includes('Echo: /permission')), 5000, 'final reply');
    expect(t.provider.sent.some((s) => s.message.text.includes('Allowed once'))).to.equal(true);
    const session = (await t.store.sessions.list())[0]!;
    const types = (await t.store.events.list(session.sessionId)).map((e) => e.type);
    const order = ['permission.requested', 'interaction.answered', 'run.completed'].map((type) => types.indexOf(type));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), types.join(',')).to.equal(true);
    expect(await t.store.audit.list({ type: 'standalone.interaction.answered' })).to.have.length(1);
  });

  it('refuses a member\'s approval and tells them so, without answering the executor', async () => {
    t = await startTestKernel({ executor: waitingExecutor() });
    await t.kernel.ingest(message('/permission'));
    const deny = (await card()).message.buttons![0]![2]!;
    const result = await t.kernel.ingest(message('', { kind: 'interaction', userId: 'alice', interaction: { id: 'cb-2', value: deny.value } }));
    expect(result.outcome).to.equal('ignored');
    expect(t.executor.answers).to.have.length(0);
    await until(() => t.provider.sent.some((s) => s.message.text.includes('not allowed to answer')));
    expect(await t.store.audit.list({ type: 'standalone.interaction.denied' })).to.have.length(1);
  });

  it('accepts the /deny text command on a channel without buttons', async () => {
    t = await startTestKernel({ executor: waitingExecutor(), providerOptions: { buttons: false } });
    await t.kernel.ingest(message('/permission'));
    const text = (await card()).message.text;
    const id = /\/deny (\S+)/.exec(text)![1]!.replace(/\\/g, '');
    const result = await t.kernel.ingest(message(`/deny ${id}`, { kind: 'command', userId: 'ada' }));
    expect(result.outcome).to.equal('answered');
    expect(t.executor.answers[0]!.answer).to.deep.equal({ kind: 'permission', decision: 'reject' });
  });

  it('answers a question with the pressed option', async () => {
    t = await startTestKernel({ executor: waitingExecutor() });
    await t.kernel.ingest(message('/question'));
    const blue = (await card()).message.buttons!.flat().find((b) => b.label === 'blue')!;
    const result = await t.kernel.ingest(message('', { kind: 'interaction', userId: 'alice', interaction: { id: 'cb-3', value: blue.value } }));
    expect(result.outcome).to.equal('answered');
    expect(t.executor.answers[0]!.answer).to.deep.equal({ kind: 'question', answers: ['blue'] });
  });

  it('says a request is no longer pending once answered, or when nothing matches', async () => {
    t = await startTestKernel({ executor: waitingExecutor() });
    await t.kernel.ingest(message('/permission'));
    const allow = (await card()).message.buttons![0]![0]!;
    expect((await t.kernel.ingest(message('', { kind: 'interaction', userId: 'ada', interaction: { id: 'a', value: allow.value } }))).outcome).to.equal('answered');
    expect((await t.kernel.ingest(message('', { kind: 'interaction', userId: 'ada', interaction: { id: 'b', value: allow.value } }))).outcome).to.equal('ignored');
    expect((await t.kernel.ingest(message('/approve nothing-like-this', { kind: 'command', userId: 'ada' }))).outcome).to.equal('ignored');
    await until(() => t.provider.sent.filter((s) => s.message.text.includes('no longer waiting')).length === 2);
    expect(t.executor.answers).to.have.length(1);
  });
});

/** A FakeExecutor whose event stream drops once, right after the first assistant message. */
class DroppingStream extends FakeExecutor {
  private dropped = false;
  constructor(private readonly withCursors: boolean) {
    super(v.parse(fakeExecutorOptions, {}));
  }
  override async *events(id: string, options: { runId: string; after?: string; signal?: AbortSignal }): AsyncIterable<import('@cowork-gateway/core').RuntimeEvent> {
    for await (const event of super.events(id, options)) {
      yield this.withCursors ? event : { ...event, cursor: undefined };
      if (!this.dropped && event.type === 'assistant.message') {
        this.dropped = true;
        throw new ExecutorUnavailableError('event stream dropped');
      }
    }
  }
}

describe('a run whose event stream drops is resumed without losing or repeating events', function () {
  this.timeout(15_000);

  for (const withCursors of [true, false]) {
    it(`${withCursors ? 'resumes after the last stored cursor' : 'skips the replayed events when the executor has no cursors'}`, async () => {
      const t = await startTestKernel({ executor: new DroppingStream(withCursors) });
      try {
        await t.kernel.ingest(message('resume me'));
        await until(() => t.provider.sent.length === 1, 8000, 'reply after the retry');
        expect(t.provider.sent[0]!.message.text).to.contain('Echo: resume me');
        const [job] = await t.store.jobs.list();
        expect(job!.status).to.equal('completed');
        expect(job!.attempts).to.equal(2);
        expect(t.executor.promptCount).to.equal(1);
        const session = (await t.store.sessions.list())[0]!;
        const types = (await t.store.events.list(session.sessionId)).map((e) => e.type);
        expect(types).to.deep.equal(['session.created', 'user.message', 'run.started', 'assistant.message', 'run.completed']);
      } finally {
        await t.kernel.stop();
      }
    });
  }
});

describe('denied senders', function () {
  it('audits every denied message but sends the "not allowed" notice once per cooldown', async () => {
    const t = await startTestKernel();
    try {
      for (let i = 0; i < 3; i += 1) expect((await t.kernel.ingest(message('let me in', { userId: 'stranger' }))).outcome).to.equal('denied');
      await until(() => t.provider.sent.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(t.provider.sent).to.have.length(1);
      expect(await t.store.audit.list({ type: 'standalone.prompt.denied' })).to.have.length(3);
    } finally {
      await t.kernel.stop();
    }
  });
});
