/**
 * @packageDocumentation
 * The gateway's HTTP server (koa 3 + @koa/router): probes, webhooks, admin and extra routes,
 * with per-source rate limiting, auth-failure blocking and trusted-proxy address resolution.
 */
export type { GatewayHttpOptions, HttpRequest, HttpResponse, HttpRoute, RunningHttpServer, HttpState } from './types.js';
export { startHttpServer, HTTP_SERVER_LIMITS } from './server.js';
export { createHttpApp } from './app.js';
export { FixedWindowRateLimiter } from './rate-limiter.js';
export type { FixedWindowRateLimiterOptions, RateLimitDecision } from './rate-limiter.js';
export {
  LimitsUnavailable,
  ABUSE_CONTROLS,
  InMemoryAbuseControls,
  InMemoryLock,
  memoryReplayCache,
  usesAbuseControls,
} from './abuse-controls.js';
export type { AbuseControls, RequestLimiter, AuthFailureBlock, ShortLivedLock, HeldLock, UsesAbuseControls } from './abuse-controls.js';
export { resolveClientAddress, createClientAddressResolver } from './client-address.js';
export type { ClientAddressOptions, ClientAddressResolver } from './client-address.js';
export { adminTokenMatches } from './admin-auth.js';
export {
  HttpTrustedProxyInvalid,
  HttpRequestAborted,
  HttpBadRequest,
  HttpRequestTimeout,
  HttpHeadersTooLarge,
} from './codes.js';
