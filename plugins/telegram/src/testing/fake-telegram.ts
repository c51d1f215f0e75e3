import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseMultipart, type MultipartFile } from './multipart.js';
import type { FakeUpdate, FakeUser } from './updates.js';

/** A failure the fake can produce instead of answering a method, shaped like Telegram's. */
export type FakeFailure =
  | 'rate_limited'
  | 'forbidden'
  | 'chat_not_found'
  | 'bad_request'
  | 'server_error'
  | 'conflict'
  | 'unauthorized'
  /** Accept the request and never answer it. */
  | 'stall';

/** A message the bot sent (sendMessage or sendDocument), with its parsed parameters. */
export interface FakeSentMessage {
  method: 'sendMessage' | 'sendDocument';
  message_id: number;
  chat_id: string;
  text?: string;
  caption?: string;
  parse_mode?: string;
  message_thread_id?: number;
  reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean };
  reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] };
  link_preview_options?: { is_disabled?: boolean };
  document?: MultipartFile;
}

/** Every Bot API call the fake received, with its parameters as sent (form values are strings). */
export interface FakeCall {
  method: string;
  params: Record<string, unknown>;
}

export interface FakeTelegramOptions {
  /** The bot token the fake accepts; any other answers 401 like Telegram. */
  token: string;
  /** The bot's username (getMe). Default `cowork_test_bot`. */
  botUsername?: string;
}

interface Failure {
  kind: FakeFailure;
  times: number;
  retryAfter: number;
  description?: string;
}

interface Waiter {
  wake(): void;
}

const FAILURES: Record<Exclude<FakeFailure, 'stall'>, (f: Failure) => { status: number; description: string; parameters?: Record<string, number> }> = {
  rate_limited: (f) => ({ status: 429, description: `Too Many Requests: retry after ${f.retryAfter}`, parameters: { retry_after: f.retryAfter } }),
  forbidden: (f) => ({ status: 403, description: f.description ?? 'Forbidden: bot was blocked by the user' }),
  chat_not_found: () => ({ status: 400, description: 'Bad Request: chat not found' }),
  bad_request: (f) => ({ status: 400, description: f.description ?? "Bad Request: can't parse entities" }),
  server_error: () => ({ status: 500, description: 'Internal Server Error' }),
  conflict: (f) => ({ status: 409, description: f.description ?? 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' }),
  unauthorized: () => ({ status: 401, description: 'Unauthorized' }),
};

/** Structured parameters the Bot API takes as JSON strings in form bodies. */
const JSON_PARAMS = ['reply_markup', 'reply_parameters', 'link_preview_options', 'allowed_updates', 'commands'];
const NUMBER_PARAMS = ['offset', 'limit', 'timeout', 'message_thread_id', 'message_id'];

/**
 * A loopback fake of the Telegram Bot API (node:http, port 0) that behaves like the real one
 * where the provider depends on it: token check, JSON / form / multipart bodies, Telegram's
 * error bodies, getUpdates long polling with offset confirmation, 409 while a webhook is set,
 * and a file download route. Tests push updates, read what was sent and inject failures.
 */
export class FakeTelegram {
  /** The Bot API root to give the provider as `apiRoot`. */
  readonly url: string;
  readonly token: string;
  readonly bot: FakeUser & { username: string };
  readonly calls: FakeCall[] = [];
  readonly sent: FakeSentMessage[] = [];
  readonly edits: FakeCall['params'][] = [];
  readonly callbackAnswers: FakeCall['params'][] = [];
  /** The registered webhook, as setWebhook left it. */
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | null = null;
  /** The command menu, as setMyCommands left it. */
  commands: { command: string; description: string }[] = [];
  private readonly updates: (FakeUpdate & { update_id: number })[] = [];
  private readonly failures = new Map<string, Failure[]>();
  private readonly files = new Map<string, { bytes: Buffer; path: string; uniqueId: string; hideSize: boolean }>();
  private readonly waiters = new Set<Waiter>();
  private readonly stalled = new Set<ServerResponse>();
  /** Chats the bot can write to: seeded from pushed and delivered updates, or {@link addChat}. */
  private readonly chats = new Set<string>();
  private nextUpdateId = 1000;
  private nextMessageId = 9000;
  private closing = false;

  private constructor(private readonly server: http.Server, options: FakeTelegramOptions) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.token = options.token;
    this.bot = { id: 4242, is_bot: true, first_name: 'Cowork Test Bot', username: options.botUsername ?? 'cowork_test_bot' };
  }

  static async start(options: FakeTelegramOptions): Promise<FakeTelegram> {
    let fake!: FakeTelegram;
    const server = http.createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeTelegram(server, options);
    return fake;
  }

  // ---- test controls --------------------------------------------------------------------------

  /** Queues an update for getUpdates (assigning the next update_id unless one is given); returns its id. */
  pushUpdate(update: FakeUpdate): number {
    const updateId = update.update_id ?? this.nextUpdateId;
    this.nextUpdateId = Math.max(this.nextUpdateId, updateId + 1);
    this.updates.push({ ...update, update_id: updateId });
    this.learnChats(update);
    for (const waiter of [...this.waiters]) waiter.wake();
    return updateId;
  }

  /**
   * Makes a chat known, as if its user had written to the bot: Telegram answers sends to any
   * other chat with 400 "Bad Request: chat not found". Chats of pushed and delivered updates are
   * known already.
   */
  addChat(chatId: number | string): void {
    this.chats.add(String(chatId));
  }

  /** Updates not yet confirmed by a getUpdates offset. */
  pendingUpdates(): readonly (FakeUpdate & { update_id: number })[] {
    return [...this.updates];
  }

  /** The next `times` calls of `method` fail as `kind` (429s carry `retry_after` = `retryAfter` seconds). */
  failNext(method: string, kind: FakeFailure, options: { times?: number; retryAfter?: number; description?: string } = {}): void {
    const list = this.failures.get(method) ?? [];
    list.push({ kind, times: options.times ?? 1, retryAfter: options.retryAfter ?? 1, ...(options.description ? { description: options.description } : {}) });
    this.failures.set(method, list);
  }

  /**
   * Stores a file for getFile and the download route; returns what an update's document carries.
   * `hideSize` leaves file_size out of getFile and content-length out of the download (chunked).
   */
  addFile(bytes: Buffer, options: { path?: string; hideSize?: boolean } = {}): { file_id: string; file_unique_id: string; file_size: number } {
    const fileId = `file-${randomBytes(6).toString('hex')}`;
    const uniqueId = `u${this.files.size + 1}`;
    const path = options.path ?? `documents/file_${this.files.size + 1}.bin`;
    this.files.set(fileId, { bytes, path, uniqueId, hideSize: options.hideSize === true });
    return { file_id: fileId, file_unique_id: uniqueId, file_size: bytes.length };
  }

  /** Calls of one method, in order. */
  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves once at least `count` messages were sent; rejects after `timeoutMs`. */
  waitForSent(count: number, timeoutMs = 10_000): Promise<FakeSentMessage[]> {
    return this.waitFor(() => this.sent.length >= count, timeoutMs, `${count} sent message(s), have ${this.sent.length}`).then(() => this.sent);
  }

  /** Resolves once `method` was called at least `count` times; rejects after `timeoutMs`. */
  waitForCalls(method: string, count: number, timeoutMs = 10_000): Promise<FakeCall[]> {
    return this.waitFor(() => this.callsOf(method).length >= count, timeoutMs, `${count} ${method} call(s)`).then(() => this.callsOf(method));
  }

  /**
   * POSTs an update like Telegram does to the registered webhook (or `url`), with the
   * secret-token header (the registered secret unless `secret` is given; `null` sends none).
   * Returns the HTTP status.
   */
  async deliverWebhook(update: FakeUpdate, options: { url?: string; secret?: string | null } = {}): Promise<number> {
    const url = options.url ?? this.webhook?.url;
    if (!url) throw new Error('fake telegram: no webhook is set and no url was given');
    const body = { ...update, update_id: update.update_id ?? this.nextUpdateId++ };
    this.learnChats(update);
    const secret = options.secret === undefined ? this.webhook?.secret_token : options.secret;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const waiter of [...this.waiters]) waiter.wake();
    for (const res of this.stalled) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every chat an update shows the bot: messages, edits, channel posts, button presses, membership changes. */
  private learnChats(update: FakeUpdate): void {
    for (const key of ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'my_chat_member', 'chat_member']) {
      const chat = (update[key] as { chat?: { id?: unknown } } | undefined)?.chat;
      if (chat?.id !== undefined) this.chats.add(String(chat.id));
    }
    const pressed = (update.callback_query as { message?: { chat?: { id?: unknown } } } | undefined)?.message?.chat;
    if (pressed?.id !== undefined) this.chats.add(String(pressed.id));
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) return this.download(res, file[1]!, decodeURIComponent(file[2]!));
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!call) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (call[1] !== this.token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = call[2]!;
    const { params, files } = parseParams(req, url, raw);
    this.calls.push({ method, params });
    if (this.injectFailure(method, res)) return;
    await this.answer(method, params, files, res);
  }

  /** Answers with an injected failure when one is queued for `method`. */
  private injectFailure(method: string, res: ServerResponse): boolean {
    const list = this.failures.get(method);
    const failure = list?.[0];
    if (!list || !failure) return false;
    failure.times -= 1;
    if (failure.times <= 0) list.shift();
    if (failure.kind === 'stall') {
      this.stalled.add(res);
      res.on('close', () => this.stalled.delete(res));
      return true;
    }
    const { status, description, parameters } = FAILURES[failure.kind](failure);
    reply(res, status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });
    return true;
  }

  private async answer(method: string, params: Record<string, unknown>, files: Record<string, MultipartFile>, res: ServerResponse): Promise<void> {
    switch (method) {
      case 'getMe':
        return ok(res, this.bot);
      case 'getUpdates':
        return this.getUpdates(params, res);
      case 'setWebhook':
        this.webhook = { url: String(params.url ?? ''), ...pick(params, ['secret_token', 'allowed_updates']) } as FakeTelegram['webhook'];
        return ok(res, true);
      case 'deleteWebhook':
        this.webhook = null;
        if (params.drop_pending_updates === 'true' || params.drop_pending_updates === true) this.updates.length = 0;
        return ok(res, true);
      case 'getWebhookInfo':
        return ok(res, { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.updates.length, ...(this.webhook?.allowed_updates ? { allowed_updates: this.webhook.allowed_updates } : {}) });
      case 'setMyCommands':
        this.commands = (params.commands as FakeTelegram['commands']) ?? [];
        return ok(res, true);
      case 'sendMessage':
        return this.sendMessage(params, res);
      case 'sendDocument':
        return this.sendDocument(params, files, res);
      case 'editMessageText':
        return this.editMessageText(params, res);
      case 'answerCallbackQuery':
        this.callbackAnswers.push(params);
        return ok(res, true);
      case 'getFile':
        return this.getFile(params, res);
      default:
        return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  }

  /** Long polling: confirms updates below `offset`, answers pending ones or holds up to `timeout` s. */
  private async getUpdates(params: Record<string, unknown>, res: ServerResponse): Promise<void> {
    if (this.webhook) {
      return reply(res, 409, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
    }
    const offset = typeof params.offset === 'number' ? params.offset : undefined;
    if (offset !== undefined) this.confirmBelow(offset);
    const limit = typeof params.limit === 'number' ? params.limit : 100;
    const timeoutMs = (typeof params.timeout === 'number' ? params.timeout : 0) * 1000;
    const pending = (): FakeUpdate[] => this.updates.filter((u) => offset === undefined || u.update_id >= offset).slice(0, limit);
    if (pending().length === 0 && timeoutMs > 0) await this.hold(timeoutMs, res, () => pending().length > 0);
    if (!res.writableEnded && !res.destroyed) ok(res, pending());
  }

  private confirmBelow(offset: number): void {
    for (let i = this.updates.length - 1; i >= 0; i -= 1) if (this.updates[i]!.update_id < offset) this.updates.splice(i, 1);
  }

  /** Waits until `ready()`, `timeoutMs` passes, the client goes away or the fake closes. */
  private hold(timeoutMs: number, res: ServerResponse, ready: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        wake: () => {
          if (!ready() && !this.closing) return;
          done();
        },
      };
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(waiter);
      res.once('close', done);
    });
  }

  private sendMessage(params: Record<string, unknown>, res: ServerResponse): void {
    const text = typeof params.text === 'string' ? params.text : '';
    if (params.chat_id === undefined) return badRequest(res, 'Bad Request: chat_id is empty');
    if (!this.chats.has(String(params.chat_id))) return badRequest(res, 'Bad Request: chat not found');
    if (!text.trim()) return badRequest(res, 'Bad Request: message text is empty');
    const rejected = htmlError(text, params.parse_mode) ?? buttonsError(params.reply_markup);
    if (rejected) return badRequest(res, rejected);
    if (visibleLength(text, params.parse_mode) > 4096) return badRequest(res, 'Bad Request: message is too long');
    const message = this.record('sendMessage', params, { text });
    ok(res, { message_id: message.message_id, date: now(), chat: chatOf(message.chat_id), text, ...threadOf(message) });
  }

  private sendDocument(params: Record<string, unknown>, files: Record<string, MultipartFile>, res: ServerResponse): void {
    const document = files.document;
    if (!document) return badRequest(res, 'Bad Request: there is no document in the request');
    if (params.chat_id === undefined) return badRequest(res, 'Bad Request: chat_id is empty');
    if (!this.chats.has(String(params.chat_id))) return badRequest(res, 'Bad Request: chat not found');
    if (typeof params.caption === 'string') {
      const rejected = htmlError(params.caption, params.parse_mode);
      if (rejected) return badRequest(res, rejected);
      if (visibleLength(params.caption, params.parse_mode) > 1024) return badRequest(res, 'Bad Request: message caption is too long');
    }
    const rejected = buttonsError(params.reply_markup);
    if (rejected) return badRequest(res, rejected);
    const message = this.record('sendDocument', params, { document, ...(typeof params.caption === 'string' ? { caption: params.caption } : {}) });
    ok(res, { message_id: message.message_id, date: now(), chat: chatOf(message.chat_id), document: { file_id: 'sent', file_unique_id: 'sent', file_name: document.filename, file_size: document.bytes.length } });
  }

  /** Edits a text message the bot sent to that chat; anything else is "message to edit not found". */
  private editMessageText(params: Record<string, unknown>, res: ServerResponse): void {
    const text = typeof params.text === 'string' ? params.text : '';
    if (params.chat_id === undefined) return badRequest(res, 'Bad Request: chat_id is empty');
    if (!this.chats.has(String(params.chat_id))) return badRequest(res, 'Bad Request: chat not found');
    if (!text.trim()) return badRequest(res, 'Bad Request: message text is empty');
    const rejected = htmlError(text, params.parse_mode) ?? buttonsError(params.reply_markup);
    if (rejected) return badRequest(res, rejected);
    if (visibleLength(text, params.parse_mode) > 4096) return badRequest(res, 'Bad Request: MESSAGE_TOO_LONG');
    const target = this.sent.find((m) => m.message_id === Number(params.message_id) && m.chat_id === String(params.chat_id));
    if (!target || target.method !== 'sendMessage') return badRequest(res, 'Bad Request: message to edit not found');
    this.edits.push(params);
    ok(res, { message_id: target.message_id, date: now(), chat: chatOf(target.chat_id), text, ...threadOf(target) });
  }

  private record(method: FakeSentMessage['method'], params: Record<string, unknown>, extra: Partial<FakeSentMessage>): FakeSentMessage {
    const message = {
      method,
      message_id: (this.nextMessageId += 1),
      chat_id: String(params.chat_id),
      ...pick(params, ['parse_mode', 'message_thread_id', 'reply_parameters', 'reply_markup', 'link_preview_options']),
      ...extra,
    } as FakeSentMessage;
    this.sent.push(message);
    return message;
  }

  private getFile(params: Record<string, unknown>, res: ServerResponse): void {
    const fileId = String(params.file_id ?? '');
    const file = this.files.get(fileId);
    if (!file) return badRequest(res, 'Bad Request: invalid file_id');
    ok(res, { file_id: fileId, file_unique_id: file.uniqueId, ...(file.hideSize ? {} : { file_size: file.bytes.length }), file_path: file.path });
  }

  private download(res: ServerResponse, token: string, path: string): void {
    if (token !== this.token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const file = [...this.files.values()].find((f) => f.path === path);
    if (!file) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (!file.hideSize) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
      res.end(file.bytes);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let at = 0; at < file.bytes.length; at += 16 * 1024) res.write(file.bytes.subarray(at, at + 16 * 1024));
    res.end();
  }

  private async waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`fake telegram: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Starts a {@link FakeTelegram} on 127.0.0.1, port 0. */
export function startFakeTelegram(options: FakeTelegramOptions): Promise<FakeTelegram> {
  return FakeTelegram.start(options);
}

// ---- helpers ------------------------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Query string, then the body (JSON, urlencoded or multipart), with JSON-string and number params decoded. */
function parseParams(req: IncomingMessage, url: URL, raw: Buffer): { params: Record<string, unknown>; files: Record<string, MultipartFile> } {
  const contentType = String(req.headers['content-type'] ?? '');
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  let files: Record<string, MultipartFile> = {};
  if (contentType.includes('application/json') && raw.length > 0) Object.assign(params, JSON.parse(raw.toString('utf8')));
  else if (contentType.includes('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  else if (contentType.includes('multipart/form-data')) {
    const parsed = parseMultipart(raw, contentType);
    Object.assign(params, parsed.fields);
    files = parsed.files;
  }
  for (const key of JSON_PARAMS) if (typeof params[key] === 'string') params[key] = safeJson(params[key] as string);
  for (const key of NUMBER_PARAMS) if (typeof params[key] === 'string' && /^-?\d+$/.test(params[key] as string)) params[key] = Number(params[key]);
  return { params, files };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The tags Telegram's HTML parse mode supports. */
const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji']);

/**
 * What Telegram answers for text it cannot parse under `parse_mode: HTML` (its wording, byte
 * offsets in UTF-8), or undefined when the markup is fine: only supported tags, each closed in
 * order, no stray `<`.
 */
function htmlError(text: string, parseMode: unknown): string | undefined {
  if (parseMode !== 'HTML') return undefined;
  const fail = (reason: string): string => `Bad Request: can't parse entities: ${reason}`;
  const offset = (index: number): number => Buffer.byteLength(text.slice(0, index));
  const open: string[] = [];
  for (let at = text.indexOf('<'); at >= 0; at = text.indexOf('<', at + 1)) {
    const end = text.indexOf('>', at);
    if (end < 0) return fail(`Unclosed start tag at byte offset ${offset(at)}`);
    const tag = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>$/.exec(text.slice(at, end + 1));
    if (!tag) return fail(`Unsupported start tag "${text.slice(at + 1, end)}" at byte offset ${offset(at)}`);
    const name = tag[2]!.toLowerCase();
    if (tag[1]) {
      const expected = open.pop();
      if (expected === undefined) return fail(`Unexpected end tag at byte offset ${offset(at)}`);
      if (expected !== name) return fail(`Unmatched end tag at byte offset ${offset(at)}, expected "</${expected}>", found "</${name}>"`);
    } else {
      if (!HTML_TAGS.has(name)) return fail(`Unsupported start tag "${name}" at byte offset ${offset(at)}`);
      open.push(name);
    }
    at = end;
  }
  const unclosed = open.pop();
  return unclosed === undefined ? undefined : fail(`Can't find end tag corresponding to start tag "${unclosed}"`);
}

/** Telegram refuses inline buttons whose callback_data is longer than 64 bytes. */
function buttonsError(markup: unknown): string | undefined {
  const rows = (markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
  if (!Array.isArray(rows)) return undefined;
  for (const row of rows) {
    for (const button of Array.isArray(row) ? row : []) {
      const data = (button as { callback_data?: unknown }).callback_data;
      if (typeof data === 'string' && (Buffer.byteLength(data) > 64 || data.length === 0)) return 'Bad Request: BUTTON_DATA_INVALID';
    }
  }
  return undefined;
}

/** Telegram counts the length of the text after entity parsing, not of the HTML source. */
function visibleLength(text: string, parseMode: unknown): number {
  if (parseMode !== 'HTML') return text.length;
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, '_').length;
}

function chatOf(chatId: string): { id: number | string; type: string } {
  const id = /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
  return { id, type: typeof id === 'number' && id < 0 ? 'supergroup' : 'private' };
}

function threadOf(message: FakeSentMessage): Record<string, unknown> {
  return message.message_thread_id !== undefined ? { message_thread_id: message.message_thread_id, is_topic_message: true } : {};
}

function pick(params: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
}

function ok(res: ServerResponse, result: unknown): void {
  reply(res, 200, { ok: true, result });
}

function badRequest(res: ServerResponse, description: string): void {
  reply(res, 400, { ok: false, error_code: 400, description });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
