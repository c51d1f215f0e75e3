import type { RouterMiddleware } from '@koa/router';
import { isGatewayError, WebhookUnknownInstance } from '../errors.js';
import type { Logger } from '../logging.js';
import { toHttpRequest } from './request.js';
import { sendResponse } from './response.js';
import { assertNotBlocked, claimRequest, recordAuthFailure, type SourceLimits } from './source-limits.js';
import type { GatewayHttpOptions, HttpState } from './types.js';

/** Instance ids as config allows them; anything else cannot name an instance. */
const INSTANCE_ID = /^[a-z][a-z0-9-]{0,63}$/;

/** What {@link webhookHandler} needs. */
export interface WebhookHandlerOptions {
  dispatch: GatewayHttpOptions['webhook'];
  limits: SourceLimits;
  logger: Logger;
  maxBodyBytes: number;
}

/**
 * Handler of `POST /webhooks/:instance`, in this order: block check for `auth:<ip>:<instance>`
 * (before the body is read), request budget `request:<ip>:<instance>`, body (type, size, parse),
 * then the dispatcher. A `webhook.signature_invalid` from the dispatcher counts as an auth
 * failure. A path segment that cannot be an instance id answers 404 `webhook.unknown_instance`
 * without touching the limiters.
 */
export function webhookHandler(options: WebhookHandlerOptions): RouterMiddleware<HttpState> {
  return async (ctx) => {
    const instance = ctx.params.instance ?? '';
    if (!INSTANCE_ID.test(instance)) throw new WebhookUnknownInstance({ instance: instance.slice(0, 64) });
    const { sourceIp } = ctx.state;
    await assertNotBlocked(options.limits, sourceIp, instance);
    await claimRequest(options.limits, sourceIp, instance);
    const request = await toHttpRequest(ctx, options.maxBodyBytes);
    try {
      sendResponse(ctx, await options.dispatch(instance, request));
    } catch (error) {
      if (isGatewayError(error, 'webhook.signature_invalid')) {
        await recordAuthFailure(options.limits, options.logger, sourceIp, instance);
      }
      throw error;
    }
  };
}
