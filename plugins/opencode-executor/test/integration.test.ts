import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as v from 'valibot';
import {
  DEFAULT_KERNEL_SETTINGS,
  DefaultRenderer,
  Kernel,
  silentLogger,
  type ExecutionAuthority,
  type InboundEvent,
  type KernelSettings,
} from '@cowork-gateway/core';
import { FakeProvider, describeExecutionAuthorityConformance, fakeProviderOptions } from '@cowork-gateway/core/testing';
import { MemoryStore } from '@cowork-gateway/memory-store';
import { resolveOpenCodeBinary } from '../src/managed/binary.js';
import { OpenCodeExecutor } from '../src/opencode-executor.js';
import { opencodeExecutorOptions } from '../src/options.js';
import { opencodeConfigFor } from '../src/testing/opencode-config.js';
import { startFakeLlm, type FakeLlm } from '../src/testing/fake-llm.js';
import { eventually } from './helpers.js';

/** The suite's one executor, lent to each kernel: their start/stop must not restart OpenCode. */
class SharedExecutor implements ExecutionAuthority {
  readonly id: string;
  readonly kind: string;
  constructor(private readonly inner: OpenCodeExecutor) {
    this.id = inner.id;
    this.kind = inner.kind;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health: ExecutionAuthority['health'] = () => this.inner.health();
  bindSession: ExecutionAuthority['bindSession'] = (request) => this.inner.bindSession(request);
  prompt: ExecutionAuthority['prompt'] = (session, input, options) => this.inner.prompt(session, input, options);
  events: ExecutionAuthority['events'] = (session, options) => this.inner.events(session, options);
  answer: ExecutionAuthority['answer'] = (id, answer) => this.inner.answer(id, answer);
  abort: ExecutionAuthority['abort'] = (runId) => this.inner.abort(runId);
}

const SETTINGS: KernelSettings = { ...DEFAULT_KERNEL_SETTINGS, idlePollMs: 20, deliveryBackoffBaseMs: 10, deliveryBackoffMaxMs: 50, shutdownDrainMs: 2000 };

describe('OpenCodeExecutor with the real opencode serve, offline (managed mode)', function () {
  this.timeout(60_000);
  let llm: FakeLlm;
  let dataDir: string;
  let executor: OpenCodeExecutor;
  let counter = 0;

  before(async function () {
    resolveOpenCodeBinary(); // opencode-ai is a pinned devDependency: missing means a broken install
    llm = await startFakeLlm();
    dataDir = mkdtempSync(join(tmpdir(), 'opencode-executor-it-'));
    const options = v.parse(opencodeExecutorOptions, { managed: { dataDir, startTimeoutMs: 60_000 } });
    const parentEnv = { PATH: process.env.PATH, OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfigFor(llm.url)) };
    executor = new OpenCodeExecutor(options, { id: 'opencode', plugin: '@cowork-gateway/opencode-executor', kind: 'executor' }, silentLogger, { parentEnv });
    await executor.start({ logger: silentLogger, signal: new AbortController().signal });
  });

  after(async () => {
    await executor?.stop();
    await llm?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('through the gateway kernel', () => {
    let kernel: Kernel | undefined;
    let provider: FakeProvider;
    let store: MemoryStore;

    async function startKernel(settings: Partial<KernelSettings> = {}): Promise<void> {
      store = new MemoryStore({ maxEventsPerSession: 100_000 });
      provider = new FakeProvider(v.parse(fakeProviderOptions, {}), { id: 'fake', plugin: 'fake', kind: 'provider' });
      kernel = new Kernel({
        store,
        executor: new SharedExecutor(executor),
        renderer: new DefaultRenderer(),
        providers: [provider],
        settings: { ...SETTINGS, ...settings },
        logger: silentLogger,
        identities: [
          { provider: 'fake', externalUserId: 'alice', role: 'member' },
          { provider: 'fake', externalUserId: 'ada', role: 'admin' },
        ],
      });
      await kernel.start();
    }

    function message(text: string, overrides: Partial<InboundEvent> = {}): InboundEvent {
      counter += 1;
      return { provider: 'fake', instance: 'fake', chatId: `chat-${counter}`, userId: 'alice', eventId: `it-${counter}-${Date.now()}`, kind: 'message', text, attachments: [], receivedAt: new Date(), ...overrides };
    }

    const sentTexts = (): string[] => provider.sent.map((s) => s.message.text);
    const waitForText = (part: string, what: string): Promise<void> => eventually(() => sentTexts().some((t) => t.includes(part)), what, 30_000);

    afterEach(async () => {
      await kernel?.stop();
      kernel = undefined;
    });

    it('answers a plain prompt with the final reply and stores the run', async () => {
      await startKernel();
      await kernel!.ingest(message('hello kernel'));
      await waitForText('echo: hello kernel', 'the reply');
      const session = (await store.sessions.list())[0]!;
      expect(session.executorSessionId).to.match(/^ses_/);
      const types = (await store.events.list(session.sessionId)).map((e) => e.type);
      expect(types).to.include.members(['run.started', 'assistant.message', 'run.completed']);
    });

    it('delivers a streamed reply once, coalesced', async () => {
      await startKernel();
      await kernel!.ingest(message('[[stream]] please'));
      await waitForText('Streaming reply: one two three four five six seven.', 'the streamed reply');
      expect(sentTexts().filter((t) => t.includes('Streaming reply'))).to.have.length(1);
    });

    it('asks permission for a tool in the chat and finishes after an admin allows it', async () => {
      await startKernel();
      const chat = message('[[tool:bash]] run it');
      await kernel!.ingest(chat);
      await eventually(() => provider.sent.some((s) => (s.message.buttons?.length ?? 0) > 0), 'the permission card', 30_000);
      const card = provider.sent.find((s) => (s.message.buttons?.length ?? 0) > 0)!;
      expect(card.message.text).to.contain('Permission requested');
      const allowOnce = card.message.buttons![0]![0]!;
      const result = await kernel!.ingest(message('', { chatId: chat.chatId, kind: 'interaction', userId: 'ada', interaction: { id: 'cb-perm', value: allowOnce.value } }));
      expect(result.outcome).to.equal('answered');
      await waitForText('tool said: hello-from-tool', 'the reply after the tool ran');
    });

    it('asks a question in the chat and passes the chosen option to OpenCode', async () => {
      await startKernel();
      const chat = message('[[question]] pick one');
      await kernel!.ingest(chat);
      await eventually(() => provider.sent.some((s) => (s.message.buttons?.length ?? 0) > 0), 'the question card', 30_000);
      const card = provider.sent.find((s) => (s.message.buttons?.length ?? 0) > 0)!;
      const blue = card.message.buttons!.flat().find((b) => b.label === 'blue')!;
      const result = await kernel!.ingest(message('', { chatId: chat.chatId, kind: 'interaction', userId: 'alice', interaction: { id: 'cb-q', value: blue.value } }));
      expect(result.outcome).to.equal('answered');
      await waitForText('"Which colour?"="blue"', 'the reply with the answer');
    });

    it('aborts a run at the kernel deadline, and the session answers the next prompt', async () => {
      await startKernel({ promptDeadlineMs: 2_000 });
      const chat = message('[[slow]] forever');
      await kernel!.ingest(chat);
      await waitForText('run.deadline_exceeded', 'the deadline notice');
      await kernel!.ingest(message('after the deadline', { chatId: chat.chatId }));
      await waitForText('echo: after the deadline', 'the next reply in the same session');
    });

    it('surfaces an upstream 4xx as a clear failed run', async () => {
      await startKernel();
      await kernel!.ingest(message('[[4xx]] break'));
      await waitForText('opencode.upstream_error', 'the failure notice');
      const session = (await store.sessions.list())[0]!;
      const failed = (await store.events.list(session.sessionId)).find((e) => e.type === 'run.failed')!;
      expect(failed.payload).to.deep.include({ error: { code: 'opencode.upstream_error', message: 'the model provider failed the request (HTTP 400): fake upstream failure (400)', retryable: false } });
    });
  });

  describeExecutionAuthorityConformance({
    name: 'opencode (real opencode serve 1.18.33, shared managed server)',
    create: async () => ({ executor: new SharedExecutor(executor) }),
    scripts: {
      reply: 'hello real conformance',
      expectedReplyIncludes: 'echo: hello real conformance',
      fail: '[[4xx]]',
      slow: '[[slow]]',
      permission: '[[tool:bash]]',
      question: '[[question]]',
    },
  });
});
