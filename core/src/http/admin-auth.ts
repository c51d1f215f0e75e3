import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AdminNotConfigured, AdminUnauthorized } from '../errors.js';
import type { Logger } from '../logging.js';
import { assertNotBlocked, recordAuthFailure, type SourceLimits } from './source-limits.js';
import type { HttpState } from './types.js';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Whether an `Authorization` header carries the admin token as `Bearer <token>`.
 *
 * Compares SHA-256 digests with `crypto.timingSafeEqual`, so the time taken does not depend on
 * where the values differ nor on the token's length. An empty token never matches.
 */
export function adminTokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || token.length === 0) return false;
  const presented = BEARER.exec(header)?.[1];
  if (presented === undefined) return false;
  return timingSafeEqual(sha256(presented), sha256(token));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** What {@link adminGuard} needs. */
export interface AdminGuardOptions {
  adminToken: string | undefined;
  limits: SourceLimits;
  logger: Logger;
}

/**
 * Koa middleware in front of `auth: 'admin'` routes: 403 `admin.not_configured` without a token,
 * 429 `http.source_blocked` for a blocked source, 401 `admin.unauthorized` (counted as an auth
 * failure for `auth:<ip>:admin`) without the right bearer token. Only the token grants access:
 * no address, forwarded header or loopback peer does.
 */
export function adminGuard(options: AdminGuardOptions): Middleware<HttpState> {
  return async (ctx, next) => {
    const token = options.adminToken;
    if (token === undefined || token.length === 0) throw new AdminNotConfigured();
    const { sourceIp } = ctx.state;
    await assertNotBlocked(options.limits, sourceIp, 'admin');
    if (!adminTokenMatches(ctx.get('authorization') || undefined, token)) {
      await recordAuthFailure(options.limits, options.logger, sourceIp, 'admin');
      throw new AdminUnauthorized();
    }
    await next();
  };
}
