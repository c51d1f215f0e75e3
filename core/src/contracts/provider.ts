import type { ComponentHealth, JsonObject } from './common.js';
import { GatewayError, registerErrorCode } from '../errors.js';
import type { Logger } from '../logging.js';

/**
 * What a channel can do; the renderer and the kernel adapt to it, callers never probe methods.
 * Each optional method of {@link Provider} belongs to one flag: `attachments` ↔ `fetchAttachment`,
 * `edits` ↔ `edit`, `files` ↔ `sendFile`. A provider has the method exactly when it declares the
 * flag (the provider conformance suite checks both ways).
 */
export interface ProviderCapabilities {
  /** Longest text one message may carry, in characters (Telegram 4096, Slack ~40000). */
  maxTextLength: number;
  /** Replies can go to a thread/topic inside a chat. */
  threads: boolean;
  /** Inline buttons can be attached to a message. */
  buttons: boolean;
  /** Sent messages can be edited in place with {@link Provider.edit}. */
  edits: boolean;
  /** Files can be sent with {@link Provider.sendFile}. */
  files: boolean;
  /** Inbound attachments' bytes can be fetched with {@link Provider.fetchAttachment}. */
  attachments: boolean;
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
  /** The pressed button's {@link OutboundButton.value}, unchanged; the kernel decodes it. */
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
  /**
   * Provider-owned data the reply needs (a Slack `response_url`, an email `References` chain):
   * opaque JSON the kernel copies to the reply's {@link DeliveryTarget.replyContext} and stores
   * with every delivery, so it survives restarts. Never secrets: it is persisted as given.
   */
  replyContext?: JsonObject;
  /**
   * `false` when the channel checked that the sender really is who the event says (email: an
   * aligned DMARC/DKIM pass) and the check failed: the kernel then denies the event as
   * `sender_unverified`, audits it and answers nothing, whatever identity the address belongs to.
   * Absent (or `true`) on channels whose transport already authenticates the sender.
   */
  senderVerified?: boolean;
}

/** Where an outbound message goes: the originating chat and thread. */
export interface DeliveryTarget {
  instance: string;
  chatId: string;
  threadId?: string;
  replyToMessageId?: string;
  /** The {@link InboundEvent.replyContext} of the event this message answers, unchanged. */
  replyContext?: JsonObject;
}

/** A button on an outbound message. */
export interface OutboundButton {
  label: string;
  /**
   * Opaque, at most 64 UTF-8 bytes, made by the kernel from the renderer's button action. The
   * provider carries it unchanged (Telegram `callback_data`) and hands it back in
   * {@link InboundInteraction.value} when pressed.
   */
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

/** A file to send with {@link Provider.sendFile}. */
export interface OutboundFile {
  bytes: Uint8Array;
  filename: string;
  mimeType?: string;
}

/** Options of {@link Provider.sendFile}. */
export interface SendFileOptions {
  /** Idempotency key of this file message, as for {@link SendOptions.deliveryId}. */
  deliveryId: string;
  /** Short text shown with the file. */
  caption?: string;
  traceId?: string;
}

/** Options of {@link Provider.edit}. */
export interface EditOptions {
  /** Idempotency key of this edit, as for {@link SendOptions.deliveryId}. */
  deliveryId: string;
  traceId?: string;
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
   * with a code ending in `attachment_too_large`). Present exactly when `capabilities.attachments`.
   */
  fetchAttachment?(attachment: InboundAttachment, options: { maxBytes: number; signal?: AbortSignal }): Promise<FetchedAttachment>;

  // outbound
  /**
   * Sends one message. Throws a {@link DeliveryError} whose classification decides what the
   * kernel does next; any other error counts as transient.
   */
  send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult>;

  /**
   * Replaces the text and buttons of a message this instance sent (`providerMessageId` from
   * {@link send}); an edit to the same content succeeds. Failures are classified like `send`.
   * Present exactly when `capabilities.edits`; without it the kernel sends a new message.
   */
  edit?(target: DeliveryTarget, providerMessageId: string, message: OutboundMessage, options: EditOptions): Promise<SendResult>;

  /**
   * Sends a file to the target, with an optional caption. Failures are classified like `send`.
   * Present exactly when `capabilities.files`.
   */
  sendFile?(target: DeliveryTarget, file: OutboundFile, options: SendFileOptions): Promise<SendResult>;
}

/** How a failed send should be treated by the delivery worker. */
export type DeliveryFailureClass =
  | { kind: 'transient' }
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'permanent' };

/** HTTP-style status of each failure class (a provider failure is a bad gateway, not bad input). */
const DELIVERY_STATUS: Record<DeliveryFailureClass['kind'], number> = { transient: 503, rate_limited: 429, permanent: 502 };

registerErrorCode('delivery.transient', DELIVERY_STATUS.transient);
registerErrorCode('delivery.rate_limited', DELIVERY_STATUS.rate_limited);
registerErrorCode('delivery.permanent', DELIVERY_STATUS.permanent);

/**
 * The error providers throw from `send` (and `edit`, `sendFile`) to classify a failure. A
 * {@link GatewayError}: its code is `delivery.<kind>` unless the provider gives its own
 * (`telegram.send_forbidden`), and its status follows the class (503, 429, 502).
 */
export class DeliveryError extends GatewayError {
  readonly classification: DeliveryFailureClass;
  constructor(message: string, classification: DeliveryFailureClass, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? `delivery.${classification.kind}`, message, DELIVERY_STATUS[classification.kind], options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'DeliveryError';
    this.classification = classification;
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
