import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { AssertionError, expect } from 'chai';
import type { ComponentHealth } from '../src/contracts/common.js';
import {
  isTerminalRuntimeEvent,
  type PromptInput,
  type PromptOptions,
  type RuntimeEvent,
} from '../src/contracts/execution-authority.js';
import { FakeExecutor } from '../src/testing/fake-executor.js';
import {
  describeExecutionAuthorityConformance,
  executorChecks,
  runExecutorCheck,
  type ExecutorConformanceDescriptor,
  type ExecutorScripts,
} from '../src/testing/executor-conformance.js';

/**
 * `/slow 30000` rather than a few seconds: the abort case allows 5 s, so a slow run shorter than
 * that would end on its own and prove nothing about abort.
 */
const SCRIPTS: ExecutorScripts = {
  reply: 'hello',
  expectedReplyIncludes: 'hello',
  fail: '/fail boom',
  slow: '/slow 30000',
  permission: '/permission',
  question: '/question',
};

describeExecutionAuthorityConformance({
  name: 'FakeExecutor',
  create: async () => ({ executor: new FakeExecutor() }),
  scripts: SCRIPTS,
});

// ---- the suite can fail -----------------------------------------------------------------------

const FLAWS = ['none', 'no-terminal', 'two-terminals', 'duplicate-runs', 'wrong-run-id', 'no-cursors', 'down', 'rebinds', 'ignores-abort'] as const;
type Flaw = (typeof FLAWS)[number];

/** The fake executor with one deliberate contract violation, chosen by `flaw`. */
class BrokenExecutor extends FakeExecutor {
  constructor(private readonly flaw: Flaw) {
    super();
  }

  override async health(): Promise<ComponentHealth> {
    return this.flaw === 'down' ? { state: 'down', reason: 'broken on purpose' } : super.health();
  }

  override async bindSession(request: { sessionId: string; executorSessionId?: string }): Promise<{ executorSessionId: string }> {
    if (this.flaw === 'rebinds') return { executorSessionId: `fresh-${randomUUID()}` };
    return super.bindSession(request);
  }

  override async prompt(session: string, input: PromptInput, options: PromptOptions): Promise<{ runId: string }> {
    const key = this.flaw === 'duplicate-runs' ? `${options.idempotencyKey}-${randomUUID()}` : options.idempotencyKey;
    return super.prompt(session, input, { ...options, idempotencyKey: key });
  }

  override async abort(runId: string): Promise<void> {
    if (this.flaw !== 'ignores-abort') await super.abort(runId);
  }

  override async *events(session: string, options: { runId: string; after?: string; signal?: AbortSignal }): AsyncIterable<RuntimeEvent> {
    for await (const event of super.events(session, options)) {
      if (this.flaw === 'no-terminal' && isTerminalRuntimeEvent(event)) return;
      if (this.flaw === 'wrong-run-id') yield { ...event, runId: 'someone-else' };
      else if (this.flaw === 'no-cursors') yield { ...event, cursor: undefined };
      else yield event;
      if (this.flaw === 'two-terminals' && isTerminalRuntimeEvent(event)) yield event;
    }
  }
}

function broken(flaw: Flaw): ExecutorConformanceDescriptor<never> {
  return { name: `broken (${flaw})`, create: async () => ({ executor: new BrokenExecutor(flaw) }), scripts: SCRIPTS };
}

/** Which checks each flaw must break. */
const EXPECTED_FAILURES: Record<Exclude<Flaw, 'none' | 'no-cursors' | 'ignores-abort'>, string[]> = {
  'no-terminal': ['stream', 'fail', 'abort'],
  'two-terminals': ['stream', 'fail'],
  'duplicate-runs': ['idempotent-prompt'],
  'wrong-run-id': ['stream'],
  down: ['lifecycle'],
  rebinds: ['bind-session'],
};

describe('describeExecutionAuthorityConformance', function () {
  this.timeout(30_000);

  it('passes an executor without flaws on every check', async () => {
    for (const check of executorChecks) {
      expect(await runExecutorCheck(broken('none'), check.id), check.id).to.equal('passed');
    }
  });

  it('passes the cursor case for an executor that gives no cursors and declares `cursors: false`', async () => {
    expect(await runExecutorCheck({ ...broken('no-cursors'), cursors: false }, 'cursors')).to.equal('passed');
  });

  it('fails the cursor case for an executor that gives no cursors but does not declare `cursors: false`', async () => {
    const failure = await runExecutorCheck(broken('no-cursors'), 'cursors').then(() => undefined, (error: unknown) => error);
    expect(failure).to.be.instanceOf(AssertionError);
    expect((failure as Error).message).to.match(/events with a cursor/);
  });

  it('fails the cursor case for an executor that declares `cursors: false` but gives cursors', async () => {
    const failure = await runExecutorCheck({ ...broken('none'), cursors: false }, 'cursors').then(() => undefined, (error: unknown) => error);
    expect(failure).to.be.instanceOf(AssertionError);
    expect((failure as Error).message).to.match(/cursors of an executor declaring `cursors: false`/);
  });

  it('does not register cases for scripts the descriptor leaves out', async () => {
    const descriptor = { ...broken('none'), scripts: { reply: 'hello', expectedReplyIncludes: 'hello' } };
    for (const id of ['fail', 'abort', 'permission', 'question']) expect(await runExecutorCheck(descriptor, id), id).to.equal('not-applicable');
  });

  it('fails the abort check with its own deadline assertion for an executor that ignores abort', async () => {
    const failure = await runExecutorCheck(broken('ignores-abort'), 'abort').then(() => undefined, (error: unknown) => error);
    expect(failure, 'the abort check must reject').to.be.instanceOf(AssertionError);
    expect((failure as Error).message).to.match(/^the stream of \S+ did not end within 5000 ms \(events: run\.started\)$/);
  });

  for (const [flaw, checks] of Object.entries(EXPECTED_FAILURES)) {
    for (const id of checks) {
      it(`fails the ${id} check for an executor with the "${flaw}" flaw`, async () => {
        let failure: unknown;
        await runExecutorCheck(broken(flaw as Flaw), id).catch((error: unknown) => {
          failure = error;
        });
        expect(failure, `${id} must reject for "${flaw}"`).to.be.instanceOf(Error);
      });
    }
  }
});
