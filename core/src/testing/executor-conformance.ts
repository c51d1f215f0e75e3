import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  isTerminalRuntimeEvent,
  type ExecutionAuthority,
  type ExecutorContext,
  type RuntimeEvent,
} from '../contracts/execution-authority.js';
import { silentLogger } from '../logging.js';
import { describeChecks, runCheck, type CheckOutcome } from './checks.js';

/** Prompt texts that make the executor (or its fake runtime) behave a given way. */
export interface ExecutorScripts {
  /** A prompt answered normally. */
  reply: string;
  /** Text the assistant's answer to `reply` must contain. */
  expectedReplyIncludes: string;
  /** A prompt whose run fails (`run.failed`); enables the failure case. */
  fail?: string;
  /** A prompt whose run takes well over 5 s unless aborted; enables the abort case. */
  slow?: string;
  /** A prompt whose run asks for a permission and waits; enables the permission case. */
  permission?: string;
  /** A prompt whose run asks a question with options and waits; enables the question case. */
  question?: string;
}

/**
 * What {@link describeExecutionAuthorityConformance} needs to test one ExecutionAuthority.
 * Cases for optional scripts are registered only when the script is given.
 */
export interface ExecutorConformanceDescriptor<F> {
  /** Shown in the suite title, e.g. `opencode`. */
  name: string;
  /** Returns an executor that is not yet started (and its fake runtime, if any); called once per test. */
  create: () => Promise<{ executor: ExecutionAuthority; fake?: F }>;
  /** Disposes of what `create` made, after the executor was stopped. Default: nothing. */
  destroy?: (ctx: { executor: ExecutionAuthority; fake?: F }) => Promise<void>;
  /** Prompt texts that make the executor (or its fake runtime) behave a given way. */
  scripts: ExecutorScripts;
  /**
   * Whether the executor's events carry cursors a stream can be resumed after. Default `true`: the
   * cursor case proves they are unique and resume the stream. `false`: it proves no event carries one.
   */
  cursors?: boolean;
}

/** What an executor check can do: reach a started executor and drive runs on one session. */
export interface ExecutorProbe {
  readonly scripts: ExecutorScripts;
  /** The executor, started on first use with a silent logger. */
  executor(): Promise<ExecutionAuthority>;
  /** Stops the executor; tear-down will not stop it again. */
  stop(): Promise<void>;
  /** An executor session bound for a fresh gateway session. */
  session(): Promise<string>;
  /** Starts a run of `text` in `session` with `idempotencyKey` (default: a fresh key). */
  prompt(session: string, text: string, idempotencyKey?: string): Promise<string>;
  /** Reads `events(session, {runId, after})` until it ends; see {@link ExecutorReadOptions}. */
  read(session: string, runId: string, options?: ExecutorReadOptions): Promise<RuntimeEvent[]>;
  /** Whether the descriptor declares cursors (default true). */
  readonly cursors: boolean;
}

/** How {@link ExecutorProbe.read} consumes a stream. */
export interface ExecutorReadOptions {
  after?: string;
  /** Passed to `events`; the read ends when the stream does. */
  signal?: AbortSignal;
  /** Fails the read when the stream has not ended by then. Default 15 000 ms. */
  timeoutMs?: number;
  /** Called for every event before the next is read (e.g. to answer an interaction). */
  onEvent?: (event: RuntimeEvent) => Promise<void> | void;
}

/** One conformance rule, as a plain async function mocha (or a test of the suite) can run. */
export interface ExecutorCheck {
  /** Stable id, e.g. `stream`; see {@link runExecutorCheck}. */
  id: string;
  title: string;
  /** The optional script the case needs; it is registered only when the descriptor gives it. */
  needs?: 'fail' | 'slow' | 'permission' | 'question';
  run(probe: ExecutorProbe): Promise<void>;
}

const DEFAULT_READ_TIMEOUT_MS = 15_000;
const ABORT_DEADLINE_MS = 5_000;

/**
 * Registers a mocha suite proving that an {@link ExecutionAuthority} honours its contract:
 * lifecycle, idempotent session binding, idempotent prompts, well-formed event streams (one
 * terminal event, then the end), cursors and resumption, failures, abort, interactions and
 * stream cancellation.
 *
 * Every case gets a fresh executor from `create()`, starts it, and stops and destroys it
 * afterwards, so no state is shared between cases.
 *
 * @example
 * ```ts
 * describeExecutionAuthorityConformance({
 *   name: 'FakeExecutor',
 *   create: async () => ({ executor: new FakeExecutor() }),
 *   scripts: { reply: 'hello', expectedReplyIncludes: 'hello', fail: '/fail boom', slow: '/slow 30000' },
 * });
 * ```
 */
export function describeExecutionAuthorityConformance<F>(descriptor: ExecutorConformanceDescriptor<F>): void {
  const applies = (check: (typeof executorChecks)[number]): boolean => checkApplies(check, descriptor);
  describeChecks(`ExecutionAuthority conformance: ${descriptor.name}`, 30_000, executorChecks, applies, (id) => runExecutorCheck(descriptor, id));
}

/**
 * Runs one check of {@link executorChecks} by id against a fresh executor and tears it down.
 * Resolves `not-applicable` when the descriptor lacks the script the check needs (the suite does
 * not register it), rejects when the executor breaks the rule.
 */
export async function runExecutorCheck<F>(descriptor: ExecutorConformanceDescriptor<F>, id: string): Promise<CheckOutcome> {
  const applies = (check: (typeof executorChecks)[number]): boolean => checkApplies(check, descriptor);
  return runCheck<ExecutorProbe, (typeof executorChecks)[number]>('executor', executorChecks, id, applies, async () => new ExecutorHarness(descriptor, await descriptor.create()));
}

function checkApplies<F>(check: ExecutorCheck, descriptor: ExecutorConformanceDescriptor<F>): boolean {
  return check.needs === undefined || descriptor.scripts[check.needs] !== undefined;
}

// ---- harness ----------------------------------------------------------------------------------

/** One test's executor, started lazily, and the runs it started (aborted on tear-down). */
class ExecutorHarness<F> implements ExecutorProbe {
  private readonly shutdown = new AbortController();
  private readonly runs = new Set<string>();
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(
    private readonly descriptor: ExecutorConformanceDescriptor<F>,
    private readonly created: { executor: ExecutionAuthority; fake?: F },
  ) {}

  get scripts(): ExecutorScripts {
    return this.descriptor.scripts;
  }

  async executor(): Promise<ExecutionAuthority> {
    if (this.state === 'new') {
      const ctx: ExecutorContext = { logger: silentLogger, signal: this.shutdown.signal };
      await this.created.executor.start(ctx);
      this.state = 'started';
    }
    return this.created.executor;
  }

  async stop(): Promise<void> {
    if (this.state !== 'started') return;
    this.state = 'stopped';
    await this.created.executor.stop();
  }

  async session(): Promise<string> {
    const executor = await this.executor();
    const { executorSessionId } = await executor.bindSession({ sessionId: `conformance-${randomUUID()}`, title: 'Conformance' });
    return executorSessionId;
  }

  async prompt(session: string, text: string, idempotencyKey = `conformance-${randomUUID()}`): Promise<string> {
    const executor = await this.executor();
    const { runId } = await executor.prompt(session, { text }, { idempotencyKey, deadline: new Date(Date.now() + 60_000) });
    this.runs.add(runId);
    return runId;
  }

  async read(session: string, runId: string, options: ExecutorReadOptions = {}): Promise<RuntimeEvent[]> {
    const executor = await this.executor();
    return readStream(executor, session, runId, options);
  }

  get cursors(): boolean {
    return this.descriptor.cursors ?? true;
  }

  async tearDown(): Promise<void> {
    this.shutdown.abort();
    if (this.state === 'started') {
      for (const runId of this.runs) await this.created.executor.abort(runId).catch(() => undefined);
      await this.stop().catch(() => undefined);
    }
    await this.descriptor.destroy?.(this.created);
  }
}

/** Reads a run's stream to its end; fails after `timeoutMs`, aborting the read. */
async function readStream(executor: ExecutionAuthority, session: string, runId: string, options: ExecutorReadOptions): Promise<RuntimeEvent[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const iterator = executor.events(session, { runId, after: options.after, signal })[Symbol.asyncIterator]();
  const events: RuntimeEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next === 'timeout') {
        stop.abort();
        void iterator.return?.()?.catch(() => undefined);
        expect.fail(`the stream of ${runId} did not end within ${timeoutMs} ms (events: ${describeTypes(events)})`);
      }
      if (next.done) return events;
      events.push(next.value);
      await options.onEvent?.(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
}

function describeTypes(events: readonly RuntimeEvent[]): string {
  return events.map((e) => e.type).join(', ') || 'none';
}

/** Asserts the stream ended right after exactly one terminal event, and returns that event. */
function expectTerminalEnd(events: readonly RuntimeEvent[]): RuntimeEvent {
  const terminals = events.filter(isTerminalRuntimeEvent);
  expect(terminals.length, `terminal events in [${describeTypes(events)}]`).to.equal(1);
  expect(isTerminalRuntimeEvent(events[events.length - 1]!), `the stream ends right after its terminal event [${describeTypes(events)}]`).to.equal(true);
  return terminals[0]!;
}

/** The assistant's text: the last snapshot per message id, or the concatenated deltas when there is none. */
function assistantText(events: readonly RuntimeEvent[]): string {
  const byMessage = new Map<string, { deltas: string; snapshot?: string }>();
  for (const event of events) {
    if (event.type !== 'assistant.delta' && event.type !== 'assistant.message') continue;
    const entry = byMessage.get(event.messageId) ?? { deltas: '' };
    if (event.type === 'assistant.delta') entry.deltas += event.text;
    else entry.snapshot = event.text;
    byMessage.set(event.messageId, entry);
  }
  return [...byMessage.values()].map((m) => m.snapshot ?? m.deltas).join('\n');
}

// ---- checks -----------------------------------------------------------------------------------

const lifecycle: ExecutorCheck = {
  id: 'lifecycle',
  title: 'has an id and kind, reports ok health after start, and stops without throwing',
  async run(probe) {
    const executor = await probe.executor();
    expect(executor.id, 'id').to.be.a('string').that.is.not.empty;
    expect(executor.kind, 'kind').to.be.a('string').that.is.not.empty;
    const health = await executor.health();
    expect(health.state, `health after start (${JSON.stringify(health)})`).to.equal('ok');
    await probe.stop();
  },
};

const bindSession: ExecutorCheck = {
  id: 'bind-session',
  title: 'binds a session and returns the same id when it is passed back',
  async run(probe) {
    const executor = await probe.executor();
    const request = { sessionId: `conformance-${randomUUID()}`, title: 'Conformance' };
    const { executorSessionId } = await executor.bindSession(request);
    expect(executorSessionId, 'executorSessionId').to.be.a('string').that.is.not.empty;
    const again = await executor.bindSession({ ...request, executorSessionId });
    expect(again.executorSessionId, 'rebinding with the returned id').to.equal(executorSessionId);
  },
};

const prompts: ExecutorCheck = {
  id: 'prompt',
  title: 'starts a run and returns its id',
  async run(probe) {
    const session = await probe.session();
    const runId = await probe.prompt(session, probe.scripts.reply);
    expect(runId, 'runId').to.be.a('string').that.is.not.empty;
    await probe.read(session, runId);
  },
};

const idempotentPrompt: ExecutorCheck = {
  id: 'idempotent-prompt',
  title: 'returns the existing run for a repeated idempotency key',
  async run(probe) {
    const session = await probe.session();
    const key = `conformance-key-${randomUUID()}`;
    const first = await probe.prompt(session, probe.scripts.reply, key);
    const second = await probe.prompt(session, probe.scripts.reply, key);
    expect(second, 'runId of the repeated prompt').to.equal(first);
    const events = await probe.read(session, first);
    expect(events.filter((e) => e.type === 'run.started'), 'run.started events of the run').to.have.length.at.most(1);
  },
};

const stream: ExecutorCheck = {
  id: 'stream',
  title: 'streams run.started, the reply and exactly one run.completed, then ends',
  async run(probe) {
    const session = await probe.session();
    const runId = await probe.prompt(session, probe.scripts.reply);
    const events = await probe.read(session, runId);
    for (const event of events) expect(event.runId, `runId of ${event.type}`).to.equal(runId);
    expect(events.map((e) => e.type), 'event types').to.include('run.started');
    expect(assistantText(events), 'assistant text').to.include(probe.scripts.expectedReplyIncludes);
    expect(expectTerminalEnd(events).type, 'terminal event').to.equal('run.completed');
  },
};

const cursors: ExecutorCheck = {
  id: 'cursors',
  title: 'gives unique cursors on every event and resumes after one (or, declaring `cursors: false`, gives none)',
  async run(probe) {
    const session = await probe.session();
    const runId = await probe.prompt(session, probe.scripts.reply);
    const events = await probe.read(session, runId);
    const given = events.map((e) => e.cursor).filter((c): c is string => c !== undefined);
    if (!probe.cursors) {
      expect(given, 'cursors of an executor declaring `cursors: false`').to.deep.equal([]);
      return;
    }
    expect(given.length, `events with a cursor among [${describeTypes(events)}] (declare \`cursors: false\` if the executor gives none)`).to.equal(events.length);
    expect(new Set(given).size, `cursors ${given.join(', ')} are unique`).to.equal(given.length);
    // run.started, the reply and the terminal event: a reply stream has at least three events.
    expect(events.length, `events of a reply run [${describeTypes(events)}]`).to.be.at.least(3);
    const resumed = await probe.read(session, runId, { after: events[0]!.cursor });
    expect(resumed[0], `the first event after the first cursor ${events[0]!.cursor}`).to.deep.equal(events[1]);
    expect(resumed.map((e) => e.cursor), 'cursors of the resumed stream').to.deep.equal(given.slice(1));
  },
};

const fails: ExecutorCheck = {
  id: 'fail',
  title: 'ends a failing run with exactly one run.failed carrying an error code',
  needs: 'fail',
  async run(probe) {
    const session = await probe.session();
    const runId = await probe.prompt(session, probe.scripts.fail!);
    const terminal = expectTerminalEnd(await probe.read(session, runId));
    expect(terminal.type, 'terminal event').to.equal('run.failed');
    if (terminal.type !== 'run.failed') return;
    expect(terminal.error.code, 'error.code').to.be.a('string').that.is.not.empty;
  },
};

const aborts: ExecutorCheck = {
  id: 'abort',
  title: `ends an aborted run with a terminal event within ${ABORT_DEADLINE_MS / 1000} s`,
  needs: 'slow',
  async run(probe) {
    const executor = await probe.executor();
    const session = await probe.session();
    const runId = await probe.prompt(session, probe.scripts.slow!);
    const started = Date.now();
    await executor.abort(runId);
    const events = await probe.read(session, runId, { timeoutMs: ABORT_DEADLINE_MS });
    expectTerminalEnd(events);
    expect(Date.now() - started, 'ms from abort to the end of the stream').to.be.below(ABORT_DEADLINE_MS);
  },
};

function interaction(kind: 'permission' | 'question'): ExecutorCheck {
  const eventType = kind === 'permission' ? 'permission.requested' : 'question.asked';
  return {
    id: kind,
    title: `emits ${eventType} and finishes the run once it is answered`,
    needs: kind,
    async run(probe) {
      const executor = await probe.executor();
      const session = await probe.session();
      const runId = await probe.prompt(session, probe.scripts[kind]!);
      const asked: RuntimeEvent[] = [];
      const events = await probe.read(session, runId, {
        onEvent: async (event) => {
          if (event.type !== eventType) return;
          asked.push(event);
          await executor.answer(...answerFor(event));
        },
      });
      expect(asked, `${eventType} events`).to.have.length.at.least(1);
      expect(expectTerminalEnd(events).type, 'terminal event after the answer').to.equal('run.completed');
    },
  };
}

/** Validates an interaction event and builds the answer the suite gives it. */
function answerFor(event: RuntimeEvent): Parameters<ExecutionAuthority['answer']> {
  if (event.type === 'permission.requested') {
    expect(event.interactionId, 'permission interactionId').to.be.a('string').that.is.not.empty;
    return [event.interactionId, { kind: 'permission', decision: 'once' }];
  }
  if (event.type !== 'question.asked') throw new Error(`not an interaction: ${event.type}`);
  expect(event.interactionId, 'question interactionId').to.be.a('string').that.is.not.empty;
  expect(event.options, 'question options').to.be.an('array').that.is.not.empty;
  return [event.interactionId, { kind: 'question', answers: [event.options[0]!] }];
}

const cancelRead: ExecutorCheck = {
  id: 'cancel-read',
  title: 'ends the event iteration without throwing when its signal is aborted',
  async run(probe) {
    const executor = await probe.executor();
    const session = await probe.session();
    const runId = await probe.prompt(session, probe.scripts.slow ?? probe.scripts.reply);
    const reader = new AbortController();
    await probe.read(session, runId, { signal: reader.signal, timeoutMs: ABORT_DEADLINE_MS, onEvent: () => reader.abort() });
    const preAborted = AbortSignal.abort();
    await probe.read(session, runId, { signal: preAborted, timeoutMs: ABORT_DEADLINE_MS });
    await executor.abort(runId);
  },
};

/**
 * Every executor check in suite order. Exported so an executor's own tests can run single
 * checks with {@link runExecutorCheck}, and so the suite itself can be proven to fail.
 */
export const executorChecks: readonly ExecutorCheck[] = Object.freeze([
  lifecycle,
  bindSession,
  prompts,
  idempotentPrompt,
  stream,
  cursors,
  fails,
  aborts,
  interaction('permission'),
  interaction('question'),
  cancelRead,
]);
