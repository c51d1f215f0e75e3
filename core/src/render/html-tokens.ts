/** One atom of HTML that the splitter never cuts: a character, an entity or a tag. */
export interface HtmlToken {
  kind: 'text' | 'entity' | 'open' | 'close' | 'void';
  raw: string;
  /** Lower-cased tag name for tags; "" otherwise. */
  name: string;
}

const MARKUP = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*?)?(\/?)>|&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});/g;

/**
 * Splits HTML into atoms: tags, entities (`&amp;`, `&#128512;`), and single characters (a
 * surrogate pair is one atom). Anything that is not well-formed markup is text.
 */
export function tokenizeHtml(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  let last = 0;
  for (const m of html.matchAll(MARKUP)) {
    pushText(tokens, html.slice(last, m.index));
    tokens.push(markupToken(m));
    last = m.index + m[0].length;
  }
  pushText(tokens, html.slice(last));
  return tokens;
}

function markupToken(m: RegExpExecArray | RegExpMatchArray): HtmlToken {
  const raw = m[0];
  const name = (m[2] ?? '').toLowerCase();
  if (raw.startsWith('&')) return { kind: 'entity', raw, name: '' };
  if (m[1] === '/') return { kind: 'close', raw, name };
  return { kind: m[3] === '/' ? 'void' : 'open', raw, name };
}

function pushText(tokens: HtmlToken[], text: string): void {
  for (const ch of text) tokens.push({ kind: 'text', raw: ch, name: '' });
}
