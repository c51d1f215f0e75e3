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
 * - A surrogate pair is never split, nor a ``` fence line, nor an `atomic` span that fits.
 * - A chunk that ends inside a ``` fence is closed with "\n```" and the next chunk reopens it
 *   with the same fence line (e.g. "```ts\n"); lengths include these repairs. When a fence
 *   line is too long for the limit (over a quarter of it), the repair falls back to a bare
 *   "```", and to no repair at all if even that does not fit.
 * - Deterministic: the same input always gives the same chunks.
 *
 * @throws RangeError when `maxLength` is not an integer ≥ 32.
 */
export function splitText(text: string, maxLength: number, options: SplitTextOptions = {}): string[] {
  return planTextChunks(text, maxLength, options).map(chunkText);
}

/** Like {@link splitText}, but returns each chunk as repairs around a verbatim slice of the input. */
export function planTextChunks(text: string, maxLength: number, options: SplitTextOptions = {}): ChunkPlan[] {
  assertSplitLength(maxLength);
  if (text.length <= maxLength) return [{ prefix: '', body: text, suffix: '' }];
  return new TextSplitter(text, maxLength, options).plan();
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
    if (!f) return '';
    return this.repairFits(f.openLine, f.marker) ? `${f.openLine}\n` : this.repairFits(f.marker, f.marker) ? `${f.marker}\n` : '';
  }

  /** What closes fence `i` when a chunk ends at `c` inside it ("" outside fences). */
  private close(i: number, c: number): string {
    const f = this.fences[i];
    if (!f || !this.repairFits(f.marker, f.marker)) return '';
    return this.text[c - 1] === '\n' ? f.marker : `\n${f.marker}`;
  }

  /** Reopen line + newline + closing newline + marker must take at most a quarter of the limit. */
  private repairFits(openLine: string, marker: string): boolean {
    return openLine.length + marker.length + 2 <= Math.floor(this.max / 4);
  }

  private markFences(): void {
    this.fences.forEach((f, i) => {
      this.fenceAt.fill(i, f.bodyStart, f.closed ? f.closeStart + 1 : this.text.length + 1);
      this.unsafe.fill(1, f.openStart + 1, f.bodyStart);
      if (f.closed) this.unsafe.fill(1, f.closeStart + 1, f.closeLineEnd);
    });
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
