/**
 * @packageDocumentation
 * `@cowork-gateway/telegram`: a Telegram bot as a cowork-gateway provider, on
 * node-telegram-bot-api 2.x. Long polling (default) with a durable offset, or a webhook with a
 * secret; forum topics, inline buttons, attachments. `./testing` has a loopback fake Bot API.
 */
import { telegramPlugin } from './plugin.js';

export { telegramPlugin } from './plugin.js';
export { TelegramProvider, type OutboundFile } from './telegram-provider.js';
export { telegramOptions, TELEGRAM_OPTIONS, DEFAULT_COMMANDS } from './options.js';
export type { TelegramOptions } from './options.js';
export {
  TelegramWebhookPublicUrlRequired,
  TelegramWebhookSecretRequired,
  TelegramWebhookSecretInvalid,
  TelegramUnauthorized,
  TelegramAttachmentTooLarge,
  TelegramAttachmentFetchFailed,
} from './errors.js';

export default telegramPlugin;
