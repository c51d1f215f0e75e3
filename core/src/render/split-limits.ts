/** Smallest `maxLength` the splitters accept: room for fence or tag repairs plus some text. */
export const MIN_SPLIT_LENGTH = 32;

/** Share of the window a preferred (blank line, newline, space) split point must reach. */
export const PREFERRED_SPLIT_RATIO = 0.65;

/** Throws a RangeError unless `maxLength` is an integer ≥ {@link MIN_SPLIT_LENGTH}. */
export function assertSplitLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < MIN_SPLIT_LENGTH) {
    throw new RangeError(`maxLength must be an integer >= ${MIN_SPLIT_LENGTH}, got ${String(maxLength)}`);
  }
}

/** One planned chunk: `prefix` and `suffix` are repairs added around a verbatim slice of the input. */
export interface ChunkPlan {
  /** Reopens what the previous chunk had to close (a fence line, HTML tags); "" when nothing. */
  prefix: string;
  /** The content taken from the input, in order; joining all bodies gives the input back. */
  body: string;
  /** Closes what is still open at the cut (a fence, HTML tags); "" when nothing. */
  suffix: string;
}

/** The final text of a planned chunk. */
export function chunkText(plan: ChunkPlan): string {
  return plan.prefix + plan.body + plan.suffix;
}

/** True when cutting at `index` would separate the two halves of a UTF-16 surrogate pair. */
export function splitsSurrogatePair(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return false;
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}
