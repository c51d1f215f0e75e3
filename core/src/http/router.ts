import Router, { type RouterContext, type RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import { HttpMethodNotAllowed, HttpNotFound } from '../errors.js';
import { adminGuard } from './admin-auth.js';
import { toHttpRequest } from './request.js';
import { sendJson, sendResponse } from './response.js';
import type { SourceLimits } from './source-limits.js';
import type { GatewayHttpOptions, HttpRoute, HttpState } from './types.js';
import { webhookHandler } from './webhook-route.js';

/**
 * The gateway router: `GET /healthz`, `GET /ready`, `POST /webhooks/:instance`, then the extra
 * routes (admin ones behind {@link adminGuard}). Earlier routes win on a clash.
 */
export function createGatewayRouter(options: GatewayHttpOptions, limits: SourceLimits): Router<HttpState> {
  const router = new Router<HttpState>();
  router.get('/healthz', (ctx) => sendJson(ctx, 200, { ok: true }));
  router.get('/ready', async (ctx) => {
    const { ready, body } = await options.readiness();
    sendJson(ctx, ready ? 200 : 503, body);
  });
  const { logger, maxBodyBytes } = options;
  router.post('/webhooks/:instance', webhookHandler({ dispatch: options.webhook, limits, logger, maxBodyBytes }));
  const guard = adminGuard({ adminToken: options.adminToken, limits, logger });
  for (const route of options.routes ?? []) mountRoute(router, route, guard, maxBodyBytes);
  return router;
}

function mountRoute(router: Router<HttpState>, route: HttpRoute, guard: RouterMiddleware<HttpState>, maxBodyBytes: number): void {
  const handler: RouterMiddleware<HttpState> = async (ctx) => {
    sendResponse(ctx, await route.handle(await toHttpRequest(ctx, maxBodyBytes)));
  };
  const chain = route.auth === 'admin' ? [guard, handler] : [handler];
  router.register(route.path, [route.method], chain);
}

/**
 * Runs after the router when no route matched path and method: 405 `http.method_not_allowed`
 * (with `Allow`) when the path exists for other methods, else 404 `http.not_found`.
 */
export function unmatchedRoute(): Middleware<HttpState> {
  return (ctx) => {
    const matched = (ctx as unknown as Partial<RouterContext<HttpState>>).matched ?? [];
    const methods = [...new Set(matched.flatMap((layer) => layer.methods))];
    if (methods.length === 0) throw new HttpNotFound({ path: ctx.path });
    const allow = methods.join(', ');
    throw new HttpMethodNotAllowed({ method: ctx.method, path: ctx.path }, { details: { allow } });
  };
}
