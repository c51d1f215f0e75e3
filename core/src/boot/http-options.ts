import type { LoadedConfig } from '../config/load.js';
import { adminRoutes } from '../kernel/admin-routes.js';
import type { Kernel } from '../kernel/kernel.js';
import type { AbuseControls } from '../http/abuse-controls.js';
import type { GatewayHttpOptions } from '../http/types.js';
import type { Logger } from '../logging.js';
import { metricsRoute } from '../metrics/metrics-route.js';

/**
 * The HTTP server options core's settings describe (HOST, PORT, body and rate limits, proxy
 * trust, ADMIN_TOKEN), wired to the kernel: `/ready` from its readiness report, webhooks to
 * `kernel.handleWebhook`, and the admin routes. With shared `limits` (Redis), the rate limits
 * and auth-failure blocks come from them and `/ready` adds `components.limits`: an unreachable
 * backend makes the answer `degraded` (503).
 */
export function httpServerOptionsFrom(config: LoadedConfig, kernel: Kernel, logger: Logger, limits?: AbuseControls): GatewayHttpOptions {
  return {
    host: config.get<string>('HOST'),
    port: config.get<number>('PORT'),
    logger: logger.child({ component: 'http' }),
    maxBodyBytes: config.get<number>('MAX_REQUEST_BODY_BYTES'),
    rateLimit: { maxRequests: config.get<number>('RATE_LIMIT_MAX_REQUESTS'), windowMs: config.get<number>('RATE_LIMIT_WINDOW_SECONDS') * 1000 },
    authFailure: { limit: config.get<number>('AUTH_FAILURE_LIMIT'), blockMs: config.get<number>('AUTH_FAILURE_BLOCK_SECONDS') * 1000 },
    ...(limits ? { controls: limits } : {}),
    trustProxyHeaders: config.get<boolean>('TRUST_PROXY_HEADERS'),
    trustedProxyCidrs: config.get<string[]>('TRUSTED_PROXY_CIDRS'),
    adminToken: config.isSet('ADMIN_TOKEN') ? config.get<string>('ADMIN_TOKEN') : undefined,
    readiness: async () => {
      const report = await kernel.readiness();
      if (!limits) return { ready: report.status === 'ok', body: { ...report } };
      const health = limits.health();
      const status = report.status === 'ok' && health.state !== 'ok' ? 'degraded' : report.status;
      return { ready: status === 'ok', body: { ...report, status, components: { ...report.components, limits: { kind: limits.kind, ...health } } } };
    },
    webhook: (instance, request) => kernel.handleWebhook(instance, request),
    routes: [...adminRoutes(kernel), metricsRoute(kernel)],
    onRequest: ({ method, route, status, durationMs }) => kernel.metrics.httpRequest(route, method, status, durationMs),
  };
}
