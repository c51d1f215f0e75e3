import * as v from 'valibot';
import { silentLogger, type ExecutionAuthority, type RuntimeEvent } from '@cowork-gateway/core';
import { OpenCodeExecutor, type OpenCodeExecutorOverrides } from '../src/opencode-executor.js';
import { opencodeExecutorOptions } from '../src/options.js';
import type { FakeOpenCode } from '../src/testing/fake-opencode.js';

export const FAST_EVENTS = { reconnectBaseMs: 20, reconnectMaxMs: 200, silenceMs: 5_000 };

/** An executor (not started) pointed at a fake OpenCode. */
export function executorFor(fake: FakeOpenCode, options: Record<string, unknown> = {}, overrides: OpenCodeExecutorOverrides = {}): OpenCodeExecutor {
  const parsed = v.parse(opencodeExecutorOptions, { url: fake.url, requestTimeoutMs: 2_000, ...options });
  return new OpenCodeExecutor(parsed, { id: 'opencode-test', plugin: '@cowork-gateway/opencode-executor', kind: 'executor' }, silentLogger, { eventTiming: FAST_EVENTS, ...overrides });
}

export async function started(executor: OpenCodeExecutor): Promise<OpenCodeExecutor> {
  await executor.start({ logger: silentLogger, signal: new AbortController().signal });
  return executor;
}

/** Reads a run to its end (or fails after `timeoutMs`), calling `onEvent` for each event. */
export async function readRun(
  executor: ExecutionAuthority,
  session: string,
  runId: string,
  options: { after?: string; timeoutMs?: number; onEvent?: (event: RuntimeEvent) => Promise<void> | void } = {},
): Promise<RuntimeEvent[]> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.timeoutMs ?? 10_000);
  const events: RuntimeEvent[] = [];
  try {
    for await (const event of executor.events(session, { runId, after: options.after, signal: stop.signal })) {
      events.push(event);
      await options.onEvent?.(event);
    }
  } finally {
    clearTimeout(timer);
  }
  if (stop.signal.aborted) throw new Error(`run ${runId} did not end in time; got ${events.map((e) => e.type).join(', ')}`);
  return events;
}

export async function runPrompt(executor: ExecutionAuthority, session: string, text: string, key = `key-${Math.random()}`): Promise<{ runId: string; events: RuntimeEvent[] }> {
  const { runId } = await executor.prompt(session, { text }, { idempotencyKey: key, deadline: new Date(Date.now() + 60_000) });
  return { runId, events: await readRun(executor, session, runId) };
}

export function types(events: readonly RuntimeEvent[]): string[] {
  return events.map((e) => e.type);
}

export function deltasOf(events: readonly RuntimeEvent[]): string {
  return events.map((e) => (e.type === 'assistant.delta' ? e.text : '')).join('');
}

export function terminalOf(events: readonly RuntimeEvent[]): RuntimeEvent {
  return events[events.length - 1]!;
}

export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
