import { createHash, timingSafeEqual } from 'node:crypto';
import { WebhookAuthFailed, WebhookPayloadInvalid, type WebhookRequest } from '@cowork-gateway/core';
import { updateShapeProblem, type TgUpdate } from './telegram-update.js';

/** The header Telegram sets to the secret_token given to setWebhook. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Checks `x-telegram-bot-api-secret-token` in constant time: both sides are hashed first, so
 * neither the comparison nor an early length check reveals how much of a guess was right.
 */
export function verifyWebhookSecret(request: WebhookRequest, secret: string, instance: string): void {
  const header = request.headers[SECRET_HEADER];
  const given = typeof header === 'string' ? header : '';
  const matches = timingSafeEqual(sha256(given), sha256(secret));
  if (!given || !matches) {
    throw new WebhookAuthFailed({ instance, reason: given ? `wrong ${SECRET_HEADER} header` : `missing ${SECRET_HEADER} header` });
  }
}

/** The Update in a webhook request: the kernel-parsed JSON body, or the raw body parsed here. */
export function webhookUpdate(request: WebhookRequest, instance: string): TgUpdate {
  const body = request.body !== undefined ? request.body : parseJson(request.rawBody);
  const problem = updateShapeProblem(body);
  if (problem) throw new WebhookPayloadInvalid({ instance, reason: problem });
  return body as TgUpdate;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
