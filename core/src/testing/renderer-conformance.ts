import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { RuntimeEvent } from '../contracts/execution-authority.js';
import type { OutboundButton, ProviderCapabilities } from '../contracts/provider.js';
import type { ButtonAction, Notice, RenderedButton, RenderedChunk, RenderedMessage, Renderer } from '../contracts/renderer.js';
import { encodeButtons } from '../kernel/button-codec.js';
import { MAX_BUTTON_VALUE_BYTES } from '../render/button-values.js';
import { describeChecks, runCheck, type CheckOutcome, type ConformanceCheck } from './checks.js';

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
  return { maxTextLength, markdownDialect, buttons, threads: false, edits: false, files: false, attachments: false, inbound: 'webhook' };
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
const TAG = /^<(\/?)([a-z-]+)(?:\s+[a-z-]+="[^"<>]*")*>/;
const TELEGRAM_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'a', 'blockquote', 'span', 'tg-spoiler']);

/**
 * Problems of a Telegram HTML chunk: unknown, stray, misnested or unclosed tags, a `<`/`>` that
 * is not part of a tag, an `&` that does not start a whole entity Telegram knows (a cut entity,
 * `&nbsp;`), a numeric entity beyond U+10FFFF. Empty when well-formed.
 */
export function telegramHtmlProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  for (let i = 0; i < html.length; ) {
    const rest = html.slice(i, i + 300);
    if (html[i] === '&') {
      const m = ENTITY.exec(rest);
      if (!m) problems.push(`bad entity at ${i}: ${JSON.stringify(rest.slice(0, 12))}`);
      else if (codePointOf(m[0]) > 0x10ffff) problems.push(`entity beyond U+10FFFF at ${i}: ${m[0]}`);
      i += m ? m[0].length : 1;
    } else if (html[i] === '<') {
      const m = TAG.exec(rest);
      if (!m) problems.push(`bad tag at ${i}: ${JSON.stringify(rest.slice(0, 20))}`);
      else checkTag(m[1] === '/', m[2] ?? '', i, stack, problems);
      i += m ? m[0].length : 1;
    } else {
      if (html[i] === '>') problems.push(`stray > at ${i}`);
      i++;
    }
  }
  if (stack.length > 0) problems.push(`unclosed tags: ${stack.join(',')}`);
  return problems;
}

function codePointOf(entity: string): number {
  if (entity.startsWith('&#x')) return parseInt(entity.slice(3, -1), 16);
  if (entity.startsWith('&#')) return parseInt(entity.slice(2, -1), 10);
  return 0;
}

function checkTag(closing: boolean, name: string, at: number, stack: string[], problems: string[]): void {
  if (!TELEGRAM_TAGS.has(name)) problems.push(`unknown tag <${name}>`);
  if (!closing) stack.push(name);
  else if (stack.length === 0) problems.push(`stray </${name}> at ${at}`);
  else if (stack[stack.length - 1] !== name) problems.push(`misnested </${name}> at ${at}: <${stack.pop()}> is open`);
  else stack.pop();
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

/**
 * A long answer of paragraphs whose every word is a numbered marker (`PART-0001`…), which no
 * dialect escapes, so a lost, repeated or reordered piece of text shows as a marker problem.
 */
export function buildMarkedAnswer(parts = 600): string {
  const words = Array.from({ length: parts }, (_, i) => `PART-${String(i + 1).padStart(4, '0')}`);
  const paragraphs: string[] = [];
  for (let i = 0; i < words.length; i += 12) paragraphs.push(words.slice(i, i + 12).join(' '));
  return paragraphs.join('\n\n');
}

/** Markers of {@link buildMarkedAnswer} missing, repeated or out of order in `text`; empty when all arrived once, in order. */
export function markerProblems(text: string, parts = 600): string[] {
  const seen = [...text.matchAll(/PART-(\d{4})/g)].map((m) => Number(m[1]));
  const problems: string[] = [];
  const counts = new Map<number, number>();
  for (const n of seen) counts.set(n, (counts.get(n) ?? 0) + 1);
  for (let n = 1; n <= parts; n += 1) {
    const count = counts.get(n) ?? 0;
    if (count !== 1) problems.push(`PART-${String(n).padStart(4, '0')} arrived ${count} times`);
  }
  for (let i = 1; i < seen.length; i += 1) {
    if (seen[i]! < seen[i - 1]!) problems.push(`PART-${String(seen[i]).padStart(4, '0')} comes after PART-${String(seen[i - 1]).padStart(4, '0')}`);
  }
  return problems.slice(0, 10);
}

/** Renderer conformance failures are node assertion errors whose message starts with this. */
export const RENDERER_CONFORMANCE_PREFIX = 'renderer conformance:';

function fail(message: string): never {
  throw new assert.AssertionError({ message: `${RENDERER_CONFORMANCE_PREFIX} ${message}` });
}

function check(condition: boolean, message: string): void {
  if (!condition) fail(message);
}

function allChunks(messages: readonly RenderedMessage[]): RenderedChunk[] {
  return messages.flatMap((m) => m.chunks);
}

function assertWithinLimits(messages: readonly RenderedMessage[], caps: ProviderCapabilities): void {
  check(messages.length > 0, 'renders no message at all');
  for (const m of messages) {
    check(m.chunks.length > 0, `message ${m.key} has no chunks`);
    for (const chunk of m.chunks) {
      check(chunk.text.length <= caps.maxTextLength, `a ${caps.markdownDialect} chunk of ${chunk.text.length} characters is over maxTextLength ${caps.maxTextLength}`);
      check(chunk.text.trim().length > 0, `message ${m.key} has a blank chunk`);
      check(chunk.format === caps.markdownDialect, `chunk format ${chunk.format} is not the provider's dialect ${caps.markdownDialect}`);
    }
  }
}

function assertNoButtons(messages: readonly RenderedMessage[], what: string): void {
  for (const chunk of allChunks(messages)) {
    check(chunk.buttons === undefined || chunk.buttons.flat().length === 0, `${what} carries buttons, which could answer no pending interaction`);
  }
}

function assertBalanced(messages: readonly RenderedMessage[], caps: ProviderCapabilities): void {
  for (const chunk of allChunks(messages)) {
    if (caps.markdownDialect === 'telegram-html') {
      const problems = telegramHtmlProblems(chunk.text);
      check(problems.length === 0, `a chunk is not well-formed Telegram HTML (${problems.slice(0, 3).join('; ')}): ${chunk.text.slice(0, 80)}`);
    } else {
      check(fenceLineCount(chunk.text) % 2 === 0, `a ${caps.markdownDialect} chunk has unbalanced code fences: ${chunk.text.slice(0, 80)}`);
    }
  }
}

type InteractionEvent = Extract<RuntimeEvent, { type: 'permission.requested' | 'question.asked' }>;

/** Why a button cannot answer `event` (wrong kind or id, bad decision, option out of range), or null. */
export function deadButtonReason(button: RenderedButton, event: InteractionEvent): string | null {
  const action = button.action as Partial<ButtonAction> | undefined;
  if (typeof button.label !== 'string' || button.label.trim() === '') return 'it has no label';
  if (!action || typeof action !== 'object') return 'it has no action';
  if (action.id !== event.interactionId) return `its action names interaction "${String(action.id)}", not "${event.interactionId}"`;
  if (event.type === 'permission.requested') {
    if (action.kind !== 'permission') return `its action is a ${String(action.kind)} action on a permission request`;
    return DECISIONS.includes(action.decision as string) ? null : `its decision "${String(action.decision)}" is not once, always or reject`;
  }
  if (action.kind !== 'question') return `its action is a ${String(action.kind)} action on a question`;
  const option = action.option as number;
  return Number.isInteger(option) && option >= 0 && option < event.options.length ? null : `its option ${String(option)} is not one of the question's ${event.options.length} options`;
}

const DECISIONS: readonly string[] = ['once', 'always', 'reject'];

function assertButtons(message: RenderedMessage | null, event: InteractionEvent, buttons: boolean): void {
  check(message !== null, `${event.type} renders no message`);
  const withButtons = message!.chunks.filter((c) => c.buttons !== undefined && c.buttons.flat().length > 0);
  if (!buttons) {
    check(withButtons.length === 0, `${event.type} has buttons although caps.buttons is false`);
    return;
  }
  check(withButtons.length === 1, `${event.type} has buttons on ${withButtons.length} chunks, not exactly one`);
  check(withButtons[0] === message!.chunks[message!.chunks.length - 1], `${event.type} has buttons on a chunk that is not the last`);
  const rows = withButtons[0]!.buttons!;
  for (const button of rows.flat()) {
    const reason = deadButtonReason(button, event);
    if (reason !== null) fail(`dead button "${button.label}" on ${event.type} ${event.interactionId}: ${reason}`);
  }
  let encoded: OutboundButton[][];
  try {
    encoded = encodeButtons(rows);
  } catch (error) {
    fail(`the kernel cannot encode the buttons of ${event.type}: ${(error as Error).message}`);
  }
  for (const b of encoded.flat()) check(Buffer.byteLength(b.value, 'utf8') <= MAX_BUTTON_VALUE_BYTES, `button value over ${MAX_BUTTON_VALUE_BYTES} bytes: ${b.value}`);
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** What a renderer check gets: a factory for fresh renderers. */
export interface RendererProbe {
  create(): Renderer;
}

/** One renderer conformance rule; see {@link runRendererCheck}. */
export type RendererCheck = ConformanceCheck<RendererProbe>;

const ANSWER = buildLongAnswer(20_240_601);
const MARKED = buildMarkedAnswer();

function rendererCheck(id: string, title: string, run: (probe: RendererProbe) => void): RendererCheck {
  return { id, title, run: async (probe) => run(probe) };
}

const INTERACTIONS: readonly InteractionEvent[] = [
  { runId: 'r', type: 'permission.requested', interactionId: `perm-${'x'.repeat(120)}`, title: 'Run `rm -rf build`', detail: 'cwd: /tmp & <home>' },
  { runId: 'r', type: 'permission.requested', interactionId: 'p-1', title: 'Edit file' },
  { runId: 'r', type: 'question.asked', interactionId: 'q-1', question: 'Which one?', options: ['A', 'B', 'C'] },
  { runId: 'r', type: 'question.asked', interactionId: `q-${'y'.repeat(90)}`, question: 'Pick a number', options: Array.from({ length: 12 }, (_, i) => `option ${i + 1}`) },
];

/**
 * Every renderer check in suite order: deterministic output; every chunk within `maxTextLength`
 * for Telegram HTML (4096), Slack mrkdwn (3000), plain (200) and Markdown (1000) on a
 * 20 000-character answer with tables, fences and HTML-special characters; well-formed HTML /
 * balanced fences in every chunk; no part of a long answer lost, repeated or reordered; the
 * final text from snapshots not duplicated; an 'error' message for a failed run; buttons only
 * with `caps.buttons`, on the last chunk, each with an action that answers the rendered event
 * (its interaction id, a valid decision, an option in range) and that the kernel can encode into
 * 64 bytes; no buttons on replies and notices; a message for every Notice kind.
 */
export const rendererChecks: readonly RendererCheck[] = Object.freeze([
  rendererCheck('deterministic', 'renders the same input to the same output', (probe) => {
    const events = completedRun(ANSWER);
    for (const caps of CAPABILITY_SETS) {
      const renderer = probe.create();
      const first = renderer.renderRun(events, caps);
      check(isDeepStrictEqual(renderer.renderRun(events, caps), first), `rendering the same run twice differs (${caps.markdownDialect})`);
      check(isDeepStrictEqual(probe.create().renderRun(events, caps), first), `two renderers render the same run differently (${caps.markdownDialect})`);
    }
  }),
  ...CAPABILITY_SETS.flatMap((caps) => [
    rendererCheck(`within-limits:${caps.markdownDialect}`, `keeps every chunk within ${caps.maxTextLength} characters for ${caps.markdownDialect}`, (probe) => {
      const messages = probe.create().renderRun(completedRun(ANSWER), caps);
      assertWithinLimits(messages, caps);
      assertNoButtons(messages, 'the reply');
    }),
    rendererCheck(`balanced:${caps.markdownDialect}`, `keeps code fences balanced in every ${caps.markdownDialect} chunk`, (probe) => {
      assertBalanced(probe.create().renderRun(completedRun(ANSWER), caps), caps);
    }),
    rendererCheck(`keeps-every-part:${caps.markdownDialect}`, `delivers every part of a long answer once and in order for ${caps.markdownDialect}`, (probe) => {
      const text = allChunks(probe.create().renderRun(completedRun(MARKED), caps)).map((c) => c.text).join('\n');
      const problems = markerProblems(text);
      check(problems.length === 0, `text lost, repeated or reordered across ${caps.markdownDialect} chunks: ${problems.join('; ')}`);
    }),
  ]),
  rendererCheck('keeps-start-end', 'keeps the start and the end of the answer', (probe) => {
    const caps = conformanceCapabilities('markdown', 1000);
    const text = allChunks(probe.create().renderRun(completedRun(ANSWER), caps)).map((c) => c.text).join('');
    check(text.includes(ANSWER_START) && text.includes(ANSWER_END), 'the start or the end of the answer is not delivered');
  }),
  rendererCheck('no-duplicate-final', 'does not duplicate the final text built from snapshots and deltas', (probe) => {
    const caps = conformanceCapabilities('plain', 4096);
    const events: RuntimeEvent[] = [
      { runId: 'r', type: 'assistant.delta', messageId: 'm1', text: 'Unique-sentence-one. ' },
      { runId: 'r', type: 'assistant.message', messageId: 'm1', text: 'Unique-sentence-one.' },
      { runId: 'r', type: 'assistant.message', messageId: 'm1', text: 'Unique-sentence-one. Unique-sentence-two.' },
      { runId: 'r', type: 'assistant.message', messageId: 'm2', text: 'Unique-sentence-two.' },
      { runId: 'r', type: 'run.completed' },
    ];
    const messages = probe.create().renderRun(events, caps);
    const text = allChunks(messages).map((c) => c.text).join('\n');
    check(count(text, 'Unique-sentence-one') === 1, 'the first sentence is not delivered exactly once');
    check(count(text, 'Unique-sentence-two') === 1, 'the second sentence is not delivered exactly once');
    check(messages.some((m) => m.purpose === 'reply'), 'a completed run renders no reply message');
  }),
  rendererCheck('failed-run', 'renders a failed run as an error message', (probe) => {
    const events: RuntimeEvent[] = [
      { runId: 'r', type: 'assistant.delta', messageId: 'm1', text: 'partial' },
      { runId: 'r', type: 'run.failed', error: { code: 'executor.timeout', message: 'deadline exceeded', retryable: true } },
    ];
    for (const caps of CAPABILITY_SETS) {
      const messages = probe.create().renderRun(events, caps);
      check(messages.some((m) => m.purpose === 'error'), 'a failed run renders no error message');
      assertWithinLimits(messages, caps);
      assertNoButtons(messages, 'the failure message');
    }
  }),
  ...[true, false].map((buttons) =>
    rendererCheck(`buttons:${buttons}`, `attaches buttons only when caps.buttons is ${buttons}, each answering the rendered request`, (probe) => {
      for (const base of CAPABILITY_SETS) {
        const caps = { ...base, buttons };
        const renderer = probe.create();
        for (const event of INTERACTIONS) assertButtons(renderer.renderInteraction(event, caps), event, buttons);
      }
    }),
  ),
  rendererCheck('notices', 'renders every Notice kind within limits', (probe) => {
    for (const caps of CAPABILITY_SETS) {
      for (const notice of SAMPLE_NOTICES) {
        const message = probe.create().renderNotice(notice, caps);
        assertWithinLimits([message], caps);
        assertBalanced([message], caps);
        assertNoButtons([message], `the ${notice.kind} notice`);
        check(message.purpose === 'notice' || message.purpose === 'error', `the ${notice.kind} notice has purpose ${message.purpose}`);
      }
    }
  }),
]);

/**
 * Runs one check of {@link rendererChecks} by id against fresh renderers from the descriptor.
 * Rejects with an `AssertionError` whose message starts with {@link RENDERER_CONFORMANCE_PREFIX}
 * when the renderer breaks the rule.
 */
export async function runRendererCheck(descriptor: RendererConformanceDescriptor, id: string): Promise<CheckOutcome> {
  return runCheck<RendererProbe, RendererCheck>('renderer', rendererChecks, id, () => true, async () => ({ create: () => descriptor.create(), tearDown: async () => undefined }));
}

/** Registers one mocha case per check of {@link rendererChecks} for the descriptor's renderer. */
export function describeRendererConformance(descriptor: RendererConformanceDescriptor): void {
  describeChecks(`Renderer conformance: ${descriptor.name}`, 20_000, rendererChecks, () => true, (id) => runRendererCheck(descriptor, id));
}
