import { parseMarkdownBlocks, type MarkdownBlock } from './markdown-blocks.js';
import { inlineText, parseInline, type InlineNode } from './markdown-inline.js';

/**
 * Formats provider-neutral Markdown as plain text (email, webhooks): emphasis and heading
 * markers and backslash escapes are removed, fence lines dropped with their content kept,
 * links become "text (url)", bullets "- ".
 */
export function formatPlain(md: string): string {
  return parseMarkdownBlocks(md).map(renderBlock).join('\n');
}

function renderBlock(block: MarkdownBlock): string {
  switch (block.type) {
    case 'fence':
      return block.lines.join('\n');
    case 'heading':
      return renderInline(parseInline(block.text));
    case 'bullet':
      return `${block.indent}- ${renderInline(parseInline(block.text))}`;
    case 'line':
      return renderInline(parseInline(block.text));
  }
}

function renderInline(nodes: readonly InlineNode[]): string {
  return nodes.map(renderNode).join('');
}

function renderNode(node: InlineNode): string {
  switch (node.type) {
    case 'text':
    case 'code':
      return node.text;
    case 'bold':
    case 'italic':
      return renderInline(node.children);
    case 'link': {
      const label = inlineText(node.children);
      return label === '' || label === node.url ? node.url : `${label} (${node.url})`;
    }
  }
}
