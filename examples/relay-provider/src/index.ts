/**
 * @packageDocumentation
 * An example third-party provider plugin: a "relay" channel that takes signed JSON webhooks in
 * and POSTs replies to a URL. It imports only `@cowork-gateway/core`, as every provider should,
 * and is loaded by relative path from a config file:
 *
 * ```jsonc
 * { "providers": [{ "use": "./examples/relay-provider/dist/src/index.js", "id": "relay",
 *                   "options": { "secret": { "env": "RELAY_SECRET" }, "replyUrl": "http://127.0.0.1:9000/in" } }] }
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  DeliveryError,
  INSTANCE,
  Lifecycle,
  PROVIDER,
  WebhookAuthFailed,
  WebhookPayloadInvalid,
  definePlugin,
  inject,
  injectable,
  token,
  type ComponentHealth,
  type DeliveryTarget,
  type InstanceInfo,
  type OutboundMessage,
  type Provider,
  type ProviderContext,
  type SendOptions,
  type SendResult,
  type WebhookRequest,
  type WebhookResult,
} from '@cowork-gateway/core';
import * as v from 'valibot';

export const relayOptions = v.strictObject({
  secret: v.pipe(v.string(), v.minLength(8), v.description('HMAC-SHA256 key; inbound requests carry x-relay-signature: hex digest of the body.')),
  replyUrl: v.pipe(v.string(), v.url(), v.description('Where replies are POSTed as JSON { deliveryId, chatId, text }.')),
});
export type RelayOptions = v.InferOutput<typeof relayOptions>;
const RELAY_OPTIONS = token<RelayOptions>('relay.options');

/** The relay channel: signed JSON in, JSON POST out. */
@injectable()
export class RelayProvider implements Provider {
  readonly kind = 'relay';
  readonly capabilities = { maxTextLength: 2000, threads: false, buttons: false, edits: false, files: false, attachments: false, markdownDialect: 'plain', inbound: 'webhook' } as const;
  private started = false;

  constructor(
    @inject(RELAY_OPTIONS) private readonly options: RelayOptions,
    @inject(INSTANCE) private readonly instance: InstanceInfo,
  ) {}

  get id(): string {
    return this.instance.id;
  }

  async start(_ctx: ProviderContext): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  async health(): Promise<ComponentHealth> {
    return this.started ? { state: 'ok' } : { state: 'down', reason: 'not started' };
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    const given = Buffer.from(String(request.headers['x-relay-signature'] ?? ''));
    const expected = Buffer.from(createHmac('sha256', this.options.secret).update(request.rawBody).digest('hex'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new WebhookAuthFailed({ instance: this.id, reason: 'bad x-relay-signature' });
    }
    const body = request.body as { id?: unknown; chat?: unknown; user?: unknown; text?: unknown };
    if (typeof body.id !== 'string' || typeof body.chat !== 'string' || typeof body.user !== 'string') {
      throw new WebhookPayloadInvalid({ instance: this.id, reason: 'need string fields id, chat and user' });
    }
    return {
      events: [{
        provider: this.kind, instance: this.id, chatId: body.chat, userId: body.user, eventId: body.id,
        kind: 'message', text: typeof body.text === 'string' ? body.text : '', attachments: [], receivedAt: new Date(),
      }],
    };
  }

  async send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    const response = await fetch(this.options.replyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryId: options.deliveryId, chatId: target.chatId, text: message.text }),
    }).catch((error: unknown) => {
      throw new DeliveryError('relay unreachable', { kind: 'transient' }, { cause: error });
    });
    if (response.status === 429) throw new DeliveryError('relay rate limited', { kind: 'rate_limited', retryAfterMs: 1000 });
    if (!response.ok) throw new DeliveryError(`relay answered ${response.status}`, { kind: response.status >= 500 ? 'transient' : 'permanent' });
    return { providerMessageId: options.deliveryId };
  }
}

export const relayPlugin = definePlugin({
  name: 'cowork-gateway-provider-relay',
  kind: 'provider',
  core: '^0.1.0',
  description: 'Example relay provider: signed JSON webhooks in, JSON POSTs out.',
  configSchema: relayOptions,
  register(container, options) {
    container.register(RELAY_OPTIONS, { useValue: options });
    container.register(PROVIDER, { useClass: RelayProvider }, { lifecycle: Lifecycle.ContainerScoped });
  },
});

export default relayPlugin;
