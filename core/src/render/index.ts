/**
 * @packageDocumentation
 * The renderer: coalescing, dialect formatters, the splitter and the default Renderer.
 */
export { coalesceFinalText } from './coalesce.js';
export { splitText, planTextChunks, shortenFenceLines, type SplitTextOptions } from './split.js';
export { splitTelegramHtml, planTelegramHtmlChunks } from './split-html.js';
export { splitFormatted } from './split-formatted.js';
export { MIN_SPLIT_LENGTH, chunkText, type ChunkPlan } from './split-limits.js';
export { chunkDeliveryIds } from './chunk-ids.js';
export { closeOpenFence } from './fences.js';
export { formatMarkdown, type MarkdownDialect } from './format.js';
export { formatTelegramHtml } from './format-telegram-html.js';
export { formatSlackMrkdwn } from './format-slack-mrkdwn.js';
export { formatPlain } from './format-plain.js';
export { escapeMarkdown } from './escape.js';
export { MAX_BUTTON_VALUE_BYTES, compactInteractionId, hashedInteractionId } from './button-values.js';
export { DefaultRenderer } from './default-renderer.js';
