import { authenticate } from 'mailauth';
import type { InboundMail } from './mail.js';

/** The DNS lookup mailauth uses (`dns.promises.resolve`'s shape); tests inject a static one. */
export type DnsResolver = (domain: string, rrtype: string) => Promise<string[][] | string[]>;

/** Whether the From address of a mail is authentic, and why. */
export interface SenderVerdict {
  verified: boolean;
  /** How it was decided. */
  method: 'off' | 'authentication-results' | 'mailauth' | 'none';
  /** A short reason for logs and audit (`dmarc=pass`, `dmarc=fail`, `no trusted Authentication-Results`). */
  result: string;
}

export interface SenderAuthSettings {
  senderAuth: 'required' | 'off';
  trustedAuthservId?: string;
  /** MTA host name mailauth reports as the receiver. */
  mta: string;
  resolver?: DnsResolver;
}

/**
 * Decides whether the From address is authentic:
 * - `senderAuth: off`: trusted as is.
 * - a `trustedAuthservId`: the topmost Authentication-Results header (the one the MTA in front
 *   of the gateway added last) must carry that authserv-id and `dmarc=pass` for the From domain;
 *   a header of any other id, or one lower down (which the sender could have written), is ignored.
 * - otherwise, with the raw message: mailauth checks DKIM, SPF (when the SMTP envelope is known)
 *   and DMARC. Verified on `dmarc=pass`, or, for a domain without a DMARC record, on a passing
 *   DKIM signature aligned with the From domain.
 * - a mail with neither (parsed JSON fields without a trusted header) cannot be verified.
 */
export async function verifySender(mail: InboundMail, settings: SenderAuthSettings): Promise<SenderVerdict> {
  if (settings.senderAuth === 'off') return { verified: true, method: 'off', result: 'sender authentication off' };
  const domain = mail.from?.address.split('@').pop() ?? '';
  if (!mail.from) return { verified: false, method: 'none', result: 'no single From address' };
  if (settings.trustedAuthservId) return fromAuthenticationResults(mail.authenticationResults, settings.trustedAuthservId, domain);
  if (!mail.raw) return { verified: false, method: 'none', result: 'no raw message and no trusted Authentication-Results to verify the sender with' };
  return withMailauth(mail, settings);
}

function fromAuthenticationResults(headers: readonly string[], authservId: string, domain: string): SenderVerdict {
  const method = 'authentication-results' as const;
  const [top] = headers;
  if (top === undefined) return { verified: false, method, result: 'no Authentication-Results header' };
  const parsed = parseAuthenticationResults(top);
  if (parsed.authservId !== authservId.toLowerCase()) return { verified: false, method, result: `topmost Authentication-Results is not from ${authservId}` };
  const dmarc = parsed.results.find((entry) => entry.method === 'dmarc');
  if (!dmarc) return { verified: false, method, result: 'no dmarc result' };
  const headerFrom = dmarc.properties['header.from'];
  if (headerFrom !== undefined && headerFrom !== domain) return { verified: false, method, result: `dmarc result is for ${headerFrom}, not the From domain` };
  return { verified: dmarc.result === 'pass', method, result: `dmarc=${dmarc.result}` };
}

/** One `method=result prop=value ...` entry of an Authentication-Results header. */
interface ResultEntry {
  method: string;
  result: string;
  properties: Record<string, string>;
}

/** RFC 8601: `authserv-id [version]; method=result (comment) ptype.property=value; ...`. Comments are dropped. */
export function parseAuthenticationResults(value: string): { authservId: string; results: ResultEntry[] } {
  const clean = value.replace(/\([^()]*\)/g, ' ');
  const [head = '', ...entries] = clean.split(';');
  const authservId = (head.trim().split(/\s+/)[0] ?? '').toLowerCase();
  const results: ResultEntry[] = [];
  for (const entry of entries) {
    const tokens = entry.trim().split(/\s+/).filter(Boolean);
    const first = /^([a-z0-9_-]+)(?:\/[0-9]+)?=([a-z]+)$/i.exec(tokens[0] ?? '');
    if (!first) continue;
    const properties: Record<string, string> = {};
    for (const token of tokens.slice(1)) {
      const property = /^([a-z0-9_.-]+)=(.+)$/i.exec(token);
      if (property) properties[property[1]!.toLowerCase()] = property[2]!.replace(/^"|"$/g, '').toLowerCase();
    }
    results.push({ method: first[1]!.toLowerCase(), result: first[2]!.toLowerCase(), properties });
  }
  return { authservId, results };
}

async function withMailauth(mail: InboundMail, settings: SenderAuthSettings): Promise<SenderVerdict> {
  const method = 'mailauth' as const;
  const envelope = mail.envelope ?? {};
  let result;
  try {
    result = await authenticate(mail.raw!, {
      mta: settings.mta,
      disableArc: true,
      disableBimi: true,
      ...(envelope.ip ? { ip: envelope.ip, helo: envelope.helo ?? '', sender: envelope.mailFrom ?? '' } : {}),
      ...(settings.resolver ? { resolver: settings.resolver } : {}),
    });
  } catch {
    return { verified: false, method, result: 'authentication check failed' };
  }
  const dmarc = result.dmarc ? result.dmarc.status.result : 'none';
  if (dmarc === 'pass') return { verified: true, method, result: 'dmarc=pass' };
  if (dmarc === 'none' && result.dmarc) {
    const aligned = result.dkim.results.some((signature) => signature.status.result === 'pass' && Boolean(signature.status.aligned));
    if (aligned) return { verified: true, method, result: 'dmarc=none, aligned dkim=pass' };
  }
  return { verified: false, method, result: `dmarc=${dmarc}` };
}
