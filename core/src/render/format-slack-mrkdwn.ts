import { escapeSlack, isHttpUrl } from './escape.js';
import { parseMarkdownBlocks, type MarkdownBlock } from './markdown-blocks.js';
import { inlineText, parseInline, type InlineNode } from './markdown-inline.js';

interface Context {
  bold: boolean;
  italic: boolean;
}

const PLAIN: Context = { bold: false, italic: false };

/**
 * Formats provider-neutral Markdown as Slack mrkdwn.
 *
 * `&`, `<`, `>` are escaped everywhere (Slack's only control characters); `**bold**` → `*bold*`,
 * `*italic*` → `_italic_`, `` `code` `` kept, fences kept as ``` (without the language, which
 * Slack would show as code), `[text](url)` → `<url|text>` for http(s) URLs (others "text (url)"),
 * headings → `*bold*`, bullets → "• ".
 */
export function formatSlackMrkdwn(md: string): string {
  return parseMarkdownBlocks(md).map(renderBlock).join('\n');
}

function renderBlock(block: MarkdownBlock): string {
  switch (block.type) {
    case 'fence':
      return ['```', ...block.lines.map(escapeSlack), '```'].join('\n');
    case 'heading':
      return block.text === '' ? '' : `*${renderInline(parseInline(block.text), { bold: true, italic: false })}*`;
    case 'bullet':
      return `${block.indent}• ${renderInline(parseInline(block.text), PLAIN)}`;
    case 'line':
      return renderInline(parseInline(block.text), PLAIN);
  }
}

function renderInline(nodes: readonly InlineNode[], ctx: Context): string {
  return nodes.map((n) => renderNode(n, ctx)).join('');
}

function renderNode(node: InlineNode, ctx: Context): string {
  switch (node.type) {
    case 'text':
      return escapeSlack(node.text);
    case 'code':
      return `\`${escapeSlack(node.text)}\``;
    case 'bold': {
      const inner = renderInline(node.children, { ...ctx, bold: true });
      return ctx.bold ? inner : `*${inner}*`;
    }
    case 'italic': {
      const inner = renderInline(node.children, { ...ctx, italic: true });
      return ctx.italic ? inner : `_${inner}_`;
    }
    case 'link':
      return renderLink(node.url, node.children, ctx);
  }
}

function renderLink(url: string, children: readonly InlineNode[], ctx: Context): string {
  const label = inlineText(children);
  if (!isHttpUrl(url)) return label === '' ? escapeSlack(url) : `${renderInline(children, ctx)} (${escapeSlack(url)})`;
  const target = escapeSlack(url).replace(/\|/g, '%7C');
  return label === '' ? `<${target}>` : `<${target}|${escapeSlack(label)}>`;
}
