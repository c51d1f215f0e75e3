import { HttpRateLimited, HttpSourceBlocked, isGatewayError } from '../errors.js';
import type { Logger } from '../logging.js';
import { InMemoryAbuseControls, type AbuseControls, type AuthFailureBlock, type RequestLimiter } from './abuse-controls.js';
import type { GatewayHttpOptions } from './types.js';

/** The two limiters of one server: request budgets and authentication failures. */
export interface SourceLimits {
  /** Keys `request:<ip>:<instance>`. */
  readonly requests: RequestLimiter;
  /** Keys `auth:<ip>:<instance>` and `auth:<ip>:admin`. */
  readonly authFailures: AuthFailureBlock;
}

/** Builds the limiters from the server options, from `options.controls` (default: in memory). */
export function createSourceLimits(options: Pick<GatewayHttpOptions, 'rateLimit' | 'authFailure' | 'controls'>): SourceLimits {
  const controls: AbuseControls = options.controls ?? new InMemoryAbuseControls();
  const { maxRequests, windowMs } = options.rateLimit;
  const { limit, blockMs } = options.authFailure;
  return {
    requests: controls.requestLimiter({ limit: maxRequests, windowMs }),
    authFailures: controls.authFailureBlock({ limit, blockMs }),
  };
}

/** Whole seconds for a `Retry-After` header: rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Throws 429 `http.source_blocked` when `auth:<ip>:<scope>` is blocked. Counts nothing. A shared
 * block that cannot be reached throws 503 `limits.unavailable` (fail closed).
 */
export async function assertNotBlocked(limits: SourceLimits, sourceIp: string, scope: string): Promise<void> {
  const decision = await limits.authFailures.check(`auth:${sourceIp}:${scope}`);
  if (decision.allowed) return;
  const seconds = retryAfterSeconds(decision.retryAfterMs);
  throw new HttpSourceBlocked({ retryAfterSeconds: seconds }, { details: { retryAfterSeconds: seconds } });
}

/** Spends one unit of `request:<ip>:<scope>`; throws 429 `http.rate_limited` when spent (503 `limits.unavailable` when unreachable). */
export async function claimRequest(limits: SourceLimits, sourceIp: string, scope: string): Promise<void> {
  const decision = await limits.requests.claim(`request:${sourceIp}:${scope}`);
  if (decision.allowed) return;
  const seconds = retryAfterSeconds(decision.retryAfterMs);
  throw new HttpRateLimited({ retryAfterSeconds: seconds }, { details: { retryAfterSeconds: seconds } });
}

/**
 * Counts one authentication failure for `auth:<ip>:<scope>`; logs when it starts a block. Never
 * throws: the request is already refused, so a shared block that cannot be reached is logged
 * (`limits.record_failed`) and the caller's own error stands.
 */
export async function recordAuthFailure(limits: SourceLimits, logger: Logger, sourceIp: string, scope: string): Promise<void> {
  try {
    const decision = await limits.authFailures.recordFailure(`auth:${sourceIp}:${scope}`);
    if (!decision.allowed) logger.warn('http.auth_blocked', { sourceIp, scope, blockMs: decision.retryAfterMs });
  } catch (error) {
    logger.warn('limits.record_failed', { sourceIp, scope, code: isGatewayError(error) ? error.code : 'internal' });
  }
}
