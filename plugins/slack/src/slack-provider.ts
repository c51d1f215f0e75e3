import {
  CLOCK,
  DeliveryError,
  INSTANCE,
  LOGGER,
  inject,
  injectable,
  type Clock,
  type ComponentHealth,
  type DeliveryTarget,
  type EditOptions,
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
  WebhookAuthFailed,
} from '@cowork-gateway/core';
import { SlackAppTokenRequired, SlackSigningSecretRequired, SlackTeamNotAllowed, SlackUnauthorized } from './errors.js';
import { normalizeSlackRequest, normalizeSocketEnvelope, type NormalizeContext, type SlackAck, type SlackInbound } from './normalize.js';
import { SocketModeConnection, type SocketEnvelope } from './socket-mode.js';
import { SLACK_OPTIONS, type SlackOptions } from './options.js';
import { deliveryErrorFor, isAuthFailure, messageFields } from './outbound.js';
import { verifySlackRequest } from './signature.js';
import { SlackApiError, WebApi } from './web-api.js';

/** Headers Slack adds when it re-sends an event it thinks was not acknowledged in 3 s. */
export const RETRY_NUM_HEADER = 'x-slack-retry-num';
export const RETRY_REASON_HEADER = 'x-slack-retry-reason';
/** Prefix of the message id of a reply posted through a response_url (Slack returns no ts for those). */
const RESPONSE_URL_MESSAGE = 'response_url:';
/** Slack's own host of response URLs. */
const RESPONSE_URL_HOST = 'hooks.slack.com';
/** Backoff of auth.test retries after a failure that is not a refused token. */
const CONNECT_BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * One Slack app in one or more workspaces. Inbound requests (Events API, interactivity and
 * slash commands, all at `/webhooks/<instance>`) are verified with the signing secret and
 * normalized with the team id as workspace; replies go out through the Web API in the
 * prompting message's thread. Sends only classify failures: the kernel retries.
 */
@injectable()
export class SlackProvider implements Provider {
  readonly kind = 'slack';
  readonly capabilities: ProviderCapabilities;
  private readonly api: WebApi;
  private botUserId: string | null = null;
  private health_: ComponentHealth = { state: 'down', reason: 'slack.not_started' };
  private lifetime: AbortController | null = null;
  private background: Promise<void> | null = null;
  private socket: SocketModeConnection | null = null;
  private socketState: 'connecting' | 'connected' | 'reconnecting' | 'disconnected' = 'connecting';

  constructor(
    @inject(SLACK_OPTIONS) private readonly options: SlackOptions,
    @inject(INSTANCE) private readonly instance: InstanceInfo,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(CLOCK) private readonly clock: Clock,
  ) {
    if (options.mode === 'events' && !options.signingSecret) throw new SlackSigningSecretRequired({ instance: instance.id });
    if (options.mode === 'socket' && !options.appToken) throw new SlackAppTokenRequired({ instance: instance.id });
    this.api = new WebApi(options.botToken, options.apiUrl, options.requestTimeoutMs);
    this.capabilities = {
      // Block Kit's section text limit, so a message with buttons is one section; Slack
      // truncates plain text only at 40,000 characters.
      maxTextLength: 3000,
      threads: true,
      buttons: true,
      edits: true,
      files: true,
      attachments: false,
      markdownDialect: 'slack-mrkdwn',
      // A Socket Mode connection is pushed into like a poll returns: the kernel watches its progress.
      inbound: options.mode === 'socket' ? 'polling' : 'webhook',
    };
  }

  get id(): string {
    return this.instance.id;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /**
   * Learns the bot user (auth.test), so its own messages and mentions are recognised. A refused
   * token fails start with `slack.unauthorized`; any other failure degrades health and is
   * retried in the background while inbound requests are already served.
   */
  async start(ctx: ProviderContext): Promise<void> {
    const lifetime = new AbortController();
    this.lifetime = lifetime;
    const onShutdown = (): void => lifetime.abort();
    ctx.signal.addEventListener('abort', onShutdown, { once: true });
    lifetime.signal.addEventListener('abort', () => ctx.signal.removeEventListener('abort', onShutdown), { once: true });
    const connected = await this.connect(lifetime.signal);
    if (connected === 'unauthorized') {
      lifetime.abort();
      this.lifetime = null;
      throw new SlackUnauthorized({ instance: this.id, error: 'invalid_auth' });
    }
    if (connected === 'failed') this.background = this.reconnect(lifetime.signal);
    if (this.options.mode === 'socket') await this.openSocket(ctx);
  }

  async stop(_options: { drain: boolean }): Promise<void> {
    this.lifetime?.abort();
    await this.background;
    await this.socket?.stop().catch(() => undefined);
    this.socket = null;
    this.background = null;
    this.lifetime = null;
    this.health_ = { state: 'down', reason: 'slack.not_started' };
  }

  /** The Web API state, and in socket mode the connection's: a socket that is not open degrades it. */
  async health(): Promise<ComponentHealth> {
    const detail = { mode: this.options.mode, ...(this.botUserId ? { botUserId: this.botUserId } : {}), ...(this.socket ? { socket: this.socketState } : {}) };
    if (this.health_.state === 'ok' && this.options.mode === 'socket' && (this.socketState !== 'connected' || !this.socket?.active)) {
      return { state: 'degraded', reason: 'slack.socket_disconnected', detail };
    }
    return { ...this.health_, detail } as ComponentHealth;
  }

  // ---- inbound --------------------------------------------------------------------------------

  /**
   * Verifies `x-slack-signature` over the raw body, then normalizes it: a url_verification
   * challenge is answered, a message / app_mention / button press / slash command becomes one
   * event, anything else is acknowledged and dropped. A re-sent event (`x-slack-retry-num`) is
   * normalized to the same `event_id`, so the kernel's durable claim answers it as a duplicate.
   */
  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    if (this.options.mode === 'socket' || !this.options.signingSecret) {
      throw new WebhookAuthFailed({ instance: this.id, reason: 'this Slack instance runs in Socket Mode and accepts no HTTP requests' });
    }
    verifySlackRequest({
      request,
      signingSecret: this.options.signingSecret,
      instance: this.id,
      now: this.clock.now(),
      windowMs: this.options.signatureWindowSeconds * 1000,
    });
    const inbound = normalizeSlackRequest(request.rawBody, header(request, 'content-type') ?? '', this.normalizeContext());
    if (inbound.outcome === 'challenge') return { events: [], reply: { status: 200, body: { challenge: inbound.challenge } } };
    if (this.options.teamId && inbound.team !== undefined && inbound.team !== this.options.teamId) {
      throw new SlackTeamNotAllowed({ instance: this.id, team: inbound.team });
    }
    this.logInbound(header(request, RETRY_NUM_HEADER), header(request, RETRY_REASON_HEADER), inbound);
    const events = inbound.outcome === 'event' ? [inbound.event] : [];
    const reply = ackReply(inbound.ack);
    return reply ? { events, reply } : { events };
  }

  // ---- outbound -------------------------------------------------------------------------------

  /**
   * chat.postMessage into the target's thread. When the bot cannot post to the channel
   * (`not_in_channel`, `channel_not_found`) and the event came with a response_url (a slash
   * command or a button press), the message goes there instead.
   */
  async send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    try {
      const answer = await this.api.call('chat.postMessage', { channel: target.chatId, ...(target.threadId ? { thread_ts: target.threadId } : {}), ...messageFields(message) });
      return { providerMessageId: messageTs(answer.ts, 'chat.postMessage') };
    } catch (error) {
      const responseUrl = this.responseUrl(target);
      if (responseUrl && error instanceof SlackApiError && (error.error === 'not_in_channel' || error.error === 'channel_not_found')) {
        return this.sendToResponseUrl(responseUrl, target, message, options.deliveryId);
      }
      throw this.failure(error, 'chat.postMessage', options.deliveryId);
    }
  }

  /** chat.update: replaces the text and buttons of a message this app posted. */
  async edit(target: DeliveryTarget, providerMessageId: string, message: OutboundMessage, options: EditOptions): Promise<SendResult> {
    if (providerMessageId.startsWith(RESPONSE_URL_MESSAGE)) {
      throw new DeliveryError('a message posted through a response_url cannot be edited', { kind: 'permanent' }, { code: 'slack.message_not_found' });
    }
    try {
      await this.api.call('chat.update', { channel: target.chatId, ts: providerMessageId, ...messageFields(message) });
      return { providerMessageId };
    } catch (error) {
      throw this.failure(error, 'chat.update', options.deliveryId);
    }
  }

  /**
   * Uploads a file into the target's thread with Slack's external upload flow
   * (files.getUploadURLExternal, the bytes to the upload URL, files.completeUploadExternal);
   * the returned id is the Slack file id.
   */
  async sendFile(target: DeliveryTarget, file: OutboundFile, options: SendFileOptions): Promise<SendResult> {
    let method = 'files.getUploadURLExternal';
    try {
      const slot = await this.api.call(method, { filename: file.filename, length: String(file.bytes.byteLength) });
      const uploadUrl = typeof slot.upload_url === 'string' ? slot.upload_url : '';
      const fileId = typeof slot.file_id === 'string' ? slot.file_id : '';
      if (!uploadUrl || !fileId) throw new SlackApiError(method, 'bad_response');
      method = 'files.upload';
      await this.api.upload(uploadUrl, file.bytes);
      method = 'files.completeUploadExternal';
      await this.api.call(method, {
        files: [{ id: fileId, title: file.filename }],
        channel_id: target.chatId,
        ...(target.threadId ? { thread_ts: target.threadId } : {}),
        ...(options.caption ? { initial_comment: options.caption } : {}),
      });
      return { providerMessageId: fileId };
    } catch (error) {
      throw this.failure(error, method, options.deliveryId);
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  private async connect(signal: AbortSignal): Promise<'ok' | 'unauthorized' | 'failed'> {
    try {
      const answer = await this.api.call('auth.test', {}, signal);
      this.botUserId = typeof answer.user_id === 'string' ? answer.user_id : null;
      this.health_ = { state: 'ok' };
      this.logger.info('slack.connected', { botUserId: this.botUserId, team: typeof answer.team_id === 'string' ? answer.team_id : undefined });
      return 'ok';
    } catch (error) {
      if (signal.aborted) return 'failed';
      if (isAuthFailure(error)) {
        this.logger.error('slack.unauthorized', { code: 'slack.unauthorized', error: (error as SlackApiError).error });
        this.health_ = { state: 'down', reason: 'slack.unauthorized' };
        return 'unauthorized';
      }
      this.logger.warn('slack.connect_failed', { code: 'slack.connect_failed', error: error instanceof SlackApiError ? error.error : 'unexpected' });
      this.health_ = { state: 'degraded', reason: 'slack.connect_failed' };
      return 'failed';
    }
  }

  private async reconnect(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      await sleep(CONNECT_BACKOFF_MS[Math.min(attempt, CONNECT_BACKOFF_MS.length - 1)]!, signal);
      if (signal.aborted) return;
      const outcome = await this.connect(signal);
      if (outcome !== 'failed') return;
    }
  }

  /** The event's response_url, when it is Slack's (or, for a test fake, on the Web API's origin). */
  private responseUrl(target: DeliveryTarget): string | undefined {
    const url = target.replyContext?.responseUrl;
    if (typeof url !== 'string') return undefined;
    try {
      const parsed = new URL(url);
      const slack = parsed.protocol === 'https:' && parsed.hostname === RESPONSE_URL_HOST;
      return slack || parsed.origin === this.api.origin ? url : undefined;
    } catch {
      return undefined;
    }
  }

  private async sendToResponseUrl(url: string, target: DeliveryTarget, message: OutboundMessage, deliveryId: string): Promise<SendResult> {
    try {
      await this.api.respond(url, { response_type: 'in_channel', replace_original: false, ...(target.threadId ? { thread_ts: target.threadId } : {}), ...messageFields(message) });
      return { providerMessageId: `${RESPONSE_URL_MESSAGE}${deliveryId}` };
    } catch (error) {
      throw this.failure(error, 'response_url', deliveryId);
    }
  }

  private failure(error: unknown, method: string, deliveryId: string): DeliveryError {
    const failure = deliveryErrorFor(error);
    if (isAuthFailure(error)) {
      this.health_ = { state: 'down', reason: 'slack.unauthorized' };
      this.logger.error('slack.unauthorized', { code: 'slack.unauthorized', method, deliveryId });
    }
    return failure;
  }

  private normalizeContext(): NormalizeContext {
    return { provider: this.kind, instance: this.id, botUserId: this.botUserId, channelMessages: this.options.channelMessages, now: this.clock.now() };
  }

  /**
   * Socket Mode: opens the connection and waits for Slack's hello. A refused app token fails
   * start with `slack.unauthorized`; otherwise the library keeps reconnecting and health shows
   * the socket's state.
   */
  private async openSocket(ctx: ProviderContext): Promise<void> {
    this.socketState = 'connecting';
    const socket = new SocketModeConnection(this.options.appToken!, this.options.apiUrl, this.logger, {
      envelope: (envelope) => this.onEnvelope(ctx, envelope),
      alive: () => ctx.reportInboundProgress(),
      state: (state) => {
        this.socketState = state;
        this.logger.info('slack.socket_state', { state });
      },
    });
    this.socket = socket;
    try {
      await socket.start();
    } catch (error) {
      this.socket = null;
      this.lifetime?.abort();
      const reason = typeof (error as { data?: { error?: unknown } }).data?.error === 'string' ? String((error as { data: { error: string } }).data.error) : 'apps.connections.open failed';
      this.logger.error('slack.unauthorized', { code: 'slack.unauthorized', error: reason.slice(0, 64) });
      throw new SlackUnauthorized({ instance: this.id, error: reason.slice(0, 64) });
    }
  }

  /**
   * One Socket Mode envelope: normalized like the HTTP request it replaces, handed to the kernel,
   * and acknowledged only once the kernel claimed it durably — an envelope the gateway could not
   * store stays unacknowledged, so Slack sends it again. A malformed envelope is acknowledged
   * (a resend would be just as malformed) and logged.
   */
  private async onEnvelope(ctx: ProviderContext, envelope: SocketEnvelope): Promise<void> {
    ctx.reportInboundProgress();
    let inbound: SlackInbound;
    try {
      inbound = normalizeSocketEnvelope(envelope.type, envelope.body, this.normalizeContext());
    } catch (error) {
      this.logger.warn('slack.envelope_invalid', { code: 'webhook.payload_invalid', type: envelope.type.slice(0, 40), reason: error instanceof Error ? error.message.slice(0, 200) : 'invalid' });
      await envelope.ack();
      return;
    }
    if (inbound.outcome === 'challenge') return envelope.ack();
    if (this.options.teamId && inbound.team !== undefined && inbound.team !== this.options.teamId) {
      this.logger.warn('slack.team_not_allowed', { code: 'slack.team_not_allowed', team: inbound.team });
      return envelope.ack();
    }
    this.logInbound(envelope.retryNum ? String(envelope.retryNum) : undefined, envelope.retryNum ? 'timeout' : undefined, inbound);
    if (inbound.outcome === 'event') await ctx.ingest(inbound.event);
    const reply = ackReply(inbound.ack);
    await envelope.ack(inbound.ack.kind === 'command' && reply && typeof reply.body === 'object' ? reply.body : undefined);
  }

  private logInbound(retryNum: string | undefined, retryReason: string | undefined, inbound: Exclude<SlackInbound, { outcome: 'challenge' }>): void {
    const eventId = inbound.outcome === 'event' ? inbound.event.eventId : undefined;
    if (retryNum !== undefined) {
      this.logger.info('slack.retry_received', { eventId, retryNum: retryNum.slice(0, 8), reason: (retryReason ?? '').slice(0, 40) });
    }
    if (inbound.outcome === 'ignored') this.logger.debug('slack.request_ignored', { reason: inbound.reason });
  }
}

/** Interactivity wants a plain 200; a slash command's answer is shown to its user only. */
function ackReply(ack: SlackAck): WebhookResult['reply'] | undefined {
  if (ack.kind === 'interaction') return { status: 200, body: {} };
  if (ack.kind === 'command') return { status: 200, body: { response_type: 'ephemeral', text: `Got ${ack.command}; the answer follows in this conversation.` } };
  return undefined;
}

function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function messageTs(value: unknown, method: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new SlackApiError(method, 'bad_response');
  return value;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
