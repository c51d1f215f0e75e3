import { tokenizeHtml, type HtmlToken } from './html-tokens.js';
import { PREFERRED_SPLIT_RATIO, assertSplitLength, chunkText, type ChunkPlan } from './split-limits.js';

/** A tag open at some point of the split, and whether it was dropped to make room. */
interface OpenTag {
  name: string;
  raw: string;
  suppressed: boolean;
}

type Stack = OpenTag[];

/**
 * Splits Telegram HTML into chunks of at most `maxLength` UTF-16 code units, each well-formed.
 *
 * Cuts only between atoms (never inside a tag, an entity or a surrogate pair), preferring a
 * blank line, then a newline, then a space at ≥ 65 % of the window, and avoiding cuts right
 * after an opening tag or right before a closing one. Tags still open at a cut are closed at
 * the end of the chunk and reopened (same opening tag, e.g. `<pre><code class="language-ts">`)
 * at the start of the next; lengths include these repairs.
 *
 * Degenerate input degrades instead of overflowing: a tag whose opening + closing text exceeds a
 * quarter of the limit is dropped (its content stays), and when the tags to reopen would take
 * more than half of the limit the innermost ones are no longer reopened.
 *
 * @throws RangeError when `maxLength` is not an integer ≥ 32.
 */
export function splitTelegramHtml(html: string, maxLength: number): string[] {
  return planTelegramHtmlChunks(html, maxLength).map(chunkText);
}

/**
 * Like {@link splitTelegramHtml}, with each chunk as reopened tags, body and closing tags. The
 * bodies joined give the input back, minus tags dropped as described there.
 */
export function planTelegramHtmlChunks(html: string, maxLength: number): ChunkPlan[] {
  assertSplitLength(maxLength);
  if (html.length <= maxLength) return [{ prefix: '', body: html, suffix: '' }];
  const tokens = tokenizeHtml(html);
  const plans: ChunkPlan[] = [];
  const stack: Stack = [];
  for (let i = 0; i < tokens.length; ) {
    capReopenOverhead(stack, maxLength);
    const prefix = openers(stack);
    const cut = findCut(tokens, i, cloneStack(stack), prefix.length, maxLength);
    let body = '';
    for (; i < cut; i++) body += apply(stack, tokens[i] as HtmlToken, maxLength);
    plans.push({ prefix, body, suffix: closers(stack) });
  }
  return plans;
}

/** Token index to cut before, for a chunk starting at token `start`. */
function findCut(tokens: readonly HtmlToken[], start: number, sim: Stack, prefixLength: number, max: number): number {
  const minBody = Math.ceil((max - prefixLength) * PREFERRED_SPLIT_RATIO);
  const best = { blank: -1, newline: -1, space: -1, allowed: -1, any: -1 };
  let length = prefixLength;
  for (let j = start; j < tokens.length; j++) {
    length += apply(sim, tokens[j] as HtmlToken, max).length;
    if (length + closersLength(sim) > max) break;
    const k = j + 1;
    if (k === tokens.length) return k;
    best.any = k;
    if (!cutAllowed(tokens, k, sim)) continue;
    best.allowed = k;
    if (length - prefixLength >= minBody) recordSeparator(tokens, k, best);
  }
  const cut = [best.blank, best.newline, best.space, best.allowed, best.any].find((c) => c !== -1);
  return cut ?? start + 1;
}

/** No cut right after an opening tag that was emitted, nor right before a closing tag. */
function cutAllowed(tokens: readonly HtmlToken[], k: number, sim: Stack): boolean {
  const before = tokens[k - 1] as HtmlToken;
  const top = sim[sim.length - 1];
  if (before.kind === 'open' && top !== undefined && top.raw === before.raw && !top.suppressed) return false;
  return tokens[k]?.kind !== 'close';
}

function recordSeparator(tokens: readonly HtmlToken[], k: number, best: { blank: number; newline: number; space: number }): void {
  const before = tokens[k - 1]?.raw;
  if (before === '\n' && tokens[k - 2]?.raw === '\n') best.blank = k;
  else if (before === '\n') best.newline = k;
  else if (before === ' ') best.space = k;
}

/** Applies one token to the open-tag stack and returns the text it contributes to the chunk. */
function apply(stack: Stack, token: HtmlToken, max: number): string {
  if (token.kind === 'open') {
    const suppressed = token.raw.length + closingTag(token.name).length > Math.floor(max / 4);
    stack.push({ name: token.name, raw: token.raw, suppressed });
    return suppressed ? '' : token.raw;
  }
  if (token.kind !== 'close') return token.raw;
  const at = stack.map((t) => t.name).lastIndexOf(token.name);
  if (at === -1) return '';
  return closers(stack.splice(at));
}

function capReopenOverhead(stack: Stack, max: number): void {
  for (let i = stack.length - 1; i >= 0 && openers(stack).length + closers(stack).length > Math.floor(max / 2); i--) {
    (stack[i] as OpenTag).suppressed = true;
  }
}

function openers(stack: Stack): string {
  return stack.filter((t) => !t.suppressed).map((t) => t.raw).join('');
}

function closers(stack: Stack): string {
  return stack
    .filter((t) => !t.suppressed)
    .map((t) => closingTag(t.name))
    .reverse()
    .join('');
}

function closersLength(stack: Stack): number {
  let length = 0;
  for (const t of stack) if (!t.suppressed) length += t.name.length + 3;
  return length;
}

function closingTag(name: string): string {
  return `</${name}>`;
}

function cloneStack(stack: Stack): Stack {
  return stack.map((t) => ({ ...t }));
}
