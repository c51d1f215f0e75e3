import type { RouterContext } from '@koa/router';
import { readBody } from './body.js';
import type { HttpRequest, HttpState } from './types.js';

const BODY_METHODS = new Set(['POST', 'PUT']);

/**
 * Builds the {@link HttpRequest} of a routed koa request. POST/PUT bodies are read and parsed
 * under `maxBodyBytes` (see {@link readBody}); other methods get `body: undefined` and an empty
 * `rawBody`.
 */
export async function toHttpRequest(ctx: RouterContext<HttpState>, maxBodyBytes: number): Promise<HttpRequest> {
  const read = BODY_METHODS.has(ctx.method) ? await readBody(ctx.req, maxBodyBytes) : undefined;
  return {
    method: ctx.method,
    path: ctx.path,
    params: { ...ctx.params },
    query: firstValues(ctx.querystring),
    headers: ctx.req.headers,
    body: read?.body,
    rawBody: read?.rawBody ?? Buffer.alloc(0),
    sourceIp: ctx.state.sourceIp,
  };
}

function firstValues(querystring: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(querystring)) {
    if (!Object.hasOwn(query, name)) Object.defineProperty(query, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return query;
}
