import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import ipaddr from 'ipaddr.js';
import * as v from 'valibot';
import type { ComponentHealth, JsonObject } from '../contracts/common.js';
import {
  DeliveryError,
  type DeliveryTarget,
  type FetchedAttachment,
  type InboundAttachment,
  type InboundEvent,
  type OutboundMessage,
  type Provider,
  type ProviderCapabilities,
  type ProviderContext,
  type SendOptions,
  type SendResult,
  type WebhookRequest,
  type WebhookResult,
} from '../contracts/provider.js';
import { defineError, WebhookAuthFailed, WebhookPayloadInvalid } from '../errors.js';
import { definePlugin } from '../plugin.js';
import { INSTANCE, PROVIDER, token, type InstanceInfo } from '../tokens.js';
import { Lifecycle, inject, injectable } from '../di.js';

export const FakeProviderNotLoopback = defineError<{ what: string; value: string }>({
  code: 'fake_provider.not_loopback',
  status: 400,
  message: ({ what, value }) => `fake_provider.not_loopback: the fake provider only talks to loopback; ${what} "${value}" is not a loopback address`,
});

export const fakeProviderOptions = v.strictObject({
  deliveryUrl: v.optional(v.pipe(v.string(), v.url(), v.description('Loopback URL that receives outbound messages as JSON POSTs. Default: keep them in memory.'))),
  sharedSecret: v.optional(v.pipe(v.string(), v.minLength(8), v.description('If set, inbound webhooks need x-fake-signature: hex HMAC-SHA256 of the body.'))),
  maxTextLength: v.optional(v.pipe(v.number(), v.integer(), v.minValue(32), v.description('Longest message the fake channel accepts. Default 4096.')), 4096),
  markdownDialect: v.optional(v.pipe(v.picklist(['plain', 'telegram-html', 'slack-mrkdwn', 'markdown']), v.description('Formatting the fake channel claims to render. Default "markdown".')), 'markdown'),
  buttons: v.optional(v.pipe(v.boolean(), v.description('Whether the fake channel supports buttons. Default true.')), true),
  timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description('Outbound request timeout. Default 5000.')), 5000),
});
export type FakeProviderOptions = v.InferOutput<typeof fakeProviderOptions>;
export const FAKE_PROVIDER_OPTIONS = token<FakeProviderOptions>('testing.fake-provider.options');

/** The JSON a test posts to `/webhooks/<instance>` to simulate a user message. */
export interface FakeInboundPayload {
  id: string;
  chatId: string;
  userId: string;
  text?: string;
  threadId?: string;
  workspaceId?: string;
  messageId?: string;
  kind?: 'message' | 'command' | 'interaction';
  interaction?: { id: string; value: string };
  /** Files that came with the message; `content` is what `fetchAttachment` returns. */
  attachments?: { id: string; filename: string; mimeType?: string; content: string }[];
  /** Becomes the event's `replyContext`, which the kernel hands back on the reply's target. */
  replyContext?: JsonObject;
}

/** A message the fake provider sent, as recorded in memory or posted to `deliveryUrl`. */
export interface FakeSentMessage {
  deliveryId: string;
  target: DeliveryTarget;
  message: OutboundMessage;
}

/**
 * A loopback-only provider for tests and demos: inbound JSON webhooks (optionally HMAC-signed)
 * from loopback clients only, outbound POSTs to a loopback URL whose status codes it classifies
 * like a real channel (429 + Retry-After → rate_limited, 5xx/network → transient, other 4xx →
 * permanent).
 */
@injectable()
export class FakeProvider implements Provider {
  readonly kind = 'fake';
  readonly capabilities: ProviderCapabilities;
  readonly sent: FakeSentMessage[] = [];
  /** Files inbound payloads carried, by attachment id; `fetchAttachment` serves them. */
  readonly files = new Map<string, Omit<FetchedAttachment, 'bytes'> & { bytes: Buffer }>();
  private ctx: ProviderContext | null = null;

  constructor(
    @inject(FAKE_PROVIDER_OPTIONS) private readonly options: FakeProviderOptions,
    @inject(INSTANCE) private readonly instance: InstanceInfo,
  ) {
    if (options.deliveryUrl && !isLoopbackHost(new URL(options.deliveryUrl).hostname)) {
      throw new FakeProviderNotLoopback({ what: 'deliveryUrl host', value: new URL(options.deliveryUrl).hostname });
    }
    this.capabilities = {
      maxTextLength: options.maxTextLength,
      threads: true,
      buttons: options.buttons,
      edits: false,
      files: false,
      attachments: true,
      markdownDialect: options.markdownDialect,
      inbound: 'webhook',
    };
  }

  get id(): string {
    return this.instance.id;
  }

  async start(ctx: ProviderContext): Promise<void> {
    this.ctx = ctx;
  }

  async stop(): Promise<void> {
    this.ctx = null;
  }

  async health(): Promise<ComponentHealth> {
    return this.ctx ? { state: 'ok' } : { state: 'down', reason: 'not started' };
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    if (!isLoopbackHost(request.sourceIp)) throw new WebhookAuthFailed({ instance: this.id, reason: 'the fake provider only accepts loopback clients' });
    this.verifySignature(request);
    const payload = parsePayload(request.body, this.id);
    return { events: [this.normalize(payload)] };
  }

  /** Returns the bytes of a file an inbound payload carried, refusing more than `maxBytes`. */
  async fetchAttachment(attachment: InboundAttachment, options: { maxBytes: number }): Promise<FetchedAttachment> {
    const file = this.files.get(attachment.id);
    if (!file) throw new Error(`the fake provider has no file ${attachment.id}`);
    if (file.bytes.length > options.maxBytes) throw new Error(`it is larger than ${options.maxBytes} bytes`);
    return { bytes: file.bytes, filename: file.filename, mimeType: file.mimeType };
  }

  async send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    const record: FakeSentMessage = { deliveryId: options.deliveryId, target, message };
    if (!this.options.deliveryUrl) {
      this.sent.push(record);
      return { providerMessageId: `fake-${this.sent.length}` };
    }
    return postDelivery(this.options.deliveryUrl, record, this.options.timeoutMs);
  }

  private verifySignature(request: WebhookRequest): void {
    if (!this.options.sharedSecret) return;
    const header = request.headers['x-fake-signature'];
    const given = Buffer.from(typeof header === 'string' ? header : '', 'utf8');
    const expected = Buffer.from(signFakePayload(request.rawBody, this.options.sharedSecret), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new WebhookAuthFailed({ instance: this.id, reason: 'missing or wrong x-fake-signature' });
    }
  }

  private normalize(payload: FakeInboundPayload): InboundEvent {
    return {
      provider: this.kind,
      instance: this.id,
      workspaceId: payload.workspaceId,
      chatId: payload.chatId,
      threadId: payload.threadId,
      userId: payload.userId,
      eventId: payload.id,
      kind: payload.kind ?? (payload.text?.startsWith('/') ? 'command' : 'message'),
      text: payload.text,
      messageId: payload.messageId,
      attachments: (payload.attachments ?? []).map(({ id, filename, mimeType, content }) => {
        this.files.set(id, { filename, mimeType, bytes: Buffer.from(content, 'utf8') });
        return { id, filename, mimeType, sizeBytes: Buffer.byteLength(content, 'utf8') };
      }),
      interaction: payload.interaction,
      receivedAt: new Date(),
      ...(payload.replyContext !== undefined ? { replyContext: payload.replyContext } : {}),
    };
  }
}

/** Hex HMAC-SHA256 of a body, as the fake provider expects in `x-fake-signature`. */
export function signFakePayload(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function parsePayload(body: unknown, instance: string): FakeInboundPayload {
  if (typeof body !== 'object' || body === null) throw new WebhookPayloadInvalid({ instance, reason: 'body must be a JSON object' });
  const b = body as Record<string, unknown>;
  for (const field of ['id', 'chatId', 'userId'] as const) {
    if (typeof b[field] !== 'string' || (b[field] as string).length === 0) {
      throw new WebhookPayloadInvalid({ instance, reason: `"${field}" must be a non-empty string` });
    }
  }
  if (b.text !== undefined && typeof b.text !== 'string') throw new WebhookPayloadInvalid({ instance, reason: '"text" must be a string' });
  if (b.replyContext !== undefined && (typeof b.replyContext !== 'object' || b.replyContext === null || Array.isArray(b.replyContext))) {
    throw new WebhookPayloadInvalid({ instance, reason: '"replyContext" must be a JSON object' });
  }
  return b as unknown as FakeInboundPayload;
}

/** Keep-alive connections to the loopback channel, shared by every fake provider instance. */
const loopbackAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

async function postDelivery(url: string, record: FakeSentMessage, timeoutMs: number): Promise<SendResult> {
  let response: { status: number; retryAfter: string | undefined; text: string };
  try {
    response = await postJson(url, JSON.stringify(record), { 'idempotency-key': record.deliveryId }, timeoutMs);
  } catch (error) {
    throw new DeliveryError(`fake channel unreachable: ${(error as Error).message}`, { kind: 'transient' }, { code: 'fake_provider.network', cause: error });
  }
  if (response.status >= 200 && response.status < 300) {
    const body = safeJson(response.text) as { messageId?: string } | null;
    return { providerMessageId: body?.messageId ?? record.deliveryId };
  }
  if (response.status === 429) {
    const retryAfter = Number(response.retryAfter ?? '1');
    throw new DeliveryError('fake channel rate limited', { kind: 'rate_limited', retryAfterMs: Math.max(0, retryAfter) * 1000 }, { code: 'fake_provider.rate_limited' });
  }
  const kind = response.status >= 500 ? 'transient' : 'permanent';
  throw new DeliveryError(`fake channel answered ${response.status}`, { kind }, { code: `fake_provider.http_${response.status}` });
}

function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent: loopbackAgent,
      timeout: timeoutMs,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, text }));
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** True for localhost names and 127.0.0.0/8, ::1 (also IPv4-mapped). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(bare)) return false;
  return ipaddr.process(bare).range() === 'loopback';
}

/** The fake provider as a plugin: `{ "use": "@cowork-gateway/core/testing/fake-provider", "id": "fake" }`. */
export const fakeProviderPlugin = definePlugin({
  name: '@cowork-gateway/core/testing/fake-provider',
  kind: 'provider',
  core: '^0.1.0',
  description: 'Loopback-only provider for tests and demos: JSON webhooks in, JSON POSTs out.',
  configSchema: fakeProviderOptions,
  register(container, options) {
    container.register(FAKE_PROVIDER_OPTIONS, { useValue: options });
    container.register(PROVIDER, { useClass: FakeProvider }, { lifecycle: Lifecycle.ContainerScoped });
  },
});

export default fakeProviderPlugin;
