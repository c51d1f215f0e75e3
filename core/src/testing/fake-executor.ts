import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import type { ComponentHealth } from '../contracts/common.js';
import {
  ExecutorUnavailableError,
  type ExecutionAuthority,
  type ExecutorContext,
  type InteractionAnswer,
  type PromptInput,
  type PromptOptions,
  type RuntimeEvent,
  type RuntimeEventBody,
} from '../contracts/execution-authority.js';
import { definePlugin } from '../plugin.js';
import { EXECUTOR, token } from '../tokens.js';

export const fakeExecutorOptions = v.strictObject({
  replyPrefix: v.optional(v.pipe(v.string(), v.description('Text put before the echoed prompt. Default "Echo: ".')), 'Echo: '),
  deltaSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description('Characters per streamed delta. Default 64.')), 64),
  stepDelayMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.description('Pause between emitted events. Default 0.')), 0),
  interactionTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description('How long a permission/question waits for an answer. Default 2000.')), 2000),
});
export type FakeExecutorOptions = v.InferOutput<typeof fakeExecutorOptions>;
export const FAKE_EXECUTOR_OPTIONS = token<FakeExecutorOptions>('testing.fake-executor.options');

interface Run {
  runId: string;
  events: RuntimeEvent[];
  done: boolean;
  listeners: Set<() => void>;
  aborted: boolean;
  answers: Map<string, (answer: InteractionAnswer) => void>;
}

/**
 * A scripted ExecutionAuthority for tests and demos. The prompt text chooses the script:
 * plain text is echoed (streamed as deltas, then one final message); `/long N` replies with N
 * characters; `/fail [message]` fails the run; `/slow MS` waits before replying; `/tool` emits
 * tool events; `/permission` and `/question` ask and wait for an answer; `/unavailable N`
 * throws ExecutorUnavailableError for the first N attempts of the same idempotency key.
 */
export class FakeExecutor implements ExecutionAuthority {
  readonly id = 'fake-executor';
  readonly kind = 'fake';
  /** How many distinct runs were started (idempotent repeats do not count). */
  promptCount = 0;
  /** Every prompt input that started a run, in order. */
  readonly inputs: PromptInput[] = [];
  /** Every answer received, in order. */
  readonly answers: { interactionId: string; answer: InteractionAnswer }[] = [];
  private readonly runs = new Map<string, Run>();
  private readonly runsByKey = new Map<string, string>();
  private readonly unavailableAttempts = new Map<string, number>();
  private readonly interactions = new Map<string, Run>();

  constructor(private readonly options: FakeExecutorOptions = v.parse(fakeExecutorOptions, {})) {}

  async start(_ctx: ExecutorContext): Promise<void> {}
  async stop(): Promise<void> {
    for (const run of this.runs.values()) run.aborted = true;
  }
  async health(): Promise<ComponentHealth> {
    return { state: 'ok' };
  }

  async bindSession(request: { sessionId: string; executorSessionId?: string }): Promise<{ executorSessionId: string }> {
    return { executorSessionId: request.executorSessionId ?? `fake-session-${request.sessionId}` };
  }

  async prompt(_executorSessionId: string, input: PromptInput, options: PromptOptions): Promise<{ runId: string }> {
    const existing = this.runsByKey.get(options.idempotencyKey);
    if (existing) return { runId: existing };
    this.failIfScriptedUnavailable(input.text, options.idempotencyKey);
    const run: Run = { runId: `run-${randomUUID()}`, events: [], done: false, listeners: new Set(), aborted: false, answers: new Map() };
    this.runs.set(run.runId, run);
    this.runsByKey.set(options.idempotencyKey, run.runId);
    this.promptCount += 1;
    this.inputs.push(input);
    void this.play(run, input.text.trim());
    return { runId: run.runId };
  }

  async *events(_executorSessionId: string, options: { runId: string; after?: string; signal?: AbortSignal }): AsyncIterable<RuntimeEvent> {
    const run = this.runs.get(options.runId);
    if (!run) throw new ExecutorUnavailableError(`unknown run ${options.runId}`);
    let index = options.after === undefined ? 0 : Number(options.after) + 1;
    while (!options.signal?.aborted) {
      while (index < run.events.length) yield run.events[index++]!;
      if (run.done) return;
      await new Promise<void>((resolve) => {
        if (options.signal?.aborted) return resolve();
        const wake = (): void => {
          run.listeners.delete(wake);
          options.signal?.removeEventListener('abort', wake);
          resolve();
        };
        run.listeners.add(wake);
        options.signal?.addEventListener('abort', wake);
      });
    }
  }

  async answer(interactionId: string, answer: InteractionAnswer): Promise<void> {
    this.answers.push({ interactionId, answer });
    const run = this.interactions.get(interactionId);
    run?.answers.get(interactionId)?.(answer);
  }

  async abort(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (run) run.aborted = true;
  }

  private failIfScriptedUnavailable(text: string, key: string): void {
    const match = /^\/unavailable\s+(\d+)/.exec(text.trim());
    if (!match) return;
    const seen = (this.unavailableAttempts.get(key) ?? 0) + 1;
    this.unavailableAttempts.set(key, seen);
    if (seen <= Number(match[1])) throw new ExecutorUnavailableError(`scripted outage (attempt ${seen})`);
  }

  private async play(run: Run, text: string): Promise<void> {
    await this.emit(run, { type: 'run.started' });
    const [command = '', ...args] = text.split(/\s+/);
    const arg = args.join(' ');
    if (command === '/fail') return this.finish(run, { type: 'run.failed', error: { code: 'executor.run_failed', message: arg || 'scripted failure', retryable: false } });
    if (command === '/slow') await this.pause(run, Number(args[0]) || 1000);
    if (command === '/tool') await this.toolCall(run);
    if (command === '/permission') await this.ask(run, 'permission');
    if (command === '/question') await this.ask(run, 'question');
    if (run.aborted) return this.finish(run, { type: 'run.failed', error: { code: 'executor.aborted', message: 'run was aborted', retryable: false } });
    const reply = command === '/long' ? longText(Number(args[0]) || 5000) : `${this.options.replyPrefix}${text}`;
    await this.stream(run, reply);
    await this.finish(run, { type: 'run.completed' });
  }

  private async stream(run: Run, reply: string): Promise<void> {
    const messageId = `msg-${run.runId}`;
    for (let i = 0; i < reply.length; i += this.options.deltaSize) {
      await this.emit(run, { type: 'assistant.delta', messageId, text: reply.slice(i, i + this.options.deltaSize) });
    }
    await this.emit(run, { type: 'assistant.message', messageId, text: reply });
  }

  private async toolCall(run: Run): Promise<void> {
    const callId = `call-${run.runId}`;
    await this.emit(run, { type: 'tool.started', callId, tool: 'bash', title: 'ls' });
    await this.emit(run, { type: 'tool.finished', callId, tool: 'bash', status: 'completed' });
  }

  private async ask(run: Run, kind: 'permission' | 'question'): Promise<void> {
    const interactionId = `${kind}-${run.runId}`;
    const answered = new Promise<InteractionAnswer | null>((resolve) => {
      run.answers.set(interactionId, resolve);
      setTimeout(() => resolve(null), this.options.interactionTimeoutMs).unref();
    });
    this.interactions.set(interactionId, run);
    await this.emit(run, kind === 'permission'
      ? { type: 'permission.requested', interactionId, title: 'Run bash: ls', detail: 'The agent wants to list files.' }
      : { type: 'question.asked', interactionId, question: 'Which color?', options: ['red', 'green', 'blue'] });
    await answered;
  }

  private async pause(run: Run, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!run.aborted && Date.now() < until) await sleep(Math.min(50, until - Date.now()));
  }

  private async emit(run: Run, body: RuntimeEventBody): Promise<void> {
    if (this.options.stepDelayMs > 0) await sleep(this.options.stepDelayMs);
    run.events.push({ ...body, runId: run.runId, cursor: String(run.events.length), at: new Date().toISOString() });
    for (const wake of [...run.listeners]) wake();
  }

  private async finish(run: Run, body: RuntimeEventBody): Promise<void> {
    await this.emit(run, body);
    run.done = true;
    for (const wake of [...run.listeners]) wake();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Deterministic long text with paragraphs and a code fence, `length` characters long. */
export function longText(length: number): string {
  const paragraph = 'The quick brown fox jumps over the lazy dog while the gateway splits long replies. ';
  let text = '';
  let n = 0;
  while (text.length < length) {
    n += 1;
    text += n % 7 === 0 ? '```\nconst line = ' + n + ';\n```\n\n' : `${paragraph.repeat(3).trim()} (${n})\n\n`;
  }
  return text.slice(0, length);
}

/** The fake executor as a plugin: `{ "executor": { "use": "@cowork-gateway/core/testing/fake-executor" } }`. */
export const fakeExecutorPlugin = definePlugin({
  name: '@cowork-gateway/core/testing/fake-executor',
  kind: 'executor',
  core: '^0.1.0',
  description: 'Scripted executor for tests and demos (echoes prompts; /fail, /long N, /slow MS, /tool, /permission, /question, /unavailable N).',
  configSchema: fakeExecutorOptions,
  register(container, options) {
    container.register(EXECUTOR, { useValue: new FakeExecutor(options) });
  },
});

export default fakeExecutorPlugin;
