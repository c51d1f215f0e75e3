import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '@cowork-gateway/core';
import { signSlackRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signature.js';
import { blocksProblem } from './blocks.js';
import { FakeWebSocket } from './ws-server.js';
import { FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, nextTs } from './payloads.js';

/** A failure the fake can produce instead of answering a Web API method, shaped like Slack's. */
export type FakeSlackFailure = 'rate_limited' | 'server_error' | 'channel_not_found' | 'not_in_channel' | 'invalid_auth';

/** A message the app posted (chat.postMessage or a response_url), as Slack stored it. */
export interface FakeSlackMessage {
  via: 'chat.postMessage' | 'response_url';
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
  mrkdwn?: boolean;
  blocks?: Record<string, unknown>[];
}

/** A file uploaded with the external upload flow and shared into a channel. */
export interface FakeSlackFile {
  id: string;
  filename: string;
  bytes: Buffer;
  channel: string;
  thread_ts?: string;
  initial_comment?: string;
}

export interface FakeSlackOptions {
  /** The bot token the Web API accepts; any other answers `invalid_auth`. */
  botToken: string;
  /** The app's signing secret the signer signs with. */
  signingSecret: string;
  /** Team of the installation (auth.test). Default `T0FAKE0001`. */
  teamId?: string;
  /** The app-level token (xapp-…) apps.connections.open accepts, for Socket Mode. Default: Socket Mode refused. */
  appToken?: string;
}

/** What the app answered to a Socket Mode envelope: its acknowledgement. */
export interface FakeSocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

interface Failure {
  kind: FakeSlackFailure;
  times: number;
  retryAfter: number;
}

/** What the signer may change in a request it sends (to forge, replay or retry one). */
export interface DeliverOptions {
  /** Signing time, unix seconds. Default: now. */
  timestamp?: number;
  /** Sign with this secret instead of the app's. */
  secret?: string;
  /** Send no signature headers at all. */
  unsigned?: boolean;
  /** Adds `x-slack-retry-num` (and `x-slack-retry-reason: http_timeout`) like a Slack retry. */
  retryNum?: number;
}

/** The gateway's answer to one delivered request. */
export interface DeliverResult {
  status: number;
  body: unknown;
}

const MAX_TEXT = 40_000;
const RESPONSE_URL_USES = 5;

/**
 * A loopback fake of Slack for tests (node:http, port 0). The Web API half answers the methods
 * the provider uses — auth.test, chat.postMessage, chat.update, files.getUploadURLExternal, the
 * upload URL, files.completeUploadExternal — and response URLs, refusing what Slack refuses: a
 * missing or wrong token (`not_authed` / `invalid_auth`), unknown channels
 * (`channel_not_found`), channels the bot is not in (`not_in_channel`), text over 40,000
 * characters (`msg_too_long`), invalid Block Kit (`invalid_blocks`), HTTP 429 with Retry-After
 * when told to. The signer half posts signed Events API, interactivity and slash-command
 * requests to a gateway, as Slack does.
 */
export class FakeSlack {
  /** Base of every URL of the fake. */
  readonly url: string;
  /** The Web API base to give the provider as `apiUrl`. */
  readonly apiUrl: string;
  readonly teamId: string;
  readonly botUserId = FAKE_BOT_USER_ID;
  readonly calls: { method: string; params: Record<string, unknown> }[] = [];
  readonly posts: FakeSlackMessage[] = [];
  readonly updates: { channel: string; ts: string; text: string; blocks?: Record<string, unknown>[] }[] = [];
  readonly files: FakeSlackFile[] = [];
  private readonly channels = new Map<string, { member: boolean }>();
  private readonly failures = new Map<string, Failure[]>();
  private readonly uploads = new Map<string, { filename: string; length: number; bytes?: Buffer }>();
  private readonly responseUrls = new Map<string, { channel: string; uses: number }>();
  private readonly waiters = new Set<() => void>();
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<FakeWebSocket>();
  private readonly pendingAcks = new Map<string, (ack: FakeSocketAck) => void>();
  private readonly pinger: NodeJS.Timeout;
  /** How many Socket Mode connections were opened so far. */
  socketConnections = 0;

  private constructor(private readonly server: http.Server, private readonly options: FakeSlackOptions) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.url}/api/`;
    this.teamId = options.teamId ?? FAKE_TEAM_ID;
    server.on('upgrade', (req, socket) => this.upgrade(req, socket));
    // Slack pings Socket Mode clients; a client that hears nothing for 30 s reconnects.
    this.pinger = setInterval(() => {
      for (const socket of this.sockets) socket.ping();
    }, 5000);
    this.pinger.unref();
  }

  static async start(options: FakeSlackOptions): Promise<FakeSlack> {
    let fake!: FakeSlack;
    const server = http.createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeSlack(server, options);
    return fake;
  }

  // ---- Socket Mode ----------------------------------------------------------------------------

  /** Open Socket Mode connections. */
  get openSockets(): number {
    return [...this.sockets].filter((s) => s.open).length;
  }

  /** Resolves once a Socket Mode connection is open (after its hello); rejects after `timeoutMs`. */
  async waitForSocket(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.openSockets === 0) {
      if (Date.now() > deadline) throw new Error(`fake Slack: no Socket Mode connection within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Sends an envelope (`events_api`, `interactive` or `slash_commands`) over the open Socket Mode
   * connection, as Slack does, and resolves with the app's acknowledgement.
   */
  sendEnvelope(type: 'events_api' | 'interactive' | 'slash_commands', payload: Record<string, unknown>, options: { envelopeId?: string; retryAttempt?: number; timeoutMs?: number } = {}): Promise<FakeSocketAck> {
    const socket = [...this.sockets].find((s) => s.open);
    if (!socket) return Promise.reject(new Error('fake Slack: no open Socket Mode connection'));
    const envelopeId = options.envelopeId ?? randomBytes(8).toString('hex');
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        reject(new Error(`fake Slack: envelope ${envelopeId} was not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingAcks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      socket.sendText(JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api' ? { retry_attempt: options.retryAttempt ?? 0, retry_reason: options.retryAttempt ? 'timeout' : '' } : {}),
      }));
    });
  }

  /** Asks every connected client to reconnect (`type: disconnect`), as Slack does before it recycles a server. */
  requestReconnect(reason = 'refresh_requested'): void {
    for (const socket of this.sockets) if (socket.open) socket.sendText(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack' } }));
  }

  /** Drops every Socket Mode connection without a goodbye. */
  dropSockets(): void {
    for (const socket of this.sockets) socket.close(1011);
  }

  private upgrade(req: IncomingMessage, socket: Duplex): void {
    const ticket = new URL(req.url ?? '/', this.url).pathname.replace(/^\/link\//, '');
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    let ws: FakeWebSocket | null = null;
    ws = FakeWebSocket.accept(req, socket, (text) => this.receiveAck(text), () => {
      if (ws) this.sockets.delete(ws);
    });
    if (!ws) return;
    this.sockets.add(ws);
    this.socketConnections += 1;
    ws.sendText(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'fake-slack' }, connection_info: { app_id: 'A0FAKEAPP1' } }));
  }

  private receiveAck(text: string): void {
    let message: FakeSocketAck;
    try {
      message = JSON.parse(text) as FakeSocketAck;
    } catch {
      return;
    }
    const settle = typeof message.envelope_id === 'string' ? this.pendingAcks.get(message.envelope_id) : undefined;
    if (!settle) return;
    this.pendingAcks.delete(message.envelope_id);
    settle(message);
  }

  // ---- test controls --------------------------------------------------------------------------

  /** Makes a channel known; `member: false` makes chat.postMessage answer `not_in_channel`. */
  addChannel(id: string, options: { member?: boolean } = {}): void {
    this.channels.set(id, { member: options.member ?? true });
  }

  /** Makes the next `times` calls of `method` fail like Slack would. */
  failNext(method: string, kind: FakeSlackFailure, options: { times?: number; retryAfter?: number } = {}): void {
    const queue = this.failures.get(method) ?? [];
    queue.push({ kind, times: options.times ?? 1, retryAfter: options.retryAfter ?? 1 });
    this.failures.set(method, queue);
  }

  /** A response URL for a conversation, as Slack puts in interactions and slash commands. */
  responseUrl(channel: string): string {
    const id = randomBytes(9).toString('hex');
    this.responseUrls.set(id, { channel, uses: 0 });
    return `${this.url}/response/${id}`;
  }

  /** Resolves once at least `count` messages were posted; rejects after `timeoutMs`. */
  async waitForPosts(count: number, timeoutMs = 10_000): Promise<FakeSlackMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.posts.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake Slack: expected ${count} posted messages within ${timeoutMs} ms, got ${this.posts.length}: ${JSON.stringify(this.posts.map((p) => p.text.slice(0, 80)))}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
    return this.posts.slice();
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const socket of this.sockets) socket.close();
    for (const wake of [...this.waiters]) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- the signer: requests Slack sends to the app --------------------------------------------

  /** The signature headers Slack would send with `rawBody`. */
  signatureHeaders(rawBody: Buffer | string, options: DeliverOptions = {}): Record<string, string> {
    if (options.unsigned) return {};
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signSlackRequest(options.secret ?? this.options.signingSecret, timestamp, rawBody) };
  }

  /** POSTs an Events API envelope (JSON) to the gateway, signed. */
  deliverEvent(url: string, envelope: Record<string, unknown>, options: DeliverOptions = {}): Promise<DeliverResult> {
    return this.deliver(url, JSON.stringify(envelope), 'application/json', options);
  }

  /** POSTs an interactivity payload (form field `payload`) to the gateway, signed. */
  deliverInteraction(url: string, payload: Record<string, unknown>, options: DeliverOptions = {}): Promise<DeliverResult> {
    return this.deliver(url, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', options);
  }

  /** POSTs a slash command (form fields) to the gateway, signed. */
  deliverCommand(url: string, form: URLSearchParams, options: DeliverOptions = {}): Promise<DeliverResult> {
    return this.deliver(url, form.toString(), 'application/x-www-form-urlencoded', options);
  }

  /** The same request as a core {@link WebhookRequest}, for calling `handleWebhook` directly. */
  webhookRequest(body: Record<string, unknown> | URLSearchParams, options: DeliverOptions = {}): WebhookRequest {
    const form = body instanceof URLSearchParams;
    const raw = form ? body.toString() : JSON.stringify(body);
    const retry = options.retryNum !== undefined ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {};
    return {
      method: 'POST',
      path: '/webhooks/slack',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', ...this.signatureHeaders(raw, options), ...retry },
      rawBody: Buffer.from(raw),
      body: form ? Object.fromEntries(body) : body,
      sourceIp: '127.0.0.1',
    };
  }

  private async deliver(url: string, raw: string, contentType: string, options: DeliverOptions): Promise<DeliverResult> {
    const retry: Record<string, string> = options.retryNum !== undefined ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {};
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...this.signatureHeaders(raw, options), ...retry },
      body: raw,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  }

  // ---- the Web API ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readAll(req);
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (path.startsWith('/upload/')) return this.acceptUpload(path.slice('/upload/'.length), raw, res);
    if (path.startsWith('/response/')) return this.acceptResponse(path.slice('/response/'.length), raw, res);
    if (!path.startsWith('/api/')) return send(res, 404, 'text/plain', 'not found');
    const method = path.slice('/api/'.length);
    const params = parseParams(req.headers['content-type'] ?? '', raw);
    this.calls.push({ method, params });
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : typeof params.token === 'string' ? params.token : undefined;
    if (given === undefined) return json(res, 200, { ok: false, error: 'not_authed' });
    if (method === 'apps.connections.open') return this.openConnection(given, res);
    if (given !== this.options.botToken) return json(res, 200, { ok: false, error: 'invalid_auth' });
    const failure = this.takeFailure(method);
    if (failure) return this.fail(res, failure);
    const handler = this.methods[method];
    if (!handler) return json(res, 200, { ok: false, error: 'unknown_method' });
    const [status, body] = handler(params);
    json(res, status, body);
    this.wake();
  }

  private readonly methods: Record<string, (p: Record<string, unknown>) => [number, Record<string, unknown>]> = {
    'auth.test': () => [200, { ok: true, url: 'https://fake-team.slack.com/', team: 'Fake Team', user: 'cowork', team_id: this.teamId, user_id: this.botUserId, bot_id: FAKE_BOT_ID }],
    'chat.postMessage': (p) => {
      const channel = str(p.channel);
      const problem = this.postProblem(channel, p);
      if (problem) return [200, { ok: false, error: problem }];
      const message: FakeSlackMessage = { via: 'chat.postMessage', channel, ts: nextTs(), text: str(p.text) };
      if (p.thread_ts !== undefined) message.thread_ts = str(p.thread_ts);
      if (p.mrkdwn !== undefined) message.mrkdwn = p.mrkdwn === true || p.mrkdwn === 'true';
      if (Array.isArray(p.blocks)) message.blocks = p.blocks as Record<string, unknown>[];
      this.posts.push(message);
      return [200, { ok: true, channel, ts: message.ts, message: { text: message.text, ts: message.ts, bot_id: FAKE_BOT_ID } }];
    },
    'chat.update': (p) => {
      const channel = str(p.channel);
      const ts = str(p.ts);
      const problem = this.postProblem(channel, p);
      if (problem) return [200, { ok: false, error: problem }];
      const original = this.posts.find((m) => m.channel === channel && m.ts === ts && m.via === 'chat.postMessage');
      if (!original) return [200, { ok: false, error: 'message_not_found' }];
      original.text = str(p.text);
      if (Array.isArray(p.blocks)) original.blocks = p.blocks as Record<string, unknown>[];
      else delete original.blocks;
      this.updates.push({ channel, ts, text: original.text, ...(original.blocks ? { blocks: original.blocks } : {}) });
      return [200, { ok: true, channel, ts, text: original.text }];
    },
    'files.getUploadURLExternal': (p) => {
      const filename = str(p.filename);
      const length = Number(p.length);
      if (!filename || !Number.isSafeInteger(length) || length <= 0) return [200, { ok: false, error: 'invalid_arguments' }];
      const id = `F0${randomBytes(5).toString('hex').toUpperCase()}`;
      this.uploads.set(id, { filename, length });
      return [200, { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id }];
    },
    'files.completeUploadExternal': (p) => {
      const files = Array.isArray(p.files) ? (p.files as Record<string, unknown>[]) : [];
      const channel = str(p.channel_id);
      if (files.length === 0) return [200, { ok: false, error: 'invalid_arguments' }];
      const problem = channel ? this.channelProblem(channel) : null;
      if (problem) return [200, { ok: false, error: problem }];
      const shared: Record<string, unknown>[] = [];
      for (const entry of files) {
        const id = str(entry.id);
        const upload = this.uploads.get(id);
        if (!upload?.bytes) return [200, { ok: false, error: 'file_not_found' }];
        this.uploads.delete(id);
        this.files.push({ id, filename: upload.filename, bytes: upload.bytes, channel, ...(p.thread_ts !== undefined ? { thread_ts: str(p.thread_ts) } : {}), ...(p.initial_comment !== undefined ? { initial_comment: str(p.initial_comment) } : {}) });
        shared.push({ id, title: str(entry.title) || upload.filename });
      }
      return [200, { ok: true, files: shared }];
    },
  };

  /** apps.connections.open: only the app-level token may open a Socket Mode connection. */
  private openConnection(given: string, res: ServerResponse): void {
    if (given === this.options.botToken) return json(res, 200, { ok: false, error: 'not_allowed_token_type' });
    if (this.options.appToken === undefined || given !== this.options.appToken) return json(res, 200, { ok: false, error: 'invalid_auth' });
    const failure = this.takeFailure('apps.connections.open');
    if (failure) return this.fail(res, failure);
    const ticket = randomBytes(12).toString('hex');
    this.tickets.add(ticket);
    json(res, 200, { ok: true, url: `${this.url.replace(/^http/, 'ws')}/link/${ticket}` });
  }

  private postProblem(channel: string, p: Record<string, unknown>): string | null {
    const problem = this.channelProblem(channel);
    if (problem) return problem;
    const text = typeof p.text === 'string' ? p.text : '';
    if (!text && p.blocks === undefined) return 'no_text';
    if (text.length > MAX_TEXT) return 'msg_too_long';
    if (p.blocks !== undefined && blocksProblem(p.blocks) !== null) return 'invalid_blocks';
    return null;
  }

  private channelProblem(channel: string): string | null {
    const known = this.channels.get(channel);
    if (!known) return 'channel_not_found';
    return known.member ? null : 'not_in_channel';
  }

  private acceptUpload(id: string, raw: Buffer, res: ServerResponse): void {
    const upload = this.uploads.get(id);
    if (!upload) return send(res, 404, 'text/plain', 'upload url not found');
    if (raw.length !== upload.length) return send(res, 400, 'text/plain', 'length mismatch');
    upload.bytes = raw;
    send(res, 200, 'text/plain', `OK - ${raw.length}`);
  }

  private acceptResponse(id: string, raw: Buffer, res: ServerResponse): void {
    const entry = this.responseUrls.get(id);
    if (!entry) return send(res, 404, 'text/plain', 'expired_url');
    if (entry.uses >= RESPONSE_URL_USES) return send(res, 404, 'text/plain', 'used_url');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(res, 400, 'text/plain', 'invalid_payload');
    }
    if (typeof body.text !== 'string' && body.blocks === undefined) return send(res, 400, 'text/plain', 'no_text');
    if (body.blocks !== undefined && blocksProblem(body.blocks) !== null) return send(res, 400, 'text/plain', 'invalid_blocks');
    entry.uses += 1;
    const message: FakeSlackMessage = { via: 'response_url', channel: entry.channel, ts: nextTs(), text: str(body.text) };
    if (body.thread_ts !== undefined) message.thread_ts = str(body.thread_ts);
    if (Array.isArray(body.blocks)) message.blocks = body.blocks as Record<string, unknown>[];
    this.posts.push(message);
    send(res, 200, 'text/plain', 'ok');
    this.wake();
  }

  private takeFailure(method: string): Failure | undefined {
    const queue = this.failures.get(method);
    const next = queue?.[0];
    if (!next) return undefined;
    next.times -= 1;
    if (next.times <= 0) queue!.shift();
    return next;
  }

  private fail(res: ServerResponse, failure: Failure): void {
    switch (failure.kind) {
      case 'rate_limited':
        res.setHeader('retry-after', String(failure.retryAfter));
        return json(res, 429, { ok: false, error: 'ratelimited' });
      case 'server_error':
        return send(res, 500, 'text/html', '<html><body>Internal Server Error</body></html>');
      default:
        return json(res, 200, { ok: false, error: failure.kind });
    }
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

/** Starts a {@link FakeSlack} on 127.0.0.1, port 0. */
export function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  return FakeSlack.start(options);
}

function parseParams(contentType: string, raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (/json/i.test(contentType)) {
    try {
      const value = JSON.parse(text) as unknown;
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    // Slack reads structured form fields (blocks, files) as JSON strings.
    params[key] = (key === 'blocks' || key === 'files' || key === 'attachments') ? safeJson(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  return params;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}
