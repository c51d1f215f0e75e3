import {
  INSTANCE,
  LOGGER,
  inject,
  injectable,
  type ComponentHealth,
  type DeliveryTarget,
  type EditOptions,
  type FetchedAttachment,
  type InboundAttachment,
  type InstanceInfo,
  type Logger,
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
} from '@cowork-gateway/core';
import { InputFile } from 'node-telegram-bot-api';
import { fetchAttachment } from './attachments.js';
import { backoffMs, sleep } from './backoff.js';
import { BotApiError, hasErrorCode } from './bot-api-failure.js';
import { BotApi } from './bot-api.js';
import { TelegramUnauthorized } from './errors.js';
import { HealthState } from './health-state.js';
import { normalizeUpdate, type BotIdentity, type Normalized } from './normalize.js';
import { TELEGRAM_OPTIONS, type TelegramOptions } from './options.js';
import { deliveryErrorFor, placement, presentation, sendMessageParams } from './outbound.js';
import { Poller } from './poller.js';
import { ALLOWED_UPDATES, type TgUpdate } from './telegram-update.js';
import { checkWebhookSettings, type WebhookSettings } from './webhook-settings.js';
import { verifyWebhookSecret, webhookUpdate } from './webhook.js';

/** Longest wait for one connection step (getMe, setWebhook…), so start never hangs on a silent API. */
const CONNECT_ATTEMPT_TIMEOUT_MS = 10_000;

/** A file to send with {@link TelegramProvider.sendFile}; core's `OutboundFile`. */
export type { OutboundFile };

/**
 * One Telegram bot. Polling mode long-polls getUpdates and ingests updates itself; webhook mode
 * registers `<publicUrl>/webhooks/<instance>` with a secret and normalizes what the kernel's
 * HTTP layer hands to {@link handleWebhook}. Sends classify failures; the kernel retries.
 */
@injectable()
export class TelegramProvider implements Provider {
  readonly kind = 'telegram';
  readonly capabilities: ProviderCapabilities;
  private readonly api: BotApi;
  private readonly condition = new HealthState();
  private readonly webhook: WebhookSettings | null;
  private bot: BotIdentity | null = null;
  private ctx: ProviderContext | null = null;
  private lifetime: AbortController | null = null;
  private background: Promise<void> | null = null;

  constructor(
    @inject(TELEGRAM_OPTIONS) private readonly options: TelegramOptions,
    @inject(INSTANCE) private readonly instance: InstanceInfo,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    this.webhook = options.mode === 'webhook' ? checkWebhookSettings(options, instance.id) : null;
    this.api = new BotApi(options.token, options.apiRoot);
    this.capabilities = {
      maxTextLength: 4096,
      threads: true,
      buttons: true,
      edits: true,
      files: true,
      attachments: true,
      markdownDialect: 'telegram-html',
      inbound: options.mode,
    };
  }

  get id(): string {
    return this.instance.id;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /**
   * Learns the bot (getMe), deletes any webhook (polling) or registers ours (webhook), sets the
   * command menu, then polls in the background. A refused token fails start with
   * `telegram.unauthorized`; any other failure is logged, degrades health and is retried.
   */
  async start(ctx: ProviderContext): Promise<void> {
    this.ctx = ctx;
    this.condition.reset();
    const lifetime = new AbortController();
    this.lifetime = lifetime;
    const onShutdown = (): void => lifetime.abort();
    ctx.signal.addEventListener('abort', onShutdown, { once: true });
    lifetime.signal.addEventListener('abort', () => ctx.signal.removeEventListener('abort', onShutdown), { once: true });
    const connected = await this.connect(lifetime.signal);
    if (this.condition.isUnauthorized()) {
      lifetime.abort();
      this.lifetime = null;
      throw new TelegramUnauthorized({ instance: this.id });
    }
    this.background = this.runInBackground(connected, lifetime.signal);
  }

  /** Ends polling at once (the in-flight getUpdates is aborted); nothing else is in flight. */
  async stop(_options: { drain: boolean }): Promise<void> {
    this.lifetime?.abort();
    await this.background;
    this.background = null;
    this.lifetime = null;
    this.ctx = null;
    this.condition.reset();
  }

  async health(): Promise<ComponentHealth> {
    return this.condition.snapshot({ mode: this.options.mode, ...(this.bot ? { bot: this.bot.username } : {}) });
  }

  // ---- inbound --------------------------------------------------------------------------------

  /** Verifies the secret header, then normalizes the one Update in the body (zero or one event). */
  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    // In polling mode there is no secret, so every request fails verification.
    verifyWebhookSecret(request, this.webhook?.secret ?? '', this.id);
    const normalized = this.normalize(webhookUpdate(request, this.id));
    return { events: normalized.outcome === 'event' ? [normalized.event] : [] };
  }

  /** Downloads an attachment's bytes, capped at `maxBytes` and at the maxAttachmentBytes option. */
  async fetchAttachment(attachment: InboundAttachment, options: { maxBytes: number; signal?: AbortSignal }): Promise<FetchedAttachment> {
    const maxBytes = Math.min(options.maxBytes, this.options.maxAttachmentBytes);
    return fetchAttachment(this.api, attachment, { maxBytes, instance: this.id, ...(options.signal ? { signal: options.signal } : {}) });
  }

  // ---- outbound -------------------------------------------------------------------------------

  /** sendMessage to the chat and topic, replying to the prompting message. */
  async send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    try {
      const sent = await this.api.call('sendMessage', (a) => a.sendMessage(sendMessageParams(target, message)));
      return { providerMessageId: String(sent.message_id) };
    } catch (error) {
      throw this.sendFailure(error, 'sendMessage', options.deliveryId);
    }
  }

  /** editMessageText: replaces the text (and buttons) of a message this bot sent; "not modified" counts as done. */
  async edit(target: DeliveryTarget, providerMessageId: string, message: OutboundMessage, _options: EditOptions): Promise<SendResult> {
    const params = { chat_id: target.chatId, message_id: Number(providerMessageId), text: message.text, ...presentation(message) };
    try {
      await this.api.call('editMessageText', (a) => a.editMessageText(params));
    } catch (error) {
      if (!(error instanceof BotApiError && /message is not modified/i.test(error.failure.description))) {
        throw this.sendFailure(error, 'editMessageText', providerMessageId);
      }
    }
    return { providerMessageId };
  }

  /** sendDocument: sends a file (multipart upload) to the chat and topic, with an optional caption. */
  async sendFile(target: DeliveryTarget, file: OutboundFile, options: SendFileOptions): Promise<SendResult> {
    const document = new InputFile(file.bytes, { filename: file.filename, ...(file.mimeType ? { contentType: file.mimeType } : {}) });
    try {
      const sent = await this.api.call('sendDocument', (a) =>
        a.sendDocument({ chat_id: target.chatId, document, ...placement(target), ...(options.caption ? { caption: options.caption } : {}) }),
      );
      return { providerMessageId: String(sent.message_id) };
    } catch (error) {
      throw this.sendFailure(error, 'sendDocument', options.deliveryId);
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  /** One connection attempt; false when it failed for a reason a retry may fix. */
  private async connect(lifetime: AbortSignal): Promise<boolean> {
    const signal = AbortSignal.any([lifetime, AbortSignal.timeout(CONNECT_ATTEMPT_TIMEOUT_MS)]);
    let step = 'getMe';
    try {
      const me = await this.api.call('getMe', (a) => a.getMe(signal));
      this.bot = { id: String(me.id), username: me.username ?? '' };
      step = this.webhook ? 'setWebhook' : 'deleteWebhook';
      await this.registerWebhookOrDeleteIt(signal);
      await this.registerCommands(signal);
      this.condition.ok();
      this.logger.info('telegram.connected', { mode: this.options.mode, bot: this.bot.username });
      return true;
    } catch (error) {
      if (lifetime.aborted) return false;
      const failure = error instanceof BotApiError ? error.failure : { kind: 'other', description: 'unexpected failure' };
      if (error instanceof BotApiError && hasErrorCode(error.failure, 401)) {
        this.logger.error('telegram.unauthorized', { code: 'telegram.unauthorized', method: step });
        this.condition.down('telegram.unauthorized');
        return false;
      }
      this.logger.warn('telegram.connect_failed', { code: 'telegram.connect_failed', step, ...failure });
      this.condition.degraded('telegram.connect_failed');
      return false;
    }
  }

  private async registerWebhookOrDeleteIt(signal: AbortSignal): Promise<void> {
    if (!this.webhook) {
      // getUpdates answers 409 while a webhook is set.
      await this.api.call('deleteWebhook', (a) => a.deleteWebhook({ drop_pending_updates: false }, signal));
      return;
    }
    const { url, secret } = this.webhook;
    await this.api.call('setWebhook', (a) => a.setWebhook({ url, secret_token: secret, allowed_updates: ALLOWED_UPDATES }, signal));
  }

  /** The command menu is a convenience: a failure is logged, never fatal. */
  private async registerCommands(signal: AbortSignal): Promise<void> {
    try {
      await this.api.call('setMyCommands', (a) => a.setMyCommands({ commands: this.options.commands }, signal));
    } catch (error) {
      if (signal.aborted) return;
      this.logger.warn('telegram.commands_failed', { code: 'telegram.commands_failed', ...(error instanceof BotApiError ? error.failure : {}) });
    }
  }

  /** Retries the connection until it works, then polls (polling mode) until stopped. */
  private async runInBackground(connected: boolean, signal: AbortSignal): Promise<void> {
    for (let failures = 1; !connected && !signal.aborted; failures += 1) {
      await sleep(backoffMs(failures), signal);
      if (signal.aborted) return;
      connected = await this.connect(signal);
      if (this.condition.isUnauthorized()) return;
    }
    if (this.webhook || signal.aborted || !this.ctx) return;
    await new Poller({
      api: this.api,
      ctx: this.ctx,
      logger: this.logger,
      health: this.condition,
      timeoutSeconds: this.options.pollTimeoutSeconds,
      stallGraceMs: this.options.pollStallGraceMs,
      handleUpdate: (update) => this.ingest(update),
      signal,
    }).run();
  }

  /** Polling: normalize, answer a button press at once, then hand the event to the kernel. */
  private async ingest(update: TgUpdate): Promise<void> {
    const normalized = this.normalize(update);
    if (normalized.outcome === 'event' && this.ctx) await this.ctx.ingest(normalized.event);
  }

  private normalize(update: TgUpdate): Normalized {
    const normalized = normalizeUpdate(update, {
      provider: this.kind,
      instance: this.id,
      bot: this.bot,
      respondInGroups: this.options.respondInGroups,
      now: new Date(),
    });
    if (normalized.callbackQueryId) this.answerCallback(normalized.callbackQueryId);
    if (normalized.outcome === 'ignored') this.logger.debug('telegram.update_ignored', { eventId: String(update.update_id), reason: normalized.reason });
    return normalized;
  }

  /** Stops the button's spinner right away, before and independent of the kernel's answer. */
  private answerCallback(callbackQueryId: string): void {
    this.api.call('answerCallbackQuery', (a) => a.answerCallbackQuery({ callback_query_id: callbackQueryId })).catch((error: unknown) => {
      this.logger.warn('telegram.callback_answer_failed', { code: 'telegram.callback_answer_failed', ...(error instanceof BotApiError ? error.failure : {}) });
    });
  }

  private sendFailure(error: unknown, method: string, deliveryId: string | undefined): Error {
    const failure = deliveryErrorFor(error, method, this.options.token);
    if (error instanceof BotApiError && hasErrorCode(error.failure, 401)) {
      this.logger.error('telegram.unauthorized', { code: 'telegram.unauthorized', method, deliveryId });
      this.condition.down('telegram.unauthorized');
    }
    return failure;
  }
}
