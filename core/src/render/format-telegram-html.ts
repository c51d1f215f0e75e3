import { escapeHtml, escapeHtmlAttribute, isHttpUrl } from './escape.js';
import { parseMarkdownBlocks, type MarkdownBlock } from './markdown-blocks.js';
import { parseInline, type InlineNode } from './markdown-inline.js';

interface Context {
  bold: boolean;
  italic: boolean;
}

const PLAIN: Context = { bold: false, italic: false };

/**
 * Formats provider-neutral Markdown as Telegram HTML (`parse_mode: 'HTML'`).
 *
 * `&`, `<`, `>` are escaped everywhere (and `"` in attributes); `**bold**` → `<b>`, `*italic*` →
 * `<i>`, `` `code` `` → `<code>`, fences → `<pre><code class="language-x">` (or `<pre>` without a
 * language; content escaped, never formatted), `[text](url)` → `<a href>` for http(s) URLs only
 * (other links become "text (url)"), headings → `<b>`, bullets → "• ". Unbalanced markers stay
 * literal. Lines are kept, so paragraph breaks survive for the splitter.
 */
export function formatTelegramHtml(md: string): string {
  return parseMarkdownBlocks(md).map(renderBlock).join('\n');
}

function renderBlock(block: MarkdownBlock): string {
  switch (block.type) {
    case 'fence':
      return renderFence(block.lang, block.lines);
    case 'heading':
      return block.text === '' ? '' : `<b>${renderInline(parseInline(block.text), { bold: true, italic: false })}</b>`;
    case 'bullet':
      return `${block.indent}• ${renderInline(parseInline(block.text), PLAIN)}`;
    case 'line':
      return renderInline(parseInline(block.text), PLAIN);
  }
}

function renderFence(lang: string, lines: readonly string[]): string {
  const body = escapeHtml(lines.join('\n'));
  const safeLang = /^[\w+#.-]{1,32}$/.test(lang) ? lang : '';
  return safeLang === '' ? `<pre>${body}</pre>` : `<pre><code class="language-${safeLang}">${body}</code></pre>`;
}

function renderInline(nodes: readonly InlineNode[], ctx: Context): string {
  return nodes.map((n) => renderNode(n, ctx)).join('');
}

function renderNode(node: InlineNode, ctx: Context): string {
  switch (node.type) {
    case 'text':
      return escapeHtml(node.text);
    case 'code':
      return `<code>${escapeHtml(node.text)}</code>`;
    case 'bold': {
      const inner = renderInline(node.children, { ...ctx, bold: true });
      return ctx.bold ? inner : `<b>${inner}</b>`;
    }
    case 'italic': {
      const inner = renderInline(node.children, { ...ctx, italic: true });
      return ctx.italic ? inner : `<i>${inner}</i>`;
    }
    case 'link':
      return renderLink(node.url, node.children, ctx);
  }
}

function renderLink(url: string, children: readonly InlineNode[], ctx: Context): string {
  const label = children.length > 0 ? renderInline(children, ctx) : escapeHtml(url);
  if (!isHttpUrl(url)) return children.length > 0 ? `${label} (${escapeHtml(url)})` : label;
  return `<a href="${escapeHtmlAttribute(url)}">${label}</a>`;
}
