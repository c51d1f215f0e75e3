import type { TelegramOptions } from './options.js';
import { TelegramWebhookPublicUrlRequired, TelegramWebhookSecretInvalid, TelegramWebhookSecretRequired } from './errors.js';

/** What webhook mode registers with setWebhook. */
export interface WebhookSettings {
  /** `<publicUrl>/webhooks/<instance>`, the kernel's webhook route for this instance. */
  url: string;
  secret: string;
}

/** Bot API setWebhook: secret_token is 1-256 characters of A-Z, a-z, 0-9, _ and -. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Checks the webhook-mode settings and fails closed: Telegram only calls https URLs, and a
 * webhook without a secret would accept forged updates from anyone who can reach the gateway.
 */
export function checkWebhookSettings(options: TelegramOptions, instance: string): WebhookSettings {
  const publicUrl = options.publicUrl?.trim() ?? '';
  if (!publicUrl) throw new TelegramWebhookPublicUrlRequired({ instance, problem: 'no public URL is set' });
  if (!isHttpsUrl(publicUrl)) throw new TelegramWebhookPublicUrlRequired({ instance, problem: `the public URL is not an https URL without credentials (${describeUrl(publicUrl)})` });
  const secret = options.webhookSecret ?? '';
  if (!secret) throw new TelegramWebhookSecretRequired({ instance });
  if (!SECRET_PATTERN.test(secret)) throw new TelegramWebhookSecretInvalid({ instance });
  return { url: `${publicUrl.replace(/\/+$/, '')}/webhooks/${instance}`, secret };
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname.length > 0 && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** Scheme and host only: the value itself could carry credentials. */
function describeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `scheme "${url.protocol.replace(/:$/, '')}", host "${url.hostname}"${url.username || url.password ? ', with credentials' : ''}`;
  } catch {
    return 'not a URL';
  }
}
