import type { Context } from 'koa';
import type { HttpResponse } from './types.js';

/** Content type of every JSON answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const EMPTY_STATUSES = new Set([204, 205, 304]);

/** Headers every gateway response carries. */
export function applyBaseHeaders(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
}

/** Sends `body` as JSON with the base headers. */
export function sendJson(ctx: Context, status: number, body: unknown): void {
  applyBaseHeaders(ctx);
  ctx.status = status;
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
  ctx.body = JSON.stringify(body) ?? 'null';
}

/**
 * Sends a handler's {@link HttpResponse}: objects as JSON, strings and bytes with their
 * `contentType` as is (a string without one is JSON-encoded), `undefined`/`null` as an empty body.
 * Handler headers may override the base headers but not the content length.
 */
export function sendResponse(ctx: Context, response: HttpResponse): void {
  const { status, body, contentType } = response;
  applyBaseHeaders(ctx);
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (name.toLowerCase() !== 'content-length') ctx.set(name, value);
  }
  ctx.status = status;
  if (body === undefined || body === null) return sendEmpty(ctx, status);
  const raw = typeof body === 'string' || body instanceof Uint8Array;
  if (raw && (contentType !== undefined || typeof body !== 'string')) {
    ctx.set('Content-Type', contentType ?? 'application/octet-stream');
    ctx.body = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return;
  }
  ctx.set('Content-Type', contentType ?? JSON_CONTENT_TYPE);
  ctx.body = JSON.stringify(body) ?? 'null';
}

function sendEmpty(ctx: Context, status: number): void {
  if (EMPTY_STATUSES.has(status)) {
    ctx.body = null;
    return;
  }
  ctx.body = '';
  ctx.remove('Content-Type');
}
