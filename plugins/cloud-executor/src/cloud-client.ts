import { setTimeout as delay } from 'node:timers/promises';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { GatewayError, registerErrorCode, type Logger } from '@cowork-gateway/core';

/** How Cloud failed, as the reference client classifies it (cloud-protocol.md §1.4). */
export type CloudErrorKind =
  | 'unauthorized' | 'payment_required' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited'
  | 'server' | 'http' | 'timeout' | 'abort' | 'network' | 'parse' | 'sse' | 'request';

/** Retryable kinds (the gateway's inbound classification); the rest are permanent. */
const RETRYABLE: ReadonlySet<CloudErrorKind> = new Set(['network', 'abort', 'timeout', 'server', 'http', 'rate_limited', 'sse', 'request']);

/** The gateway error code and HTTP status of each kind. */
const CODES: Record<CloudErrorKind, { code: string; status: number }> = {
  unauthorized: { code: 'cloud.unauthorized', status: 502 },
  payment_required: { code: 'cloud.payment_required', status: 402 },
  forbidden: { code: 'cloud.forbidden', status: 403 },
  not_found: { code: 'cloud.not_found', status: 404 },
  conflict: { code: 'cloud.conflict', status: 409 },
  rate_limited: { code: 'cloud.rate_limited', status: 429 },
  server: { code: 'cloud.unavailable', status: 503 },
  http: { code: 'cloud.bad_request', status: 400 },
  timeout: { code: 'cloud.timeout', status: 504 },
  abort: { code: 'cloud.aborted', status: 503 },
  network: { code: 'cloud.unavailable', status: 503 },
  parse: { code: 'cloud.invalid_response', status: 502 },
  sse: { code: 'cloud.stream_failed', status: 503 },
  request: { code: 'cloud.request_invalid', status: 400 },
};
for (const { code, status } of Object.values(CODES)) registerErrorCode(code, status);

/**
 * A failed Cloud call: `cloud.<reason>` with the reference client's `kind`, whether the gateway
 * may retry it, Cloud's `policyCode` (from `verdict`) and `retryAfterMs` when given. The message
 * carries Cloud's public error text, never the token.
 */
export class CloudError extends GatewayError {
  readonly kind: CloudErrorKind;
  readonly retryable: boolean;
  readonly httpStatus: number | null;
  readonly policyCode: string | null;
  readonly retryAfterMs: number | null;

  constructor(kind: CloudErrorKind, message: string, details: { httpStatus?: number; policyCode?: string; retryAfterMs?: number; cause?: unknown } = {}) {
    const { code, status } = CODES[kind];
    super(code, `${code}: ${message}`, status, details.cause === undefined ? {} : { cause: details.cause });
    this.name = 'CloudError';
    this.kind = kind;
    this.retryable = RETRYABLE.has(kind);
    this.httpStatus = details.httpStatus ?? null;
    this.policyCode = details.policyCode ?? null;
    this.retryAfterMs = details.retryAfterMs ?? null;
  }
}

export function isCloudError(error: unknown, kind?: CloudErrorKind): error is CloudError {
  return error instanceof CloudError && (kind === undefined || error.kind === kind);
}

function kindOfStatus(status: number): CloudErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 402) return 'payment_required';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'http';
}

export interface CloudClientOptions {
  /** Cloud base URL without a trailing slash, e.g. `https://cowork.example.com`. */
  baseUrl: string;
  /** `occ_<tokenId>_<secret>`: sent as `authorization: Bearer <token>`; never logged. */
  serviceToken: string;
  /** Per-request timeout; clamped to 100 ms..120 s. Default 30 000. */
  requestTimeoutMs?: number;
  /** Attempts per request on 429/5xx/network/timeout. Default 4. */
  maxAttempts?: number;
  /** First retry delay (full jitter, doubling, capped by `retryCapMs`). Default 250. */
  retryBaseMs?: number;
  /** Default 5 000. */
  retryCapMs?: number;
  logger?: Logger;
  /** Random source for jitter (tests). */
  random?: () => number;
}

/** One SSE event as parsed by `eventsource-parser`. */
export interface CloudSseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * The Cloud HTTP/SSE client: one `authorization: Bearer` header, JSON in and out, Cloud's error
 * envelope mapped onto {@link CloudError}, bounded retries with full-jitter backoff on 429 (honouring
 * `Retry-After`), 5xx, network errors and timeouts. Paths must start with `/api/`.
 */
export class CloudClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;
  private readonly random: () => number;

  constructor(private readonly options: CloudClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = { authorization: `Bearer ${options.serviceToken}` };
    this.timeoutMs = Math.min(120_000, Math.max(100, options.requestTimeoutMs ?? 30_000));
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryCapMs = options.retryCapMs ?? 5_000;
    this.random = options.random ?? Math.random;
  }

  get<T>(path: string, query?: Record<string, string | readonly string[] | number | undefined>): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** One JSON call with bounded retries; throws {@link CloudError}. */
  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const url = this.url(path);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once<T>(method, url, body, signal);
      } catch (error) {
        const cloudError = error as CloudError;
        const retry = cloudError.retryable && cloudError.kind !== 'abort' && cloudError.kind !== 'http' && cloudError.kind !== 'request' && attempt < this.maxAttempts && !signal?.aborted;
        if (!retry) throw cloudError;
        const wait = cloudError.retryAfterMs ?? Math.floor(this.random() * Math.min(this.retryCapMs, this.retryBaseMs * 2 ** (attempt - 1)));
        this.options.logger?.warn('cloud.request_retry', { method, path: pathOnly(path), attempt, kind: cloudError.kind, retryInMs: wait });
        await delay(Math.min(wait, 60_000), undefined, signal ? { signal } : undefined).catch(() => undefined);
      }
    }
  }

  private async once<T>(method: string, url: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      });
    } catch (error) {
      if (timeout.aborted) throw new CloudError('timeout', `Cloud did not answer ${method} ${pathOnly(url)} within ${this.timeoutMs} ms`, { cause: error });
      if (signal?.aborted) throw new CloudError('abort', `${method} ${pathOnly(url)} was aborted`, { cause: error });
      throw new CloudError('network', `cannot reach Cloud for ${method} ${pathOnly(url)}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text().catch((error: unknown) => {
      throw new CloudError('network', `Cloud's answer to ${method} ${pathOnly(url)} was cut off`, { cause: error });
    });
    if (!response.ok) throw errorOf(response, text, `${method} ${pathOnly(url)}`);
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch (error) {
      throw new CloudError('parse', `Cloud answered ${method} ${pathOnly(url)} with a body that is not JSON`, { cause: error });
    }
  }

  /**
   * Opens an SSE stream (`accept: text/event-stream`, no timeout) and yields its events until the
   * server ends it (the iteration ends) or it fails (throws a retryable `cloud.stream_failed`, or
   * the HTTP error of a refused stream). Aborting `signal` ends the iteration quietly.
   */
  async *stream(path: string, options: { signal: AbortSignal; headers?: Record<string, string>; onOpen?: () => void }): AsyncGenerator<CloudSseEvent> {
    const url = this.url(path);
    let response: Response;
    try {
      response = await fetch(url, { headers: { ...this.headers, accept: 'text/event-stream', ...options.headers }, signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) return;
      throw new CloudError('network', `cannot open the Cloud stream ${pathOnly(url)}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) throw errorOf(response, await response.text().catch(() => ''), `GET ${pathOnly(url)}`);
    if (!response.body) throw new CloudError('sse', `the Cloud stream ${pathOnly(url)} has no body`);
    options.onOpen?.();
    const queue: CloudSseEvent[] = [];
    const parser = createParser({
      onEvent: (message: EventSourceMessage) => queue.push({ id: message.id, event: message.event ?? 'message', data: message.data }),
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (options.signal.aborted) return;
          throw new CloudError('sse', `the Cloud stream ${pathOnly(url)} broke: ${(error as Error).message}`, { cause: error });
        }
        if (chunk.done) {
          parser.feed(decoder.decode());
          while (queue.length > 0) yield queue.shift()!;
          return;
        }
        parser.feed(decoder.decode(chunk.value, { stream: true }));
        while (queue.length > 0) {
          if (options.signal.aborted) return;
          yield queue.shift()!;
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  private url(path: string): string {
    if (!path.startsWith('/api/')) throw new CloudError('request', `refusing a Cloud path outside /api/: ${pathOnly(path)}`);
    return this.baseUrl + path;
  }
}

function errorOf(response: Response, text: string, what: string): CloudError {
  let body: { error?: unknown; retryAfterMs?: unknown; verdict?: { policyCode?: unknown } } = {};
  try {
    body = text ? (JSON.parse(text) as typeof body) : {};
  } catch {
    body = {};
  }
  const kind = kindOfStatus(response.status);
  const header = response.headers.get('retry-after');
  const seconds = header !== null && /^\d+$/.test(header.trim()) ? Number(header) * 1000 : undefined;
  const retryAfterMs = seconds ?? (typeof body.retryAfterMs === 'number' ? body.retryAfterMs : undefined);
  const policyCode = typeof body.verdict?.policyCode === 'string' ? body.verdict.policyCode : undefined;
  const reason = typeof body.error === 'string' ? body.error.slice(0, 300) : `HTTP ${response.status}`;
  return new CloudError(kind, `Cloud answered ${what} with ${response.status}: ${reason}${policyCode ? ` (${policyCode})` : ''}`, { httpStatus: response.status, policyCode, retryAfterMs });
}

function pathOnly(url: string): string {
  const i = url.indexOf('?');
  const path = i === -1 ? url : url.slice(0, i);
  return path.replace(/^https?:\/\/[^/]+/, '');
}

function withQuery(path: string, query?: Record<string, string | readonly string[] | number | undefined>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

export { withQuery };
