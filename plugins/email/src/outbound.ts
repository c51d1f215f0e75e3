import { createHash } from 'node:crypto';
import { DeliveryError, type DeliveryTarget, type Json } from '@cowork-gateway/core';
import { createTransport } from 'nodemailer';
import { messageIdList, messageIdOf } from './mail.js';
import type { EmailOptions } from './options.js';

/** The nodemailer transport of the provider: one SMTP connection per send. */
export type SmtpTransport = ReturnType<typeof smtpTransport>;

/**
 * The SMTP transport: implicit TLS when `secure`, else STARTTLS (required unless `requireTls`
 * is false), certificates verified unless `rejectUnauthorized` is false, AUTH only when a user
 * name is set. nodemailer never sends AUTH over a plaintext connection it was told to upgrade.
 */
export function smtpTransport(smtp: EmailOptions['smtp']) {
  const port = smtp.port ?? (smtp.secure ? 465 : 587);
  return createTransport({
    host: smtp.host,
    port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.requireTls,
    ignoreTLS: false,
    tls: { rejectUnauthorized: smtp.rejectUnauthorized, minVersion: 'TLSv1.2' },
    ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/** The headers that thread a reply: In-Reply-To, References and a "Re:" subject. */
export interface Threading {
  inReplyTo?: string;
  references: string[];
  subject: string;
}

/**
 * Threading of a message to `target`: from the event's reply context (the answered mail's
 * Message-ID, its References chain and subject), else from the thread id alone.
 */
export function threadingFor(target: DeliveryTarget, defaultSubject: string): Threading {
  const context = (target.replyContext ?? {}) as Record<string, Json>;
  const answered = messageIdOf(context.messageId) ?? messageIdOf(target.replyToMessageId);
  const references = messageIdList(context.references);
  const thread = messageIdOf(target.threadId);
  if (references.length === 0) {
    if (thread) references.push(thread);
    if (answered && !references.includes(answered)) references.push(answered);
  }
  const original = typeof context.subject === 'string' ? context.subject.replace(/[\r\n]+/g, ' ').trim() : '';
  const inReplyTo = answered ?? references.at(-1);
  return { ...(inReplyTo ? { inReplyTo } : {}), references, subject: original ? replySubject(original) : defaultSubject };
}

/** "Re: <subject>", without piling up "Re: Re:". */
export function replySubject(subject: string): string {
  return /^\s*re\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

/**
 * A Message-ID made from the delivery id: a retried send carries the same id, so a receiver
 * that saw the first attempt can recognize the copy.
 */
export function messageIdFor(deliveryId: string, from: string): string {
  const digest = createHash('sha256').update(deliveryId, 'utf8').digest('hex').slice(0, 32);
  return `<${digest}@${from.slice(from.lastIndexOf('@') + 1)}>`;
}

/** The HTML part of a plain-text reply: escaped, whitespace kept. */
export function htmlOf(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<!doctype html><html><body><div style="white-space: pre-wrap; font-family: sans-serif">${escaped}</div></body></html>`;
}

/** What nodemailer reports for a failed send. */
interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/**
 * Classifies a failed send for the kernel: a 5xx reply (mailbox unknown, message refused) is
 * permanent; 421 and 4xx replies that say "rate"/"too many" are rate limited (retry in a
 * minute); other 4xx replies, connection and TLS failures, timeouts and refused logins (even
 * with their 5xx reply) are transient. The message has the SMTP code and the server's short reply, never credentials.
 */
export function deliveryErrorFor(error: unknown): DeliveryError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SmtpFailure;
  const reply = (failure.response ?? '').replace(/[\r\n]+/g, ' ').slice(0, 200);
  const what = `SMTP send failed: ${failure.responseCode ?? failure.code ?? 'error'}${reply ? ` ${reply}` : ''}`;
  const code = failure.responseCode;
  // Refused logins and a server without the required TLS are the gateway's configuration, not the recipient: kept for retry.
  if (failure.code === 'EAUTH') return new DeliveryError(what, { kind: 'transient' }, { code: 'email.smtp_auth_failed' });
  if (failure.code === 'ETLS') return new DeliveryError(what, { kind: 'transient' }, { code: 'email.smtp_tls_failed' });
  if (code !== undefined && code >= 500) return new DeliveryError(what, { kind: 'permanent' }, { code: 'email.send_rejected' });
  if (code !== undefined && (code === 421 || /rate|too many/i.test(reply))) {
    return new DeliveryError(what, { kind: 'rate_limited', retryAfterMs: 60_000 }, { code: 'email.rate_limited' });
  }
  return new DeliveryError(what, { kind: 'transient' }, { code: 'email.send_failed' });
}
