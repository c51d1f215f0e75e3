import type { ComponentHealth, JsonObject } from './common.js';
import type { Logger } from '../logging.js';

/** What a channel can do; the renderer and the kernel adapt to it, callers never probe methods. */
export interface ProviderCapabilities {
  /** Longest text one message may carry, in characters (Telegram 4096, Slack ~40000). */
  maxTextLength: number;
  /** Replies can go to a thread/topic inside a chat. */
  threads: boolean;
  /** Inline buttons can be attached to a message. */
  buttons: boolean;
  /** Sent messages can be edited in place. */
  edits: boolean;
  /** Files can be sent. */
  files: boolean;
  /** The formatting dialect the renderer should produce. */
  markdownDialect: 'plain' | 'telegram-html' | 'slack-mrkdwn' | 'markdown';
  /** How inbound events arrive. */
  inbound: 'polling' | 'webhook' | 'both';
}

/** A file that came with an inbound message; bytes are fetched lazily through the provider. */
export interface InboundAttachment {
  id: string;
  filename: string;
  mimeType?: string;
  sizeBytes?: number;
}

/** A button press or command interaction attached to an inbound event. */
export interface InboundInteraction {
  id: string;
  /** Opaque value carried by the button (≤ 64 bytes). */
  value: string;
}

/**
 * A provider event after normalization. `eventId` is the provider's stable id (Telegram
 * `update_id`, Slack `event_id`, email `Message-ID`, webhook `id`) — never a signature or a
 * timestamp — and is the key of durable inbound de-duplication.
 */
export interface InboundEvent {
  /** Provider kind, e.g. `telegram`. */
  provider: string;
  /** Provider instance id from config, e.g. `telegram-main`. */
  instance: string;
  /** Provider workspace (Slack team, Discord guild); absent when the provider has none. */
  workspaceId?: string;
  chatId: string;
  threadId?: string;
  userId: string;
  userName?: string;
  eventId: string;
  /** Kind of event; only the event type is part of the dedupe key. */
  kind: 'message' | 'command' | 'interaction';
  text?: string;
  /** Provider message id of the inbound message, used to reply to it. */
  messageId?: string;
  attachments: InboundAttachment[];
  interaction?: InboundInteraction;
  receivedAt: Date;
}

/** Where an outbound message goes: the originating chat and thread. */
export interface DeliveryTarget {
  instance: string;
  chatId: string;
  threadId?: string;
  replyToMessageId?: string;
}

/** A button on an outbound message. */
export interface OutboundButton {
  label: string;
  value: string;
  style?: 'default' | 'primary' | 'danger';
}

/** One provider message, already formatted for the provider's dialect and within its limit. */
export interface OutboundMessage {
  text: string;
  format: ProviderCapabilities['markdownDialect'];
  buttons?: OutboundButton[][];
}

export interface SendOptions {
  /** Idempotency key of this message (`<deliveryId>:chunk:<n>` for chunks). */
  deliveryId: string;
  /** Trace id of the inbound event this message answers, for logs. */
  traceId?: string;
}

export interface SendResult {
  providerMessageId: string;
}

/** Returned by {@link Provider.handleWebhook}: events to ingest, and optionally a custom reply. */
export interface WebhookResult {
  events: InboundEvent[];
  /** Overrides the default `202 {ok:true}` answer (e.g. Slack's url_verification challenge). */
  reply?: { status: number; body: JsonObject | string };
}

/** An inbound HTTP request routed to a provider, body already size-capped and read. */
export interface WebhookRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The body parsed as JSON when the content type is JSON; undefined otherwise. */
  body: unknown;
  /** The client address after trusted-proxy resolution. */
  sourceIp: string;
}

/** What the kernel gives a provider on start. */
export interface ProviderContext {
  readonly logger: Logger;
  /**
   * Hands an inbound event to the kernel. Resolves once the event is durably claimed (or was
   * a duplicate), so a polling provider may advance its offset afterwards.
   */
  ingest(event: InboundEvent): Promise<{ accepted: boolean; duplicate: boolean }>;
  /** Records real inbound progress (a poll that returned, an envelope received) for `/ready`. */
  reportInboundProgress(): void;
  /**
   * This instance's durable position (e.g. a polling offset), kept in the Store so a restart
   * neither replays nor skips; save it only after `ingest` resolved for what it covers.
   */
  readonly cursor: ProviderCursor;
  /** Aborted when the gateway shuts down. */
  readonly signal: AbortSignal;
}

/** A provider instance's durable position; see {@link ProviderContext.cursor}. */
export interface ProviderCursor {
  load(): Promise<string | undefined>;
  save(value: string): Promise<void>;
}

/** The bytes of an inbound attachment, fetched through the provider. */
export interface FetchedAttachment {
  bytes: Buffer;
  filename: string;
  mimeType?: string;
}

/**
 * One channel instance (a Telegram bot, a Slack app, a webhook endpoint).
 *
 * Providers only move bytes and classify failures: retries, backoff, circuit breaking,
 * splitting and de-duplication live in the kernel.
 */
export interface Provider {
  // identity
  readonly id: string;
  readonly kind: string;
  readonly capabilities: ProviderCapabilities;

  // lifecycle
  start(ctx: ProviderContext): Promise<void>;
  stop(options: { drain: boolean }): Promise<void>;
  health(): Promise<ComponentHealth>;

  // inbound (webhook providers; polling providers call ctx.ingest themselves)
  /** Verifies and normalizes one webhook request; throws WebhookAuthFailed / WebhookPayloadInvalid. */
  handleWebhook?(request: WebhookRequest): Promise<WebhookResult>;

  /**
   * Fetches an inbound attachment's bytes, refusing more than `maxBytes` (throws a GatewayError
   * with a code ending in `attachment_too_large`). Absent when the provider has no files.
   */
  fetchAttachment?(attachment: InboundAttachment, options: { maxBytes: number; signal?: AbortSignal }): Promise<FetchedAttachment>;

  // outbound
  /**
   * Sends one message. Throws a {@link DeliveryError} whose classification decides what the
   * kernel does next; any other error counts as transient.
   */
  send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult>;
}

/** How a failed send should be treated by the delivery worker. */
export type DeliveryFailureClass =
  | { kind: 'transient' }
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'permanent' };

/** The error providers throw from `send` to classify a failure. */
export class DeliveryError extends Error {
  readonly classification: DeliveryFailureClass;
  readonly code: string;
  constructor(message: string, classification: DeliveryFailureClass, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.classification = classification;
    this.code = options.code ?? `delivery.${classification.kind}`;
  }
}

/** Classifies anything thrown by `send`: DeliveryError keeps its class, the rest is transient. */
export function classifyDeliveryFailure(error: unknown): DeliveryFailureClass {
  if (error instanceof DeliveryError) return error.classification;
  if (typeof error === 'object' && error !== null && 'classification' in error) {
    const c = (error as { classification: DeliveryFailureClass }).classification;
    if (c && (c.kind === 'transient' || c.kind === 'permanent' || c.kind === 'rate_limited')) return c;
  }
  return { kind: 'transient' };
}
