import { parseRetryAfter } from '@cowork-gateway/core';

/**
 * Why one Web API call failed, with nothing secret in it: Slack's `error` string for `ok:false`
 * answers (`channel_not_found`, `ratelimited`, …), `http_<status>` for other non-2xx answers,
 * or `network` / `timeout` / `aborted` / `bad_response` when there was no usable answer.
 */
export class SlackApiError extends Error {
  readonly method: string;
  readonly error: string;
  readonly status: number | undefined;
  /** From Retry-After on a 429 (seconds or an HTTP date), in ms. */
  readonly retryAfterMs: number | undefined;
  constructor(method: string, error: string, details: { status?: number; retryAfterMs?: number } = {}) {
    super(`Slack ${method} failed: ${error}${details.status !== undefined ? ` (HTTP ${details.status})` : ''}`);
    this.name = 'SlackApiError';
    this.method = method;
    this.error = error;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** A successful Web API answer: `ok: true` and the method's fields. */
export type SlackAnswer = { ok: true } & Record<string, unknown>;

/**
 * A small Web API client on Node's fetch. Calls are form-encoded POSTs to `<apiUrl><method>`
 * with `Authorization: Bearer <bot token>` (structured values as JSON strings, as Slack's own
 * SDK sends them). It never retries: the kernel's outbox owns retries, so one `send` is one
 * request and a 429's Retry-After reaches the kernel unchanged.
 */
export class WebApi {
  private readonly base: string;

  constructor(private readonly token: string, apiUrl: string, private readonly timeoutMs: number) {
    this.base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  }

  /** The origin calls go to (for checking that response URLs in tests stay on the fake). */
  get origin(): string {
    return new URL(this.base).origin;
  }

  async call(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<SlackAnswer> {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      form.set(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
    const response = await this.request(method, `${this.base}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: form.toString(),
    }, signal);
    const body = await readJson(method, response);
    if (response.status === 429 || (body !== null && body.error === 'ratelimited')) {
      throw new SlackApiError(method, 'ratelimited', { status: response.status, ...retryAfter(response) });
    }
    if (body === null) throw new SlackApiError(method, response.ok ? 'bad_response' : `http_${response.status}`, { status: response.status });
    if (body.ok !== true) {
      const error = typeof body.error === 'string' && /^[a-z0-9_]{1,64}$/.test(body.error) ? body.error : response.ok ? 'unknown_error' : `http_${response.status}`;
      throw new SlackApiError(method, error, { status: response.status });
    }
    return body as SlackAnswer;
  }

  /** POSTs raw bytes to an upload URL Slack handed out (files.getUploadURLExternal); no token is sent. */
  async upload(url: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    const response = await this.request('files.upload', url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes }, signal);
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new SlackApiError('files.upload', `http_${response.status}`, { status: response.status, ...retryAfter(response) });
  }

  /** POSTs a message to a response_url (interactions and slash commands); no token is sent. */
  async respond(url: string, message: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    const response = await this.request('response_url', url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(message) }, signal);
    const text = await response.text().catch(() => '');
    if (response.status === 429) throw new SlackApiError('response_url', 'ratelimited', { status: 429, ...retryAfter(response) });
    if (!response.ok) {
      const error = /^[a-z0-9_]{1,64}$/.test(text.trim()) ? text.trim() : `http_${response.status}`;
      throw new SlackApiError('response_url', error, { status: response.status });
    }
  }

  private async request(method: string, url: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await fetch(url, { ...init, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch {
      // The cause may name the URL, which for uploads and response URLs is a capability: keep it out.
      if (timeout.aborted) throw new SlackApiError(method, 'timeout');
      if (signal?.aborted) throw new SlackApiError(method, 'aborted');
      throw new SlackApiError(method, 'network');
    }
  }
}

async function readJson(method: string, response: Response): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new SlackApiError(method, 'network', { status: response.status });
  }
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function retryAfter(response: Response): { retryAfterMs?: number } {
  const ms = parseRetryAfter(response.headers.get('retry-after') ?? undefined, new Date());
  return ms === undefined ? {} : { retryAfterMs: ms };
}
