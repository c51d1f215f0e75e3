import type { MarkdownDialect } from './format.js';
import { splitTelegramHtml } from './split-html.js';
import { splitText } from './split.js';

/** Slack spans that must stay whole: `<url|label>` links, mentions, and `&amp;`-style escapes. */
const SLACK_ATOMIC = /<[^<>\n]*>|&(?:amp|lt|gt);/g;

/**
 * Splits text already formatted for `dialect` into chunks of at most `maxLength` characters:
 * Telegram HTML with {@link splitTelegramHtml} (tags closed/reopened, entities whole), Slack
 * mrkdwn with {@link splitText} keeping links and escapes whole, plain and Markdown with
 * {@link splitText}.
 *
 * @throws RangeError when `maxLength` is not an integer ≥ 32.
 */
export function splitFormatted(text: string, dialect: MarkdownDialect, maxLength: number): string[] {
  switch (dialect) {
    case 'telegram-html':
      return splitTelegramHtml(text, maxLength);
    case 'slack-mrkdwn':
      return splitText(text, maxLength, { atomic: SLACK_ATOMIC });
    case 'plain':
    case 'markdown':
      return splitText(text, maxLength);
  }
}
