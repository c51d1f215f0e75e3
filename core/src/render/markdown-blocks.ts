import { isFenceClose, parseFenceOpen } from './fences.js';

/** A line-level block of the provider-neutral Markdown subset. */
export type MarkdownBlock =
  | { type: 'fence'; lang: string; lines: string[] }
  | { type: 'heading'; text: string }
  | { type: 'bullet'; indent: string; text: string }
  | { type: 'line'; text: string };

const HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const EMPTY_HEADING = /^ {0,3}#{1,6}[ \t]*$/;
const BULLET = /^([ \t]*)[-*+][ \t]+(.*)$/;

/**
 * Splits Markdown into blocks, one per line except fenced code blocks (which keep their lines
 * verbatim, without the fence lines). A fence never closed runs to the end of the text.
 * Formatters render each block and join them with "\n", so line structure is kept.
 */
export function parseMarkdownBlocks(md: string): MarkdownBlock[] {
  const lines = md.split('\n');
  const blocks: MarkdownBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = parseFenceOpen(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !isFenceClose(lines[i] ?? '', fence.marker); i++) body.push(lines[i] ?? '');
      blocks.push({ type: 'fence', lang: fence.lang, lines: body });
      continue;
    }
    blocks.push(lineBlock(line));
  }
  return blocks;
}

function lineBlock(line: string): MarkdownBlock {
  const heading = HEADING.exec(line);
  if (heading) return { type: 'heading', text: heading[1] ?? '' };
  if (EMPTY_HEADING.test(line)) return { type: 'heading', text: '' };
  const bullet = BULLET.exec(line);
  if (bullet) return { type: 'bullet', indent: bullet[1] ?? '', text: bullet[2] ?? '' };
  return { type: 'line', text: line };
}
