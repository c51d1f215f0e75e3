import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { classifyDeliveryFailure } from '../src/contracts/provider.js';
import { isGatewayError } from '../src/errors.js';
import { parseRetryAfter, sendPinnedRequest, type PinnedRequestOptions, type WireLookup } from '../src/webhook-wire/pinned-request.js';
import type { ResolvedAddress } from '../src/webhook-wire/ssrf-policy.js';

const run = promisify(execFile);

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  servername: string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback receiver (HTTP or HTTPS) that records requests and answers with `handler`. */
async function startReceiver(handler: Handler, tls?: { key: Buffer; cert: Buffer }) {
  const seen: Seen[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const servername = (req.socket as TLSSocket).servername;
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), servername: servername || undefined });
      handler(req, res);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A fake resolver that records every question and answers from a table. */
function fakeLookup(table: Record<string, string[] | (() => Promise<ResolvedAddress[]>)>): WireLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const entry = table[hostname];
    if (typeof entry === 'function') return entry();
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return entry.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(lookup, { calls });
}

async function failure(options: PinnedRequestOptions): Promise<{ code: string; kind: string; retryAfterMs?: number; message: string }> {
  try {
    await sendPinnedRequest(options);
  } catch (error) {
    expect(isGatewayError(error)).to.equal(true);
    const c = classifyDeliveryFailure(error);
    return { code: (error as { code: string }).code, kind: c.kind, ...(c.kind === 'rate_limited' ? { retryAfterMs: c.retryAfterMs } : {}), message: (error as Error).message };
  }
  throw new Error('expected the request to fail');
}

const BODY = Buffer.from('{"deliveryId":"d-1"}');
const LOOPBACK_DEV = { allowLoopbackDelivery: true };

describe('webhook-wire/pinned-request', function () {
  this.timeout(20_000);
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };

  before(async () => {
    // A throwaway self-signed certificate for bridge.example.com only (used as its own CA).
    dir = await mkdtemp(join(tmpdir(), 'wire-tls-'));
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=bridge.example.com', '-addext', 'subjectAltName=DNS:bridge.example.com'], { cwd: dir });
    tls = { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) };
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('POSTs the exact bytes over http to loopback in development mode and returns the answer', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"messageId":"m-1"}'));
    try {
      const response = await sendPinnedRequest({ url: `http://127.0.0.1:${receiver.port}/hook?x=1#frag`, headers: { 'content-type': 'application/json', 'x-custom': 'a', Host: 'evil.test', 'Content-Length': '1' }, body: BODY, policy: LOOPBACK_DEV });
      expect(response.status).to.equal(200);
      expect(response.body.toString()).to.equal('{"messageId":"m-1"}');
      expect(response.address).to.deep.equal({ address: '127.0.0.1', family: 4 });
      expect(receiver.seen).to.have.length(1);
      expect(receiver.seen[0]).to.include({ method: 'POST', url: '/hook?x=1', body: BODY.toString() });
      expect(receiver.seen[0]!.headers).to.include({ host: `127.0.0.1:${receiver.port}`, 'content-type': 'application/json', 'x-custom': 'a', 'content-length': String(BODY.length) });
    } finally {
      await receiver.close();
    }
  });

  it('pins an allowlisted, opted-in host to its checked address while TLS verifies the hostname', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(202).end(), tls);
    const lookup = fakeLookup({ 'bridge.example.com': ['127.0.0.1'] });
    try {
      const response = await sendPinnedRequest({
        url: `https://bridge.example.com:${receiver.port}/deliver`,
        headers: {},
        body: BODY,
        policy: { allowedHosts: ['*.example.com'], allowPrivateDelivery: true },
        lookup,
        ca: tls.cert,
      });
      expect(response.status).to.equal(202);
      expect(response.address.address).to.equal('127.0.0.1');
      expect(lookup.calls).to.deep.equal(['bridge.example.com']);
      expect(receiver.seen[0]!.servername).to.equal('bridge.example.com');
      expect(receiver.seen[0]!.headers.host).to.equal(`bridge.example.com:${receiver.port}`);
    } finally {
      await receiver.close();
    }
  });

  it('fails when the pinned server\'s certificate is not for the hostname', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end(), tls);
    try {
      const got = await failure({
        url: `https://other.example.com:${receiver.port}/deliver`,
        headers: {},
        body: BODY,
        policy: { allowPrivateDelivery: true },
        lookup: fakeLookup({ 'other.example.com': ['127.0.0.1'] }),
        ca: tls.cert,
      });
      expect(got).to.include({ code: 'delivery.network_failed', kind: 'transient' });
      expect(got.message).to.contain('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(receiver.seen).to.have.length(0);
    } finally {
      await receiver.close();
    }
  });

  it('resolves once per send and connects to that answer, whatever the resolver would say next', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end(), tls);
    // A rebinding resolver: the checked answer first, a private address for any later question.
    let calls = 0;
    const rebinding = fakeLookup({ 'bridge.example.com': async () => [{ address: calls++ === 0 ? '127.0.0.1' : '10.255.255.1', family: 4 }] });
    try {
      const response = await sendPinnedRequest({ url: `https://bridge.example.com:${receiver.port}/b`, headers: {}, body: BODY, policy: { allowPrivateDelivery: true }, lookup: rebinding, ca: tls.cert, timeoutMs: 3000 });
      expect(response.status).to.equal(200);
      expect(response.address.address).to.equal('127.0.0.1');
      // The HTTP stack did not resolve again: the one checked answer is where the bytes went.
      expect(rebinding.calls).to.deep.equal(['bridge.example.com']);
      expect(calls).to.equal(1);
      expect(receiver.seen).to.have.length(1);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a name that resolves public and private before connecting anywhere', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
    try {
      const lookup = fakeLookup({ 'bridge.example.com': ['93.184.216.34', '127.0.0.1'] });
      const got = await failure({ url: `https://bridge.example.com:${receiver.port}/`, headers: {}, body: BODY, policy: {}, lookup });
      expect(got).to.include({ code: 'delivery.ssrf_blocked', kind: 'permanent' });
      expect(receiver.seen).to.have.length(0);
      const localhost = fakeLookup({ localhost: ['127.0.0.1', '93.184.216.34'] });
      expect(await failure({ url: `http://localhost:${receiver.port}/`, headers: {}, body: BODY, policy: LOOPBACK_DEV, lookup: localhost })).to.include({ code: 'delivery.ssrf_blocked' });
      expect(receiver.seen).to.have.length(0);
    } finally {
      await receiver.close();
    }
  });

  it('never follows a redirect', async () => {
    let status = 302;
    const receiver = await startReceiver((req, res) => {
      if (req.url === '/start') res.writeHead(status, { location: '/elsewhere' }).end();
      else res.writeHead(200).end();
    });
    try {
      for (status of [301, 302, 303, 307, 308]) {
        const got = await failure({ url: `http://127.0.0.1:${receiver.port}/start`, headers: {}, body: BODY, policy: LOOPBACK_DEV });
        expect(got, String(status)).to.include({ code: 'delivery.redirect_refused', kind: 'permanent' });
      }
      expect(receiver.seen.map((s) => s.url)).to.deep.equal(['/start', '/start', '/start', '/start', '/start']);
    } finally {
      await receiver.close();
    }
  });

  it('classifies answers: 429 by Retry-After (capped), 5xx transient, other 4xx permanent', async () => {
    let answer: { status: number; headers?: Record<string, string> } = { status: 200 };
    const receiver = await startReceiver((_req, res) => res.writeHead(answer.status, answer.headers ?? {}).end('{}'));
    const send = (extra: Partial<PinnedRequestOptions> = {}) => failure({ url: `http://127.0.0.1:${receiver.port}/`, headers: {}, body: BODY, policy: LOOPBACK_DEV, ...extra });
    try {
      answer = { status: 429, headers: { 'retry-after': '2' } };
      expect(await send()).to.include({ code: 'delivery.rate_limited', kind: 'rate_limited', retryAfterMs: 2000 });
      answer = { status: 429, headers: { 'retry-after': '3600' } };
      expect(await send()).to.include({ kind: 'rate_limited', retryAfterMs: 10_000 });
      expect(await send({ maxRetryAfterMs: 60_000 })).to.include({ kind: 'rate_limited', retryAfterMs: 60_000 });
      answer = { status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' } };
      expect(await send({ clock: { now: () => new Date('2026-01-01T00:00:00Z') } })).to.include({ kind: 'rate_limited', retryAfterMs: 5000 });
      answer = { status: 429 };
      expect(await send()).to.include({ code: 'delivery.receiver_failed', kind: 'transient' });
      for (const status of [500, 502, 503, 504]) {
        answer = { status };
        expect(await send(), String(status)).to.include({ code: 'delivery.receiver_failed', kind: 'transient' });
      }
      for (const status of [400, 401, 403, 404, 409, 413, 422]) {
        answer = { status };
        expect(await send(), String(status)).to.include({ code: 'delivery.receiver_rejected', kind: 'permanent' });
      }
    } finally {
      await receiver.close();
    }
  });

  it('fails permanently on a response larger than the cap, declared or streamed', async () => {
    let chunked = false;
    const receiver = await startReceiver((_req, res) => {
      if (chunked) {
        res.writeHead(200);
        res.write('x'.repeat(600));
        res.end('y'.repeat(600));
      } else res.writeHead(200, { 'content-length': '2000' }).end('z'.repeat(2000));
    });
    try {
      const options = { url: `http://127.0.0.1:${receiver.port}/`, headers: {}, body: BODY, policy: LOOPBACK_DEV, maxResponseBytes: 1000 };
      expect(await failure(options)).to.include({ code: 'delivery.response_too_large', kind: 'permanent' });
      chunked = true;
      expect(await failure(options)).to.include({ code: 'delivery.response_too_large', kind: 'permanent' });
      const ok = await sendPinnedRequest({ ...options, maxResponseBytes: 1200 });
      expect(ok.body.length).to.equal(1200);
    } finally {
      await receiver.close();
    }
  });

  it('times out a receiver that does not answer, as a transient failure', async () => {
    const receiver = await startReceiver(() => { /* never answers */ });
    try {
      const started = Date.now();
      expect(await failure({ url: `http://127.0.0.1:${receiver.port}/`, headers: {}, body: BODY, policy: LOOPBACK_DEV, timeoutMs: 200 })).to.include({ code: 'delivery.timeout', kind: 'transient' });
      expect(Date.now() - started).to.be.below(2000);
    } finally {
      await receiver.close();
    }
  });

  it('treats a refused connection and an abort as transient', async () => {
    const receiver = await startReceiver((_req, res) => res.end());
    const port = receiver.port;
    await receiver.close();
    expect(await failure({ url: `http://127.0.0.1:${port}/`, headers: {}, body: BODY, policy: LOOPBACK_DEV })).to.include({ code: 'delivery.network_failed', kind: 'transient' });
    const hanging = await startReceiver(() => { /* never answers */ });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      expect(await failure({ url: `http://127.0.0.1:${hanging.port}/`, headers: {}, body: BODY, policy: LOOPBACK_DEV, signal: controller.signal })).to.include({ code: 'delivery.network_failed', kind: 'transient' });
    } finally {
      await hanging.close();
    }
  });

  it('maps resolver failures: temporary codes transient, others permanent, a hung resolver bounded by the timeout', async () => {
    const throwing = (code: string): WireLookup => async () => { throw Object.assign(new Error(`lookup ${code}`), { code }); };
    const send = (lookup: WireLookup, timeoutMs?: number) => failure({ url: 'https://bridge.example.com/hook', headers: {}, body: BODY, policy: {}, lookup, ...(timeoutMs ? { timeoutMs } : {}) });
    for (const code of ['EAI_AGAIN', 'ETIMEOUT', 'ETIMEDOUT', 'ESERVFAIL', 'SERVFAIL']) {
      expect(await send(throwing(code)), code).to.include({ code: 'delivery.dns_unavailable', kind: 'transient' });
    }
    for (const code of ['ENOTFOUND', 'ENODATA', 'EINVAL']) {
      expect(await send(throwing(code)), code).to.include({ code: 'delivery.host_unresolvable', kind: 'permanent' });
    }
    const hung: WireLookup = () => new Promise(() => { /* never resolves */ });
    const started = Date.now();
    expect(await send(hung, 150)).to.include({ code: 'delivery.timeout', kind: 'transient' });
    expect(Date.now() - started).to.be.below(2000);
  });

  it('checks plain-string resolver answers too', async () => {
    const strings = (async () => ['10.0.0.1']) as unknown as WireLookup;
    expect(await failure({ url: 'https://bridge.example.com/hook', headers: {}, body: BODY, policy: {}, lookup: strings })).to.include({ code: 'delivery.ssrf_blocked' });
  });

  it('parses Retry-After seconds and HTTP-dates', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).to.equal(7000);
    expect(parseRetryAfter(['3', '9'], now)).to.equal(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).to.equal(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).to.equal(0);
    for (const bad of [undefined, '', '-1', '1.5', 'soon', '12abc']) expect(parseRetryAfter(bad, now), String(bad)).to.equal(undefined);
  });
});
