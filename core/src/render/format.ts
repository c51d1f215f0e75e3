import type { ProviderCapabilities } from '../contracts/provider.js';
import { formatPlain } from './format-plain.js';
import { formatSlackMrkdwn } from './format-slack-mrkdwn.js';
import { formatTelegramHtml } from './format-telegram-html.js';

/** A formatting dialect a provider can ask for. */
export type MarkdownDialect = ProviderCapabilities['markdownDialect'];

/** Formats provider-neutral Markdown for `dialect`; the `markdown` dialect passes it through unchanged. */
export function formatMarkdown(md: string, dialect: MarkdownDialect): string {
  switch (dialect) {
    case 'telegram-html':
      return formatTelegramHtml(md);
    case 'slack-mrkdwn':
      return formatSlackMrkdwn(md);
    case 'plain':
      return formatPlain(md);
    case 'markdown':
      return md;
  }
}
