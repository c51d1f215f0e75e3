import type { Context, Middleware } from 'koa';
import { isGatewayError, type GatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { ClientAddressResolver } from './client-address.js';
import { sendJson } from './response.js';
import type { GatewayHttpOptions, HttpState } from './types.js';

/** What {@link errorsMiddleware} needs. */
export interface ErrorsMiddlewareOptions {
  logger: Logger;
  resolveClientAddress: ClientAddressResolver;
  onRequest?: GatewayHttpOptions['onRequest'];
}

/** Codes logged at warn (authentication and abuse); other 4xx decisions are logged at info. */
const WARN_STATUSES = new Set([401, 403, 413, 429]);

/**
 * Outermost middleware: resolves `ctx.state.sourceIp`, turns anything thrown downstream into
 * `{ error: { code, message } }` (GatewayError → its status and code; anything else → 500
 * `internal`, logged, message never leaked), closes the connection when the request body was left
 * unread or was too large (the rest of an oversized upload is discarded before the close, see
 * `readBody`), and logs one `http.request` line at debug.
 */
export function errorsMiddleware(options: ErrorsMiddlewareOptions): Middleware<HttpState> {
  const { logger } = options;
  return async (ctx, next) => {
    const started = performance.now();
    ctx.state.sourceIp = options.resolveClientAddress(ctx.req.socket.remoteAddress ?? '', ctx.req.headers);
    try {
      await next();
    } catch (error) {
      writeError(ctx, error, logger);
    }
    if ((!ctx.req.complete || ctx.status === 413) && !ctx.headerSent) ctx.set('Connection', 'close');
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger.debug('http.request', { method: ctx.method, path: ctx.path, status: ctx.status, ms, sourceIp: ctx.state.sourceIp });
    const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
    options.onRequest?.({ method: ctx.method, route: typeof route === 'string' ? route : 'unmatched', status: ctx.status, durationMs: ms });
  };
}

function writeError(ctx: Context, error: unknown, logger: Logger): void {
  const fields = { method: ctx.method, path: ctx.path, sourceIp: ctx.state.sourceIp as string };
  if (ctx.headerSent) {
    logger.error('http.error_after_headers', { ...fields, error });
    return;
  }
  for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name);
  if (!isGatewayError(error)) {
    logger.error('http.internal_error', { ...fields, error });
    sendJson(ctx, 500, { error: { code: 'internal', message: 'internal error' } });
    return;
  }
  logDecision(logger, error, fields);
  setErrorHeaders(ctx, error);
  const message = error.expose ? error.message : 'internal error';
  sendJson(ctx, error.status, { error: { code: error.code, message } });
}

function logDecision(logger: Logger, error: GatewayError, fields: Record<string, unknown>): void {
  const described = { ...fields, code: error.code, status: error.status };
  if (!error.expose) logger.error('http.gateway_error', { ...described, error });
  else if (WARN_STATUSES.has(error.status)) logger.warn(error.code, described);
  else logger.info(error.code, described);
}

function setErrorHeaders(ctx: Context, error: GatewayError): void {
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && (error.status === 429 || error.status === 503)) {
    ctx.set('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
  }
  const allow = error.details?.allow;
  if (error.status === 405 && typeof allow === 'string') ctx.set('Allow', allow);
}
