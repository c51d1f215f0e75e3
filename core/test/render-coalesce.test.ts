import { expect } from 'chai';
import type { RuntimeEvent } from '../src/contracts/execution-authority.js';
import { coalesceFinalText } from '../src/render/coalesce.js';

type Body = RuntimeEvent extends infer E ? (E extends { runId: string } ? Omit<E, 'runId'> : never) : never;

function run(...bodies: Body[]): RuntimeEvent[] {
  return bodies.map((b) => ({ ...b, runId: 'r1' }) as RuntimeEvent);
}

describe('render/coalesceFinalText', () => {
  it('returns null for no text at all', () => {
    expect(coalesceFinalText([])).to.equal(null);
    expect(coalesceFinalText(run({ type: 'run.started' }, { type: 'run.completed' }))).to.equal(null);
  });

  it('returns null for whitespace-only text', () => {
    expect(coalesceFinalText(run({ type: 'assistant.message', messageId: 'm', text: ' \n\t ' }))).to.equal(null);
  });

  it('lets a later snapshot of the same message replace the earlier one', () => {
    const events = run(
      { type: 'assistant.message', messageId: 'm', text: 'Hel' },
      { type: 'assistant.message', messageId: 'm', text: 'Hello world' },
    );
    expect(coalesceFinalText(events)).to.equal('Hello world');
  });

  it('replaces a snapshot even when the later one is shorter', () => {
    const events = run(
      { type: 'assistant.message', messageId: 'm', text: 'draft that was long' },
      { type: 'assistant.message', messageId: 'm', text: 'final' },
    );
    expect(coalesceFinalText(events)).to.equal('final');
  });

  it('prefers snapshots over deltas', () => {
    const events = run(
      { type: 'assistant.delta', messageId: 'm', text: 'streamed ' },
      { type: 'assistant.delta', messageId: 'm', text: 'text' },
      { type: 'assistant.message', messageId: 'm', text: 'the snapshot' },
    );
    expect(coalesceFinalText(events)).to.equal('the snapshot');
  });

  it('concatenates deltas per message when there are no snapshots', () => {
    const events = run(
      { type: 'assistant.delta', messageId: 'a', text: 'Hello, ' },
      { type: 'assistant.delta', messageId: 'b', text: 'Second ' },
      { type: 'assistant.delta', messageId: 'a', text: 'world.' },
      { type: 'assistant.delta', messageId: 'b', text: 'message.' },
    );
    expect(coalesceFinalText(events)).to.equal('Hello, world.\n\nSecond message.');
  });

  it('replaces the merged text with a later text that extends it', () => {
    const events = run(
      { type: 'assistant.message', messageId: 'a', text: 'Step one.' },
      { type: 'assistant.message', messageId: 'b', text: 'Step one. Step two.' },
    );
    expect(coalesceFinalText(events)).to.equal('Step one. Step two.');
  });

  it('drops a later text that is already contained', () => {
    const events = run(
      { type: 'assistant.message', messageId: 'a', text: 'The whole answer, with details.' },
      { type: 'assistant.message', messageId: 'b', text: 'with details' },
    );
    expect(coalesceFinalText(events)).to.equal('The whole answer, with details.');
  });

  it('joins unrelated texts with a blank line, in order of first appearance', () => {
    const events = run(
      { type: 'assistant.message', messageId: 'a', text: 'First.' },
      { type: 'assistant.message', messageId: 'b', text: 'Second.' },
      { type: 'assistant.message', messageId: 'a', text: 'First, revised.' },
    );
    expect(coalesceFinalText(events)).to.equal('First, revised.\n\nSecond.');
  });

  it('trims texts and skips empty messages', () => {
    const events = run(
      { type: 'assistant.message', messageId: 'a', text: '  ' },
      { type: 'assistant.message', messageId: 'b', text: '\nAnswer\n' },
    );
    expect(coalesceFinalText(events)).to.equal('Answer');
  });

  it('lets run.completed.finalText win', () => {
    const events = run(
      { type: 'assistant.message', messageId: 'a', text: 'draft' },
      { type: 'run.completed', finalText: ' Final answer ' },
    );
    expect(coalesceFinalText(events)).to.equal('Final answer');
  });

  it('ignores a blank finalText and falls back to the messages', () => {
    const events = run({ type: 'assistant.message', messageId: 'a', text: 'msg' }, { type: 'run.completed', finalText: '  ' });
    expect(coalesceFinalText(events)).to.equal('msg');
  });

  it('ignores tool, permission and question events', () => {
    const events = run(
      { type: 'tool.started', callId: 'c', tool: 'bash' },
      { type: 'tool.finished', callId: 'c', tool: 'bash', status: 'failed', error: 'boom' },
      { type: 'permission.requested', interactionId: 'p', title: 't' },
      { type: 'question.asked', interactionId: 'q', question: 'q?', options: [] },
      { type: 'assistant.delta', messageId: 'a', text: 'only this' },
    );
    expect(coalesceFinalText(events)).to.equal('only this');
  });
});
