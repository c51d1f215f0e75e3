import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { OpenCodeUrlInvalid, OpenCodeUrlNotPrivate } from './errors.js';

/** Resolves a host name to all of its addresses (injectable for tests). */
export type HostLookup = (hostname: string) => Promise<string[]>;

const systemLookup: HostLookup = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Address ranges OpenCode may live in: never publicly routable. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);
/** Names that only resolve inside a private network (RFC 6762, RFC 8375, Kubernetes, RFC 6761). */
const PRIVATE_NAME_SUFFIXES = ['.local', '.internal', '.lan', '.home.arpa', '.svc', '.cluster.local', '.localhost', '.intranet', '.corp'];

/**
 * Parses an OpenCode base URL and applies the checks that need no DNS: http(s) only, no
 * embedded credentials, and a literal IP must be loopback or private (never a wildcard or the
 * cloud instance-metadata address). Returns the URL without a trailing slash.
 */
export function parseOpenCodeUrl(raw: string): { baseUrl: string; hostname: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OpenCodeUrlInvalid({ reason: 'it is not an absolute URL such as http://127.0.0.1:4096' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OpenCodeUrlInvalid({ reason: `scheme ${url.protocol} is not http: or https:` });
  if (url.username || url.password) throw new OpenCodeUrlInvalid({ reason: 'it contains credentials; put them in the executor\'s "username" and "password" options' });
  if (url.search || url.hash) throw new OpenCodeUrlInvalid({ reason: 'it must not have a query or fragment' });
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(hostname)) assertPrivateAddress(hostname, hostname);
  const baseUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  return { baseUrl, hostname };
}

/**
 * Refuses an OpenCode URL unless its host is private: literal IPs are checked directly, names are
 * resolved and every address must be loopback or private. With `allowPrivateDns`, names that look
 * private (single label, `.local`, `.internal`…) pass without resolving, as upstream allows.
 */
export async function assertPrivateOpenCodeUrl(raw: string, options: { allowPrivateDns: boolean; lookup?: HostLookup }): Promise<string> {
  const { baseUrl, hostname } = parseOpenCodeUrl(raw);
  if (ipaddr.isValid(hostname)) return baseUrl;
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (options.allowPrivateDns && looksPrivate(name)) return baseUrl;
  let addresses: string[];
  try {
    addresses = await (options.lookup ?? systemLookup)(name);
  } catch (error) {
    const hint = options.allowPrivateDns ? '' : ' (set allowPrivateDns=true to accept a private-looking name without resolving it)';
    throw new OpenCodeUrlNotPrivate({ host: hostname, reason: `the name does not resolve, so it cannot be proven private${hint}` }, { cause: error });
  }
  if (addresses.length === 0) throw new OpenCodeUrlNotPrivate({ host: hostname, reason: 'the name resolves to no address' });
  for (const address of addresses) assertPrivateAddress(address, hostname);
  return baseUrl;
}

/** True when a host name can only be meaningful inside a private network. */
export function looksPrivate(name: string): boolean {
  if (name === 'localhost') return true;
  if (!name.includes('.')) return true;
  return PRIVATE_NAME_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

function assertPrivateAddress(address: string, host: string): void {
  const parsed = ipaddr.process(address);
  const normalized = parsed.toString();
  if (METADATA_ADDRESSES.has(normalized)) {
    throw new OpenCodeUrlNotPrivate({ host, reason: `${normalized} is the cloud instance-metadata address` });
  }
  const range = parsed.range();
  if (range === 'unspecified') throw new OpenCodeUrlNotPrivate({ host, reason: `${normalized} is a wildcard address, not a server to connect to` });
  if (!PRIVATE_RANGES.has(range)) {
    const what = address === host ? 'it is' : `it resolves to ${normalized}, which is`;
    throw new OpenCodeUrlNotPrivate({ host, reason: `${what} not a loopback or private address (range: ${range})` });
  }
}
