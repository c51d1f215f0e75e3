import { expect } from 'chai';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import {
  AdminBadRequest,
  ConfigInvalid,
  GatewayError,
  WebhookAuthFailed,
  WebhookPayloadInvalid,
  WebhookUnknownInstance,
} from '../src/errors.js';
import type { Logger } from '../src/logging.js';
import {
  createHttpApp,
  HttpTrustedProxyInvalid,
  startHttpServer,
  type GatewayHttpOptions,
  type HttpRequest,
  type HttpResponse,
  type RunningHttpServer,
} from '../src/http/index.js';

interface LogLine {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

function memoryLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (event: string, fields: Record<string, unknown> = {}) => void lines.push({ level, event, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

interface Harness {
  url: string;
  server: RunningHttpServer;
  calls: Array<{ instance: string; req: HttpRequest }>;
  logs: LogLine[];
}

type Dispatch = GatewayHttpOptions['webhook'];
const accepted: Dispatch = async () => ({ status: 202, body: { ok: true } });

async function withServer(overrides: Partial<GatewayHttpOptions>, run: (h: Harness) => Promise<void>): Promise<void> {
  const calls: Harness['calls'] = [];
  const logs: LogLine[] = [];
  const dispatch = overrides.webhook ?? accepted;
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: memoryLogger(logs),
    maxBodyBytes: 100,
    rateLimit: { maxRequests: 1000, windowMs: 60_000 },
    authFailure: { limit: 20, blockMs: 60_000 },
    trustProxyHeaders: false,
    trustedProxyCidrs: [],
    readiness: async () => ({ ready: true, body: { status: 'ok' } }),
    ...overrides,
    webhook: async (instance, req) => {
      calls.push({ instance, req });
      return dispatch(instance, req);
    },
  });
  try {
    await run({ url: server.url, server, calls, logs });
  } finally {
    await server.close();
  }
}

async function json(response: Response): Promise<{ status: number; body: any; headers: Headers }> {
  return { status: response.status, body: await response.json(), headers: response.headers };
}

function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A request whose body is written chunk by chunk and maybe never finished; resolves on the answer. */
function rawRequest(url: string, options: { path: string; headers: Record<string, string>; chunks: string[]; end: boolean }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${options.path}`, { method: 'POST', headers: options.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.flushHeaders();
    for (const chunk of options.chunks) req.write(chunk);
    if (options.end) req.end();
  });
}

const UPLOAD_PIECE_BYTES = 16 * 1024;

/**
 * One request on its own socket, written like curl does: the headers, then the whole body at once,
 * whatever the server answers meanwhile. Resolves with the answer once the server closed its side
 * and the body was written; rejects on a reset (EPIPE/ECONNRESET) or an answer that is cut off.
 */
function uploadInFull(url: string, head: string, body: Buffer): Promise<{ status: number; head: string; body: any }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true });
    const received: Buffer[] = [];
    let written = false;
    let ended = false;
    const finish = (): void => {
      if (!written || !ended) return;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no complete answer: ${JSON.stringify(text.slice(0, 200))}`));
      const answerHead = text.slice(0, split);
      try {
        resolve({ status: Number(answerHead.split(' ')[1]), head: answerHead, body: JSON.parse(text.slice(split + 4)) });
      } catch (error) {
        reject(error);
      }
    };
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => {
      ended = true;
      finish();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      if (!written) reject(new Error(`the connection closed after ${sent} of ${body.length} body bytes were written`));
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and close within 5 s (${sent} of ${body.length} body bytes written, ${received.length} answer chunks)`));
    }, 5_000);
    let sent = 0;
    socket.write(head);
    // Piece by piece as the socket takes them, like curl's upload loop, so the upload is still
    // going when the answer arrives (one big write would sit in the kernel's buffers at once).
    const writeFrom = (at: number): void => {
      if (socket.destroyed) return;
      if (at >= body.length) {
        written = true;
        return finish();
      }
      const piece = body.subarray(at, at + UPLOAD_PIECE_BYTES);
      socket.write(piece, (error) => {
        sent += piece.length;
        if (error) reject(error);
        else setImmediate(() => writeFrom(at + piece.length));
      });
    };
    writeFrom(0);
  });
}

function expectSecurityHeaders(headers: Headers): void {
  expect(headers.get('content-type')).to.equal('application/json; charset=utf-8');
  expect(headers.get('cache-control')).to.equal('no-store');
  expect(headers.get('x-content-type-options')).to.equal('nosniff');
}

describe('http server', () => {
  describe('probes', () => {
    it('answers GET /healthz with {ok:true} and the security headers', async () => {
      await withServer({}, async ({ url, logs }) => {
        const res = await json(await fetch(`${url}/healthz`));
        expect(res).to.deep.include({ status: 200, body: { ok: true } });
        expectSecurityHeaders(res.headers);
        const line = logs.find((l) => l.event === 'http.request');
        expect(line?.level).to.equal('debug');
        expect(line?.fields).to.include({ method: 'GET', path: '/healthz', status: 200, sourceIp: '127.0.0.1' });
        expect(line?.fields.ms).to.be.a('number');
      });
    });

    it('answers GET /ready with 200 when ready and 503 when not', async () => {
      let ready = true;
      await withServer({ readiness: async () => ({ ready, body: { status: ready ? 'ok' : 'degraded' } }) }, async ({ url }) => {
        expect(await json(await fetch(`${url}/ready`))).to.deep.include({ status: 200, body: { status: 'ok' } });
        ready = false;
        const res = await json(await fetch(`${url}/ready`));
        expect(res).to.deep.include({ status: 503, body: { status: 'degraded' } });
        expectSecurityHeaders(res.headers);
      });
    });
  });

  describe('POST /webhooks/:instance', () => {
    it('dispatches the parsed body, raw body, params, query and source address', async () => {
      await withServer({}, async ({ url, calls }) => {
        const payload = '{"update_id":1,"text":"héllo"}';
        const res = await json(await postJson(`${url}/webhooks/telegram-main?mode=a&mode=b`, payload, { 'x-sig': 'abc' }));
        expect(res).to.deep.include({ status: 202, body: { ok: true } });
        expectSecurityHeaders(res.headers);
        expect(calls).to.have.length(1);
        const { instance, req } = calls[0]!;
        expect(instance).to.equal('telegram-main');
        expect(req.method).to.equal('POST');
        expect(req.path).to.equal('/webhooks/telegram-main');
        expect(req.params).to.deep.equal({ instance: 'telegram-main' });
        expect(req.query).to.deep.equal({ mode: 'a' });
        expect(req.body).to.deep.equal({ update_id: 1, text: 'héllo' });
        expect(req.rawBody.equals(Buffer.from(payload))).to.equal(true);
        expect(req.headers['x-sig']).to.equal('abc');
        expect(req.sourceIp).to.equal('127.0.0.1');
      });
    });

    it('parses form-encoded bodies into an object of strings', async () => {
      await withServer({}, async ({ url, calls }) => {
        const res = await fetch(`${url}/webhooks/slack`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'payload=%7B%22a%22%3A1%7D&n=2&n=3',
        });
        expect(res.status).to.equal(202);
        expect(calls[0]!.req.body).to.deep.equal({ payload: '{"a":1}', n: '3' });
      });
    });

    it('passes a message/rfc822 body on raw and unparsed (inbound mail)', async () => {
      await withServer({}, async ({ url, calls }) => {
        const mail = 'From: a@example.test\r\nSubject: hi\r\n\r\nnot json {';
        const res = await fetch(`${url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: mail });
        expect(res.status).to.equal(202);
        expect(calls[0]!.req.body).to.equal(undefined);
        expect(calls[0]!.req.rawBody.toString('utf8')).to.equal(mail);
      });
    });

    it('treats an empty body as {}', async () => {
      await withServer({}, async ({ url, calls }) => {
        expect((await postJson(`${url}/webhooks/hook`, '')).status).to.equal(202);
        expect((await postJson(`${url}/webhooks/hook`, '  \n')).status).to.equal(202);
        expect((await fetch(`${url}/webhooks/hook`, { method: 'POST' })).status).to.equal(202);
        expect(calls.map((c) => c.req.body)).to.deep.equal([{}, {}, {}]);
        expect(calls[2]!.req.rawBody.length).to.equal(0);
      });
    });

    it('answers 400 http.bad_json for invalid JSON or UTF-8 without echoing the body', async () => {
      await withServer({}, async ({ url, calls, logs }) => {
        const res = await json(await postJson(`${url}/webhooks/hook`, '{"secret-value": '));
        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal('http.bad_json');
        expect(res.body.error.message).to.be.a('string').and.not.include('secret-value');
        expectSecurityHeaders(res.headers);
        const bad = await fetch(`${url}/webhooks/hook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.from([0x22, 0xff, 0x22]),
        });
        expect((await json(bad)).body.error.code).to.equal('http.bad_json');
        expect(calls).to.have.length(0);
        expect(JSON.stringify(logs)).not.to.include('secret-value');
        expect(logs.find((l) => l.event === 'http.bad_json')?.level).to.equal('info');
      });
    });

    it('accepts a utf-8 charset and refuses other content types with 415', async () => {
      await withServer({}, async ({ url }) => {
        const ok = await postJson(`${url}/webhooks/hook`, '{}', { 'content-type': 'application/json; charset=UTF-8' });
        expect(ok.status).to.equal(202);
        const refused: Array<Record<string, string>> = [
          { 'content-type': 'text/plain' },
          { 'content-type': 'application/json; charset=latin1' },
          { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        ];
        for (const headers of refused) {
          const res = await json(await fetch(`${url}/webhooks/hook`, { method: 'POST', headers, body: '{}' }));
          expect(res.status).to.equal(415);
          expect(res.body.error.code).to.equal('http.unsupported_media_type');
        }
        const none = await json(await fetch(`${url}/webhooks/hook`, { method: 'POST', body: new Uint8Array([1]) }));
        expect(none.body.error).to.deep.include({ code: 'http.unsupported_media_type' });
      });
    });

    it('answers 413 when content-length announces too much, without waiting for the body', async () => {
      await withServer({}, async ({ url, calls }) => {
        const res = await rawRequest(url, {
          path: '/webhooks/hook',
          headers: { 'content-type': 'application/json', 'content-length': '5000' },
          chunks: [],
          end: false,
        });
        expect(res.status).to.equal(413);
        expect(res.body.error.code).to.equal('http.body_too_large');
        expect(res.headers.connection).to.equal('close');
        expect(calls).to.have.length(0);
      });
    });

    it('answers 413 as soon as a streamed chunked body passes the cap', async () => {
      await withServer({}, async ({ url, calls }) => {
        const res = await rawRequest(url, {
          path: '/webhooks/hook',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          chunks: ['"' + 'a'.repeat(60), 'b'.repeat(60)],
          end: false,
        });
        expect(res.status).to.equal(413);
        expect(res.body.error.code).to.equal('http.body_too_large');
        expect(calls).to.have.length(0);
      });
    });

    it('answers an oversized body written in full with the 413 every time, never a reset (50 × 2 MiB)', async function () {
      this.timeout(60_000);
      await withServer({ maxBodyBytes: 1024 * 1024 }, async ({ url, calls }) => {
        const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
        const head = `POST /webhooks/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
        for (let attempt = 0; attempt < 50; attempt += 1) {
          const answer = await uploadInFull(url, head, body);
          expect(answer.status, `attempt ${attempt}`).to.equal(413);
          expect(answer.head.toLowerCase(), `attempt ${attempt}`).to.include('connection: close');
          expect(answer.body.error, `attempt ${attempt}`).to.deep.include({ code: 'http.body_too_large' });
        }
        expect(calls).to.have.length(0);
      });
    });

    it('answers an oversized chunked upload written in full with the 413, never a reset', async function () {
      this.timeout(30_000);
      await withServer({ maxBodyBytes: 1024 * 1024 }, async ({ url, calls }) => {
        const piece = 'x'.repeat(256 * 1024);
        const chunked = Buffer.from(`${'1\r\n"\r\n'}${`${piece.length.toString(16)}\r\n${piece}\r\n`.repeat(8)}1\r\n"\r\n0\r\n\r\n`);
        const head = 'POST /webhooks/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
        for (let attempt = 0; attempt < 10; attempt += 1) {
          const answer = await uploadInFull(url, head, chunked);
          expect(answer.status, `attempt ${attempt}`).to.equal(413);
          expect(answer.head.toLowerCase(), `attempt ${attempt}`).to.include('connection: close');
          expect(answer.body.error, `attempt ${attempt}`).to.deep.include({ code: 'http.body_too_large' });
        }
        expect(calls).to.have.length(0);
      });
    });

    it('stops reading an oversized upload after four times the cap and closes the connection', async function () {
      this.timeout(20_000);
      await withServer({}, async ({ url }) => {
        const { port } = new URL(url);
        const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true });
        const received: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('error', () => undefined);
        let written = 0;
        const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
        socket.write('POST /webhooks/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n');
        const piece = Buffer.alloc(1024, 'x');
        const pump = (): void => {
          if (socket.destroyed || written > 10_000_000) return;
          written += piece.length;
          socket.write(piece, () => setImmediate(pump));
        };
        pump();
        await closed;
        const answer = Buffer.concat(received).toString('utf8');
        expect(answer).to.match(/^HTTP\/1\.1 413 /);
        expect(answer).to.include('"code":"http.body_too_large"');
        // maxBodyBytes is 100: the server discards at most 400 more bytes, then closes (the socket
        // buffers let the client write somewhat more before it notices).
        expect(written, 'bytes the client wrote before the close').to.be.below(10_000_000);
      });
    });

    it('accepts a body of exactly maxBodyBytes', async () => {
      await withServer({}, async ({ url, calls }) => {
        const body = JSON.stringify({ a: 'x'.repeat(92) });
        expect(Buffer.byteLength(body)).to.equal(100);
        expect((await postJson(`${url}/webhooks/hook`, body)).status).to.equal(202);
        expect(calls).to.have.length(1);
      });
    });

    it('survives a client that disconnects mid-body', async () => {
      await withServer({}, async ({ url, calls, logs }) => {
        await new Promise<void>((resolve) => {
          const req = httpRequest(`${url}/webhooks/hook`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': '50' },
            agent: false,
          });
          req.on('error', () => resolve());
          req.write('{"a":');
          setTimeout(() => req.destroy(), 50);
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await fetch(`${url}/healthz`)).status).to.equal(200);
        expect(calls).to.have.length(0);
        expect(logs.some((l) => l.event === 'http.internal_error')).to.equal(false);
        expect(logs.some((l) => l.event === 'http.request_aborted')).to.equal(true);
      });
    });

    it('maps dispatcher GatewayErrors to their status and code', async () => {
      const errors: Record<string, Error> = {
        sig: new WebhookAuthFailed({ instance: 'sig', reason: 'bad signature' }),
        unknown: new WebhookUnknownInstance({ instance: 'unknown' }),
        payload: new WebhookPayloadInvalid({ instance: 'payload', reason: 'no update_id' }),
        down: new GatewayError('kernel.unavailable', 'store connection string postgres://u:p@db', 503, {
          details: { retryAfterSeconds: 2.2 },
        }),
      };
      await withServer({ webhook: async (instance) => Promise.reject(errors[instance]) }, async ({ url, logs }) => {
        const sig = await json(await postJson(`${url}/webhooks/sig`, '{}'));
        expect(sig.status).to.equal(401);
        expect(sig.body).to.deep.equal({ error: { code: 'webhook.signature_invalid', message: 'webhook verification failed for "sig": bad signature' } });
        expectSecurityHeaders(sig.headers);
        const unknown = await json(await postJson(`${url}/webhooks/unknown`, '{}'));
        expect(unknown.status).to.equal(404);
        expect(unknown.body.error.code).to.equal('webhook.unknown_instance');
        const payload = await json(await postJson(`${url}/webhooks/payload`, '{}'));
        expect(payload.status).to.equal(400);
        expect(payload.body.error.code).to.equal('webhook.payload_invalid');
        const down = await json(await postJson(`${url}/webhooks/down`, '{}'));
        expect(down.status).to.equal(503);
        expect(down.body).to.deep.equal({ error: { code: 'kernel.unavailable', message: 'internal error' } });
        expect(down.headers.get('retry-after')).to.equal('3');
        expect(logs.find((l) => l.event === 'http.gateway_error')?.level).to.equal('error');
        expect(logs.find((l) => l.event === 'webhook.signature_invalid')?.level).to.equal('warn');
      });
    });

    it('answers 500 internal for a plain Error without leaking it, and keeps serving', async () => {
      await withServer({ webhook: async () => Promise.reject(new Error('db password is hunter2')) }, async ({ url, logs }) => {
        const res = await json(await postJson(`${url}/webhooks/hook`, '{}'));
        expect(res.status).to.equal(500);
        expect(res.body).to.deep.equal({ error: { code: 'internal', message: 'internal error' } });
        expectSecurityHeaders(res.headers);
        const logged = logs.find((l) => l.event === 'http.internal_error');
        expect(logged?.level).to.equal('error');
        expect((logged?.fields.error as Error).message).to.equal('db password is hunter2');
        expect((await fetch(`${url}/healthz`)).status).to.equal(200);
      });
    });

    it('answers 500 internal when the dispatcher returns an invalid response', async () => {
      await withServer({ webhook: async () => ({ status: 42, body: {} }) }, async ({ url }) => {
        const res = await json(await postJson(`${url}/webhooks/hook`, '{}'));
        expect(res).to.deep.include({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
      });
    });

    it('sends dispatcher responses: empty, raw text, bytes and custom headers', async () => {
      const replies: Record<string, HttpResponse> = {
        empty: { status: 202, body: undefined },
        nocontent: { status: 204, body: null },
        text: { status: 200, body: 'challenge-123', contentType: 'text/plain; charset=utf-8', headers: { 'x-extra': '1', 'content-length': '999' } },
        bytes: { status: 200, body: Buffer.from([1, 2, 3]) },
        string: { status: 200, body: 'plain' },
      };
      await withServer({ webhook: async (instance) => replies[instance]! }, async ({ url }) => {
        const empty = await postJson(`${url}/webhooks/empty`, '{}');
        expect(empty.status).to.equal(202);
        expect(await empty.text()).to.equal('');
        expect(empty.headers.get('cache-control')).to.equal('no-store');
        expect((await postJson(`${url}/webhooks/nocontent`, '{}')).status).to.equal(204);
        const text = await postJson(`${url}/webhooks/text`, '{}');
        expect(text.headers.get('content-type')).to.equal('text/plain; charset=utf-8');
        expect(text.headers.get('x-extra')).to.equal('1');
        expect(text.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(await text.text()).to.equal('challenge-123');
        const bytes = await postJson(`${url}/webhooks/bytes`, '{}');
        expect(bytes.headers.get('content-type')).to.equal('application/octet-stream');
        expect([...new Uint8Array(await bytes.arrayBuffer())]).to.deep.equal([1, 2, 3]);
        const str = await postJson(`${url}/webhooks/string`, '{}');
        expect(str.headers.get('content-type')).to.equal('application/json; charset=utf-8');
        expect(await str.json()).to.equal('plain');
      });
    });

    it('answers 404 webhook.unknown_instance for a segment that cannot be an instance id', async () => {
      await withServer({}, async ({ url, calls }) => {
        const res = await json(await postJson(`${url}/webhooks/Not_An_Id`, '{}'));
        expect(res.status).to.equal(404);
        expect(res.body.error.code).to.equal('webhook.unknown_instance');
        expect(calls).to.have.length(0);
      });
    });

    it('rate-limits per source and instance with 429 and retry-after', async () => {
      await withServer({ rateLimit: { maxRequests: 3, windowMs: 60_000 } }, async ({ url, logs }) => {
        for (let i = 0; i < 3; i++) expect((await postJson(`${url}/webhooks/hook`, '{}')).status).to.equal(202);
        const res = await json(await postJson(`${url}/webhooks/hook`, '{}'));
        expect(res.status).to.equal(429);
        expect(res.body.error.code).to.equal('http.rate_limited');
        expect(Number(res.headers.get('retry-after'))).to.be.within(1, 60);
        expect((await postJson(`${url}/webhooks/other`, '{}')).status).to.equal(202);
        expect(logs.find((l) => l.event === 'http.rate_limited')?.level).to.equal('warn');
      });
    });

    it('blocks a source after repeated signature failures, even for a valid request', async () => {
      const dispatch: Dispatch = async (instance, req) => {
        if (req.headers['x-sig'] !== 'good') throw new WebhookAuthFailed({ instance, reason: 'bad signature' });
        return { status: 202, body: { ok: true } };
      };
      await withServer({ webhook: dispatch, authFailure: { limit: 2, blockMs: 30_000 } }, async ({ url, calls, logs }) => {
        expect((await postJson(`${url}/webhooks/hook`, '{}', { 'x-sig': 'bad' })).status).to.equal(401);
        expect((await postJson(`${url}/webhooks/hook`, '{}', { 'x-sig': 'bad' })).status).to.equal(401);
        const res = await json(await postJson(`${url}/webhooks/hook`, '{}', { 'x-sig': 'good' }));
        expect(res.status).to.equal(429);
        expect(res.body.error.code).to.equal('http.source_blocked');
        expect(res.headers.get('retry-after')).to.equal('30');
        expect(calls).to.have.length(2);
        expect(logs.find((l) => l.event === 'http.auth_blocked')?.fields).to.include({ sourceIp: '127.0.0.1', scope: 'hook' });
        expect((await postJson(`${url}/webhooks/other`, '{}', { 'x-sig': 'good' })).status).to.equal(202);

        const early = await rawRequest(url, {
          path: '/webhooks/hook',
          headers: { 'content-type': 'application/json', 'content-length': '80' },
          chunks: [],
          end: false,
        });
        expect(early.status).to.equal(429);
        expect(early.body.error.code).to.equal('http.source_blocked');
        expect(early.headers.connection).to.equal('close');
      });
    });
  });

  describe('routing', () => {
    it('answers 404 http.not_found for unknown paths', async () => {
      await withServer({}, async ({ url }) => {
        const res = await json(await fetch(`${url}/nope?token=abc`));
        expect(res.status).to.equal(404);
        expect(res.body).to.deep.equal({ error: { code: 'http.not_found', message: 'no route for /nope' } });
        expectSecurityHeaders(res.headers);
        expect((await fetch(`${url}/nope`, { method: 'PATCH' })).status).to.equal(404);
      });
    });

    it('answers 405 http.method_not_allowed with Allow for a wrong method', async () => {
      await withServer({}, async ({ url }) => {
        const res = await json(await fetch(`${url}/webhooks/hook`));
        expect(res.status).to.equal(405);
        expect(res.body.error.code).to.equal('http.method_not_allowed');
        expect(res.headers.get('allow')).to.equal('POST');
        const put = await json(await fetch(`${url}/healthz`, { method: 'PUT' }));
        expect(put.status).to.equal(405);
        expect(put.headers.get('allow')).to.equal('HEAD, GET');
      });
    });

    it('answers malformed HTTP with a JSON 400', async () => {
      await withServer({}, async ({ server }) => {
        const text = await new Promise<string>((resolve, reject) => {
          const socket = connect(server.port, '127.0.0.1', () => socket.write('BOGUS\r\n\r\n'));
          let data = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => (data += chunk));
          socket.on('end', () => resolve(data));
          socket.on('error', reject);
        });
        expect(text).to.match(/^HTTP\/1\.1 400 Bad Request/);
        expect(text).to.include('"code":"http.bad_request"');
        expect(text).to.include('Content-Type: application/json; charset=utf-8');
      });
    });
  });

  describe('extra and admin routes', () => {
    const routes: GatewayHttpOptions['routes'] = [
      { method: 'GET', path: '/metrics', auth: 'none', handle: async () => ({ status: 200, body: 'up 1\n', contentType: 'text/plain; version=0.0.4' }) },
      { method: 'GET', path: '/admin/things/:id', auth: 'admin', handle: async (req) => ({ status: 200, body: { id: req.params.id, q: req.query, body: req.body ?? null } }) },
      { method: 'POST', path: '/admin/things', auth: 'admin', handle: async (req) => ({ status: 201, body: { got: req.body } }) },
      { method: 'DELETE', path: '/admin/things/:id', auth: 'admin', handle: async () => Promise.reject(new AdminBadRequest({ reason: 'cannot delete' })) },
    ];
    const bearer = { authorization: 'Bearer admin-secret' };

    it('serves public routes with their own content type', async () => {
      await withServer({ routes }, async ({ url }) => {
        const res = await fetch(`${url}/metrics`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.equal('text/plain; version=0.0.4');
        expect(await res.text()).to.equal('up 1\n');
      });
    });

    it('answers 403 admin.not_configured when no admin token is set', async () => {
      await withServer({ routes }, async ({ url }) => {
        const res = await json(await fetch(`${url}/admin/things/1`, { headers: bearer }));
        expect(res.status).to.equal(403);
        expect(res.body.error.code).to.equal('admin.not_configured');
      });
    });

    it('answers 401 admin.unauthorized without the right bearer token and 200 with it', async () => {
      await withServer({ routes, adminToken: 'admin-secret' }, async ({ url, logs }) => {
        const missing = await json(await fetch(`${url}/admin/things/1`));
        expect(missing.status).to.equal(401);
        expect(missing.body.error.code).to.equal('admin.unauthorized');
        expectSecurityHeaders(missing.headers);
        const wrong = await fetch(`${url}/admin/things/1`, { headers: { authorization: 'Bearer nope' } });
        expect(wrong.status).to.equal(401);
        const ok = await json(await fetch(`${url}/admin/things/7?x=1`, { headers: bearer }));
        expect(ok).to.deep.include({ status: 200, body: { id: '7', q: { x: '1' }, body: null } });
        const created = await json(await fetch(`${url}/admin/things`, { method: 'POST', headers: bearer }));
        expect(created).to.deep.include({ status: 201, body: { got: {} } });
        const posted = await fetch(`${url}/admin/things`, {
          method: 'POST',
          headers: { ...bearer, 'content-type': 'application/json' },
          body: '{"name":"n"}',
        });
        expect(await posted.json()).to.deep.equal({ got: { name: 'n' } });
        const refused = await json(await fetch(`${url}/admin/things/7`, { method: 'DELETE', headers: bearer }));
        expect(refused).to.deep.include({ status: 400, body: { error: { code: 'admin.bad_request', message: 'cannot delete' } } });
        expect(JSON.stringify(logs)).not.to.include('admin-secret');
      });
    });

    it('blocks a source after repeated admin failures; forwarded headers do not help', async () => {
      await withServer({ routes, adminToken: 'admin-secret', authFailure: { limit: 3, blockMs: 10_000 } }, async ({ url }) => {
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${url}/admin/things/1`, { headers: { authorization: 'Bearer guess', 'x-forwarded-for': `203.0.113.${i}` } });
          expect(res.status).to.equal(401);
        }
        const res = await json(await fetch(`${url}/admin/things/1`, { headers: bearer }));
        expect(res.status).to.equal(429);
        expect(res.body.error.code).to.equal('http.source_blocked');
        expect(res.headers.get('retry-after')).to.equal('10');
        expect((await postJson(`${url}/webhooks/hook`, '{}')).status).to.equal(202);
      });
    });
  });

  describe('trusted proxies', () => {
    it('uses X-Forwarded-For only from a trusted peer', async () => {
      const headers = { 'x-forwarded-for': '203.0.113.50' };
      await withServer({ trustProxyHeaders: true, trustedProxyCidrs: ['127.0.0.0/8'] }, async ({ url, calls }) => {
        await postJson(`${url}/webhooks/hook`, '{}', headers);
        expect(calls[0]!.req.sourceIp).to.equal('203.0.113.50');
      });
      await withServer({ trustProxyHeaders: true, trustedProxyCidrs: ['10.0.0.0/8'] }, async ({ url, calls }) => {
        await postJson(`${url}/webhooks/hook`, '{}', headers);
        expect(calls[0]!.req.sourceIp).to.equal('127.0.0.1');
      });
    });
  });

  describe('lifecycle', () => {
    it('close() ends idle keep-alive sockets, resolves, and is idempotent', async () => {
      await withServer({}, async ({ url, server }) => {
        expect((await fetch(`${url}/healthz`)).status).to.equal(200);
        expect(server.server.requestTimeout).to.equal(30_000);
        expect(server.server.headersTimeout).to.equal(15_000);
        expect(server.server.keepAliveTimeout).to.equal(10_000);
        expect(server.server.maxConnections).to.equal(1024);
        const started = Date.now();
        await Promise.all([server.close(), server.close()]);
        expect(Date.now() - started).to.be.below(2000);
        expect(server.server.listening).to.equal(false);
        let failed = false;
        await fetch(`${url}/healthz`).catch(() => (failed = true));
        expect(failed).to.equal(true);
      });
    });

    it('close() lets an in-flight request finish before resolving', async () => {
      const slow: Dispatch = async () => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return { status: 202, body: { ok: true } };
      };
      await withServer({ webhook: slow }, async ({ url, server }) => {
        const pending = postJson(`${url}/webhooks/hook`, '{}');
        await new Promise((resolve) => setTimeout(resolve, 50));
        const closed = server.close();
        expect((await pending).status).to.equal(202);
        await closed;
        expect(server.server.listening).to.equal(false);
      });
    });

    it('rejects when the port is taken', async () => {
      await withServer({}, async ({ server }) => {
        let error: unknown;
        await withServer({ port: server.port }, async () => undefined).catch((e: unknown) => (error = e));
        expect((error as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      });
    });

    it('createHttpApp validates its options', () => {
      const base = {
        host: '127.0.0.1',
        port: 0,
        logger: memoryLogger([]),
        maxBodyBytes: 0,
        rateLimit: { maxRequests: 1, windowMs: 1 },
        authFailure: { limit: 1, blockMs: 1 },
        trustProxyHeaders: false,
        trustedProxyCidrs: [],
        readiness: async () => ({ ready: true, body: {} }),
        webhook: accepted,
      };
      expect(() => createHttpApp(base)).to.throw(ConfigInvalid, /maxBodyBytes/);
      expect(() => createHttpApp({ ...base, maxBodyBytes: 1, trustedProxyCidrs: ['nope'] })).to.throw(HttpTrustedProxyInvalid);
      expect(createHttpApp({ ...base, maxBodyBytes: 1 }).callback()).to.be.a('function');
    });
  });
});
