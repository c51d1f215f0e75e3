import { createHash, timingSafeEqual } from 'node:crypto';
import { WebhookAuthFailed, WebhookPayloadInvalid, type WebhookRequest } from '@cowork-gateway/core';
import { isAutomatic, messageIdList, messageIdOf, parseRawMail, senderOf, type InboundMail, type MailSender } from './mail.js';

/** The header the mail relay puts the shared secret in (or `Authorization: Bearer <secret>`). */
export const SECRET_HEADER = 'x-open-cowork-gateway-email-secret';

/**
 * Checks the shared secret in constant time: both sides are hashed first, so neither the
 * comparison nor a length check reveals how much of a guess was right. No secret configured
 * refuses every request.
 */
export function verifyInboundSecret(request: WebhookRequest, secret: string | undefined, instance: string): void {
  const given = presentedSecret(request);
  const matches = timingSafeEqual(sha256(given), sha256(secret ?? ''));
  if (!secret) throw new WebhookAuthFailed({ instance, reason: 'no inbound secret is configured (EMAIL_INBOUND_SECRET)' });
  if (!given || !matches) throw new WebhookAuthFailed({ instance, reason: given ? 'wrong inbound-mail secret' : `missing ${SECRET_HEADER} header` });
}

function presentedSecret(request: WebhookRequest): string {
  const header = request.headers[SECRET_HEADER];
  if (typeof header === 'string' && header) return header;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
  }
  return '';
}

/**
 * The mail in a webhook request: a raw RFC 822 body (`message/rfc822`), or JSON that is either
 * `{ "raw": "<RFC 822 text>" }` / `{ "rawBase64": "..." }` or the relay's parsed fields
 * (`messageId|id`, `from|sender`, `text|body`, `subject`, `inReplyTo`, `references`,
 * `authenticationResults`).
 */
export async function webhookMail(request: WebhookRequest, instance: string): Promise<InboundMail> {
  const invalid = (reason: string): Error => new WebhookPayloadInvalid({ instance, reason });
  const body = request.body;
  const raw = body === undefined ? request.rawBody : rawOf(body);
  let mail: InboundMail;
  if (raw) {
    if (raw.length === 0) throw invalid('the raw message is empty');
    mail = await parseRawMail(raw).catch(() => {
      throw invalid('the raw message could not be parsed');
    });
  } else {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body is not a JSON object');
    mail = fieldsMail(body as Record<string, unknown>);
  }
  if (!mail.messageId) throw invalid('the mail has no Message-ID (messageId): it is the replay and de-duplication key');
  return mail;
}

function rawOf(body: unknown): Buffer | null {
  if (typeof body !== 'object' || body === null) return null;
  const { raw, rawBase64 } = body as { raw?: unknown; rawBase64?: unknown };
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  if (typeof rawBase64 === 'string') return Buffer.from(rawBase64, 'base64');
  return null;
}

/** A relay's parsed fields (the upstream payload). A From without an address yields `from: null`. */
function fieldsMail(body: Record<string, unknown>): InboundMail {
  const text = stringField(body.text) ?? stringField(body.body) ?? '';
  const [inReplyTo] = messageIdList(body.inReplyTo);
  const authenticationResults = Array.isArray(body.authenticationResults) ? body.authenticationResults : [body.authenticationResults];
  return {
    messageId: messageIdOf(body.messageId ?? body.id) ?? '',
    from: senderField(body.from ?? body.sender),
    subject: (stringField(body.subject) ?? '').slice(0, 998),
    text,
    ...(inReplyTo ? { inReplyTo } : {}),
    references: messageIdList(body.references),
    automatic: isAutomatic(stringList(body.autoSubmitted), stringList(body.precedence)),
    authenticationResults: authenticationResults.filter((value): value is string => typeof value === 'string').map((value) => value.slice(0, 4096)),
  };
}

/** `"Name <addr>"`, `"addr"` or `{ email|address, name }`; parsing looks at the first 1 KiB only. */
export function senderField(value: unknown): MailSender | null {
  if (typeof value === 'object' && value !== null) {
    const { email, address, name } = value as { email?: unknown; address?: unknown; name?: unknown };
    return senderOf(email ?? address, name);
  }
  if (typeof value !== 'string') return null;
  const head = value.slice(0, 1024);
  const angle = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>\s]+)>\s*$/.exec(head);
  return angle ? senderOf(angle[2], angle[1]) : senderOf(head, undefined);
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
