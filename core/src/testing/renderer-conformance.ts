import assert from 'node:assert/strict';
import type { RuntimeEvent } from '../contracts/execution-authority.js';
import type { ProviderCapabilities } from '../contracts/provider.js';
import type { Notice, RenderedMessage, Renderer } from '../contracts/renderer.js';

/** What {@link describeRendererConformance} needs: a name for the suite and a factory. */
export interface RendererConformanceDescriptor {
  name: string;
  create(): Renderer;
}

/** Capabilities for a dialect and limit, with the other fields set to neutral values. */
export function conformanceCapabilities(
  markdownDialect: ProviderCapabilities['markdownDialect'],
  maxTextLength: number,
  buttons = false,
): ProviderCapabilities {
  return { maxTextLength, markdownDialect, buttons, threads: false, edits: false, files: false, inbound: 'webhook' };
}

/** A small seeded PRNG (mulberry32): the same seed always gives the same sequence in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** First line (a heading) of every {@link buildLongAnswer} document, to check nothing is lost. */
export const ANSWER_START = 'ANSWER-START-7f3a';
/** Last line of every {@link buildLongAnswer} document. */
export const ANSWER_END = 'ANSWER-END-7f3a';

const WORDS = ['gateway', 'a < b', 'x > y', 'AT&T', '&amp;', '"quoted"', "it's", '<div class="x">', 'naïve', '🚀', '👩‍💻', 'snake_case', 'end.'];

/**
 * A deterministic Markdown answer of at least `minLength` characters with paragraphs, emphasis,
 * inline code, links, headings, bullets, tables, fenced code (some longer than 4096 characters),
 * HTML-special characters, emoji and long unbroken tokens.
 */
export function buildLongAnswer(seed: number, minLength = 20_000): string {
  const rnd = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const parts = [`# ${ANSWER_START}`];
  let length = parts[0]?.length ?? 0;
  const sections = [paragraph, table, fence, bullets, heading, longToken];
  while (length < minLength) {
    const part = pick(sections)(rnd, pick);
    parts.push(part);
    length += part.length + 2;
  }
  parts.push(ANSWER_END);
  return parts.join('\n\n');
}

type Rnd = () => number;
type Pick = <T>(items: readonly T[]) => T;

function sentence(rnd: Rnd, pick: Pick): string {
  const words = Array.from({ length: 4 + Math.floor(rnd() * 12) }, () => pick(WORDS));
  const decorate = pick(['**bold text**', '*italic*', '_under_', '`a && b < c`', '[docs](https://example.com/a?b=1&c=2)', 'plain']);
  return `${words.join(' ')} ${decorate}.`;
}

function paragraph(rnd: Rnd, pick: Pick): string {
  return Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => sentence(rnd, pick)).join(' ');
}

function table(rnd: Rnd, pick: Pick): string {
  const rows = Array.from({ length: 2 + Math.floor(rnd() * 8) }, (_, i) => `| ${i} | ${pick(WORDS)} | \`${pick(WORDS)}\` |`);
  return ['| # | name | value |', '|---|------|-------|', ...rows].join('\n');
}

function fence(rnd: Rnd, pick: Pick): string {
  const lang = pick(['ts', 'python', '', 'html']);
  const lineCount = rnd() < 0.15 ? 150 + Math.floor(rnd() * 100) : 3 + Math.floor(rnd() * 20);
  const lines = Array.from({ length: lineCount }, (_, i) => `  if (a < ${i} && b > 0) { s = "<p>&amp;</p>"; } // ${pick(WORDS)}`);
  return [`\`\`\`${lang}`, ...lines, '```'].join('\n');
}

function bullets(rnd: Rnd, pick: Pick): string {
  return Array.from({ length: 2 + Math.floor(rnd() * 6) }, () => `- ${sentence(rnd, pick)}`).join('\n');
}

function heading(_rnd: Rnd, pick: Pick): string {
  return `${pick(['#', '##', '###'])} ${pick(WORDS)} & ${pick(WORDS)}`;
}

function longToken(rnd: Rnd): string {
  return `https://example.com/${'x'.repeat(200 + Math.floor(rnd() * 400))}?q=1&r=2`;
}

/** Number of lines that start (after indentation) with ```. Even in every balanced chunk. */
export function fenceLineCount(text: string): number {
  return text.split('\n').filter((line) => /^\s*```/.test(line)).length;
}

const ENTITY = /^&(?:amp|lt|gt|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/;
const TAG = /^<(\/?)([a-z]+)(?:\s+[a-z-]+="[^"<>]*")*>/;
const TELEGRAM_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'a', 'blockquote', 'span', 'tg-spoiler']);

/**
 * Problems of a Telegram HTML chunk: unknown or unbalanced tags, a `<`/`>` that is not part of
 * a tag, an `&` that does not start a whole entity (a cut entity). Empty when well-formed.
 */
export function telegramHtmlProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  for (let i = 0; i < html.length; ) {
    const rest = html.slice(i, i + 300);
    if (html[i] === '&') {
      const m = ENTITY.exec(rest);
      if (!m) problems.push(`bad entity at ${i}: ${JSON.stringify(rest.slice(0, 12))}`);
      i += m ? m[0].length : 1;
    } else if (html[i] === '<') {
      const m = TAG.exec(rest);
      if (!m) problems.push(`bad tag at ${i}: ${JSON.stringify(rest.slice(0, 20))}`);
      else checkTag(m[1] === '/', m[2] ?? '', stack, problems);
      i += m ? m[0].length : 1;
    } else {
      if (html[i] === '>') problems.push(`stray > at ${i}`);
      i++;
    }
  }
  if (stack.length > 0) problems.push(`unclosed tags: ${stack.join(',')}`);
  return problems;
}

function checkTag(closing: boolean, name: string, stack: string[], problems: string[]): void {
  if (!TELEGRAM_TAGS.has(name)) problems.push(`unknown tag <${name}>`);
  if (!closing) stack.push(name);
  else if (stack.pop() !== name) problems.push(`misnested </${name}>`);
}

/** Every Notice kind, with sample values. */
export const SAMPLE_NOTICES: readonly Notice[] = [
  { kind: 'queued', position: 2 },
  { kind: 'denied', reason: 'identity_not_found' },
  { kind: 'denied', reason: 'identity_disabled' },
  { kind: 'denied', reason: 'role_not_allowed' },
  { kind: 'executor_not_configured' },
  { kind: 'run_failed', code: 'executor.unavailable', message: 'connection <refused> & *gone*' },
  { kind: 'unsupported', what: 'Voice notes' },
  { kind: 'attachment_skipped', filename: 'big <video>.mp4', reason: 'larger than 20 MiB' },
  { kind: 'interaction', outcome: 'answered', summary: 'Allowed once by *alice*' },
  { kind: 'interaction', outcome: 'not_pending', summary: 'perm_123' },
  { kind: 'interaction', outcome: 'not_allowed', summary: 'role viewer' },
];

const CAPABILITY_SETS: readonly ProviderCapabilities[] = [
  conformanceCapabilities('telegram-html', 4096, true),
  conformanceCapabilities('slack-mrkdwn', 3000, true),
  conformanceCapabilities('plain', 200),
  conformanceCapabilities('markdown', 1000),
];

function completedRun(answer: string): RuntimeEvent[] {
  const half = answer.slice(0, Math.floor(answer.length / 2));
  return [
    { runId: 'run-c', type: 'run.started' },
    { runId: 'run-c', type: 'assistant.delta', messageId: 'm1', text: half },
    { runId: 'run-c', type: 'tool.started', callId: 'c1', tool: 'bash', title: 'ls -la' },
    { runId: 'run-c', type: 'tool.finished', callId: 'c1', tool: 'bash', status: 'completed' },
    { runId: 'run-c', type: 'assistant.message', messageId: 'm1', text: half },
    { runId: 'run-c', type: 'assistant.message', messageId: 'm1', text: answer },
    { runId: 'run-c', type: 'run.completed' },
  ];
}

function allChunks(messages: readonly RenderedMessage[]): RenderedMessage['chunks'] {
  return messages.flatMap((m) => m.chunks);
}

function assertWithinLimits(messages: readonly RenderedMessage[], caps: ProviderCapabilities): void {
  assert.ok(messages.length > 0, 'renders at least one message');
  for (const m of messages) {
    assert.ok(m.chunks.length > 0, `message ${m.key} has chunks`);
    for (const chunk of m.chunks) {
      assert.ok(chunk.text.length <= caps.maxTextLength, `chunk of ${chunk.text.length} > ${caps.maxTextLength}`);
      assert.ok(chunk.text.trim().length > 0, 'chunk is not blank');
      assert.equal(chunk.format, caps.markdownDialect);
    }
  }
}

function assertBalanced(messages: readonly RenderedMessage[], caps: ProviderCapabilities): void {
  for (const chunk of allChunks(messages)) {
    if (caps.markdownDialect === 'telegram-html') {
      assert.deepEqual(telegramHtmlProblems(chunk.text), [], `well-formed chunk: ${chunk.text.slice(0, 80)}`);
    } else {
      assert.equal(fenceLineCount(chunk.text) % 2, 0, `balanced fences in: ${chunk.text.slice(0, 80)}`);
    }
  }
}

function assertButtons(message: RenderedMessage | null, buttons: boolean): void {
  assert.ok(message !== null, 'interaction renders a message');
  const withButtons = message.chunks.filter((c) => c.buttons !== undefined && c.buttons.length > 0);
  if (!buttons) {
    assert.equal(withButtons.length, 0, 'no buttons without caps.buttons');
    return;
  }
  assert.equal(withButtons.length, 1, 'buttons on exactly one chunk');
  assert.equal(withButtons[0], message.chunks[message.chunks.length - 1], 'buttons on the last chunk');
  for (const b of withButtons[0]?.buttons?.flat() ?? []) {
    assert.ok(Buffer.byteLength(b.value, 'utf8') <= 64, `button value ≤ 64 bytes: ${b.value}`);
    assert.ok(b.label.length > 0 && b.value.length > 0, 'button has label and value');
  }
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/**
 * Registers mocha cases every {@link Renderer} must pass: deterministic output; every chunk within
 * `maxTextLength` for Telegram HTML (4096), Slack mrkdwn (3000), plain (200) and Markdown (1000)
 * on a 20 000-character answer with tables, fences and HTML-special characters; balanced fences
 * (well-formed HTML for Telegram) in every chunk; the final text from snapshots not duplicated;
 * an 'error' message for a failed run; buttons only with `caps.buttons`, on the last chunk,
 * values ≤ 64 bytes; a message for every Notice kind.
 */
export function describeRendererConformance(descriptor: RendererConformanceDescriptor): void {
  const answer = buildLongAnswer(20_240_601);
  describe(`Renderer conformance: ${descriptor.name}`, () => {
    it('renders the same input to the same output', () => {
      const events = completedRun(answer);
      for (const caps of CAPABILITY_SETS) {
        const renderer = descriptor.create();
        const first = renderer.renderRun(events, caps);
        assert.deepEqual(renderer.renderRun(events, caps), first);
        assert.deepEqual(descriptor.create().renderRun(events, caps), first);
      }
    });

    for (const caps of CAPABILITY_SETS) {
      it(`keeps every chunk within ${caps.maxTextLength} characters for ${caps.markdownDialect}`, () => {
        assertWithinLimits(descriptor.create().renderRun(completedRun(answer), caps), caps);
      });

      it(`keeps code fences balanced in every ${caps.markdownDialect} chunk`, () => {
        assertBalanced(descriptor.create().renderRun(completedRun(answer), caps), caps);
      });
    }

    it('keeps the start and the end of the answer', () => {
      const caps = conformanceCapabilities('markdown', 1000);
      const text = allChunks(descriptor.create().renderRun(completedRun(answer), caps)).map((c) => c.text).join('');
      assert.ok(text.includes(ANSWER_START) && text.includes(ANSWER_END), 'answer start and end are delivered');
    });

    it('does not duplicate the final text built from snapshots and deltas', () => {
      const caps = conformanceCapabilities('plain', 4096);
      const events: RuntimeEvent[] = [
        { runId: 'r', type: 'assistant.delta', messageId: 'm1', text: 'Unique-sentence-one. ' },
        { runId: 'r', type: 'assistant.message', messageId: 'm1', text: 'Unique-sentence-one.' },
        { runId: 'r', type: 'assistant.message', messageId: 'm1', text: 'Unique-sentence-one. Unique-sentence-two.' },
        { runId: 'r', type: 'assistant.message', messageId: 'm2', text: 'Unique-sentence-two.' },
        { runId: 'r', type: 'run.completed' },
      ];
      const messages = descriptor.create().renderRun(events, caps);
      const text = allChunks(messages).map((c) => c.text).join('\n');
      assert.equal(count(text, 'Unique-sentence-one'), 1);
      assert.equal(count(text, 'Unique-sentence-two'), 1);
      assert.ok(messages.some((m) => m.purpose === 'reply'), 'a reply message');
    });

    it('renders a failed run as an error message', () => {
      const events: RuntimeEvent[] = [
        { runId: 'r', type: 'assistant.delta', messageId: 'm1', text: 'partial' },
        { runId: 'r', type: 'run.failed', error: { code: 'executor.timeout', message: 'deadline exceeded', retryable: true } },
      ];
      for (const caps of CAPABILITY_SETS) {
        const messages = descriptor.create().renderRun(events, caps);
        assert.ok(messages.some((m) => m.purpose === 'error'), 'an error message');
        assertWithinLimits(messages, caps);
      }
    });

    for (const buttons of [true, false]) {
      it(`attaches buttons only when caps.buttons is ${buttons}`, () => {
        const longId = `perm-${'x'.repeat(120)}`;
        const permission: RuntimeEvent = { runId: 'r', type: 'permission.requested', interactionId: longId, title: 'Run `rm -rf build`', detail: 'cwd: /tmp & <home>' };
        const question: RuntimeEvent = { runId: 'r', type: 'question.asked', interactionId: 'q-1', question: 'Which one?', options: ['A', 'B', 'C'] };
        for (const base of CAPABILITY_SETS) {
          const caps = { ...base, buttons };
          const renderer = descriptor.create();
          assertButtons(renderer.renderInteraction(permission, caps), buttons);
          assertButtons(renderer.renderInteraction(question, caps), buttons);
        }
      });
    }

    it('renders every Notice kind within limits', () => {
      for (const caps of CAPABILITY_SETS) {
        for (const notice of SAMPLE_NOTICES) {
          const message = descriptor.create().renderNotice(notice, caps);
          assertWithinLimits([message], caps);
          assertBalanced([message], caps);
          assert.ok(message.purpose === 'notice' || message.purpose === 'error', `purpose of ${notice.kind}`);
        }
      }
    });
  });
}
