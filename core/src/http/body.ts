import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { HttpBadJson, HttpBodyTooLarge, HttpUnsupportedMediaType } from '../errors.js';
import { HttpRequestAborted } from './codes.js';

/** A request body read under the size cap and parsed. */
export interface ReadBody {
  rawBody: Buffer;
  /** Parsed JSON value, or form fields as an object of strings; `{}` when the body is empty; undefined for `message/rfc822`. */
  body: unknown;
}

type BodyKind = 'json' | 'form' | 'raw';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/**
 * Reads and parses a request body.
 *
 * A request without a body (no `Transfer-Encoding`, `Content-Length` absent or 0) needs no content
 * type and yields `{}`. Otherwise: the content type must be `application/json`,
 * `application/x-www-form-urlencoded` or `message/rfc822` (a raw email, passed on unparsed with
 * `body: undefined`) (charset utf-8 if given, no content encoding) → 415
 * `http.unsupported_media_type`; more than `maxBytes` (announced or streamed) → 413
 * `http.body_too_large`, answered at once while the rest of the upload is read and discarded (see
 * {@link lingerAfterTooLarge}); invalid JSON or UTF-8 → 400 `http.bad_json`.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  if (!hasBody(req.headers)) return { rawBody: Buffer.alloc(0), body: {} };
  const kind = bodyKind(req.headers);
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > maxBytes) {
    lingerAfterTooLarge(req, maxBytes);
    throw new HttpBodyTooLarge({ limit: maxBytes });
  }
  const rawBody = await readCapped(req, maxBytes);
  return { rawBody, body: parseBody(kind, rawBody) };
}

/** Whether the request announces a body (chunked, or a non-zero content length). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

function bodyKind(headers: IncomingHttpHeaders): BodyKind {
  const header = headers['content-type'] ?? '';
  const [type = '', ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  const kind = type === 'application/json' ? 'json' : type === 'application/x-www-form-urlencoded' ? 'form' : type === 'message/rfc822' ? 'raw' : undefined;
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!kind || !params.every(acceptableParam) || encoding !== 'identity') {
    throw new HttpUnsupportedMediaType({ contentType: (header || '(none)').slice(0, 100) });
  }
  return kind;
}

function acceptableParam(param: string): boolean {
  if (!param.startsWith('charset=')) return true;
  const charset = param.slice('charset='.length).replace(/^"(.*)"$/, '$1');
  return charset === 'utf-8' || charset === 'utf8';
}

function parseBody(kind: BodyKind, raw: Buffer): unknown {
  if (kind === 'raw') return undefined;
  if (kind === 'form') return Object.fromEntries(new URLSearchParams(utf8Lenient.decode(raw)));
  let text: string;
  try {
    text = utf8Strict.decode(raw);
  } catch {
    throw new HttpBadJson({ reason: 'body is not valid UTF-8' });
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpBadJson({ reason: 'syntax error' });
  }
}

/** Collects the body, rejecting with 413 the moment more than `maxBytes` have arrived. */
function readCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: Error | undefined): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        settle(new HttpBodyTooLarge({ limit: maxBytes }));
        lingerAfterTooLarge(req, maxBytes);
      } else chunks.push(chunk);
    };
    const onEnd = (): void => settle(undefined);
    const onError = (cause: Error): void => settle(new HttpRequestAborted(undefined, { cause }));
    const onClose = (): void => settle(new HttpRequestAborted());
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Bounds of the lingering close after a 413: at most `factor × maxBodyBytes` more bytes of the
 * oversized upload are read and discarded, for at most `ms`.
 */
export const OVERSIZED_BODY_LINGER = Object.freeze({ factor: 4, ms: 5_000 });

/**
 * Answers now, closes later. The 413 for an oversized body goes out at once with `Connection:
 * close`, but a client like curl keeps writing its upload until it is done; closing the socket
 * with its bytes unread makes the kernel reset the connection, and the client then gets
 * EPIPE/ECONNRESET instead of the answer. So the rest of the body is read and discarded while the
 * answer is sent, and Node's close after the answer (`socket.destroySoon()`) half-closes the
 * socket (FIN after the answer) and destroys it only when the upload ended, the client closed,
 * {@link OVERSIZED_BODY_LINGER} bytes more arrived, or its time is up.
 */
function lingerAfterTooLarge(req: IncomingMessage, maxBytes: number): void {
  const socket = req.socket as Socket | undefined;
  if (!socket || req.complete || socket.destroyed || typeof socket.destroySoon !== 'function') return;
  const closeSoon = socket.destroySoon.bind(socket);
  let budget = OVERSIZED_BODY_LINGER.factor * maxBytes;
  let lingering = true;
  let closeRequested = false;
  const stop = (): void => {
    if (!lingering) return;
    lingering = false;
    clearTimeout(timer);
    req.off('data', onData).off('end', stop).off('error', stop);
    socket.off('close', stop).off('end', stop);
    if (!req.complete) req.pause();
    if (closeRequested) closeSoon();
  };
  const onData = (chunk: Buffer): void => {
    budget -= chunk.length;
    if (budget < 0) stop();
  };
  const timer = setTimeout(stop, OVERSIZED_BODY_LINGER.ms);
  timer.unref();
  socket.destroySoon = (): void => {
    if (!lingering) return closeSoon();
    closeRequested = true;
    if (socket.writable) socket.end();
  };
  req.on('data', onData).once('end', stop).once('error', stop);
  socket.once('close', stop).once('end', stop);
  req.resume();
}
