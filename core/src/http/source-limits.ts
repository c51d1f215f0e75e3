import { HttpRateLimited, HttpSourceBlocked } from '../errors.js';
import type { Logger } from '../logging.js';
import { FixedWindowRateLimiter } from './rate-limiter.js';
import type { GatewayHttpOptions } from './types.js';

/** The two limiters of one server: request budgets and authentication failures. */
export interface SourceLimits {
  /** Keys `request:<ip>:<instance>`. */
  readonly requests: FixedWindowRateLimiter;
  /** Keys `auth:<ip>:<instance>` and `auth:<ip>:admin`. */
  readonly authFailures: FixedWindowRateLimiter;
}

/** Builds the limiters from the server options. */
export function createSourceLimits(options: Pick<GatewayHttpOptions, 'rateLimit' | 'authFailure'>): SourceLimits {
  const { maxRequests, windowMs } = options.rateLimit;
  const { limit, blockMs } = options.authFailure;
  return {
    requests: new FixedWindowRateLimiter({ limit: maxRequests, windowMs }),
    authFailures: new FixedWindowRateLimiter({ limit, windowMs: blockMs, blockMs }),
  };
}

/** Whole seconds for a `Retry-After` header: rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Throws 429 `http.source_blocked` when `auth:<ip>:<scope>` is blocked. Counts nothing. */
export function assertNotBlocked(limits: SourceLimits, sourceIp: string, scope: string): void {
  const decision = limits.authFailures.check(`auth:${sourceIp}:${scope}`);
  if (decision.allowed) return;
  const seconds = retryAfterSeconds(decision.retryAfterMs);
  throw new HttpSourceBlocked({ retryAfterSeconds: seconds }, { details: { retryAfterSeconds: seconds } });
}

/** Spends one unit of `request:<ip>:<scope>`; throws 429 `http.rate_limited` when spent. */
export function claimRequest(limits: SourceLimits, sourceIp: string, scope: string): void {
  const decision = limits.requests.claim(`request:${sourceIp}:${scope}`);
  if (decision.allowed) return;
  const seconds = retryAfterSeconds(decision.retryAfterMs);
  throw new HttpRateLimited({ retryAfterSeconds: seconds }, { details: { retryAfterSeconds: seconds } });
}

/** Counts one authentication failure for `auth:<ip>:<scope>`; logs when it starts a block. */
export function recordAuthFailure(limits: SourceLimits, logger: Logger, sourceIp: string, scope: string): void {
  const decision = limits.authFailures.recordFailure(`auth:${sourceIp}:${scope}`);
  if (!decision.allowed) logger.warn('http.auth_blocked', { sourceIp, scope, blockMs: decision.retryAfterMs });
}
