import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { WebhookRequest } from '@cowork-gateway/core';
import { createTransport } from 'nodemailer';
import type { DnsResolver } from '../sender-auth.js';
import { SECRET_HEADER } from '../webhook.js';

/** What {@link buildMail} writes. */
export interface MailSpec {
  from: string;
  to?: string;
  subject?: string;
  text: string;
  /** Default: a fresh `<uuid@domain of from>`. */
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra header lines, e.g. `{ 'Authentication-Results': 'mx.test; dmarc=pass header.from=example.com' }`; an array value repeats the header. */
  headers?: Record<string, string | string[]>;
}

/** A raw RFC 822 text/plain message (CRLF line ends), as a mail client or relay would deliver it. */
export function buildMail(spec: MailSpec): string {
  const domain = spec.from.replace(/^.*@/, '').replace(/>.*$/, '');
  const lines: string[] = [];
  for (const [name, value] of Object.entries(spec.headers ?? {})) for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  lines.push(
    `From: ${spec.from}`,
    `To: ${spec.to ?? 'agent@gateway.test'}`,
    `Subject: ${spec.subject ?? 'Hello agent'}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${spec.messageId ?? `<${randomUUID()}@${domain}>`}`,
  );
  if (spec.inReplyTo) lines.push(`In-Reply-To: ${spec.inReplyTo}`);
  if (spec.references && spec.references.length > 0) lines.push(`References: ${spec.references.join(' ')}`);
  lines.push('MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', ...spec.text.split(/\r?\n/), '');
  return lines.join('\r\n');
}

/** An RSA key for DKIM and the TXT record that publishes it (`v=DKIM1; k=rsa; p=...`). */
export interface DkimKey {
  privateKey: string;
  record: string;
}

/** Generates a 2048-bit RSA DKIM key in memory. */
export function generateDkimKey(): DkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), record: `v=DKIM1; k=rsa; p=${spki}` };
}

/**
 * The message with a DKIM-Signature of `domain`/`selector` prepended (relaxed/relaxed, rsa-sha256),
 * signed by nodemailer's DKIM signer: mailauth 4.9.5's own signer produces an unverifiable
 * signature for about one message in 400.
 */
export async function signMail(raw: string, options: { domain: string; selector: string; privateKey: string }): Promise<string> {
  const signer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await signer.sendMail({
    envelope: { from: 'signer@localhost', to: ['rcpt@localhost'] },
    raw,
    dkim: { domainName: options.domain, keySelector: options.selector, privateKey: options.privateKey },
  });
  const signed = (info.message as Buffer).toString('utf8');
  if (!signed.startsWith('DKIM-Signature:')) throw new Error('DKIM signing produced no signature');
  return signed;
}

/**
 * A DNS resolver over a fixed table (`{ 'sel._domainkey.example.com': ['v=DKIM1; ...'],
 * '_dmarc.example.com': ['v=DMARC1; p=reject'] }`), for mailauth. TXT records answer as
 * `[[text]]`; a missing name answers ENOTFOUND like the system resolver, so no lookup leaves the test.
 */
export function staticResolver(txt: Record<string, string[]>): DnsResolver {
  return async (domain: string, rrtype: string) => {
    const name = domain.toLowerCase().replace(/\.$/, '');
    const records = rrtype === 'TXT' ? txt[name] : undefined;
    if (!records) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return records.map((record) => [record]);
  };
}

/** A webhook request carrying a raw mail (`message/rfc822`) and the shared secret, as the kernel hands it to the provider. */
export function rawMailRequest(raw: string, secret: string | null): WebhookRequest {
  return {
    method: 'POST',
    path: '/webhooks/email',
    headers: { 'content-type': 'message/rfc822', ...(secret === null ? {} : { [SECRET_HEADER]: secret }) },
    rawBody: Buffer.from(raw, 'utf8'),
    body: undefined,
    sourceIp: '127.0.0.1',
  };
}

/** A webhook request carrying a relay's parsed fields as JSON and the shared secret. */
export function jsonMailRequest(fields: Record<string, unknown>, secret: string | null): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(fields));
  return {
    method: 'POST',
    path: '/webhooks/email',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { [SECRET_HEADER]: secret }) },
    rawBody,
    body: JSON.parse(rawBody.toString('utf8')) as unknown,
    sourceIp: '127.0.0.1',
  };
}

/** Posts a raw mail to a running gateway's webhook; resolves with the HTTP status. */
export async function postMail(url: string, raw: string, secret: string | null): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', ...(secret === null ? {} : { [SECRET_HEADER]: secret }) },
    body: raw,
  });
  await response.arrayBuffer();
  return response.status;
}
