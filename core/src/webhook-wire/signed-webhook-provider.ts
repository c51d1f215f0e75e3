/**
 * The provider both `@cowork-gateway/webhook` and `@cowork-gateway/bridge` are made of: signed
 * ingress (signature, replay guard, payload schema), inline attachments served back through
 * `fetchAttachment`, and every send (`text`, `buttons`, `edit`, `file`, `answer_interaction`) as
 * one signed JSON POST through the SSRF-safe pinned request. A plugin gives it a
 * {@link SignedWebhookProfile} (kind and capabilities) and its parsed options; retries, backoff,
 * the circuit breaker and dead-lettering stay the kernel's.
 *
 * @see docs/webhook-wire.md
 */
import * as v from 'valibot';
import type { ComponentHealth } from '../contracts/common.js';
import {
  DeliveryError,
  type DeliveryTarget,
  type EditOptions,
  type FetchedAttachment,
  type InboundAttachment,
  type OutboundFile,
  type OutboundMessage,
  type Provider,
  type ProviderCapabilities,
  type ProviderContext,
  type SendFileOptions,
  type SendOptions,
  type SendResult,
  type WebhookRequest,
  type WebhookResult,
} from '../contracts/provider.js';
import { defineError, registerErrorCode } from '../errors.js';
import type { Logger } from '../logging.js';
import { secret } from '../config/secret-schema.js';
import { systemClock, type Clock, type InstanceInfo } from '../tokens.js';
import { buildDeliveryRequest, contentForMessage, readDeliveryResponse, type DeliveryContent } from './delivery-body.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES, parseWebhookPayload, webhookPayloadToInboundEvent } from './payload.js';
import { DEFAULT_DELIVERY_TIMEOUT_MS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRY_AFTER_MS, sendPinnedRequest, systemLookup, type WireLookup } from './pinned-request.js';
import { ReplayGuard, replayScope, type ReplayCache } from './replay-guard.js';
import { memoryReplayCache, type AbuseControls, type UsesAbuseControls } from '../http/abuse-controls.js';
import { DEFAULT_SIGNATURE_WINDOW_MS, verifyWebhookSignature } from './signature.js';
import { checkDeliveryUrl, isDeliveryPolicyError, type DeliveryPolicy } from './ssrf-policy.js';

registerErrorCode('delivery.text_too_long', 502);

/** Default bound of inline attachment bytes one instance keeps for `fetchAttachment`: 64 MiB. */
export const DEFAULT_ATTACHMENT_CACHE_BYTES = 64 * 1024 * 1024;

const AttachmentTooLarge = defineError<{ instance: string; filename: string; maxBytes: number }>({
  code: 'webhook.attachment_too_large',
  status: 413,
  message: ({ instance, filename, maxBytes }) => `attachment "${filename}" of "${instance}" is larger than ${maxBytes} bytes`,
});
/** The attachment is larger than the `maxBytes` the kernel asked for. */
export class WebhookAttachmentTooLarge extends AttachmentTooLarge {}

/** The attachment's bytes are not held here (sent without `bufferBase64`, evicted, or a restart). */
export const WebhookAttachmentUnavailable = defineError<{ instance: string; filename: string; reason: string }>({
  code: 'webhook.attachment_unavailable',
  status: 404,
  message: ({ instance, filename, reason }) => `attachment "${filename}" of "${instance}" cannot be fetched: ${reason}; bridges must send files inline as bufferBase64`,
});

/** Kind and capabilities of one signed-webhook channel (the generic webhook, a Discord bridge, …). */
export interface SignedWebhookProfile {
  /** Provider kind: `webhook`, `discord`, … Sent as `providerKind` and used as `InboundEvent.provider`. */
  kind: string;
  capabilities: Pick<ProviderCapabilities, 'maxTextLength' | 'threads' | 'buttons' | 'markdownDialect'>;
}

/** Parsed options of a signed-webhook provider instance; see {@link signedWebhookOptionEntries}. */
export interface SignedWebhookOptions {
  sharedSecret: string;
  deliveryUrl: string;
  allowedHosts: string[];
  allowPrivateDelivery: boolean;
  allowLoopbackDelivery: boolean;
  maxAttachmentBytes: number;
  deliveryTimeoutMs: number;
  maxResponseBytes: number;
  maxRetryAfterMs: number;
  signatureWindowMs: number;
  workspaceId?: string;
}

/**
 * The option entries every signed-webhook plugin shares, for its `v.strictObject`. Both
 * `sharedSecret` (at least 8 characters) and `deliveryUrl` are required: the reference enables
 * the provider with either and requires both.
 */
export function signedWebhookOptionEntries(defaults: { maxAttachmentBytes?: number } = {}) {
  return {
    sharedSecret: v.pipe(
      v.string(),
      v.minLength(8, 'the shared secret must be at least 8 characters'),
      secret(),
      v.description('Shared secret of the HMAC v1 signature, both directions. Secret: never logged or sent.'),
    ),
    deliveryUrl: v.pipe(v.string(), v.url('the delivery URL must be an absolute URL'), v.description('Where replies are POSTed: https (http only for localhost, 127.0.0.1, ::1), no credentials.')),
    allowedHosts: v.optional(
      v.pipe(v.array(v.pipe(v.string(), v.nonEmpty())), v.description('Hosts delivery may go to: exact names or "*.example.com" for subdomains. Default: any host that passes the address rules.')),
      () => [],
    ),
    allowPrivateDelivery: v.optional(v.pipe(v.boolean(), v.description('Allow private, reserved and loopback delivery addresses (an internal bridge). Cloud metadata stays blocked. Default false.')), false),
    allowLoopbackDelivery: v.optional(v.pipe(v.boolean(), v.description('Development only: allow loopback delivery addresses. Default false.')), false),
    maxAttachmentBytes: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100 * 1024 * 1024), v.description('Largest inbound attachment, declared or inline, in bytes. Default 10485760.')),
      defaults.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES,
    ),
    deliveryTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000), v.description('Time for DNS, connect and response of one delivery attempt, in ms. Default 15000.')), DEFAULT_DELIVERY_TIMEOUT_MS),
    maxResponseBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024 * 1024), v.description('Largest receiver answer read; larger fails permanently. Default 65536.')), DEFAULT_MAX_RESPONSE_BYTES),
    maxRetryAfterMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(600_000), v.description('Cap on a receiver\'s 429 Retry-After, in ms. Default 10000.')), DEFAULT_MAX_RETRY_AFTER_MS),
    signatureWindowMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(900_000), v.description('Largest clock skew of an inbound signature, in ms. Default 300000 (5 minutes).')), DEFAULT_SIGNATURE_WINDOW_MS),
    workspaceId: v.optional(v.pipe(v.string(), v.nonEmpty(), v.description('Workspace (guild, team) id set on every inbound event; identities must then carry it.'))),
  };
}

/**
 * A check for the whole options object: the delivery URL must pass the static SSRF rules
 * (scheme, credentials, allowlist, metadata names, private IP literals) under the configured
 * opt-ins, so a bad URL fails at load, not at the first reply.
 */
export function deliveryUrlCheck<T extends DeliveryUrlOptions & Record<string, unknown>>() {
  return v.forward<T, v.CheckIssue<T>, ['deliveryUrl']>(
    v.check<T, (issue: v.CheckIssue<T>) => string>((o) => deliveryUrlProblem(o) === undefined, (issue) => deliveryUrlProblem(issue.input as T) ?? 'the delivery URL is refused'),
    ['deliveryUrl'] as never,
  );
}

/** The options {@link deliveryUrlCheck} reads. */
export interface DeliveryUrlOptions extends DeliveryPolicy {
  deliveryUrl: string;
}

function deliveryUrlProblem(options: DeliveryUrlOptions): string | undefined {
  try {
    checkDeliveryUrl(options.deliveryUrl, options);
    return undefined;
  } catch (error) {
    if (isDeliveryPolicyError(error)) return `${(error as { code: string }).code}: ${(error as Error).message}`;
    throw error;
  }
}

/** Collaborators of {@link SignedWebhookProvider}; tests inject a resolver and a CA. */
export interface SignedWebhookDeps {
  logger: Logger;
  clock?: Clock;
  /** DNS for delivery hosts. The default value is the system resolver. */
  lookup?: WireLookup;
  /** Extra trusted CA certificates for https delivery (a private bridge CA). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Bound of inline attachment bytes kept. The default value is 67108864 (64 MiB). */
  attachmentCacheBytes?: number;
}

interface HeldAttachment {
  bytes: Buffer;
  filename: string;
  mimeType?: string;
}

/**
 * One signed-webhook channel instance. Inbound: verify → parse → replay-claim → event. Outbound:
 * every send is one delivery body POSTed through {@link sendPinnedRequest}; failures arrive
 * classified for the outbox (policy, 3xx, 4xx and oversized answers permanent; 5xx, 429 without
 * Retry-After, network, DNS and timeouts transient; 429 with Retry-After rate-limited).
 */
export class SignedWebhookProvider implements Provider, UsesAbuseControls {
  readonly id: string;
  readonly kind: string;
  readonly capabilities: ProviderCapabilities;
  private replays: ReplayCache;
  private readonly clock: Clock;
  private readonly lookup: WireLookup;
  private readonly policy: DeliveryPolicy;
  private readonly attachments = new Map<string, HeldAttachment>();
  private heldBytes = 0;
  private readonly attachmentCacheBytes: number;
  private lifetime: AbortController | null = null;
  private undurable = 0;

  constructor(
    profile: SignedWebhookProfile,
    private readonly options: SignedWebhookOptions,
    instance: InstanceInfo,
    private readonly deps: SignedWebhookDeps,
  ) {
    this.id = instance.id;
    this.kind = profile.kind;
    this.capabilities = {
      ...profile.capabilities,
      edits: true,
      files: true,
      attachments: true,
      inbound: 'webhook',
    };
    this.clock = deps.clock ?? systemClock;
    this.lookup = deps.lookup ?? systemLookup;
    this.attachmentCacheBytes = deps.attachmentCacheBytes ?? DEFAULT_ATTACHMENT_CACHE_BYTES;
    this.policy = {
      allowedHosts: options.allowedHosts,
      allowPrivateDelivery: options.allowPrivateDelivery,
      allowLoopbackDelivery: options.allowLoopbackDelivery,
    };
    this.replays = memoryReplayCache(new ReplayGuard({ instance: this.id, windowMs: options.signatureWindowMs }));
  }

  /** Boot hands over the process's abuse controls: the replay cache then comes from them (shared across replicas with Redis). */
  useAbuseControls(controls: AbuseControls): void {
    this.replays = controls.replayCache({ instance: this.id, windowMs: this.options.signatureWindowMs });
  }

  async start(_ctx: ProviderContext): Promise<void> {
    this.lifetime = new AbortController();
    if (this.options.allowPrivateDelivery) {
      this.deps.logger.warn('webhook.private_delivery_allowed', { instance: this.id, detail: 'replies may go to private and reserved addresses (cloud metadata stays blocked)' });
    }
  }

  async stop(_options: { drain: boolean }): Promise<void> {
    this.lifetime?.abort();
    this.lifetime = null;
    this.attachments.clear();
    this.heldBytes = 0;
  }

  async health(): Promise<ComponentHealth> {
    return {
      state: 'ok',
      detail: {
        deliveryHost: safeHost(this.options.deliveryUrl),
        privateDelivery: this.options.allowPrivateDelivery,
        allowlisted: this.options.allowedHosts.length > 0,
        undurableEvents: this.undurable,
      },
    };
  }

  /**
   * Verifies, parses and normalizes one inbound request. Throws `webhook.signature_invalid`,
   * `webhook.timestamp_invalid`, `webhook.signature_stale` (401), `webhook.replayed` (409, the
   * same signed request again for a payload without `id`) or `webhook.payload_invalid` (400). A
   * sender with `isBot: true` gives no event.
   */
  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    const now = this.clock.now();
    const verified = verifyWebhookSignature({
      instance: this.id,
      secret: this.options.sharedSecret,
      headers: request.headers,
      rawBody: request.rawBody,
      now,
      windowMs: this.options.signatureWindowMs,
    });
    if (!verified.ok) throw verified.error;
    const parsed = parseWebhookPayload(request.rawBody, { instance: this.id, maxAttachmentBytes: this.options.maxAttachmentBytes });
    if (!parsed.ok) throw parsed.error;
    const payload = parsed.value;
    // A payload with an id is de-duplicated durably by the kernel (a replay, exact or re-signed,
    // is a no-op); the replay guard protects the payloads without one.
    let release = (): void => undefined;
    if (!payload.durableId) {
      const claim = await this.replays.claim(verified.value, replayScope(this.id, payload.target), now);
      if (!claim.ok) throw claim.error;
      release = () => claim.value.release();
    }
    try {
      if (payload.sender.isBot) return { events: [] };
      const event = webhookPayloadToInboundEvent(payload, { provider: this.kind, instance: this.id, now });
      if (this.options.workspaceId !== undefined) event.workspaceId = this.options.workspaceId;
      for (const a of payload.attachments) {
        if (a.bytes) this.hold(a.id, { bytes: a.bytes, filename: a.filename, ...(a.mimeType === undefined ? {} : { mimeType: a.mimeType }) });
      }
      if (!payload.durableId) {
        this.undurable += 1;
        this.deps.logger.warn('webhook.event_not_durable', {
          instance: this.id,
          eventId: payload.eventId,
          detail: 'the payload has no id: accepted, but a resend after a restart cannot be recognised as a duplicate; send a stable id',
        });
      }
      return { events: [event] };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Serves the bytes of an attachment that arrived inline (`bufferBase64`). */
  async fetchAttachment(attachment: InboundAttachment, options: { maxBytes: number; signal?: AbortSignal }): Promise<FetchedAttachment> {
    if (attachment.sizeBytes !== undefined && attachment.sizeBytes > options.maxBytes) {
      throw new WebhookAttachmentTooLarge({ instance: this.id, filename: attachment.filename, maxBytes: options.maxBytes });
    }
    const held = this.attachments.get(attachment.id);
    if (!held) {
      throw new WebhookAttachmentUnavailable({ instance: this.id, filename: attachment.filename, reason: 'its bytes were not sent inline or are no longer held' });
    }
    if (held.bytes.length > options.maxBytes) throw new WebhookAttachmentTooLarge({ instance: this.id, filename: held.filename, maxBytes: options.maxBytes });
    return { bytes: Buffer.from(held.bytes), filename: held.filename, ...(held.mimeType === undefined ? {} : { mimeType: held.mimeType }) };
  }

  async send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    this.checkLength(message.text);
    return this.deliver(options.deliveryId, contentForMessage(target, message));
  }

  async edit(target: DeliveryTarget, providerMessageId: string, message: OutboundMessage, options: EditOptions): Promise<SendResult> {
    this.checkLength(message.text);
    return this.deliver(options.deliveryId, {
      type: 'edit',
      target,
      messageId: providerMessageId,
      text: message.text,
      ...(message.buttons ? { buttons: message.buttons } : {}),
    });
  }

  async sendFile(target: DeliveryTarget, file: OutboundFile, options: SendFileOptions): Promise<SendResult> {
    return this.deliver(options.deliveryId, { type: 'file', target, file, ...(options.caption === undefined ? {} : { caption: options.caption }) });
  }

  /** Acknowledges a button press to the bridge (`answer_interaction`), e.g. to stop a client spinner. */
  async answerInteraction(interactionId: string, options: { deliveryId: string; text?: string; alert?: boolean }): Promise<SendResult> {
    return this.deliver(options.deliveryId, {
      type: 'answer_interaction',
      interactionId,
      ...(options.text === undefined ? {} : { text: options.text }),
      ...(options.alert === undefined ? {} : { alert: options.alert }),
    });
  }

  private async deliver(deliveryId: string, content: DeliveryContent): Promise<SendResult> {
    const request = buildDeliveryRequest({
      deliveryId,
      instance: this.id,
      providerKind: this.kind,
      content,
      secret: this.options.sharedSecret,
      now: this.clock.now(),
    });
    const response = await sendPinnedRequest({
      url: this.options.deliveryUrl,
      headers: request.headers,
      body: request.body,
      policy: this.policy,
      lookup: this.lookup,
      timeoutMs: this.options.deliveryTimeoutMs,
      maxResponseBytes: this.options.maxResponseBytes,
      maxRetryAfterMs: this.options.maxRetryAfterMs,
      clock: this.clock,
      ...(this.deps.ca === undefined ? {} : { ca: this.deps.ca }),
      ...(this.lifetime ? { signal: this.lifetime.signal } : {}),
    });
    return { providerMessageId: readDeliveryResponse(response.body).messageId };
  }

  private checkLength(text: string): void {
    if (text.length > this.capabilities.maxTextLength) {
      throw new DeliveryError(`the text is longer than ${this.capabilities.maxTextLength} characters`, { kind: 'permanent' }, { code: 'delivery.text_too_long' });
    }
  }

  private hold(id: string, attachment: HeldAttachment): void {
    if (attachment.bytes.length > this.attachmentCacheBytes) return;
    const previous = this.attachments.get(id);
    if (previous) {
      this.heldBytes -= previous.bytes.length;
      this.attachments.delete(id);
    }
    this.attachments.set(id, attachment);
    this.heldBytes += attachment.bytes.length;
    for (const [oldest, held] of this.attachments) {
      if (this.heldBytes <= this.attachmentCacheBytes) break;
      this.attachments.delete(oldest);
      this.heldBytes -= held.bytes.length;
    }
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'invalid';
  }
}
