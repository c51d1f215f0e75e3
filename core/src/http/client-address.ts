import ipaddr from 'ipaddr.js';
import { HttpTrustedProxyInvalid } from './codes.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];
type Headers = Record<string, string | string[] | undefined>;

/** How the client address is derived from the socket and forwarding headers. */
export interface ClientAddressOptions {
  trustProxyHeaders: boolean;
  /** Proxies whose forwarding headers are believed: CIDR ranges or single addresses. */
  trustedProxyCidrs: string[];
}

/** Resolves the client address of one request from its socket address and headers. */
export type ClientAddressResolver = (socketIp: string, headers: Headers) => string;

/** Outcome of walking one forwarding header from the right. */
type Walk = { kind: 'absent' } | { kind: 'invalid' } | { kind: 'found'; address: string };

/**
 * Compiles the trusted-proxy list once and returns a resolver.
 *
 * The socket address (IPv4-mapped IPv6 unwrapped) is used unless `trustProxyHeaders` is on and
 * the peer is a trusted proxy. Then `X-Forwarded-For` and `Forwarded: for=` are walked from the
 * right, skipping trusted hops; the right-most untrusted address wins. A hop that does not parse,
 * or the two headers naming different addresses, falls back to the socket address. Hops to the
 * left of the chosen one are never examined (they are client-controlled).
 *
 * @throws HttpTrustedProxyInvalid when an entry is neither an address nor a CIDR range.
 */
export function createClientAddressResolver(options: ClientAddressOptions): ClientAddressResolver {
  const ranges = options.trustedProxyCidrs.map(parseRange);
  const trusted = (address: Address): boolean => ranges.some((range) => inRange(address, range));
  return (socketIp, headers) => {
    const peer = parseAddress(socketIp);
    if (!peer) return socketIp || 'unknown';
    if (!options.trustProxyHeaders || !trusted(peer)) return peer.toString();
    const xff = walk(forwardedForHops(headers['x-forwarded-for']), trusted);
    const fwd = walk(forwardedHops(headers['forwarded']), trusted);
    return pick(xff, fwd) ?? peer.toString();
  };
}

/** One-shot form of {@link createClientAddressResolver}; prefer the compiled resolver per server. */
export function resolveClientAddress(socketIp: string, headers: Headers, options: ClientAddressOptions): string {
  return createClientAddressResolver(options)(socketIp, headers);
}

function pick(xff: Walk, fwd: Walk): string | undefined {
  if (xff.kind === 'invalid' || fwd.kind === 'invalid') return undefined;
  if (xff.kind === 'found' && fwd.kind === 'found') return xff.address === fwd.address ? xff.address : undefined;
  if (xff.kind === 'found') return xff.address;
  return fwd.kind === 'found' ? fwd.address : undefined;
}

function walk(hops: string[] | undefined, trusted: (address: Address) => boolean): Walk {
  if (!hops || hops.length === 0) return { kind: 'absent' };
  let leftmost: Address | undefined;
  for (let i = hops.length - 1; i >= 0; i--) {
    const address = parseHop(hops[i] as string);
    if (!address) return { kind: 'invalid' };
    if (!trusted(address)) return { kind: 'found', address: address.toString() };
    leftmost = address;
  }
  return { kind: 'found', address: (leftmost as Address).toString() };
}

function headerText(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

function forwardedForHops(value: string | string[] | undefined): string[] | undefined {
  return headerText(value)?.split(',').map((hop) => hop.trim());
}

/** `Forwarded: for=192.0.2.1;proto=https, for="[2001:db8::1]:443"` → the `for` values. */
function forwardedHops(value: string | string[] | undefined): string[] | undefined {
  return headerText(value)?.split(',').map((element) => {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === 'for') return pair.slice(eq + 1).trim();
    }
    return '';
  });
}

/** A hop: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:80`, optionally quoted. */
function parseHop(hop: string): Address | undefined {
  let text = hop.length >= 2 && hop.startsWith('"') && hop.endsWith('"') ? hop.slice(1, -1) : hop;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || !/^(:\d{1,5})?$/.test(text.slice(close + 1))) return undefined;
    text = text.slice(1, close);
  } else if (/^[\d.]+:\d{1,5}$/.test(text)) {
    text = text.slice(0, text.indexOf(':'));
  }
  return parseAddress(text);
}

/** Strict parse (dotted-quad IPv4 or IPv6), IPv4-mapped IPv6 unwrapped. */
function parseAddress(text: string): Address | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return undefined;
  return ipaddr.process(text);
}

function parseRange(entry: string): Range {
  const text = entry.trim();
  try {
    if (!text.includes('/')) {
      const address = parseAddress(text);
      if (address) return [address, address.kind() === 'ipv4' ? 32 : 128];
    } else if (ipaddr.isValidCIDR(text)) {
      return unwrapMappedRange(ipaddr.parseCIDR(text));
    }
  } catch {
    // fall through to the error below
  }
  throw new HttpTrustedProxyInvalid({ entry });
}

function unwrapMappedRange([address, bits]: Range): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

function inRange(address: Address, [network, bits]: Range): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}
