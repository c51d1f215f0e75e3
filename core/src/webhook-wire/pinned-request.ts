/**
 * One outbound POST of the webhook and bridge providers, safe against SSRF and DNS rebinding:
 * the URL is checked, the host resolved through an injectable lookup, every answer checked, and
 * the connection made to the checked address itself, while the Host header and the TLS server
 * name stay the hostname, so the certificate is still verified for the name. Redirects are
 * never followed, the response body is capped, and every failure is a classified
 * {@link DeliveryError} (or a permanent policy error) for the kernel's outbox to act on.
 *
 * @see docs/webhook-wire.md
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { DeliveryError, type DeliveryFailureClass } from '../contracts/provider.js';
import { defineError, registerErrorCode } from '../errors.js';
import { systemClock, type Clock } from '../tokens.js';
import { checkDeliveryUrl, checkResolvedAddresses, type DeliveryPolicy, type ResolvedAddress } from './ssrf-policy.js';

/** Default time for one attempt, DNS included: 15 s. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 15_000;
/** Default largest response body read from a receiver: 64 KiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** Default cap on a receiver's Retry-After: 10 s, the outbox's usual largest backoff. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 10_000;

/** Receiver-side failure codes, each with the status of its class (503 transient, 502 permanent). */
const RECEIVER_CODES = {
  'delivery.timeout': 503,
  'delivery.network_failed': 503,
  'delivery.dns_unavailable': 503,
  'delivery.receiver_failed': 503,
  'delivery.receiver_rejected': 502,
  'delivery.redirect_refused': 502,
  'delivery.response_too_large': 502,
} as const;
for (const [code, status] of Object.entries(RECEIVER_CODES)) registerErrorCode(code, status);

const DeliveryHostUnresolvableBase = defineError<{ host: string; reason: string }>({
  code: 'delivery.host_unresolvable',
  status: 400,
  message: ({ host, reason }) => `delivery host "${host}" cannot be resolved (${reason}); check the delivery URL`,
});
/** DNS answered that the host does not exist (not a temporary failure). Permanent. */
export class DeliveryHostUnresolvable extends DeliveryHostUnresolvableBase {
  readonly classification: DeliveryFailureClass = { kind: 'permanent' };
}

/** Resolves a hostname to every address, in the resolver's order. Injected in tests. */
export type WireLookup = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver: `dns.lookup(hostname, { all: true, verbatim: true })`. */
export const systemLookup: WireLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Resolver error codes that mean "try again later" rather than "no such host". */
const TRANSIENT_DNS_CODES = new Set(['EAI_AGAIN', 'ETIMEOUT', 'ETIMEDOUT', 'ESERVFAIL', 'SERVFAIL']);

/** Options of {@link sendPinnedRequest}. */
export interface PinnedRequestOptions {
  /** The receiver's URL; checked with {@link checkDeliveryUrl} on every call. */
  url: string;
  /** Request headers; `host` and `content-length` are set here. */
  headers: Record<string, string>;
  /** The exact body bytes (the ones that were signed). */
  body: Uint8Array;
  policy: DeliveryPolicy;
  /** The default value is {@link systemLookup}. */
  lookup?: WireLookup;
  /** Time for DNS, connect and the whole response. The default value is 15000. */
  timeoutMs?: number;
  /** Larger responses fail permanently. The default value is 65536. */
  maxResponseBytes?: number;
  /** Largest honoured Retry-After. The default value is 10000. */
  maxRetryAfterMs?: number;
  /** Extra trusted CA certificates (a private bridge CA, or a test CA); the system CAs otherwise. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Used to read an HTTP-date Retry-After. The default value is the system clock. */
  clock?: Clock;
  signal?: AbortSignal;
}

/** A 2xx answer. */
export interface PinnedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The address the connection was pinned to. */
  address: ResolvedAddress;
}

/**
 * POSTs `body` to `url` through the SSRF policy and returns the 2xx response. Throws:
 * policy errors (`delivery.url_invalid`, `delivery.host_not_allowed`, `delivery.ssrf_blocked`,
 * `delivery.host_unresolvable`) and `delivery.redirect_refused`, `delivery.receiver_rejected`
 * (4xx), `delivery.response_too_large` as permanent; `delivery.timeout`,
 * `delivery.network_failed`, `delivery.dns_unavailable`, `delivery.receiver_failed` (5xx) as
 * transient; `delivery.rate_limited` for 429 with a Retry-After (capped), transient without one.
 * Messages name the host, never the full URL (it may carry a token in its query).
 */
export async function sendPinnedRequest(options: PinnedRequestOptions): Promise<PinnedResponse> {
  const checked = checkDeliveryUrl(options.url, options.policy);
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const host = checked.hostname;
  const timeoutError = () => new DeliveryError(`delivery to "${host}" timed out after ${timeoutMs} ms`, { kind: 'transient' }, { code: 'delivery.timeout' });

  let address: ResolvedAddress;
  if (checked.isIpLiteral) {
    address = { address: host, family: host.includes(':') ? 6 : 4 };
  } else {
    const answers = await withDeadline(resolve(host, options.lookup ?? systemLookup), deadline, timeoutError);
    address = checkResolvedAddresses(host, answers, options.policy);
  }

  const remaining = deadline - Date.now();
  if (remaining <= 0) throw timeoutError();
  const response = await post(checked.url, address, options, remaining, timeoutError);
  return { ...response, address };
}

async function resolve(host: string, lookup: WireLookup): Promise<ResolvedAddress[]> {
  let answers: unknown;
  try {
    answers = await lookup(host);
  } catch (cause) {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : 'unknown';
    if (TRANSIENT_DNS_CODES.has(code)) {
      throw new DeliveryError(`resolving delivery host "${host}" failed temporarily (${code})`, { kind: 'transient' }, { code: 'delivery.dns_unavailable', cause });
    }
    throw new DeliveryHostUnresolvable({ host, reason: code }, { cause });
  }
  // Resolvers may answer plain strings (dns.resolve style); every answer is checked either way.
  if (!Array.isArray(answers)) throw new DeliveryHostUnresolvable({ host, reason: 'the resolver gave no address list' });
  return answers.map((a: unknown) => {
    const address = typeof a === 'string' ? a : typeof a === 'object' && a !== null && typeof (a as ResolvedAddress).address === 'string' ? (a as ResolvedAddress).address : '';
    return { address, family: address.includes(':') ? 6 : 4 } as ResolvedAddress;
  });
}

function withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
    promise.then(
      (value) => { clearTimeout(timer); resolvePromise(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}

function post(
  url: URL,
  address: ResolvedAddress,
  options: PinnedRequestOptions,
  timeoutMs: number,
  timeoutError: () => DeliveryError,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const host = url.hostname;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const secure = url.protocol === 'https:';
  const name = host.startsWith('[') ? host.slice(1, -1) : host;
  const isName = !name.includes(':') && !/^[0-9.]+$/.test(name);
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: { status: number; headers: IncomingHttpHeaders; body: Buffer }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else resolvePromise(value!);
    };
    const requestOptions: https.RequestOptions = {
      // Connect to the checked address itself: no second DNS lookup, so no rebinding window.
      host: address.address,
      family: address.family,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { ...callerHeaders(options.headers), host: url.host, 'content-length': String(options.body.byteLength) },
      agent: false,
      // TLS verifies the certificate against the hostname, not the pinned IP (SNI too).
      ...(secure && isName ? { servername: name } : {}),
      ...(secure && options.ca !== undefined ? { ca: options.ca } : {}),
    };
    const request = (secure ? https : http).request(requestOptions, (response) => readResponse(response));
    const timer = setTimeout(() => finish(timeoutError()), timeoutMs);
    const onAbort = () => finish(new DeliveryError(`delivery to "${host}" was aborted`, { kind: 'transient' }, { code: 'delivery.network_failed' }));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (cause) => {
      const code = (cause as NodeJS.ErrnoException).code ?? 'error';
      finish(new DeliveryError(`delivery to "${host}" failed: ${code}`, { kind: 'transient' }, { code: 'delivery.network_failed', cause }));
    });
    request.end(Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength));

    function readResponse(response: IncomingMessage): void {
      const status = response.statusCode ?? 0;
      const failure = classifyStatus(status, response.headers, host, options);
      if (failure) {
        response.resume();
        finish(failure);
        return;
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        finish(tooLarge(host, maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) finish(tooLarge(host, maxBytes));
        else chunks.push(chunk);
      });
      response.on('end', () => finish(undefined, { status, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', (cause) => finish(new DeliveryError(`reading the response of "${host}" failed`, { kind: 'transient' }, { code: 'delivery.network_failed', cause })));
    }
  });
}

/** The caller's headers without `host` and `content-length` in any case: those are set here, once. */
function callerHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !['host', 'content-length'].includes(name.toLowerCase())));
}

function tooLarge(host: string, maxBytes: number): DeliveryError {
  return new DeliveryError(`the response of "${host}" is larger than ${maxBytes} bytes`, { kind: 'permanent' }, { code: 'delivery.response_too_large' });
}

/** The failure for a non-2xx status, or undefined for 2xx. */
function classifyStatus(status: number, headers: IncomingHttpHeaders, host: string, options: PinnedRequestOptions): DeliveryError | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], (options.clock ?? systemClock).now());
    const maxMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    return retryAfterMs === undefined
      ? new DeliveryError(`"${host}" answered 429 without Retry-After`, { kind: 'transient' }, { code: 'delivery.receiver_failed' })
      : new DeliveryError(`"${host}" answered 429`, { kind: 'rate_limited', retryAfterMs: Math.min(retryAfterMs, maxMs) });
  }
  if (status >= 500) return new DeliveryError(`"${host}" answered ${status}`, { kind: 'transient' }, { code: 'delivery.receiver_failed' });
  if (status >= 300 && status < 400) {
    return new DeliveryError(`"${host}" answered ${status}; redirects are never followed, configure the final URL`, { kind: 'permanent' }, { code: 'delivery.redirect_refused' });
  }
  return new DeliveryError(`"${host}" refused the delivery with ${status}`, { kind: 'permanent' }, { code: 'delivery.receiver_rejected' });
}

/**
 * Milliseconds to wait from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110
 * §10.2.3). Undefined when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  if (!/[a-z]/i.test(raw)) return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
