/** One ``` fenced code block found in Markdown-like text, with character offsets. */
export interface FenceSpan {
  /** Offset of the opening fence line. */
  openStart: number;
  /** Offset of the first body character (just after the opening line's newline). */
  bodyStart: number;
  /** Offset of the closing fence line, or the text length when the fence is never closed. */
  closeStart: number;
  /** Offset just past the closing fence's backticks and trailing blanks (before its newline). */
  closeLineEnd: number;
  /** The backtick run of the opening line, e.g. "```". */
  marker: string;
  /** The opening line without indentation or trailing blanks, e.g. "```ts". */
  openLine: string;
  /** Language from the info string ("" when none). */
  lang: string;
  closed: boolean;
}

const OPEN_FENCE = /^ {0,3}(`{3,})([^`]*)$/;
const CLOSE_FENCE = /^ {0,3}(`{3,})[ \t]*$/;

/** Parses an opening fence line; null when the line does not open a fence. */
export function parseFenceOpen(line: string): { marker: string; info: string; lang: string } | null {
  const m = OPEN_FENCE.exec(line);
  if (!m) return null;
  const info = (m[2] ?? '').trim();
  return { marker: m[1] ?? '```', info, lang: info.split(/\s+/)[0] ?? '' };
}

/** True when `line` closes a fence opened with `marker` (at least as many backticks, nothing else). */
export function isFenceClose(line: string, marker: string): boolean {
  const m = CLOSE_FENCE.exec(line);
  return m !== null && (m[1] ?? '').length >= marker.length;
}

/**
 * Finds every ``` fenced code block (CommonMark rules for backtick fences, up to three spaces of
 * indentation). A fence left open runs to the end of the text.
 */
export function scanFences(text: string): FenceSpan[] {
  const fences: FenceSpan[] = [];
  let open: { start: number; body: number; marker: string; line: string; lang: string } | null = null;
  let pos = 0;
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(pos, end);
    if (open === null) {
      const f = parseFenceOpen(line);
      if (f) open = { start: pos, body: Math.min(end + 1, text.length), marker: f.marker, line: line.trim(), lang: f.lang };
    } else if (isFenceClose(line, open.marker)) {
      fences.push(span(open, pos, pos + line.trimEnd().length, true));
      open = null;
    }
    if (nl === -1) break;
    pos = nl + 1;
  }
  if (open !== null) fences.push(span(open, text.length, text.length, false));
  return fences;
}

function span(
  open: { start: number; body: number; marker: string; line: string; lang: string },
  closeStart: number,
  closeLineEnd: number,
  closed: boolean,
): FenceSpan {
  return {
    openStart: open.start,
    bodyStart: open.body,
    closeStart,
    closeLineEnd,
    marker: open.marker,
    openLine: open.line,
    lang: open.lang,
    closed,
  };
}

/** Appends a closing fence when the text ends inside an unclosed ``` block; otherwise returns it unchanged. */
export function closeOpenFence(text: string): string {
  const fences = scanFences(text);
  const last = fences[fences.length - 1];
  if (!last || last.closed) return text;
  return `${text}${text.endsWith('\n') ? '' : '\n'}${last.marker}`;
}
