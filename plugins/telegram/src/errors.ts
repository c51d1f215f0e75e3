import { defineError } from '@cowork-gateway/core';

const PUBLIC_URL_SETTINGS =
  'OPEN_COWORK_STANDALONE_GATEWAY_TELEGRAM_PUBLIC_URL (or OPEN_COWORK_GATEWAY_TELEGRAM_PUBLIC_URL / OPEN_COWORK_GATEWAY_PUBLIC_URL)';
const SECRET_SETTINGS =
  'OPEN_COWORK_STANDALONE_GATEWAY_TELEGRAM_WEBHOOK_SECRET (or OPEN_COWORK_GATEWAY_TELEGRAM_WEBHOOK_SECRET)';

/** Webhook mode without a usable public https URL. */
export const TelegramWebhookPublicUrlRequired = defineError<{ instance: string; problem: string }>({
  code: 'telegram.webhook_public_url_required',
  status: 400,
  message: ({ instance, problem }) =>
    `telegram.webhook_public_url_required: provider "${instance}" is in webhook mode but ${problem}; set ${PUBLIC_URL_SETTINGS} to the gateway's public https URL (option publicUrl), or use polling mode`,
});

/** Webhook mode without a webhook secret. */
export const TelegramWebhookSecretRequired = defineError<{ instance: string }>({
  code: 'telegram.webhook_secret_required',
  status: 400,
  message: ({ instance }) =>
    `telegram.webhook_secret_required: provider "${instance}" is in webhook mode without a webhook secret; set ${SECRET_SETTINGS} (option webhookSecret) to 1-256 random characters from A-Z a-z 0-9 _ -`,
});

/** A webhook secret Telegram would refuse. */
export const TelegramWebhookSecretInvalid = defineError<{ instance: string }>({
  code: 'telegram.webhook_secret_invalid',
  status: 400,
  message: ({ instance }) =>
    `telegram.webhook_secret_invalid: the webhook secret of provider "${instance}" must be 1-256 characters from A-Z a-z 0-9 _ -; fix ${SECRET_SETTINGS}`,
});

/** The Bot API refused the token (401). */
export const TelegramUnauthorized = defineError<{ instance: string }>({
  code: 'telegram.unauthorized',
  status: 401,
  message: ({ instance }) =>
    `telegram.unauthorized: the Telegram Bot API rejected the bot token of provider "${instance}"; check OPEN_COWORK_STANDALONE_GATEWAY_TELEGRAM_BOT_TOKEN (option token) against @BotFather`,
});

/** An attachment larger than the allowed size. */
export const TelegramAttachmentTooLarge = defineError<{ instance: string; filename: string; limit: number }>({
  code: 'telegram.attachment_too_large',
  status: 413,
  message: ({ instance, filename, limit }) =>
    `telegram.attachment_too_large: attachment "${filename}" on provider "${instance}" is larger than the ${limit}-byte limit (option maxAttachmentBytes)`,
});

/** Downloading an attachment failed (getFile or the file download). */
export const TelegramAttachmentFetchFailed = defineError<{ instance: string; filename: string; reason: string }>({
  code: 'telegram.attachment_fetch_failed',
  status: 502,
  message: ({ instance, filename, reason }) =>
    `telegram.attachment_fetch_failed: could not download attachment "${filename}" on provider "${instance}": ${reason}`,
});
