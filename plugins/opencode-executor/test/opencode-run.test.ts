import { expect } from 'chai';
import type { RuntimeEvent } from '@cowork-gateway/core';
import { OpenCodeRun, type RunHooks } from '../src/opencode-run.js';
import { runErrorFrom } from '../src/run-errors.js';
import type { OpenCodeEvent, OpenCodePart } from '../src/opencode-types.js';

const SESSION = 'ses_1';
const USER = 'msg_000000000010userUSERuser01';
const ASSISTANT = 'msg_000000000020assistantASSI';

function hooks(): RunHooks & { interactions: string[]; reAborts: number; finished: number } {
  const h = {
    interactions: [] as string[],
    reAborts: 0,
    finished: 0,
    onInteraction: (id: string) => void h.interactions.push(id),
    onBusyAfterAbort: () => void (h.reAborts += 1),
    onFinished: () => void (h.finished += 1),
  };
  return h;
}

function newRun(h = hooks(), errorGraceMs = 3_000): OpenCodeRun {
  return new OpenCodeRun(`${SESSION}:${USER}`, SESSION, USER, h, errorGraceMs);
}

const ev = (type: string, properties: Record<string, unknown>): OpenCodeEvent => ({ type, properties: { sessionID: SESSION, ...properties } });
const busy = ev('session.status', { status: { type: 'busy' } });
const idle = ev('session.idle', {});
const assistant = (id = ASSISTANT): OpenCodeEvent => ev('message.updated', { info: { id, sessionID: SESSION, role: 'assistant', parentID: USER } });
const part = (fields: Partial<OpenCodePart> & { id: string; type: string }, messageID = ASSISTANT): OpenCodeEvent =>
  ev('message.part.updated', { part: { sessionID: SESSION, messageID, ...fields } });
const delta = (partID: string, text: string): OpenCodeEvent => ev('message.part.delta', { messageID: ASSISTANT, partID, field: 'text', delta: text });

function play(run: OpenCodeRun, events: OpenCodeEvent[]): RuntimeEvent[] {
  for (const event of events) run.handle(event);
  return run.events;
}

const typesOf = (events: RuntimeEvent[]): string[] => events.map((e) => e.type);

describe('OpenCodeRun (event projection)', () => {
  it('ignores an idle that comes before the turn went busy', () => {
    const run = newRun();
    play(run, [idle, ev('session.status', { status: { type: 'idle' } })]);
    expect(run.done).to.equal(false);
    play(run, [busy, assistant(), idle]);
    expect(run.done).to.equal(true);
    expect(typesOf(run.events)).to.deep.equal(['run.started', 'run.completed']);
  });

  it('fails a turn that went idle without a reply with the session.error that follows the idle', () => {
    const h = hooks();
    const run = newRun(h);
    play(run, [busy, ev('session.status', { status: { type: 'idle' } }), idle]);
    expect(run.done).to.equal(false);
    play(run, [ev('session.error', { error: { name: 'UnknownError', data: { message: 'Error: All fibers interrupted without error\n    at x' } } })]);
    expect(typesOf(run.events)).to.deep.equal(['run.started', 'run.failed']);
    expect(run.events[1]).to.deep.include({ error: { code: 'opencode.run_failed', message: 'OpenCode failed the run (UnknownError): Error: All fibers interrupted without error', retryable: false } });
    expect(h.finished).to.equal(1);
  });

  it('fails a turn that went idle without a reply and without a reason as interrupted, after the grace', async () => {
    const run = newRun(hooks(), 10);
    play(run, [busy, idle]);
    await run.changed();
    expect(run.events.at(-1)).to.deep.include({ type: 'run.failed', error: { code: 'opencode.run_interrupted', message: 'OpenCode ended the turn without a reply; send the message again', retryable: true } });
  });

  it('keeps following a turn that goes busy again or answers after an idle without a reply', async () => {
    const run = newRun(hooks(), 30);
    play(run, [busy, idle, busy]);
    play(run, [idle, assistant(), part({ id: 'prt_1', type: 'text', text: 'late answer', time: { start: 1, end: 2 } })]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(run.done).to.equal(false);
    play(run, [idle]);
    expect(run.events.at(-1)).to.deep.include({ type: 'run.completed', finalText: 'late answer' });
  });

  it('ends with one run.failed for OpenCode\'s double session.error', () => {
    const h = hooks();
    const run = newRun(h);
    const error = { name: 'APIError', data: { message: 'bad request', statusCode: 400, isRetryable: false } };
    play(run, [busy, assistant(), ev('session.error', { error }), idle, ev('session.error', { error: { name: 'UnknownError', data: { message: 'Error: stack\n at x' } } })]);
    expect(typesOf(run.events)).to.deep.equal(['run.started', 'run.failed']);
    expect(run.events[1]).to.deep.include({ error: { code: 'opencode.upstream_error', message: 'the model provider failed the request (HTTP 400): bad request', retryable: false } });
    expect(h.finished).to.equal(1);
  });

  it('ends a run whose session.error is not followed by idle after a grace period', async () => {
    const run = newRun(hooks(), 30);
    play(run, [busy, ev('session.error', { error: { name: 'ProviderAuthError', data: { providerID: 'x', message: 'invalid key' } } })]);
    expect(run.done).to.equal(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(run.done).to.equal(true);
    expect(run.events.at(-1)).to.deep.include({ type: 'run.failed' });
    expect((run.events.at(-1) as { error: { code: string } }).error.code).to.equal('opencode.provider_auth');
  });

  it('streams text deltas but not reasoning, and skips synthetic text', () => {
    const run = newRun();
    const events = play(run, [
      busy,
      assistant(),
      part({ id: 'prt_r', type: 'reasoning', text: '' }),
      delta('prt_r', 'thinking hard'),
      part({ id: 'prt_s', type: 'text', text: 'system note', synthetic: true, time: { start: 1, end: 2 } }),
      part({ id: 'prt_t', type: 'text', text: '' }),
      delta('prt_t', 'Hel'),
      delta('prt_t', 'lo'),
      part({ id: 'prt_t', type: 'text', text: 'Hello', time: { start: 1, end: 2 } }),
      idle,
    ]);
    expect(typesOf(events)).to.deep.equal(['run.started', 'assistant.delta', 'assistant.delta', 'assistant.message', 'run.completed']);
    expect(events.at(-1)).to.include({ finalText: 'Hello' });
  });

  it('delivers growing snapshots of old servers as deltas', () => {
    const run = newRun();
    const events = play(run, [
      busy,
      assistant(),
      part({ id: 'prt_t', type: 'text', text: 'He' }),
      part({ id: 'prt_t', type: 'text', text: 'Hello' }),
      part({ id: 'prt_t', type: 'text', text: 'Hello', time: { start: 1, end: 2 } }),
      idle,
    ]);
    expect(events.filter((e) => e.type === 'assistant.delta').map((e) => (e as { text: string }).text)).to.deep.equal(['He', 'llo']);
    expect(events.at(-1)).to.include({ type: 'run.completed', finalText: 'Hello' });
  });

  it('snapshots a text part that never got time.end when the run ends, and joins parts into the final text', () => {
    const run = newRun();
    const events = play(run, [
      busy,
      assistant(),
      part({ id: 'prt_a', type: 'text', text: 'First.', time: { start: 1, end: 2 } }),
      assistant('msg_000000000030assistantTWO1'),
      part({ id: 'prt_b', type: 'text', text: '' }, 'msg_000000000030assistantTWO1'),
      delta('prt_b', 'Second.'),
      idle,
    ]);
    expect(events.filter((e) => e.type === 'assistant.message').map((e) => (e as { text: string }).text)).to.deep.equal(['First.', 'Second.']);
    expect(events.at(-1)).to.include({ finalText: 'First.\n\nSecond.' });
  });

  it('ignores messages from before its prompt and never mistakes a user message for the reply', async () => {
    const run = newRun(hooks(), 10);
    const events = play(run, [
      busy,
      ev('message.updated', { info: { id: 'msg_000000000005olderOLDERold', sessionID: SESSION, role: 'assistant' } }),
      part({ id: 'prt_old', type: 'text', text: 'old reply', time: { start: 1, end: 2 } }, 'msg_000000000005olderOLDERold'),
      part({ id: 'prt_u', type: 'text', text: 'queued user text', time: { start: 1, end: 2 } }, 'msg_000000000015queuedQUEUEDq'),
      ev('message.updated', { info: { id: 'msg_000000000015queuedQUEUEDq', sessionID: SESSION, role: 'user' } }),
      idle,
    ]);
    await run.changed();
    expect(typesOf(events)).to.deep.equal(['run.started', 'run.failed']);
    expect(events[1]).to.deep.include({ error: { code: 'opencode.run_interrupted', message: 'OpenCode ended the turn without a reply; send the message again', retryable: true } });
  });

  it('holds parts that arrive before their message, until the message says it is the assistant\'s', () => {
    const run = newRun();
    const events = play(run, [busy, part({ id: 'prt_t', type: 'text', text: 'early', time: { start: 1, end: 2 } }), assistant(), idle]);
    expect(events.find((e) => e.type === 'assistant.message')).to.include({ text: 'early' });
  });

  it('reports tool calls once each, with failures', () => {
    const run = newRun();
    const events = play(run, [
      busy,
      assistant(),
      part({ id: 'prt_1', type: 'tool', callID: 'call_1', tool: 'bash', state: { status: 'pending' } }),
      part({ id: 'prt_1', type: 'tool', callID: 'call_1', tool: 'bash', state: { status: 'running', title: 'ls' } }),
      part({ id: 'prt_1', type: 'tool', callID: 'call_1', tool: 'bash', state: { status: 'error', error: 'boom' } }),
      idle,
    ]);
    expect(events.slice(1, 3)).to.deep.equal([
      { type: 'tool.started', callId: 'call_1', tool: 'bash', runId: run.runId, cursor: 'ts:call_1', at: events[1]!.at },
      { type: 'tool.finished', callId: 'call_1', tool: 'bash', status: 'failed', error: 'boom', runId: run.runId, cursor: 'tf:call_1', at: events[2]!.at },
    ]);
  });

  it('maps permission.asked and the legacy permission.updated, and questions, once each', () => {
    const h = hooks();
    const run = newRun(h);
    const events = play(run, [
      busy,
      ev('permission.asked', { id: 'per_1', permission: 'bash', patterns: ['rm -rf build'], metadata: { command: 'rm -rf build' } }),
      ev('permission.asked', { id: 'per_1', permission: 'bash', patterns: ['rm -rf build'] }),
      ev('permission.updated', { id: 'per_2', type: 'bash', pattern: 'make *', title: 'Run a build', metadata: { command: 'make all' } }),
      ev('question.asked', { id: 'que_1', questions: [{ question: 'Which?', header: 'H', options: [{ label: 'a' }, { label: 'b' }] }] }),
    ]);
    expect(events.slice(1)).to.have.length(3);
    expect(events[1]).to.deep.equal({ type: 'permission.requested', interactionId: 'per_1', title: 'bash: rm -rf build', runId: run.runId, cursor: 'p:per_1', at: events[1]!.at });
    expect(events[2]).to.deep.include({ type: 'permission.requested', interactionId: 'per_2', title: 'Run a build', detail: 'make all' });
    expect(events[3]).to.deep.include({ type: 'question.asked', interactionId: 'que_1', question: 'Which?', options: ['a', 'b'] });
    expect(h.interactions).to.include.members(['per_1', 'per_2', 'que_1']);
  });

  it('after a resync, takes text from snapshots only, so nothing is repeated', () => {
    const run = newRun();
    play(run, [busy, assistant(), part({ id: 'prt_t', type: 'text', text: '' }), delta('prt_t', 'Hello ')]);
    const inProgress = { id: 'prt_t', sessionID: SESSION, messageID: ASSISTANT, type: 'text', text: 'Hello wor' };
    run.resync({ messages: [{ info: { id: ASSISTANT, sessionID: SESSION, role: 'assistant' }, parts: [inProgress] }], busy: true, permissions: [], questions: [] });
    play(run, [delta('prt_t', 'wor'), delta('prt_t', 'ld'), part({ id: 'prt_t', type: 'text', text: 'Hello world', time: { start: 1, end: 2 } }), idle]);
    expect(run.events.filter((e) => e.type === 'assistant.delta').map((e) => (e as { text: string }).text)).to.deep.equal(['Hello ']);
    expect(run.events.at(-1)).to.include({ type: 'run.completed', finalText: 'Hello world' });
  });

  it('stops deltas the moment the stream reconnects, before the resync answers', () => {
    const run = newRun();
    play(run, [busy, assistant(), part({ id: 'prt_t', type: 'text', text: '' }), delta('prt_t', 'Hel')]);
    run.suspendDeltas();
    play(run, [delta('prt_t', 'o wo'), part({ id: 'prt_t', type: 'text', text: 'Hello world', time: { start: 1, end: 2 } }), idle]);
    expect(run.events.filter((e) => e.type === 'assistant.delta').map((e) => (e as { text: string }).text)).to.deep.equal(['Hel']);
    expect(run.events.find((e) => e.type === 'assistant.message')).to.include({ text: 'Hello world' });
  });

  it('finishes on resync when OpenCode went idle with a finished reply, or failed after having been busy', () => {
    const finished = newRun();
    const reply = { info: { id: ASSISTANT, sessionID: SESSION, role: 'assistant' as const, finish: 'stop', time: { created: 1, completed: 2 } }, parts: [{ id: 'prt_t', sessionID: SESSION, messageID: ASSISTANT, type: 'text', text: 'done', time: { start: 1, end: 2 } }] };
    finished.resync({ messages: [reply], busy: false, permissions: [], questions: [] });
    expect(finished.events.at(-1)).to.include({ type: 'run.completed', finalText: 'done' });

    const died = newRun();
    play(died, [busy]);
    died.resync({ messages: [], busy: false, permissions: [], questions: [] });
    expect((died.events.at(-1) as { error?: { code: string } }).error?.code).to.equal('opencode.run_interrupted');

    const notStarted = newRun();
    notStarted.resync({ messages: [], busy: false, permissions: [], questions: [] });
    expect(notStarted.done).to.equal(false);
  });

  it('asks for another abort when OpenCode goes busy after an abort, and fails as aborted', () => {
    const h = hooks();
    const run = newRun(h);
    run.markAbortRequested();
    play(run, [busy, idle]);
    expect(h.reAborts).to.equal(1);
    expect(run.events.at(-1)).to.deep.include({ type: 'run.failed', error: { code: 'opencode.aborted', message: 'the run was aborted', retryable: false } });
  });

  it('ends readers without a terminal event when detached', async () => {
    const run = newRun();
    const waiting = run.changed();
    run.detach();
    await waiting;
    expect(run.isDetached).to.equal(true);
    expect(run.done).to.equal(false);
  });
});

describe('runErrorFrom', () => {
  it('gives stable codes for OpenCode\'s error union', () => {
    expect(runErrorFrom({ name: 'MessageAbortedError', data: { message: 'Aborted' } }).code).to.equal('opencode.aborted');
    expect(runErrorFrom({ name: 'APIError', data: { message: 'overloaded', statusCode: 503, isRetryable: true } })).to.deep.equal({ code: 'opencode.upstream_error', message: 'the model provider failed the request (HTTP 503): overloaded', retryable: true });
    expect(runErrorFrom({ name: 'ContextOverflowError', data: {} }).code).to.equal('opencode.context_overflow');
    expect(runErrorFrom({ name: 'MessageOutputLengthError', data: {} }).code).to.equal('opencode.output_too_long');
    expect(runErrorFrom({ name: 'UnknownError', data: { message: 'first line\nstack trace' } })).to.deep.equal({ code: 'opencode.run_failed', message: 'OpenCode failed the run (UnknownError): first line', retryable: false });
    expect(runErrorFrom(undefined).code).to.equal('opencode.run_failed');
  });
});
