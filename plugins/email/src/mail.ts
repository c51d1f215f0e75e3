import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

/** The sender of a mail: a lower-cased address and an optional display name. */
export interface MailSender {
  address: string;
  name?: string;
}

/** How the mail reached the gateway (SMTP listener), for SPF; absent on the webhook. */
export interface MailEnvelope {
  ip?: string;
  helo?: string;
  mailFrom?: string;
}

/** One inbound mail, whichever way it arrived, reduced to what the provider needs. */
export interface InboundMail {
  /** `<id@host>`, the stable event id. */
  messageId: string;
  /** The From address; null when there is none or more than one (never authenticated). */
  from: MailSender | null;
  subject: string;
  /** The plain-text body as sent (quotes and signatures still in). */
  text: string;
  inReplyTo?: string;
  /** The References chain, oldest first. */
  references: string[];
  /** `Auto-Submitted` other than `no`, or a `Precedence: bulk/list/junk` header: never answered. */
  automatic: boolean;
  /** Authentication-Results header values, topmost (newest) first, unfolded. */
  authenticationResults: string[];
  /** The raw RFC 822 bytes, when the mail arrived raw (DKIM needs them). */
  raw?: Buffer;
  envelope?: MailEnvelope;
}

/** Longest header value the provider reads (a Message-ID, one Authentication-Results line). */
const MAX_HEADER_CHARS = 4096;
/** Most References entries kept; RFC 5322 clients keep the first and the last few. */
export const MAX_REFERENCES = 30;
/** A message id: `<local@domain>` without spaces or brackets inside. */
const MESSAGE_ID = /^<[^<>\s]{1,250}@[^<>\s]{1,250}>$/;

/** Normalizes a Message-ID-like value to `<...>`; null when it is not one. */
export function messageIdOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim().slice(0, 600);
  const bracketed = trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
  return MESSAGE_ID.test(bracketed) ? bracketed : null;
}

/** Message ids in a References/In-Reply-To value (string of ids, or an array), in order, deduplicated. */
export function messageIdList(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.flatMap((item) => (typeof item === 'string' ? item.split(/\s+/) : [])) : typeof value === 'string' ? value.match(/<[^<>]*>|[^\s<>]+/g) ?? [] : [];
  const ids: string[] = [];
  for (const part of parts) {
    const id = messageIdOf(part);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids.length > MAX_REFERENCES ? [ids[0]!, ...ids.slice(-(MAX_REFERENCES - 1))] : ids;
}

/** Parses a raw RFC 822 message with mailparser. */
export async function parseRawMail(raw: Buffer, envelope?: MailEnvelope): Promise<InboundMail> {
  const parsed = await simpleParser(raw, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true });
  return {
    messageId: messageIdOf(parsed.messageId) ?? '',
    from: singleSender(parsed.from),
    subject: (parsed.subject ?? '').slice(0, 998),
    text: parsed.text ?? '',
    ...inReplyTo(parsed.inReplyTo),
    references: messageIdList(parsed.references),
    automatic: isAutomatic(headerValues(parsed, 'auto-submitted'), headerValues(parsed, 'precedence')),
    authenticationResults: headerValues(parsed, 'authentication-results'),
    raw,
    ...(envelope ? { envelope } : {}),
  };
}

function inReplyTo(value: unknown): { inReplyTo?: string } {
  const [first] = messageIdList(value);
  return first ? { inReplyTo: first } : {};
}

/** One From address, or null for none or several (a group, a list). */
function singleSender(from: AddressObject | undefined): MailSender | null {
  const addresses = (from?.value ?? []).flatMap((entry) => (entry.group ? entry.group : [entry]));
  if (addresses.length !== 1) return null;
  const [only] = addresses;
  return senderOf(only?.address, only?.name);
}

/** A sender from an address and a name; null when the address is not `local@domain`. */
export function senderOf(address: unknown, name: unknown): MailSender | null {
  if (typeof address !== 'string') return null;
  const normalized = address.trim().toLowerCase().slice(0, 320);
  if (!/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(normalized)) return null;
  const display = typeof name === 'string' ? name.trim().slice(0, 200) : '';
  return display ? { address: normalized, name: display } : { address: normalized };
}

/** The unfolded values of every header line named `key`, in message order (topmost first). */
function headerValues(parsed: ParsedMail, key: string): string[] {
  return parsed.headerLines
    .filter((line) => line.key === key)
    .map((line) => line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim().slice(0, MAX_HEADER_CHARS));
}

/** Auto-replies, bounces and list mail are never answered (mail loops). */
export function isAutomatic(autoSubmitted: readonly string[], precedence: readonly string[]): boolean {
  if (autoSubmitted.some((value) => value.trim().toLowerCase() !== 'no')) return true;
  return precedence.some((value) => /^(bulk|list|junk)$/i.test(value.trim()));
}
