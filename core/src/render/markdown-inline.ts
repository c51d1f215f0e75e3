/** An inline node of the provider-neutral Markdown subset. */
export type InlineNode =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'bold'; children: InlineNode[] }
  | { type: 'italic'; children: InlineNode[] }
  | { type: 'link'; url: string; children: InlineNode[] };

interface Match {
  node: InlineNode;
  end: number;
}

const ASCII_PUNCT = /[!-/:-@[-`{-~]/;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

/**
 * Parses one line (or block) of inline Markdown: `**bold**`/`__bold__`, `*italic*`/`_italic_`,
 * `` `code` ``, `[text](url)` and backslash escapes. Markers without a matching closer stay
 * literal text; underscores inside words (`snake_case`) never emphasize.
 */
export function parseInline(text: string): InlineNode[] {
  return parseRange(text, 0, text.length, true);
}

/** The visible text of inline nodes, without any markup. */
export function inlineText(nodes: readonly InlineNode[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? n.text : inlineText(n.children))).join('');
}

function parseRange(s: string, start: number, end: number, links: boolean): InlineNode[] {
  const out: InlineNode[] = [];
  let buf = '';
  let i = start;
  while (i < end) {
    if (s[i] === '\\' && i + 1 < end && ASCII_PUNCT.test(s[i + 1] ?? '')) {
      buf += s[i + 1];
      i += 2;
      continue;
    }
    const m = tryCode(s, i, end) ?? tryEmphasis(s, i, end, links) ?? (links ? tryLink(s, i, end) : null);
    if (m === null) {
      buf += s[i];
      i++;
    } else if (m.node.type === 'text') {
      buf += m.node.text;
      i = m.end;
    } else {
      if (buf !== '') out.push({ type: 'text', text: buf });
      buf = '';
      out.push(m.node);
      i = m.end;
    }
  }
  if (buf !== '') out.push({ type: 'text', text: buf });
  return out;
}

function runLength(s: string, i: number, end: number, ch: string): number {
  let k = i;
  while (k < end && s[k] === ch) k++;
  return k - i;
}

/** Index of a backtick run of exactly `len` at or after `from`, or -1. */
function findBacktickRun(s: string, from: number, end: number, len: number): number {
  let k = from;
  while (k < end) {
    if (s[k] !== '`') {
      k++;
      continue;
    }
    const run = runLength(s, k, end, '`');
    if (run === len) return k;
    k += run;
  }
  return -1;
}

/** A code span, or the unmatched backtick run as literal text. */
function tryCode(s: string, i: number, end: number): Match | null {
  if (s[i] !== '`') return null;
  const len = runLength(s, i, end, '`');
  const close = findBacktickRun(s, i + len, end, len);
  if (close === -1) return { node: { type: 'text', text: s.slice(i, i + len) }, end: i + len };
  let text = s.slice(i + len, close);
  if (text.length > 2 && text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') text = text.slice(1, -1);
  return { node: { type: 'code', text }, end: close + len };
}

function tryEmphasis(s: string, i: number, end: number, links: boolean): Match | null {
  const ch = s[i];
  if (ch !== '*' && ch !== '_') return null;
  if (ch === '_' && i > 0 && WORD_CHAR.test(s[i - 1] ?? '')) return null;
  const marker = s[i + 1] === ch && i + 1 < end ? ch + ch : ch;
  const from = i + marker.length;
  if (from >= end || SPACE.test(s[from] ?? '')) return null;
  const close = findCloser(s, from, end, marker);
  if (close === -1) return null;
  const children = parseRange(s, from, close, links);
  return { node: { type: marker.length === 2 ? 'bold' : 'italic', children }, end: close + marker.length };
}

/** Where the emphasis opened with `marker` closes, skipping escapes and code spans; -1 if never. */
function findCloser(s: string, from: number, end: number, marker: string): number {
  const ch = marker[0] ?? '*';
  let k = from;
  while (k < end) {
    const c = s[k];
    if (c === '\\') {
      k += 2;
    } else if (c === '`') {
      const len = runLength(s, k, end, '`');
      const close = findBacktickRun(s, k + len, end, len);
      k = close === -1 ? k + len : close + len;
    } else if (c === ch && marker.length === 1 && k + 1 < end && s[k + 1] === ch) {
      k += runLength(s, k, end, ch);
    } else if (s.startsWith(marker, k) && k + marker.length <= end && closes(s, k, from, marker)) {
      return marker.length === 2 && s[k + 2] === ch && k + 3 <= end ? k + 1 : k;
    } else {
      k++;
    }
  }
  return -1;
}

function closes(s: string, k: number, from: number, marker: string): boolean {
  if (k <= from || SPACE.test(s[k - 1] ?? '')) return false;
  return marker[0] !== '_' || !WORD_CHAR.test(s[k + marker.length] ?? '');
}

/** `[label](url)` or `[label](url "title")`; the label may hold emphasis and code, not links. */
function tryLink(s: string, i: number, end: number): Match | null {
  if (s[i] !== '[') return null;
  const close = findLabelEnd(s, i + 1, end);
  if (close === -1 || s[close + 1] !== '(') return null;
  const dest = parseDestination(s, close + 2, end);
  if (dest === null) return null;
  return { node: { type: 'link', url: dest.url, children: parseRange(s, i + 1, close, false) }, end: dest.end };
}

function findLabelEnd(s: string, from: number, end: number): number {
  let k = from;
  while (k < end) {
    const c = s[k];
    if (c === ']') return k;
    if (c === '[') return -1;
    if (c === '`') {
      const len = runLength(s, k, end, '`');
      const close = findBacktickRun(s, k + len, end, len);
      k = close === -1 ? k + len : close + len;
    } else {
      k += c === '\\' ? 2 : 1;
    }
  }
  return -1;
}

/** A link destination with balanced parentheses and an optional quoted title, up to ")". */
function parseDestination(s: string, from: number, end: number): { url: string; end: number } | null {
  let k = from;
  let depth = 0;
  while (k < end && !SPACE.test(s[k] ?? '')) {
    const c = s[k];
    if (c === '(') depth++;
    if (c === ')' && depth-- === 0) break;
    k++;
  }
  const url = s.slice(from, k);
  if (url === '') return null;
  k = skipTitle(s, k, end);
  return k < end && s[k] === ')' ? { url, end: k + 1 } : null;
}

function skipTitle(s: string, from: number, end: number): number {
  let k = from;
  while (k < end && SPACE.test(s[k] ?? '')) k++;
  if (s[k] !== '"') return k;
  const close = s.indexOf('"', k + 1);
  if (close === -1 || close >= end) return k;
  k = close + 1;
  while (k < end && SPACE.test(s[k] ?? '')) k++;
  return k;
}
