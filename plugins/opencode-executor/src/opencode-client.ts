import { ExecutorUnavailableError, isGatewayError } from '@cowork-gateway/core';
import type { OpenCodeProviders } from './model-check.js';
import { OpenCodeBadResponse, OpenCodeRequestRejected, OpenCodeUnauthorized } from './errors.js';
import type {
  OpenCodeMessage,
  OpenCodePermissionRequest,
  OpenCodeQuestionRequest,
  OpenCodeSessionStatus,
} from './opencode-types.js';

/** Where and how to reach one OpenCode server; `baseUrl` is read per request (a managed server may move). */
export interface OpenCodeTarget {
  baseUrl: () => string;
  username: string;
  password: () => string | undefined;
  /** Project directory sent with every instance-scoped request. */
  directory: string;
  timeoutMs: number;
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string>;
  /** False for routes that are not scoped to a project directory (`/global/*`). */
  scoped?: boolean;
  timeoutMs?: number;
  /** Ends the request; replaces the timeout (the caller times out itself). */
  signal?: AbortSignal;
}

/**
 * A small client for OpenCode's classic HTTP API. Every request has a timeout (a server that is
 * starting can accept a connection and never answer), sends Basic auth and the project
 * directory, and checks that JSON answers really are JSON (unknown routes answer 200 text/html).
 *
 * Failures: unreachable, timed out or 5xx → {@link ExecutorUnavailableError} (the kernel retries);
 * 401 → `opencode.unauthorized`; other 4xx → `opencode.request_rejected` with `details.status`
 * and `details.errorName`; non-JSON where JSON was due → `opencode.bad_response`.
 */
export class OpenCodeClient {
  constructor(private readonly target: OpenCodeTarget) {}

  get directory(): string {
    return this.target.directory;
  }

  /** The base URL for messages (never carries credentials). */
  get baseUrl(): string {
    return this.target.baseUrl();
  }

  health(options: { timeoutMs?: number } = {}): Promise<{ healthy?: boolean; version?: string }> {
    return this.json('GET', '/global/health', { scoped: false, timeoutMs: options.timeoutMs });
  }

  /** The merged config of the project directory (`model` is "provider/model" when set). */
  config(options: { timeoutMs?: number } = {}): Promise<{ model?: unknown }> {
    return this.json('GET', '/config', { timeoutMs: options.timeoutMs });
  }

  /**
   * The providers OpenCode can use now, with their models and each one's default model. Reading it
   * also makes OpenCode resolve its models (see `OpenCodeExecutor`'s model warm-up).
   */
  providers(options: { timeoutMs?: number } = {}): Promise<OpenCodeProviders> {
    return this.json('GET', '/config/providers', { timeoutMs: options.timeoutMs });
  }

  createSession(title: string): Promise<{ id: string }> {
    return this.json('POST', '/session', { body: { title } });
  }

  getSession(sessionId: string): Promise<{ id: string }> {
    return this.json('GET', `/session/${encodeURIComponent(sessionId)}`);
  }

  /** The session's messages, oldest first; with `limit`, only the latest that many. */
  messages(sessionId: string, limit?: number): Promise<OpenCodeMessage[]> {
    return this.json('GET', `/session/${encodeURIComponent(sessionId)}/message`, { query: limit === undefined ? undefined : { limit: String(limit) } });
  }

  promptAsync(sessionId: string, body: Record<string, unknown>): Promise<void> {
    return this.send('POST', `/session/${encodeURIComponent(sessionId)}/prompt_async`, body);
  }

  abort(sessionId: string): Promise<void> {
    return this.send('POST', `/session/${encodeURIComponent(sessionId)}/abort`, {});
  }

  /** Busy sessions of the directory; idle sessions are absent. */
  statuses(): Promise<Record<string, OpenCodeSessionStatus>> {
    return this.json('GET', '/session/status');
  }

  permissions(): Promise<OpenCodePermissionRequest[]> {
    return this.json('GET', '/permission');
  }

  questions(): Promise<OpenCodeQuestionRequest[]> {
    return this.json('GET', '/question');
  }

  replyPermission(requestId: string, reply: string): Promise<void> {
    return this.send('POST', `/permission/${encodeURIComponent(requestId)}/reply`, { reply });
  }

  /** The route servers before the permission rework (anomalyco/opencode#6319) had. */
  replyPermissionLegacy(sessionId: string, permissionId: string, response: string): Promise<void> {
    return this.send('POST', `/session/${encodeURIComponent(sessionId)}/permissions/${encodeURIComponent(permissionId)}`, { response });
  }

  replyQuestion(requestId: string, answers: string[][]): Promise<void> {
    return this.send('POST', `/question/${encodeURIComponent(requestId)}/reply`, { answers });
  }

  /**
   * Opens `GET /event` and returns the response once its headers arrived; the body is the SSE
   * stream. `signal` ends it, and is also the caller's connect timeout (no timeout is added, so
   * the open stream is not cut).
   */
  async openEvents(signal: AbortSignal): Promise<Response> {
    const response = await this.fetch('GET', '/event', { scoped: true, signal }, { accept: 'text/event-stream' });
    await this.raiseForStatus('GET /event', response);
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('text/event-stream')) {
      await response.body?.cancel().catch(() => undefined);
      throw new OpenCodeBadResponse({ url: this.baseUrl, route: 'GET /event', reason: `answered with "${type || 'no content type'}" instead of an event stream` });
    }
    return response;
  }

  /** A request whose 2xx answer must be JSON. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const route = `${method} ${path}`;
    const response = await this.fetch(method, path, options);
    await this.raiseForStatus(route, response);
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('application/json')) {
      await response.body?.cancel().catch(() => undefined);
      throw new OpenCodeBadResponse({ url: this.baseUrl, route, reason: `answered HTTP ${response.status} with "${type || 'no content type'}" instead of JSON` });
    }
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new OpenCodeBadResponse({ url: this.baseUrl, route, reason: 'answered with a body that is not valid JSON' }, { cause: error });
    }
  }

  /** A request whose 2xx answer is 204 or JSON (anything else means the route does not exist). */
  async send(method: string, path: string, body: unknown): Promise<void> {
    const route = `${method} ${path}`;
    const response = await this.fetch(method, path, { body });
    await this.raiseForStatus(route, response);
    const type = response.headers.get('content-type') ?? '';
    await response.body?.cancel().catch(() => undefined);
    if (response.status !== 204 && !type.includes('application/json')) {
      throw new OpenCodeBadResponse({ url: this.baseUrl, route, reason: `answered HTTP ${response.status} with "${type || 'no content type'}" instead of JSON or 204` });
    }
  }

  private async fetch(method: string, path: string, options: RequestOptions, headers: Record<string, string> = {}): Promise<Response> {
    const route = `${method} ${path}`;
    const scoped = options.scoped ?? true;
    const url = new URL(`${this.baseUrl}${path}`);
    if (scoped) url.searchParams.set('directory', this.target.directory);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    // One signal per request: chained AbortSignal.any() signals can be collected and stop
    // propagating aborts on Node 20, so a caller's signal carries its own timeout.
    const timeout = options.signal ? undefined : AbortSignal.timeout(options.timeoutMs ?? this.target.timeoutMs);
    const signal = options.signal ?? timeout!;
    try {
      return await fetch(url, {
        method,
        signal,
        headers: {
          accept: 'application/json',
          ...this.authorization(),
          ...(scoped ? { 'x-opencode-directory': encodeURIComponent(this.target.directory) } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = timeout?.aborted ? `no answer within ${options.timeoutMs ?? this.target.timeoutMs} ms` : describeCause(error);
      throw new ExecutorUnavailableError(`OpenCode at ${this.baseUrl} is unreachable (${route}: ${reason})`, { cause: error });
    }
  }

  private authorization(): Record<string, string> {
    const password = this.target.password();
    if (!password) return {};
    return { authorization: `Basic ${Buffer.from(`${this.target.username}:${password}`).toString('base64')}` };
  }

  private async raiseForStatus(route: string, response: Response): Promise<void> {
    if (response.ok) return;
    const body = await readErrorBody(response);
    if (response.status === 401) throw new OpenCodeUnauthorized({ url: this.baseUrl });
    if (response.status >= 500) {
      throw new ExecutorUnavailableError(`OpenCode at ${this.baseUrl} failed ${route} with HTTP ${response.status}${body.detail ? `: ${body.detail}` : ''}`);
    }
    throw new OpenCodeRequestRejected(
      { route, status: response.status, detail: body.detail || 'no details' },
      { details: { status: response.status, errorName: body.name, json: body.json } },
    );
  }
}

/** The `name` and message of an OpenCode error body (`{name, data:{message}}` or `{_tag, message}`). */
async function readErrorBody(response: Response): Promise<{ json: boolean; name?: string; detail: string }> {
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text().catch(() => '');
  if (!type.includes('application/json')) return { json: false, detail: '' };
  try {
    const body = JSON.parse(text) as { name?: string; _tag?: string; message?: string; data?: { message?: string } };
    const name = body.name ?? body._tag;
    const message = body.data?.message ?? body.message ?? '';
    return { json: true, name, detail: [name, message].filter(Boolean).join(': ').slice(0, 300) };
  } catch {
    return { json: false, detail: '' };
  }
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** True for `opencode.request_rejected` with the given HTTP status. */
export function isRejectedWith(error: unknown, status: number): boolean {
  return isGatewayError(error, 'opencode.request_rejected') && error.details?.status === status;
}
