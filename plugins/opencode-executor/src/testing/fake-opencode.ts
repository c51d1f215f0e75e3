import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenCodeMessage } from '../opencode-types.js';
import { fakeId, observeId } from './fake-ids.js';
import { FakeTurn, type TurnHost } from './fake-opencode-turn.js';

/** A failure the fake injects into matching requests. */
export type FakeOpenCodeFailure =
  /** 401 with `www-authenticate`, empty body. */
  | 'unauthorized'
  /** 200 `text/html`, as OpenCode answers unknown routes. */
  | 'html'
  /** 500 `UnknownError`. */
  | 'server-error'
  /** Never answers (OpenCode while it starts). */
  | 'hang'
  /** Processes the request but never answers (a response lost on the way). */
  | 'hang-after-accept';

export interface FakeOpenCodeOptions {
  /** Basic-auth password; none → no auth, like OpenCode without OPENCODE_SERVER_PASSWORD. */
  password?: string;
  username?: string;
  /** Old-style server: `permission.updated`, snapshots with `delta` instead of `message.part.delta`, no event ids, only the legacy permission route, no questions. */
  legacy?: boolean;
  /** Pause between streamed chunks. Default 5 ms. */
  chunkDelayMs?: number;
  /** `server.heartbeat` interval. Default 10000 ms. */
  heartbeatMs?: number;
  /**
   * OpenCode 1.18 resolves the configured model lazily: in the first agent loop of its directory
   * instance, or in `GET /config/providers`, whichever comes first. With this set, that
   * resolution takes `modelLoadMs`, and an abort landing during it breaks the instance as it
   * breaks OpenCode 1.18.33: every later turn, in any session, goes busy → idle → `session.error`
   * UnknownError "All fibers interrupted without error", without an assistant message, until
   * `POST /instance/dispose`. Default: the model is resolved from the start.
   */
  modelLoadMs?: number;
  /** What `GET /config` and `GET /config/providers` report. Default: model `fake/fake-model`, offered by provider `fake`. */
  models?: FakeModelSetup;
}

/** The model setup the fake reports; change it at run time with {@link FakeOpenCode.setModels}. */
export interface FakeModelSetup {
  /** `model` of `GET /config` ("provider/model"); absent: unset, as in a fresh OpenCode. */
  model?: string;
  /** Available providers and their model ids (`GET /config/providers`); each one's default model is its first. */
  providers?: Record<string, string[]>;
}

const DEFAULT_MODELS: FakeModelSetup = { model: 'fake/fake-model', providers: { fake: ['fake-model'] } };

/** A running fake of OpenCode's classic HTTP API on 127.0.0.1. */
export interface FakeOpenCode {
  readonly url: string;
  /** Every prompt accepted, in order. */
  readonly prompts: { sessionId: string; messageId: string; text: string }[];
  /** Every request line received (`POST /session/ses_…/abort`), in order. */
  readonly requests: string[];
  /** Open `GET /event` streams. */
  readonly streamCount: number;
  /** Injects `failure` into requests whose `METHOD /path` contains `route` (is `route` without the `$`, when it ends with `$`; all when absent), `times` times (default: until healed). */
  fail(failure: FakeOpenCodeFailure, options?: { route?: string; times?: number }): void;
  /** Removes every injected failure. */
  heal(): void;
  /** Replaces what `GET /config` and `GET /config/providers` report. */
  setModels(setup: FakeModelSetup): void;
  /** Cuts every event stream; new streams are refused (503) for `refuseMs`, and events meanwhile are lost. */
  dropStreams(options?: { refuseMs?: number }): void;
  /** Sends `server.instance.disposed` and ends every event stream, as `POST /instance/dispose` does. */
  disposeInstance(): void;
  /** Open event streams stay open but receive nothing more (not even heartbeats); new streams work. */
  freezeStreams(): void;
  /** Messages of a session, as `GET /session/{id}/message` returns them. */
  messages(sessionId: string): OpenCodeMessage[];
  /** The directory instance's model: see {@link FakeOpenCodeOptions.modelLoadMs}. */
  readonly modelState: ModelState;
  close(): Promise<void>;
}

/** `broken`: a loop was aborted while resolving the model (OpenCode keeps the interruption). */
export type ModelState = 'unresolved' | 'resolving' | 'resolved' | 'broken';

interface Injected {
  failure: FakeOpenCodeFailure;
  route?: string;
  times: number;
}

interface Session {
  id: string;
  title: string;
  messages: OpenCodeMessage[];
  turn: FakeTurn | null;
}

/**
 * Starts a small loopback fake of OpenCode's classic HTTP API (sessions, prompt_async, abort,
 * messages, status, permissions, questions, `GET /event`) whose turns are scripted by markers in
 * the prompt (see {@link FakeTurn}), with failure injection for the executor's error paths:
 * 401, unknown routes answering 200 text/html, 5xx, hung requests, dropped streams, disposed
 * instances, the double `session.error`, and old-style event names (`legacy`).
 */
export async function startFakeOpenCode(options: FakeOpenCodeOptions = {}): Promise<FakeOpenCode> {
  const fake = new FakeOpenCodeServer(options);
  await fake.listen();
  return fake;
}

class FakeOpenCodeServer implements FakeOpenCode, TurnHost {
  readonly prompts: { sessionId: string; messageId: string; text: string }[] = [];
  readonly requests: string[] = [];
  readonly legacy: boolean;
  readonly chunkDelayMs: number;
  private readonly sessions = new Map<string, Session>();
  private readonly busy = new Map<string, { type: string; [key: string]: unknown }>();
  private readonly streams = new Set<ServerResponse>();
  private readonly frozen = new Set<ServerResponse>();
  private readonly permissions = new Map<string, { request: Record<string, unknown>; resolve: (reply: string) => void }>();
  private readonly questions = new Map<string, { request: Record<string, unknown>; resolve: (answers: string[][]) => void }>();
  private injected: Injected[] = [];
  private refuseStreamsUntil = 0;
  private models: FakeModelSetup;
  private readonly server = createServer((req, res) => void this.handle(req, res).catch((error: unknown) => this.crash(res, error)));
  private heartbeat: NodeJS.Timeout | undefined;
  private resolving: Promise<void> | null = null;
  modelState: ModelState;
  url = '';

  constructor(private readonly options: FakeOpenCodeOptions) {
    this.legacy = options.legacy ?? false;
    this.chunkDelayMs = options.chunkDelayMs ?? 5;
    this.modelState = options.modelLoadMs === undefined ? 'resolved' : 'unresolved';
    this.models = options.models ?? DEFAULT_MODELS;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.heartbeat = setInterval(() => this.emit('server.heartbeat', {}), this.options.heartbeatMs ?? 10_000);
  }

  fail(failure: FakeOpenCodeFailure, options: { route?: string; times?: number } = {}): void {
    this.injected.push({ failure, route: options.route, times: options.times ?? Number.POSITIVE_INFINITY });
  }

  heal(): void {
    this.injected = [];
  }

  setModels(setup: FakeModelSetup): void {
    this.models = setup;
  }

  dropStreams(options: { refuseMs?: number } = {}): void {
    this.refuseStreamsUntil = Date.now() + (options.refuseMs ?? 0);
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  disposeInstance(): void {
    this.emit('server.instance.disposed', { directory: '/fake' });
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  freezeStreams(): void {
    for (const stream of this.streams) this.frozen.add(stream);
    this.streams.clear();
  }

  messages(sessionId: string): OpenCodeMessage[] {
    return this.sessions.get(sessionId)?.messages ?? [];
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const session of this.sessions.values()) session.turn?.abort();
    for (const stream of this.frozen) stream.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- TurnHost ------------------------------------------------------------------------------

  emit(type: string, properties: Record<string, unknown>): void {
    const event = this.legacy ? { type, properties } : { id: fakeId('evt'), type, properties };
    for (const stream of this.streams) stream.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  setBusy(sessionId: string, status: { type: string; [key: string]: unknown } | null): void {
    if (status) {
      this.busy.set(sessionId, status);
      this.emit('session.status', { sessionID: sessionId, status });
      return;
    }
    this.busy.delete(sessionId);
    const session = this.sessions.get(sessionId);
    if (session) session.turn = null;
    this.emit('session.status', { sessionID: sessionId, status: { type: 'idle' } });
    this.emit('session.idle', { sessionID: sessionId });
  }

  resolveModel(): Promise<boolean> {
    if (this.modelState === 'resolved' || this.modelState === 'broken') return Promise.resolve(this.modelState === 'resolved');
    if (!this.resolving) {
      this.modelState = 'resolving';
      this.resolving = new Promise<void>((resolve) => setTimeout(resolve, this.options.modelLoadMs ?? 0)).then(() => {
        this.resolving = null;
        if (this.modelState === 'resolving') this.modelState = 'resolved';
      });
    }
    return this.resolving.then(() => this.modelState === 'resolved');
  }

  modelResolutionInterrupted(): void {
    if (this.modelState === 'resolving') this.modelState = 'broken';
  }

  askPermission(request: Record<string, unknown>): Promise<string> {
    return new Promise((resolve) => {
      this.permissions.set(request.id as string, { request, resolve });
      this.emit(this.legacy ? 'permission.updated' : 'permission.asked', request);
    });
  }

  askQuestion(request: Record<string, unknown>): Promise<string[][]> {
    return new Promise((resolve) => {
      this.questions.set(request.id as string, { request, resolve });
      this.emit('question.asked', request);
    });
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const line = `${req.method} ${url.pathname}`;
    this.requests.push(line);
    const injected = this.takeFailure(line);
    if (injected === 'hang') return;
    if (injected === 'unauthorized' || !this.authorized(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="Secure Area"' });
      return void res.end();
    }
    if (injected === 'html') return html(res);
    if (injected === 'server-error') return json(res, 500, { name: 'UnknownError', data: { message: 'Unexpected server error (injected)', ref: 'err_fake' } });
    const body = req.method === 'POST' ? await readJson(req) : {};
    const target = injected === 'hang-after-accept' ? blackHole() : res;
    await this.route(req.method ?? 'GET', url.pathname, body, target);
  }

  private async route(method: string, path: string, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const key = `${method} /${parts.map((p, i) => (i > 0 && /^(ses|per|que)_/.test(p) ? ':id' : p)).join('/')}`;
    switch (key) {
      case 'GET /global/health':
        return json(res, 200, { healthy: true, version: this.legacy ? '0.15.0-fake' : '1.18.33-fake' });
      case 'GET /event':
        return this.openStream(res);
      case 'GET /config':
        return json(res, 200, { command: {}, plugin: [], agent: {}, mode: {}, ...(this.models.model === undefined ? {} : { model: this.models.model }) });
      case 'GET /config/providers':
        await this.resolveModel();
        return json(res, 200, this.providersBody());
      case 'POST /session':
        return json(res, 200, this.createSession(String(body.title ?? 'New session')));
      case 'GET /session/status':
        return json(res, 200, Object.fromEntries(this.busy));
      case 'GET /session/:id':
        return this.withSession(parts[1]!, res, (s) => json(res, 200, { id: s.id, title: s.title }));
      case 'GET /session/:id/message':
        return this.withSession(parts[1]!, res, (s) => json(res, 200, s.messages));
      case 'POST /session/:id/prompt_async':
        return this.withSession(parts[1]!, res, (s) => this.prompt(s, body, res));
      case 'POST /session/:id/abort':
        return this.withSession(parts[1]!, res, (s) => {
          s.turn?.abort();
          json(res, 200, true);
        });
      case 'POST /session/:id/permissions/:id':
        return this.replyPermission(parts[3]!, String(body.response), res);
      case 'GET /permission':
        return json(res, 200, [...this.permissions.values()].map((p) => p.request));
      case 'POST /permission/:id/reply':
        if (this.legacy) return text(res, 404, '404 Not Found');
        return this.replyPermission(parts[1]!, String(body.reply), res);
      case 'GET /question':
        return json(res, 200, [...this.questions.values()].map((q) => q.request));
      case 'POST /question/:id/reply':
        return this.replyQuestion(parts[1]!, body.answers as string[][], res);
      case 'POST /instance/dispose':
        if (this.options.modelLoadMs !== undefined && this.modelState !== 'resolving') this.modelState = 'unresolved';
        this.disposeInstance();
        return json(res, 200, true);
      default:
        return html(res);
    }
  }

  /** `{providers:[{id, name, models:{id: {...}}}], default:{providerID: modelID}}`, as OpenCode answers. */
  private providersBody(): { providers: Record<string, unknown>[]; default: Record<string, string> } {
    const entries = Object.entries(this.models.providers ?? {});
    return {
      providers: entries.map(([id, models]) => ({ id, name: id, source: 'config', models: Object.fromEntries(models.map((m) => [m, { id: m, providerID: id, name: m }])) })),
      default: Object.fromEntries(entries.filter(([, models]) => models.length > 0).map(([id, models]) => [id, models[0]!])),
    };
  }

  private createSession(title: string): { id: string; title: string } {
    const session: Session = { id: fakeId('ses', true), title, messages: [], turn: null };
    this.sessions.set(session.id, session);
    this.emit('session.created', { sessionID: session.id, info: { id: session.id, title } });
    return { id: session.id, title };
  }

  private prompt(session: Session, body: Record<string, unknown>, res: ServerResponse): void {
    const textPart = (body.parts as { type: string; text?: string }[] | undefined)?.find((p) => p.type === 'text');
    if (!textPart) return json(res, 400, { name: 'BadRequest', data: { message: 'Expected array at ["parts"]', kind: 'Payload' } });
    const messageId = typeof body.messageID === 'string' ? body.messageID : fakeId('msg');
    if (!messageId.startsWith('msg')) return json(res, 400, { name: 'BadRequest', data: { message: 'messageID must start with "msg"' } });
    observeId(messageId);
    const text = textPart.text ?? '';
    const info = { id: messageId, sessionID: session.id, role: 'user' as const, time: { created: Date.now() } };
    session.messages.push({ info, parts: [{ id: fakeId('prt'), sessionID: session.id, messageID: messageId, type: 'text', text }] });
    session.messages.sort((a, b) => (a.info.id < b.info.id ? -1 : 1));
    this.prompts.push({ sessionId: session.id, messageId, text });
    res.writeHead(204);
    res.end();
    this.emit('message.updated', { sessionID: session.id, info });
    if (session.turn) return; // folded into the running loop, as OpenCode does
    const turn = new FakeTurn(this, session.id, session.messages, messageId, text);
    session.turn = turn;
    setTimeout(() => void turn.run(), 1);
  }

  private replyPermission(id: string, reply: string, res: ServerResponse): void {
    const pending = this.permissions.get(id);
    if (!pending) return json(res, 404, { _tag: 'PermissionNotFoundError', requestID: id, message: `Permission request not found: ${id}` });
    this.permissions.delete(id);
    this.emit('permission.replied', this.legacy ? { sessionID: pending.request.sessionID, permissionID: id, response: reply } : { sessionID: pending.request.sessionID, requestID: id, reply });
    pending.resolve(reply);
    json(res, 200, true);
  }

  private replyQuestion(id: string, answers: string[][], res: ServerResponse): void {
    const pending = this.questions.get(id);
    if (!pending || !Array.isArray(answers)) return json(res, 404, { _tag: 'QuestionNotFoundError', requestID: id, message: `Question request not found: ${id}` });
    this.questions.delete(id);
    this.emit('question.replied', { sessionID: pending.request.sessionID, requestID: id, answers });
    pending.resolve(answers);
    json(res, 200, true);
  }

  private openStream(res: ServerResponse): void {
    if (Date.now() < this.refuseStreamsUntil) return json(res, 503, { name: 'UnknownError', data: { message: 'refusing streams (injected)' } });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`data: ${JSON.stringify(this.legacy ? { type: 'server.connected', properties: {} } : { id: fakeId('evt'), type: 'server.connected', properties: {} })}\n\n`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }

  private withSession(id: string, res: ServerResponse, then: (session: Session) => void): void {
    const session = this.sessions.get(id);
    if (!session) return json(res, 404, { name: 'NotFoundError', data: { message: `Session not found: ${id}` } });
    then(session);
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.options.password) return true;
    const expected = `Basic ${Buffer.from(`${this.options.username ?? 'opencode'}:${this.options.password}`).toString('base64')}`;
    return req.headers.authorization === expected;
  }

  private takeFailure(line: string): FakeOpenCodeFailure | undefined {
    const matches = (route: string): boolean => (route.endsWith('$') ? line === route.slice(0, -1) : line.includes(route));
    const match = this.injected.find((i) => i.times > 0 && (i.route === undefined || matches(i.route)));
    if (!match) return undefined;
    match.times -= 1;
    return match.failure;
  }

  private crash(res: ServerResponse, error: unknown): void {
    if (!res.headersSent) json(res, 500, { name: 'UnknownError', data: { message: String(error) } });
    else res.destroy();
  }
}

/** A response that swallows everything: the request is processed, the client never hears back. */
function blackHole(): ServerResponse {
  return { writeHead: () => undefined, end: () => undefined, write: () => true, on: () => undefined, headersSent: false } as unknown as ServerResponse;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(body);
}

function html(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html><head><title>OpenCode</title></head><body></body></html>');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return {};
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return {};
  }
}
