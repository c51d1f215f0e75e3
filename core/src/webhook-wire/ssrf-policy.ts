/**
 * Where the webhook and bridge providers may deliver: the URL rules, the classification of every
 * resolved address (IPv4 and IPv6, including IPv4-mapped and NAT64 embeddings), host allowlists
 * and the private-delivery opt-in. Fail closed: only global unicast addresses pass by default,
 * and cloud metadata never passes.
 *
 * @see docs/webhook-wire.md
 */
import ipaddr from 'ipaddr.js';
import { defineError, type GatewayError } from '../errors.js';
import type { DeliveryFailureClass } from '../contracts/provider.js';

const PERMANENT: DeliveryFailureClass = Object.freeze({ kind: 'permanent' });

const DeliveryUrlInvalidBase = defineError<{ reason: string }>({
  code: 'delivery.url_invalid',
  status: 400,
  message: ({ reason }) => `delivery URL refused: ${reason}`,
});
/**
 * The delivery URL is malformed, not https (http is for loopback only), or carries credentials.
 * A policy failure: permanent, so the delivery dead-letters instead of retrying.
 */
export class DeliveryUrlInvalid extends DeliveryUrlInvalidBase {
  readonly classification = PERMANENT;
}

const DeliverySsrfBlockedBase = defineError<{ host: string; reason: string }>({
  code: 'delivery.ssrf_blocked',
  status: 400,
  message: ({ host, reason }) =>
    `delivery to "${host}" refused: ${reason}; private delivery needs allowPrivateDelivery, cloud metadata is never allowed`,
});
/** The delivery host is, or resolves to, an address the policy refuses. Permanent. */
export class DeliverySsrfBlocked extends DeliverySsrfBlockedBase {
  readonly classification = PERMANENT;
}

const DeliveryHostNotAllowedBase = defineError<{ host: string }>({
  code: 'delivery.host_not_allowed',
  status: 400,
  message: ({ host }) => `delivery host "${host}" is not in the delivery host allowlist; add it (or "*.<domain>") to allowedHosts`,
});
/** An allowlist is configured and the delivery host matches none of its entries. Permanent. */
export class DeliveryHostNotAllowed extends DeliveryHostNotAllowedBase {
  readonly classification = PERMANENT;
}

/** The delivery policy of one provider instance. */
export interface DeliveryPolicy {
  /**
   * Hosts delivery may go to: exact names or IP literals, or `*.example.com` for any subdomain of
   * example.com (not example.com itself). Empty or absent: any host that passes the address rules.
   */
  allowedHosts?: readonly string[];
  /**
   * Allows private, reserved, link-local and loopback addresses (an internal bridge). Cloud
   * metadata stays blocked. The default value is false.
   */
  allowPrivateDelivery?: boolean;
  /**
   * Development only: allows loopback addresses (127/8, ::1) without opening every private
   * range. The default value is false.
   */
  allowLoopbackDelivery?: boolean;
}

/** Names that are cloud metadata services whatever they resolve to (GCP, AWS). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);
/** Metadata addresses: AWS/GCP/Azure/OpenStack link-local, AWS IPv6, Alibaba Cloud. */
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((a) => ipaddr.parse(a).toNormalizedString());
/** Hostnames `http:` is allowed for (with the loopback or private opt-in, as every loopback address). */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

// Ranges that ipaddr.js calls "unicast" but that are not globally reachable: IPv4-compatible
// IPv6 (deprecated, RFC 4291 §2.5.5.1); everything outside 2000::/3 is not global unicast (RFC 4291 §2.4).
const V6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
const V6_NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * How one address is treated: `public` passes; `private` and `loopback` need an opt-in;
 * `metadata` and `invalid` (not an IP address) never pass.
 */
export type AddressClass = 'public' | 'private' | 'loopback' | 'metadata' | 'invalid';

/** The class of one IP address, with the ipaddr.js range name (or `unparseable`) as the reason. */
export interface AddressClassification {
  address: string;
  class: AddressClass;
  reason: string;
}

/**
 * Classifies one IP address. IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::/96`)
 * addresses are judged by the IPv4 address they embed; 6to4, Teredo and other IPv6 transition
 * ranges are private. Only dotted-quad IPv4 and standard IPv6 text parse; anything else
 * (`1.2.3`, a name) is `invalid` and always refused.
 */
export function classifyAddress(address: string): AddressClassification {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!isStrictIp(text)) return { address, class: 'invalid', reason: 'not an IP address' };
  let parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else if (v6.match(V6_NAT64_WELL_KNOWN)) parsed = ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  const normalized = parsed.toNormalizedString();
  if (METADATA_ADDRESSES.includes(normalized)) return { address, class: 'metadata', reason: 'cloud metadata address' };
  const range = parsed.range();
  if (range === 'loopback') return { address, class: 'loopback', reason: range };
  if (range !== 'unicast') return { address, class: 'private', reason: range };
  if (parsed.kind() === 'ipv6' && !(parsed as ipaddr.IPv6).match(V6_GLOBAL_UNICAST)) {
    return { address, class: 'private', reason: 'outside 2000::/3' };
  }
  return { address, class: 'public', reason: range };
}

/** A delivery URL that passed the static checks, with the parts the connection needs. */
export interface CheckedDeliveryUrl {
  url: URL;
  /** Lowercase hostname without brackets or a trailing dot. */
  hostname: string;
  /** True when the hostname is an IP literal (no DNS, no TLS server name). */
  isIpLiteral: boolean;
  port: number;
}

/**
 * The static checks of a delivery URL, before any DNS: it parses, is `https:` (`http:` only for
 * localhost, 127.0.0.1 and ::1), has no user or password, matches the allowlist, is not a cloud
 * metadata name, and, when it is an IP literal, is an address the policy allows. The fragment is
 * dropped. Throws {@link DeliveryUrlInvalid}, {@link DeliveryHostNotAllowed} or {@link DeliverySsrfBlocked}.
 */
export function checkDeliveryUrl(raw: string, policy: DeliveryPolicy): CheckedDeliveryUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DeliveryUrlInvalid({ reason: 'not an absolute URL' });
  }
  if (url.username !== '' || url.password !== '') throw new DeliveryUrlInvalid({ reason: 'credentials in the URL are not allowed; sign deliveries with the shared secret instead' });
  const hostname = normalizeHostname(url.hostname);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DeliveryUrlInvalid({ reason: `scheme "${url.protocol}" is not allowed; use https:` });
  if (url.protocol === 'http:' && !LOOPBACK_NAMES.has(hostname)) throw new DeliveryUrlInvalid({ reason: 'http: is only allowed for localhost, 127.0.0.1 and ::1; use https:' });
  if (hostname === '') throw new DeliveryUrlInvalid({ reason: 'the URL has no host' });
  url.hash = '';
  if (!hostAllowed(hostname, policy.allowedHosts)) throw new DeliveryHostNotAllowed({ host: hostname });
  if (METADATA_NAMES.has(hostname)) throw new DeliverySsrfBlocked({ host: hostname, reason: 'cloud metadata host' });
  const isIpLiteral = isStrictIp(hostname);
  if (isIpLiteral) {
    const refusal = refusalFor(classifyAddress(hostname), policy);
    if (refusal) throw new DeliverySsrfBlocked({ host: hostname, reason: refusal });
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { url, hostname, isIpLiteral, port };
}

/** One DNS answer, as `dns.lookup(..., { all: true })` gives it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Checks every DNS answer for a host and returns the first, which the connection must be pinned
 * to. Any refused answer refuses the host (a name that resolves public and private is a rebinding
 * attempt), and `localhost`/`*.localhost` must resolve to loopback only.
 */
export function checkResolvedAddresses(hostname: string, answers: readonly ResolvedAddress[], policy: DeliveryPolicy): ResolvedAddress {
  if (answers.length === 0) throw new DeliverySsrfBlocked({ host: hostname, reason: 'the name resolved to no address' });
  const localName = hostname === 'localhost' || hostname.endsWith('.localhost');
  for (const answer of answers) {
    const classification = classifyAddress(answer.address);
    if (localName && classification.class !== 'loopback') {
      throw new DeliverySsrfBlocked({ host: hostname, reason: `a localhost name resolved to a non-loopback address (${classification.reason})` });
    }
    const refusal = refusalFor(classification, policy);
    if (refusal) throw new DeliverySsrfBlocked({ host: hostname, reason: refusal });
  }
  return answers[0]!;
}

/** Why the policy refuses an address, or undefined when it allows it. */
function refusalFor(classification: AddressClassification, policy: DeliveryPolicy): string | undefined {
  switch (classification.class) {
    case 'public':
      return undefined;
    case 'metadata':
      return 'cloud metadata address';
    case 'invalid':
      return 'the resolver answered something that is not an IP address';
    case 'loopback':
      return policy.allowPrivateDelivery || policy.allowLoopbackDelivery ? undefined : 'loopback address';
    case 'private':
      return policy.allowPrivateDelivery ? undefined : `private or reserved address (${classification.reason})`;
  }
}

/** True when `hostname` matches an entry: exact, or `*.suffix` for strict subdomains. */
export function hostAllowed(hostname: string, allowedHosts: readonly string[] | undefined): boolean {
  if (!allowedHosts || allowedHosts.length === 0) return true;
  return allowedHosts.some((entry) => {
    const pattern = normalizeHostname(entry.trim().toLowerCase());
    if (pattern.startsWith('*.')) {
      const suffix = pattern.slice(1);
      return hostname.endsWith(suffix) && hostname.length > suffix.length;
    }
    return isStrictIp(pattern) && isStrictIp(hostname)
      ? ipaddr.parse(pattern).toNormalizedString() === ipaddr.parse(hostname).toNormalizedString()
      : pattern === hostname;
  });
}

/** Dotted-quad IPv4 or IPv6 text; ipaddr.isValid alone also takes classful forms like `1.2.3`. */
function isStrictIp(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

function normalizeHostname(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  while (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** True for the errors this module throws (all permanent policy failures). */
export function isDeliveryPolicyError(error: unknown): error is GatewayError {
  return error instanceof DeliveryUrlInvalid || error instanceof DeliverySsrfBlocked || error instanceof DeliveryHostNotAllowed;
}
