/** Escapes `&`, `<` and `>` for Telegram HTML text. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes `&`, `<`, `>` and `"` for a double-quoted HTML attribute value. */
export function escapeHtmlAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

/** Escapes `&`, `<` and `>` as Slack mrkdwn requires (the only three control characters). */
export function escapeSlack(text: string): string {
  return escapeHtml(text);
}

/** True for absolute `http:` and `https:` URLs without whitespace or control characters. */
export function isHttpUrl(url: string): boolean {
  return /^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(url);
}

/**
 * Backslash-escapes text so the Markdown formatters show it literally (for titles, error
 * messages and option labels that come from outside). Underscores inside words are kept.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*[\]]/g, '\\$&')
    .replace(/_/g, (m, offset: number, s: string) => (isWordAround(s, offset) ? m : '\\_'))
    .replace(/^([ \t]*)([#+-])/gm, '$1\\$2');
}

function isWordAround(s: string, offset: number): boolean {
  return /[\p{L}\p{N}]/u.test(s[offset - 1] ?? '') && /[\p{L}\p{N}]/u.test(s[offset + 1] ?? '');
}
