import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError, type RuntimeEvent } from '@cowork-gateway/core';
import { startFakeOpenCode, type FakeOpenCode, type FakeOpenCodeOptions } from '../src/testing/fake-opencode.js';
import type { OpenCodeExecutor } from '../src/opencode-executor.js';
import { deltasOf, eventually, executorFor, readRun, runPrompt, started, terminalOf, types } from './helpers.js';

describe('OpenCodeExecutor against a fake OpenCode', () => {
  let fake: FakeOpenCode;
  const executors: OpenCodeExecutor[] = [];

  async function setUp(options: FakeOpenCodeOptions = {}, executorOptions: Record<string, unknown> = {}): Promise<{ executor: OpenCodeExecutor; session: string }> {
    fake = await startFakeOpenCode({ password: 'fake-secret', ...options });
    const executor = await started(executorFor(fake, { password: 'fake-secret', ...executorOptions }));
    executors.push(executor);
    // start() asks for the default model in the background (health); let that settle, so request counts below are the runs' own.
    await executor.health();
    const { executorSessionId } = await executor.bindSession({ sessionId: 'gw-1', title: 'Test' });
    return { executor, session: executorSessionId };
  }

  /** How many times OpenCode was asked for its providers (model resolution and the health check). */
  function providerReads(): number {
    return fake.requests.filter((r) => r === 'GET /config/providers').length;
  }

  async function another(): Promise<OpenCodeExecutor> {
    const executor = await started(executorFor(fake, { password: 'fake-secret' }));
    executors.push(executor);
    return executor;
  }

  afterEach(async () => {
    for (const executor of executors.splice(0)) await executor.stop();
    await fake?.close();
  });

  describe('projection', () => {
    it('streams text deltas, one snapshot per part and run.completed with the final text', async () => {
      const { executor, session } = await setUp();
      const { events } = await runPrompt(executor, session, 'hello there');
      expect(types(events)[0]).to.equal('run.started');
      expect(deltasOf(events)).to.equal('echo: hello there');
      const snapshots = events.filter((e) => e.type === 'assistant.message');
      expect(snapshots).to.have.length(1);
      expect(snapshots[0]).to.include({ text: 'echo: hello there' });
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: 'echo: hello there' });
    });

    it('reports a tool that asks permission, and finishes after it is allowed', async () => {
      const { executor, session } = await setUp();
      const { runId } = await executor.prompt(session, { text: '[[tool:bash]] go' }, { idempotencyKey: 'k1', deadline: new Date(Date.now() + 60_000) });
      const events = await readRun(executor, session, runId, {
        onEvent: async (event) => {
          if (event.type === 'permission.requested') await executor.answer(event.interactionId, { kind: 'permission', decision: 'once' });
        },
      });
      expect(types(events)).to.deep.equal(['run.started', 'tool.started', 'permission.requested', 'tool.finished', ...types(events).slice(4)]);
      const asked = events.find((e) => e.type === 'permission.requested') as Extract<RuntimeEvent, { type: 'permission.requested' }>;
      expect(asked.interactionId).to.match(/^per_/);
      expect(asked.title).to.equal('bash: echo hello-from-tool');
      expect(events.find((e) => e.type === 'tool.finished')).to.include({ tool: 'bash', status: 'completed' });
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: 'tool said: hello-from-tool' });
      expect(fake.requests.some((r) => r.startsWith('POST /permission/per_') && r.endsWith('/reply'))).to.equal(true);
    });

    it('reports a rejected permission as a failed tool', async () => {
      const { executor, session } = await setUp();
      const { runId } = await executor.prompt(session, { text: '[[tool:bash]] go' }, { idempotencyKey: 'k1', deadline: new Date(Date.now() + 60_000) });
      const events = await readRun(executor, session, runId, {
        onEvent: async (event) => {
          if (event.type === 'permission.requested') await executor.answer(event.interactionId, { kind: 'permission', decision: 'reject' });
        },
      });
      expect(events.find((e) => e.type === 'tool.finished')).to.include({ status: 'failed' });
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: 'permission was rejected' });
    });

    it('asks questions with the option labels and passes the chosen label back', async () => {
      const { executor, session } = await setUp();
      const { runId } = await executor.prompt(session, { text: '[[question]]' }, { idempotencyKey: 'k1', deadline: new Date(Date.now() + 60_000) });
      const events = await readRun(executor, session, runId, {
        onEvent: async (event) => {
          if (event.type === 'question.asked') await executor.answer(event.interactionId, { kind: 'question', answers: ['blue'] });
        },
      });
      expect(events.find((e) => e.type === 'question.asked')).to.deep.include({ question: 'Which colour?', options: ['red', 'blue'] });
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: 'you chose: blue' });
    });

    it('turns an upstream 4xx into one run.failed, ignoring the second session.error', async () => {
      const { executor, session } = await setUp();
      const { runId, events } = await runPrompt(executor, session, '[[4xx]]');
      const terminal = terminalOf(events);
      expect(terminal.type).to.equal('run.failed');
      if (terminal.type !== 'run.failed') return;
      expect(terminal.error).to.deep.include({ code: 'opencode.upstream_error', retryable: false });
      expect(terminal.error.message).to.include('HTTP 400').and.include('fake upstream failure (400)');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await readRun(executor, session, runId);
      expect(again.filter((e) => e.type === 'run.failed')).to.have.length(1);
    });

    it('ends an aborted run (OpenCode retrying an upstream 5xx) with opencode.aborted', async () => {
      const { executor, session } = await setUp();
      const { runId } = await executor.prompt(session, { text: '[[5xx]]' }, { idempotencyKey: 'k1', deadline: new Date(Date.now() + 60_000) });
      await eventually(() => fake.requests.filter((r) => r === 'GET /session/status').length >= 0 && fake.prompts.length === 1, 'the prompt');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await executor.abort(runId);
      const events = await readRun(executor, session, runId);
      expect(terminalOf(events)).to.deep.include({ type: 'run.failed', error: { code: 'opencode.aborted', message: 'the run was aborted', retryable: false } });
    });

    it('does not abort the session again for a run that already ended', async () => {
      const { executor, session } = await setUp();
      const { runId } = await runPrompt(executor, session, 'quick');
      await executor.abort(runId);
      expect(fake.requests.filter((r) => r.endsWith('/abort'))).to.deep.equal([]);
    });

    it('handles old servers: permission.updated, snapshot streaming and the legacy permission route', async () => {
      const { executor, session } = await setUp({ legacy: true });
      const plain = await runPrompt(executor, session, 'old server');
      expect(deltasOf(plain.events)).to.equal('echo: old server');
      expect(terminalOf(plain.events)).to.include({ type: 'run.completed', finalText: 'echo: old server' });
      const { runId } = await executor.prompt(session, { text: '[[tool:bash]]' }, { idempotencyKey: 'k2', deadline: new Date(Date.now() + 60_000) });
      const events = await readRun(executor, session, runId, {
        onEvent: async (event) => {
          if (event.type === 'permission.requested') await executor.answer(event.interactionId, { kind: 'permission', decision: 'once' });
        },
      });
      expect(events.find((e) => e.type === 'permission.requested')).to.include({ title: 'echo hello-from-tool' });
      expect(fake.requests.some((r) => /^POST \/session\/ses_[^/]+\/permissions\/per_/.test(r))).to.equal(true);
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: 'tool said: hello-from-tool' });
    });

    it('says a permission is no longer pending with opencode.interaction_not_found', async () => {
      const { executor } = await setUp();
      const error = await executor.answer('per_unknown', { kind: 'permission', decision: 'once' }).catch((e: unknown) => e);
      expect(isGatewayError(error, 'opencode.interaction_not_found')).to.equal(true);
    });
  });

  describe('abort while OpenCode resolves its model (its first loop)', () => {
    const auth = { authorization: `Basic ${Buffer.from('opencode:fake-secret').toString('base64')}`, 'content-type': 'application/json' };

    it('resolves the models before the first prompt, so a deadline abort cannot break the instance for the next prompt', async () => {
      const { executor, session } = await setUp({ modelLoadMs: 300 });
      const slow = await executor.prompt(session, { text: '[[slow]] forever' }, { idempotencyKey: 'k-slow', deadline: new Date(Date.now() + 60_000) });
      await executor.abort(slow.runId);
      expect(terminalOf(await readRun(executor, session, slow.runId))).to.deep.include({ type: 'run.failed', error: { code: 'opencode.aborted', message: 'the run was aborted', retryable: false } });
      const next = await runPrompt(executor, session, 'after the deadline');
      expect(terminalOf(next.events)).to.include({ type: 'run.completed', finalText: 'echo: after the deadline' });
      expect(fake.modelState).to.equal('resolved');
      expect(fake.requests.indexOf('GET /config/providers')).to.be.lessThan(fake.requests.findIndex((r) => r.endsWith('/prompt_async')));
    });

    it('resolves them again after the stream reconnects (a disposed instance or a new process)', async () => {
      const { executor, session } = await setUp({ modelLoadMs: 10 });
      const before = providerReads();
      await runPrompt(executor, session, 'one');
      fake.disposeInstance();
      await eventually(() => fake.streamCount === 1, 'the reconnected stream');
      await runPrompt(executor, session, 'two');
      expect(providerReads() - before, 'one model resolution per stream connection').to.equal(2);
    });

    it('still prompts when the models cannot be read', async () => {
      const { executor, session } = await setUp();
      const before = providerReads();
      fake.fail('server-error', { route: '/config/providers', times: 1 });
      const { events } = await runPrompt(executor, session, 'anyway');
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: 'echo: anyway' });
      await runPrompt(executor, session, 'again');
      expect(providerReads() - before, 'the failed resolution is tried again before the next prompt').to.equal(2);
    });

    it('fails a turn that OpenCode ends without a reply with its reason, never completing it empty', async () => {
      const { executor, session } = await setUp({ modelLoadMs: 200 });
      // The start-up health check resolved the model; a disposed instance resolves it again, and an abort during that breaks it.
      await fetch(`${fake.url}/instance/dispose`, { method: 'POST', headers: auth, body: '{}' });
      // Break the instance the way OpenCode 1.18.33 breaks: a client aborting the first loop while it resolves the model.
      const other = await (await fetch(`${fake.url}/session`, { method: 'POST', headers: auth, body: '{}' })).json() as { id: string };
      await fetch(`${fake.url}/session/${other.id}/prompt_async`, { method: 'POST', headers: auth, body: JSON.stringify({ parts: [{ type: 'text', text: 'first' }] }) });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await fetch(`${fake.url}/session/${other.id}/abort`, { method: 'POST', headers: auth, body: '{}' });
      await eventually(() => fake.modelState === 'broken', 'the broken instance');
      const { events } = await runPrompt(executor, session, 'hello');
      expect(types(events)).to.deep.equal(['run.started', 'run.failed']);
      expect(terminalOf(events)).to.deep.include({ error: { code: 'opencode.run_failed', message: 'OpenCode failed the run (UnknownError): Error: All fibers interrupted without error', retryable: false } });
    });
  });

  describe('idempotency and resumption', () => {
    it('does not start a second turn when the prompt was accepted but its answer was lost', async () => {
      const { executor, session } = await setUp({}, { requestTimeoutMs: 300 });
      fake.fail('hang-after-accept', { route: '/prompt_async', times: 1 });
      const options = { idempotencyKey: 'job-1', deadline: new Date(Date.now() + 60_000) };
      const error = await executor.prompt(session, { text: 'once only' }, options).catch((e: unknown) => e);
      expect((error as { code?: string }).code).to.equal('executor.unavailable');
      const { runId } = await executor.prompt(session, { text: 'once only' }, options);
      expect(fake.prompts).to.have.length(1);
      expect(runId).to.equal(`${session}:${fake.prompts[0]!.messageId}`);
      const events = await readRun(executor, session, runId);
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: 'echo: once only' });
    });

    it('finds the run of a key again in a new process and replays it from OpenCode', async () => {
      const { executor, session } = await setUp();
      const first = await runPrompt(executor, session, '[[stream]] remember me', 'job-7');
      const restarted = await another();
      const { runId } = await restarted.prompt(session, { text: '[[stream]] remember me' }, { idempotencyKey: 'job-7', deadline: new Date(Date.now() + 60_000) });
      expect(runId).to.equal(first.runId);
      expect(fake.prompts).to.have.length(1);
      const replayed = await readRun(restarted, session, runId);
      expect(types(replayed)).to.deep.equal(['run.started', 'assistant.message', 'run.completed']);
      expect(terminalOf(replayed)).to.deep.equal({ ...terminalOf(first.events), at: terminalOf(replayed).at });
    });

    it('resumes after a cursor without repeating or losing events', async () => {
      const { executor, session } = await setUp();
      const { runId, events } = await runPrompt(executor, session, 'cursor test');
      const cursors = events.map((e) => e.cursor);
      expect(new Set(cursors).size).to.equal(events.length);
      const resumed = await readRun(executor, session, runId, { after: events[1]!.cursor });
      expect(resumed).to.deep.equal(events.slice(2));
    });

    it('aborts a run of an earlier process while its prompt is the session\'s latest, and leaves older ones alone', async () => {
      const { executor, session } = await setUp();
      const done = await runPrompt(executor, session, 'finished earlier', 'job-a');
      const { runId } = await executor.prompt(session, { text: '[[slow]]' }, { idempotencyKey: 'job-b', deadline: new Date(Date.now() + 60_000) });
      const reading = readRun(executor, session, runId);
      const other = await another();
      await other.abort(done.runId);
      expect(fake.requests.filter((r) => r.endsWith('/abort'))).to.have.length(0);
      await other.abort(runId);
      expect(fake.requests.filter((r) => r.endsWith('/abort'))).to.have.length(1);
      expect(terminalOf(await reading)).to.deep.include({ type: 'run.failed' });
    });

    it('ends readers without a terminal event on stop(), so the kernel retries the job', async () => {
      const { executor, session } = await setUp();
      const { runId } = await executor.prompt(session, { text: '[[slow]]' }, { idempotencyKey: 'k', deadline: new Date(Date.now() + 60_000) });
      const reading = readRun(executor, session, runId);
      await eventually(() => fake.messages(session).length >= 2, 'the turn to start');
      await executor.stop();
      const events = await reading;
      expect(events.some((e) => e.type === 'run.completed' || e.type === 'run.failed')).to.equal(false);
    });

    it('rejects events() for a run it cannot find', async () => {
      const { executor, session } = await setUp();
      const error = await readRun(executor, session, `${session}:msg_000000000000nothinghere00`).catch((e: unknown) => e);
      expect(isGatewayError(error, 'opencode.run_not_found')).to.equal(true);
    });

    it('creates a new OpenCode session when the bound one is gone', async () => {
      const { executor } = await setUp();
      const { executorSessionId } = await executor.bindSession({ sessionId: 'gw-2', title: 'T', executorSessionId: 'ses_gone' });
      expect(executorSessionId).to.match(/^ses_/).and.not.equal('ses_gone');
    });

    it('fails a prompt for a session OpenCode does not have with opencode.session_not_found', async () => {
      const { executor } = await setUp();
      const error = await executor.prompt('ses_missing', { text: 'x' }, { idempotencyKey: 'k', deadline: new Date() }).catch((e: unknown) => e);
      expect(isGatewayError(error, 'opencode.session_not_found')).to.equal(true);
    });
  });

  describe('event stream recovery', () => {
    async function streamWithInterruption(interrupt: () => void, options: FakeOpenCodeOptions = { chunkDelayMs: 25 }): Promise<RuntimeEvent[]> {
      const { executor, session } = await setUp(options);
      const { runId } = await executor.prompt(session, { text: '[[stream]]' }, { idempotencyKey: 'k', deadline: new Date(Date.now() + 60_000) });
      let interrupted = false;
      return readRun(executor, session, runId, {
        onEvent: (event) => {
          if (event.type !== 'assistant.delta' || interrupted) return;
          interrupted = true;
          interrupt();
        },
      });
    }

    const FULL = 'Streaming reply: one two three four five six seven.';

    function expectWholeTextOnce(events: RuntimeEvent[]): void {
      expect(FULL.startsWith(deltasOf(events)), `deltas "${deltasOf(events)}" are a prefix of the reply`).to.equal(true);
      expect(events.filter((e) => e.type === 'assistant.message').map((e) => (e as { text: string }).text)).to.deep.equal([FULL]);
      expect(new Set(events.map((e) => e.cursor)).size).to.equal(events.length);
      expect(events.filter((e) => e.type === 'run.completed' || e.type === 'run.failed')).to.have.length(1);
      expect(terminalOf(events)).to.include({ type: 'run.completed', finalText: FULL });
    }

    it('reconnects after the stream drops and resyncs the text it missed', async () => {
      const events = await streamWithInterruption(() => fake.dropStreams({ refuseMs: 150 }));
      expectWholeTextOnce(events);
      expect(fake.requests.filter((r) => r === 'GET /event').length).to.be.at.least(2);
      expect(fake.requests.some((r) => r.endsWith('/message'))).to.equal(true);
    });

    it('reconnects after server.instance.disposed', async () => {
      const events = await streamWithInterruption(() => fake.disposeInstance());
      expectWholeTextOnce(events);
    });

    it('reconnects when the stream falls silent (no heartbeat)', async () => {
      fake = await startFakeOpenCode({ chunkDelayMs: 40 });
      const executor = await started(executorFor(fake, {}, { eventTiming: { reconnectBaseMs: 20, reconnectMaxMs: 200, silenceMs: 150 } }));
      executors.push(executor);
      const { executorSessionId: session } = await executor.bindSession({ sessionId: 'gw', title: 'T' });
      const { runId } = await executor.prompt(session, { text: '[[stream]]' }, { idempotencyKey: 'k', deadline: new Date(Date.now() + 60_000) });
      let frozen = false;
      const events = await readRun(executor, session, runId, {
        onEvent: (event) => {
          if (event.type !== 'assistant.delta' || frozen) return;
          frozen = true;
          fake.freezeStreams();
        },
      });
      expectWholeTextOnce(events);
      expect(fake.requests.filter((r) => r === 'GET /event').length).to.be.at.least(2);
    });

    it('finishes a run that ended while the stream was down', async () => {
      const events = await streamWithInterruption(() => fake.dropStreams({ refuseMs: 600 }), { chunkDelayMs: 5 });
      expectWholeTextOnce(events);
    });
  });

  describe('failures', () => {
    it('refuses wrong credentials at start with opencode.unauthorized, never printing the password', async () => {
      fake = await startFakeOpenCode({ password: 'right-secret' });
      const executor = executorFor(fake, { password: 'wrong-secret-value' });
      const error = await started(executor).catch((e: unknown) => e);
      expect(isGatewayError(error, 'opencode.unauthorized')).to.equal(true);
      expect((error as Error).message).to.include('password').and.not.include('wrong-secret-value');
    });

    it('refuses a URL that answers HTML (not OpenCode, or an unknown route) with opencode.bad_response', async () => {
      fake = await startFakeOpenCode();
      fake.fail('html');
      const error = await started(executorFor(fake)).catch((e: unknown) => e);
      expect(isGatewayError(error, 'opencode.bad_response')).to.equal(true);
      expect((error as Error).message).to.include('text/html');
    });

    it('reports a 5xx as executor.unavailable so the kernel retries', async () => {
      const { executor } = await setUp();
      fake.fail('server-error', { route: 'POST /session' });
      const error = await executor.bindSession({ sessionId: 'gw-3', title: 'T' }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).to.equal('executor.unavailable');
      expect((error as Error).message).to.include('HTTP 500');
    });

    it('gives up on a hung request after requestTimeoutMs', async () => {
      const { executor } = await setUp({}, { requestTimeoutMs: 200 });
      fake.fail('hang', { route: 'POST /session' });
      const started = Date.now();
      const error = await executor.bindSession({ sessionId: 'gw-4', title: 'T' }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).to.equal('executor.unavailable');
      expect((error as Error).message).to.include('no answer within 200 ms');
      expect(Date.now() - started).to.be.below(5_000);
    });

    it('starts while OpenCode is unreachable, reports down, and throws executor.unavailable on use', async () => {
      fake = await startFakeOpenCode();
      const url = fake.url;
      await fake.close();
      const executor = executorFor({ url } as FakeOpenCode, { requestTimeoutMs: 500 });
      executors.push(await started(executor));
      expect((await executor.health()).state).to.equal('down');
      const error = await executor.bindSession({ sessionId: 'gw', title: 'T' }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).to.equal('executor.unavailable');
      fake = await startFakeOpenCode();
    });

    it('reports ok health with the server version', async () => {
      const { executor } = await setUp();
      const health = await executor.health();
      expect(health).to.deep.include({ state: 'ok' });
      expect((health as { detail?: { version?: string } }).detail?.version).to.equal('1.18.33-fake');
    });
  });
});
