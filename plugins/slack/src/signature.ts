import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookAuthFailed, WebhookSignatureStale, type WebhookRequest } from '@cowork-gateway/core';

/** Header carrying `v0=<hex HMAC>`. */
export const SIGNATURE_HEADER = 'x-slack-signature';
/** Header carrying the signing time in unix seconds. */
export const TIMESTAMP_HEADER = 'x-slack-request-timestamp';

const SIGNATURE = /^v0=([0-9a-f]{64})$/;
const TIMESTAMP = /^\d{1,12}$/;

/**
 * Slack's v0 signature of a request body: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<rawBody>`
 * keyed with the app's signing secret (api.slack.com/authentication/verifying-requests-from-slack).
 */
export function signSlackRequest(signingSecret: string, timestamp: string | number, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`, 'utf8');
  hmac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/** What {@link verifySlackRequest} needs. */
export interface VerifySlackInput {
  request: Pick<WebhookRequest, 'headers' | 'rawBody'>;
  signingSecret: string;
  instance: string;
  now: Date;
  /** Largest accepted distance between the signing time and `now`, in ms. */
  windowMs: number;
}

/**
 * Verifies a request from Slack. The MAC is compared in constant time and checked before the
 * clock, so a forged request learns nothing about the window; an authentic but stale request
 * (a replay, or a wrong clock) fails with `webhook.signature_stale`. Everything else —
 * missing, repeated or malformed headers, a wrong MAC — is `webhook.signature_invalid` (401,
 * counted toward the source's auth-failure block).
 */
export function verifySlackRequest(input: VerifySlackInput): void {
  const { instance } = input;
  const timestamp = single(input.request.headers[TIMESTAMP_HEADER]);
  if (timestamp === undefined || !TIMESTAMP.test(timestamp)) {
    throw new WebhookAuthFailed({ instance, reason: `${TIMESTAMP_HEADER} is missing, repeated or not unix seconds` });
  }
  const header = single(input.request.headers[SIGNATURE_HEADER]);
  const match = header === undefined ? null : SIGNATURE.exec(header);
  if (!match) throw new WebhookAuthFailed({ instance, reason: `${SIGNATURE_HEADER} is missing, repeated or not "v0=" and 64 hex digits` });
  const expected = Buffer.from(signSlackRequest(input.signingSecret, timestamp, input.request.rawBody).slice(3), 'hex');
  const given = Buffer.from(match[1]!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookAuthFailed({ instance, reason: 'the signature does not match the body' });
  }
  const skewMs = Math.abs(input.now.getTime() - Number(timestamp) * 1000);
  if (skewMs > input.windowMs) {
    throw new WebhookSignatureStale({ instance, skewSeconds: Math.round(skewMs / 1000), windowSeconds: Math.round(input.windowMs / 1000) });
  }
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}
