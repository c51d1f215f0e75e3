import { scanFences, type FenceSpan } from './fences.js';
import {
  PREFERRED_SPLIT_RATIO,
  assertSplitLength,
  chunkText,
  splitsSurrogatePair,
  type ChunkPlan,
} from './split-limits.js';

/** Options of {@link splitText}. */
export interface SplitTextOptions {
  /**
   * Spans that must not be cut, as a global regular expression (for example Slack's
   * `<url|label>` links and `&amp;` escapes). A span longer than the window is hard-cut anyway.
   */
  atomic?: RegExp;
}

const SEPARATORS = ['\n\n', '\n', ' '] as const;

/**
 * Splits Markdown-like text into chunks of at most `maxLength` UTF-16 code units.
 *
 * - Text that fits is returned as `[text]`, untouched.
 * - A cut prefers the last blank line, then newline, then space of the window, as long as it
 *   lies at ≥ 65 % of the window; otherwise the window is hard-cut. The separator stays at the
 *   end of the earlier chunk, so joining the chunks (minus repairs) gives the text back.
 * - A surrogate pair is never split, nor a ``` fence line, nor an `atomic` span that fits; a cut
 *   inside a line never makes the next chunk start with backticks that would read as a fence.
 * - A chunk that ends inside a ``` fence is closed with "\n```" and the next chunk reopens it
 *   with the same fence line (e.g. "```ts\n"); lengths include these repairs.
 * - Degenerate fences: when the text must be split, an opening fence line longer than a quarter
 *   of the limit loses its info string (see {@link shortenFenceLines}); a fence whose backtick
 *   run alone exceeds that budget gets no repairs.
 * - Deterministic: the same input always gives the same chunks.
 *
 * @throws RangeError when `maxLength` is not an integer ≥ 32.
 */
export function splitText(text: string, maxLength: number, options: SplitTextOptions = {}): string[] {
  return planTextChunks(text, maxLength, options).map(chunkText);
}

/**
 * Like {@link splitText}, but returns each chunk as repairs around a verbatim slice of the input
 * (of `shortenFenceLines(text, maxLength)` when the text has to be split).
 */
export function planTextChunks(text: string, maxLength: number, options: SplitTextOptions = {}): ChunkPlan[] {
  assertSplitLength(maxLength);
  if (text.length <= maxLength) return [{ prefix: '', body: text, suffix: '' }];
  return new TextSplitter(shortenFenceLines(text, maxLength), maxLength, options).plan();
}

/** Most characters a fence repair (reopening line with its newline, or closing newline + backticks) may take. */
function repairBudget(maxLength: number): number {
  return Math.floor(maxLength / 4);
}

/**
 * Replaces each opening fence line that could not be repeated as a repair (longer than a
 * quarter of the limit with its newline) by its bare backticks: the language is dropped so the
 * fence can be reopened in every chunk. Only text that must be split goes through this.
 */
export function shortenFenceLines(text: string, maxLength: number): string {
  const budget = repairBudget(maxLength);
  const fences = scanFences(text).filter((f) => f.openLine.length + 1 > budget && f.openLine !== f.marker);
  let out = text;
  for (const f of fences.reverse()) {
    const lineEnd = text[f.bodyStart - 1] === '\n' ? f.bodyStart - 1 : f.bodyStart;
    out = out.slice(0, f.openStart) + f.marker + out.slice(lineEnd);
  }
  return out;
}

/** The per-call state of {@link planTextChunks}: fence map, unsafe cut positions, repairs. */
class TextSplitter {
  private readonly fences: FenceSpan[];
  /** Fence index whose body contains each position, or -1. */
  private readonly fenceAt: Int32Array;
  /** 1 where a cut is not allowed (inside a fence line, an atomic span or a surrogate pair). */
  private readonly unsafe: Uint8Array;

  constructor(
    private readonly text: string,
    private readonly max: number,
    options: SplitTextOptions,
  ) {
    this.fences = scanFences(text);
    this.fenceAt = new Int32Array(text.length + 1).fill(-1);
    this.unsafe = new Uint8Array(text.length + 1);
    this.markFences();
    this.markAtomic(options.atomic);
    this.markSurrogates();
  }

  plan(): ChunkPlan[] {
    const plans: ChunkPlan[] = [];
    const n = this.text.length;
    let p = 0;
    while (p < n) {
      const prefix = this.reopen(this.fenceAt[p] ?? -1);
      if (prefix.length + n - p <= this.max) {
        plans.push({ prefix, body: this.text.slice(p), suffix: '' });
        break;
      }
      const next = this.cutFrom(p, prefix);
      plans.push(next);
      p += next.body.length;
    }
    return plans;
  }

  /** Finds the chunk starting at `p`, shrinking the window until the repairs fit too. */
  private cutFrom(p: number, prefix: string): ChunkPlan {
    let window = this.max - prefix.length;
    for (;;) {
      const c = this.chooseCut(p, Math.min(this.text.length, p + window), window);
      const suffix = this.close(this.fenceAt[c] ?? -1, c);
      const over = prefix.length + (c - p) + suffix.length - this.max;
      if (over <= 0) return { prefix, body: this.text.slice(p, c), suffix };
      window -= Math.max(1, over);
    }
  }

  /** Preferred separator cut in `(p, end]` at ≥ 65 % of the window, else a hard cut. */
  private chooseCut(p: number, end: number, window: number): number {
    const minCut = p + Math.ceil(window * PREFERRED_SPLIT_RATIO);
    for (const sep of SEPARATORS) {
      let idx = this.text.lastIndexOf(sep, end - sep.length);
      while (idx !== -1 && idx + sep.length >= minCut) {
        const c = idx + sep.length;
        if (c > p && this.unsafe[c] === 0) return c;
        idx = idx === 0 ? -1 : this.text.lastIndexOf(sep, idx - 1);
      }
    }
    return this.hardCut(p, end);
  }

  private hardCut(p: number, end: number): number {
    let c = end;
    while (c > p && this.unsafe[c] === 1) c--;
    if (c > p) return c;
    c = end;
    while (c > p + 1 && splitsSurrogatePair(this.text, c)) c--;
    return c;
  }

  /** The line that reopens fence `i` at the start of a chunk ("" outside fences). */
  private reopen(i: number): string {
    const f = this.fences[i];
    return f && this.repairs(f) ? `${f.openLine}\n` : '';
  }

  /** What closes fence `i` when a chunk ends at `c` inside it ("" outside fences). */
  private close(i: number, c: number): string {
    const f = this.fences[i];
    if (!f || !this.repairs(f)) return '';
    return this.text[c - 1] === '\n' ? f.marker : `\n${f.marker}`;
  }

  /** Repairs are made when both the reopening line and the closing fence fit the repair budget. */
  private repairs(f: FenceSpan): boolean {
    return f.openLine.length + 1 <= repairBudget(this.max) && f.marker.length + 1 <= repairBudget(this.max);
  }

  private markFences(): void {
    this.markFenceLikeStarts();
    this.fences.forEach((f, i) => {
      this.fenceAt.fill(i, f.bodyStart, f.closed ? f.closeStart + 1 : this.text.length + 1);
      this.unsafe.fill(1, f.openStart + 1, f.bodyStart);
      if (f.closed) this.unsafe.fill(1, f.closeStart + 1, f.closeLineEnd);
    });
  }

  /** A cut inside a line must not make the next chunk start with a fence-like line (` {0,3}```…`). */
  private markFenceLikeStarts(): void {
    for (const m of this.text.matchAll(/`{3,}/g)) {
      for (let c = Math.max(0, m.index - 3); c <= m.index + m[0].length - 3; c++) {
        const lineStart = c === 0 || this.text[c - 1] === '\n';
        if (!lineStart && /^ *$/.test(this.text.slice(c, m.index))) this.unsafe[c] = 1;
      }
    }
  }

  private markAtomic(atomic: RegExp | undefined): void {
    if (!atomic) return;
    const re = new RegExp(atomic.source, atomic.flags.includes('g') ? atomic.flags : `${atomic.flags}g`);
    for (const m of this.text.matchAll(re)) {
      if (m[0].length > 1) this.unsafe.fill(1, m.index + 1, m.index + m[0].length);
    }
  }

  private markSurrogates(): void {
    for (let i = 1; i < this.text.length; i++) {
      if (splitsSurrogatePair(this.text, i)) this.unsafe[i] = 1;
    }
  }
}
