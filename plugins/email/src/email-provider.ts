import { hostname } from 'node:os';
import {
  INSTANCE,
  LOGGER,
  inject,
  injectable,
  token,
  type ComponentHealth,
  type DeliveryTarget,
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
import { EmailAttachmentTooLarge, EmailRecipientInvalid } from './errors.js';
import { senderOf, type InboundMail } from './mail.js';
import { normalizeMail, type NormalizedMail } from './normalize.js';
import { EMAIL_OPTIONS, type EmailOptions } from './options.js';
import { deliveryErrorFor, htmlOf, messageIdFor, smtpTransport, threadingFor, type SmtpTransport } from './outbound.js';
import { verifySender, type DnsResolver, type SenderVerdict } from './sender-auth.js';
import { SmtpListener } from './smtp-listener.js';
import { verifyInboundSecret, webhookMail } from './webhook.js';

/**
 * The DNS resolver mailauth uses for DKIM/SPF/DMARC records. Unbound: the system resolver.
 * Tests register a static one (`staticResolver` from `./testing`) so no lookup leaves the host.
 */
export const EMAIL_DNS_RESOLVER = token<DnsResolver>('email.dns-resolver');

/** Longest text of one mail: long replies are split into several mails in the same thread. */
const MAX_TEXT_LENGTH = 20_000;

/**
 * One mailbox of the gateway. Mail arrives by the signed inbound-mail webhook (a relay posts raw
 * RFC 822 or parsed fields) and optionally over SMTP; each mail's sender is authenticated
 * (DMARC via mailauth, or a trusted Authentication-Results header) and a forged From reaches the
 * kernel marked `senderVerified: false`, which denies and audits it. Replies go out over SMTP
 * with nodemailer, threaded (In-Reply-To, References, "Re:" subject), as text and HTML.
 */
@injectable()
export class EmailProvider implements Provider {
  readonly kind = 'email';
  readonly capabilities: ProviderCapabilities;
  private readonly transport: SmtpTransport;
  private readonly resolver: DnsResolver | undefined;
  private listener: SmtpListener | null = null;
  private ctx: ProviderContext | null = null;
  private lastSendFailed = false;

  constructor(
    @inject(EMAIL_OPTIONS) private readonly options: EmailOptions,
    @inject(INSTANCE) private readonly instance: InstanceInfo,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(EMAIL_DNS_RESOLVER, { isOptional: true }) resolver?: DnsResolver,
  ) {
    this.resolver = resolver;
    this.transport = smtpTransport(options.smtp);
    this.capabilities = {
      maxTextLength: MAX_TEXT_LENGTH,
      threads: true,
      buttons: false,
      edits: false,
      files: true,
      attachments: false,
      markdownDialect: 'plain',
      inbound: options.smtpListener ? 'both' : 'webhook',
    };
  }

  get id(): string {
    return this.instance.id;
  }

  /** The SMTP listener's bound port, when it runs (0 otherwise). */
  get smtpPort(): number {
    return this.listener?.port ?? 0;
  }

  async start(ctx: ProviderContext): Promise<void> {
    this.ctx = ctx;
    const settings = this.options.smtpListener;
    if (!settings) return;
    const listener = new SmtpListener(
      { instance: this.id, host: settings.host, port: settings.port, maxMessageBytes: settings.maxMessageBytes, logger: this.logger },
      (mail) => this.ingestDirect(mail),
    );
    await listener.start();
    this.listener = listener;
  }

  async stop(_options: { drain: boolean }): Promise<void> {
    await this.listener?.stop();
    this.listener = null;
    this.ctx = null;
    this.transport.close();
  }

  async health(): Promise<ComponentHealth> {
    const detail = { from: this.options.from, senderAuth: this.options.senderAuth, smtpListener: this.listener !== null };
    return this.lastSendFailed ? { state: 'degraded', reason: 'email.send_failed', detail } : { state: 'ok', detail };
  }

  // ---- inbound --------------------------------------------------------------------------------

  /** Verifies the shared secret, parses the mail (raw or JSON), authenticates the sender, normalizes. */
  async handleWebhook(request: WebhookRequest): Promise<WebhookResult> {
    verifyInboundSecret(request, this.options.inboundSecret, this.id);
    const mail = await webhookMail(request, this.id);
    const normalized = await this.normalize(mail);
    return { events: normalized.outcome === 'event' ? [normalized.event] : [] };
  }

  private async ingestDirect(mail: InboundMail): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) throw new Error('the provider is not running');
    ctx.reportInboundProgress();
    const normalized = await this.normalize(mail);
    if (normalized.outcome === 'event') await ctx.ingest(normalized.event);
  }

  private async normalize(mail: InboundMail): Promise<NormalizedMail> {
    const verdict = mail.from ? await this.verify(mail) : null;
    const normalized = normalizeMail(mail, verdict, {
      provider: this.kind,
      instance: this.id,
      ownAddress: this.options.from,
      allowedDomains: this.options.allowedDomains,
      now: new Date(),
    });
    if (normalized.outcome === 'ignored') this.logger.info('email.mail_ignored', { eventId: mail.messageId, reason: normalized.reason });
    else if (verdict && !verdict.verified) this.logger.warn('email.sender_unverified', { code: 'email.sender_unverified', eventId: mail.messageId, method: verdict.method, result: verdict.result });
    return normalized;
  }

  private verify(mail: InboundMail): Promise<SenderVerdict> {
    return verifySender(mail, {
      senderAuth: this.options.senderAuth,
      ...(this.options.trustedAuthservId ? { trustedAuthservId: this.options.trustedAuthservId } : {}),
      mta: hostname(),
      ...(this.resolver ? { resolver: this.resolver } : {}),
    });
  }

  // ---- outbound -------------------------------------------------------------------------------

  /** One mail to the sender, threaded into the conversation, as text and HTML. */
  async send(target: DeliveryTarget, message: OutboundMessage, options: SendOptions): Promise<SendResult> {
    return this.deliver(target, options.deliveryId, { text: message.text, html: htmlOf(message.text) });
  }

  /** The file as an attachment of a mail in the thread, with the caption as its text. */
  async sendFile(target: DeliveryTarget, file: OutboundFile, options: SendFileOptions): Promise<SendResult> {
    if (file.bytes.byteLength > this.options.maxAttachmentBytes) {
      throw new EmailAttachmentTooLarge({ instance: this.id, filename: file.filename, limit: this.options.maxAttachmentBytes });
    }
    const text = options.caption ?? file.filename;
    return this.deliver(target, options.deliveryId, {
      text,
      html: htmlOf(text),
      attachments: [{ filename: file.filename, content: Buffer.from(file.bytes), ...(file.mimeType ? { contentType: file.mimeType } : {}) }],
    });
  }

  private async deliver(
    target: DeliveryTarget,
    deliveryId: string,
    content: { text: string; html: string; attachments?: { filename: string; content: Buffer; contentType?: string }[] },
  ): Promise<SendResult> {
    const recipient = senderOf(target.chatId, undefined);
    if (!recipient) throw new EmailRecipientInvalid({ instance: this.id });
    const threading = threadingFor(target, this.options.subject);
    const messageId = messageIdFor(deliveryId, this.options.from);
    try {
      await this.transport.sendMail({
        from: { name: this.options.fromName, address: this.options.from },
        to: recipient.address,
        subject: threading.subject,
        messageId,
        ...(threading.inReplyTo ? { inReplyTo: threading.inReplyTo } : {}),
        ...(threading.references.length > 0 ? { references: threading.references } : {}),
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Cowork-Delivery-Id': deliveryId },
        ...content,
      });
    } catch (error) {
      this.lastSendFailed = true;
      const failure = deliveryErrorFor(error);
      this.logger.warn('email.send_failed', { code: failure.code, deliveryId, reason: failure.message });
      throw failure;
    }
    this.lastSendFailed = false;
    return { providerMessageId: messageId };
  }
}
