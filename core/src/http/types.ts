import type { Server } from 'node:http';
import type { Logger } from '../logging.js';
import type { AbuseControls } from './abuse-controls.js';

/** One HTTP request as route handlers and the webhook dispatcher see it. */
export interface HttpRequest {
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Route parameters, e.g. `{ instance: 'telegram-main' }`. */
  params: Record<string, string>;
  /** Query parameters; the first value wins when a name repeats. */
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON (or form fields as strings) for POST/PUT; `undefined` for other methods. */
  body: unknown;
  /** The body bytes exactly as received (empty for GET/DELETE). */
  rawBody: Buffer;
  /** Client address after trusted-proxy resolution. */
  sourceIp: string;
}

/**
 * What a handler answers. An object `body` is sent as JSON; a string with `contentType` is sent
 * as is (e.g. `text/html`, or `text/plain` for `/metrics`); `undefined` sends an empty body.
 */
export interface HttpResponse {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** An extra route mounted on the gateway server (admin pages, metrics, trace…). */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** @koa/router path, e.g. `/admin/deliveries/:id`. */
  path: string;
  /** `admin` requires `Authorization: Bearer <admin token>`. */
  auth: 'none' | 'admin';
  handle(req: HttpRequest): Promise<HttpResponse>;
}

/** Everything the gateway HTTP server needs; see {@link startHttpServer}. */
export interface GatewayHttpOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Hard cap on a request body in bytes. */
  maxBodyBytes: number;
  /** Request budget per source address and webhook instance. */
  rateLimit: { maxRequests: number; windowMs: number };
  /** `limit` auth failures per source and scope within `blockMs` block that source for `blockMs`. */
  authFailure: { limit: number; blockMs: number };
  /**
   * Where the request budgets and auth-failure blocks live: default in memory (this process);
   * `@cowork-gateway/redis` shares them between replicas.
   */
  controls?: AbuseControls;
  /** Honour `X-Forwarded-For` / `Forwarded` when the peer is inside `trustedProxyCidrs`. */
  trustProxyHeaders: boolean;
  trustedProxyCidrs: string[];
  /** Admin bearer token; `undefined` makes admin routes answer 403 `admin.not_configured`. */
  adminToken?: string;
  /** Backs `GET /ready`: 200 when ready, else 503, with `body` as given. */
  readiness(): Promise<{ ready: boolean; body: Record<string, unknown> }>;
  /** The kernel's webhook dispatcher for `POST /webhooks/:instance`. */
  webhook(instance: string, req: HttpRequest): Promise<HttpResponse>;
  /** Extra routes (admin pages, metrics, trace…). */
  routes?: HttpRoute[];
  /**
   * Called once per answered request with the matched route template (`/webhooks/:instance`;
   * `unmatched` when none matched), never the raw path, so it can label metrics.
   */
  onRequest?(info: { method: string; route: string; status: number; durationMs: number }): void;
}

/** A listening gateway server. */
export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  host: string;
  server: Server;
  /** Stops accepting, closes idle keep-alive sockets and resolves once the server is closed. */
  close(): Promise<void>;
}

/** Per-request koa state set by the gateway middleware. */
export interface HttpState {
  sourceIp: string;
}
