import Koa from 'koa';
import { ConfigInvalid } from '../errors.js';
import { createClientAddressResolver } from './client-address.js';
import { errorsMiddleware } from './errors-middleware.js';
import { createGatewayRouter, unmatchedRoute } from './router.js';
import { createSourceLimits } from './source-limits.js';
import type { GatewayHttpOptions, HttpState } from './types.js';

/**
 * Builds the gateway's koa application (for tests and embedding; {@link startHttpServer} adds the
 * hardened Node server). Middleware order: error envelope (source address, error mapping, request
 * log) → router → 404/405 fallback.
 *
 * @throws ConfigInvalid for non-positive limits; HttpTrustedProxyInvalid for a bad proxy entry.
 */
export function createHttpApp(options: GatewayHttpOptions): Koa<HttpState> {
  assertValidOptions(options);
  const resolveClientAddress = createClientAddressResolver(options);
  const limits = createSourceLimits(options);
  const router = createGatewayRouter(options, limits);
  const app = new Koa<HttpState>({ proxy: false });
  app.silent = true;
  app.on('error', (error: unknown) => options.logger.error('http.unhandled_error', { error }));
  app.use(errorsMiddleware({ logger: options.logger, resolveClientAddress, onRequest: options.onRequest }));
  app.use(router.routes());
  app.use(unmatchedRoute());
  return app;
}

function assertValidOptions(options: GatewayHttpOptions): void {
  const numbers: Record<string, number> = {
    maxBodyBytes: options.maxBodyBytes,
    'rateLimit.maxRequests': options.rateLimit.maxRequests,
    'rateLimit.windowMs': options.rateLimit.windowMs,
    'authFailure.limit': options.authFailure.limit,
    'authFailure.blockMs': options.authFailure.blockMs,
  };
  const issues = Object.entries(numbers)
    .filter(([, value]) => !Number.isSafeInteger(value) || value <= 0)
    .map(([name, value]) => `http ${name} must be a positive integer, got ${value}`);
  if (issues.length > 0) throw new ConfigInvalid({ issues });
}
