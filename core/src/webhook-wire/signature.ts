/**
 * The `v1` signature scheme shared by inbound webhooks and outbound deliveries of the webhook and
 * bridge providers: `v1=<hex HMAC-SHA256(secret, "v1:<timestamp>:<rawBody>")>` with the
 * timestamp in unix seconds, sent in {@link WEBHOOK_TIMESTAMP_HEADER} and
 * {@link WEBHOOK_SIGNATURE_HEADER}.
 *
 * @see docs/webhook-wire.md
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { defineError, WebhookAuthFailed, type GatewayError } from '../errors.js';

/** Header carrying the signing time in unix seconds. */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-open-cowork-gateway-webhook-timestamp';
/** Header carrying `v1=<hex>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-open-cowork-gateway-webhook-signature';
/** Default largest distance between the signing time and now: 5 minutes, either direction. */
export const DEFAULT_SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

/** The timestamp header is missing, not a plain decimal number of seconds, or out of range. */
export const WebhookTimestampInvalid = defineError<{ instance: string; reason: string }>({
  code: 'webhook.timestamp_invalid',
  status: 401,
  message: ({ instance, reason }) =>
    `webhook timestamp for "${instance}" is invalid: ${reason}; send unix seconds in ${WEBHOOK_TIMESTAMP_HEADER}`,
});

/** The signing time is further from now than the window allows (a replay or a wrong clock). */
export const WebhookSignatureStale = defineError<{ instance: string; skewSeconds: number; windowSeconds: number }>({
  code: 'webhook.signature_stale',
  status: 401,
  message: ({ instance, skewSeconds, windowSeconds }) =>
    `webhook signature for "${instance}" is ${skewSeconds} s away from the gateway clock (window ${windowSeconds} s); check the sender's clock and sign each request fresh`,
});

/** The string a `v1` signature covers: `v1:<timestamp>:<rawBody>`, as bytes. */
export function signatureBaseString(timestamp: string, rawBody: Uint8Array | string): Buffer {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  return Buffer.concat([Buffer.from(`v1:${timestamp}:`, 'utf8'), body]);
}

/** `v1=<hex>` over `v1:<timestamp>:<rawBody>` with HMAC-SHA256 and `secret`. */
export function signWebhookBody(secret: string, timestamp: string, rawBody: Uint8Array | string): string {
  return `v1=${createHmac('sha256', secret).update(signatureBaseString(timestamp, rawBody)).digest('hex')}`;
}

/**
 * The two signing headers for `rawBody`, signed at `now` (whole unix seconds). The secret itself
 * is never part of the result.
 */
export function signatureHeaders(secret: string, rawBody: Uint8Array | string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
    [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(secret, timestamp, rawBody),
  };
}

/** What {@link verifyWebhookSignature} needs. */
export interface VerifySignatureInput {
  /** Provider instance id, named in errors. */
  instance: string;
  /** The shared secret; an empty one refuses every request (fail closed). */
  secret: string;
  /** Request headers as Node gives them (lowercase names). */
  headers: Record<string, string | string[] | undefined>;
  /** The exact bytes received, before any JSON parsing. */
  rawBody: Uint8Array;
  /** The gateway's current time. */
  now: Date;
  /** Largest accepted |now − timestamp|. The default value is 300000 (5 minutes). */
  windowMs?: number;
}

/** A verified request: the signing time and the replay key `<timestamp>:<signature>`. */
export interface VerifiedSignature {
  timestamp: number;
  signature: string;
  /** Unique per signed request; a replay cache keys on it for the window. */
  replayKey: string;
}

const TIMESTAMP = /^[0-9]{1,12}$/;
const SIGNATURE = /^v1=([0-9a-f]{64})$/;

/**
 * Verifies the `v1` signature of one inbound request: the timestamp header must be whole unix
 * seconds within `windowMs` of `now`, and the signature must match in constant time.
 *
 * @returns the verified signature, or a coded error: `webhook.signature_invalid` (no secret,
 *   missing or malformed signature, mismatch), `webhook.timestamp_invalid`, `webhook.signature_stale`.
 *   It never throws: anything unexpected becomes `webhook.signature_invalid`.
 */
export function verifyWebhookSignature(input: VerifySignatureInput): { ok: true; value: VerifiedSignature } | { ok: false; error: GatewayError } {
  const { instance } = input;
  try {
    if (typeof input.secret !== 'string' || input.secret.length === 0) {
      return fail(new WebhookAuthFailed({ instance, reason: 'no shared secret is configured, so no request can be verified' }));
    }
    const rawTimestamp = singleHeader(input.headers[WEBHOOK_TIMESTAMP_HEADER]);
    if (rawTimestamp === undefined) return fail(new WebhookTimestampInvalid({ instance, reason: `${WEBHOOK_TIMESTAMP_HEADER} is missing or repeated` }));
    if (!TIMESTAMP.test(rawTimestamp)) return fail(new WebhookTimestampInvalid({ instance, reason: 'not a whole number of seconds' }));
    const rawSignature = singleHeader(input.headers[WEBHOOK_SIGNATURE_HEADER]);
    if (rawSignature === undefined) return fail(new WebhookAuthFailed({ instance, reason: `${WEBHOOK_SIGNATURE_HEADER} is missing or repeated` }));
    const match = SIGNATURE.exec(rawSignature);
    if (!match) return fail(new WebhookAuthFailed({ instance, reason: 'the signature is not "v1=" followed by 64 lowercase hex digits' }));
    // Check the MAC before the clock: a stale but authentic request is told so, a forged one never
    // learns anything about the window.
    const expected = Buffer.from(signWebhookBody(input.secret, rawTimestamp, input.rawBody).slice(3), 'hex');
    const given = Buffer.from(match[1]!, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return fail(new WebhookAuthFailed({ instance, reason: 'the signature does not match the body' }));
    }
    const timestamp = Number(rawTimestamp);
    const windowMs = input.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
    const skewMs = Math.abs(input.now.getTime() - timestamp * 1000);
    if (!(skewMs <= windowMs)) {
      return fail(new WebhookSignatureStale({ instance, skewSeconds: Math.round(skewMs / 1000), windowSeconds: Math.round(windowMs / 1000) }));
    }
    return { ok: true, value: { timestamp, signature: rawSignature, replayKey: `${rawTimestamp}:${rawSignature}` } };
  } catch (cause) {
    return fail(new WebhookAuthFailed({ instance, reason: 'the request could not be verified' }, { cause }));
  }
}

function fail(error: GatewayError): { ok: false; error: GatewayError } {
  return { ok: false, error };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0].trim();
  return undefined;
}
