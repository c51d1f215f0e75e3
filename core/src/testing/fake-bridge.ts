import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '../contracts/provider.js';
import { verifyWebhookSignature, signatureHeaders } from '../webhook-wire/signature.js';
import type { SendFailureKind } from './provider-conformance.js';

/** One delivery POST the fake bridge received. */
export interface FakeBridgeDelivery {
  /** The parsed JSON body (`deliveryId`, `type`, `target`, `text`, …). */
  body: Record<string, unknown> & { deliveryId: string; type: string; text?: string | null };
  /** The exact bytes received. */
  raw: Buffer;
  headers: IncomingHttpHeaders;
  /** True when the signature headers verified under the bridge's secret. */
  signatureValid: boolean;
  receivedAt: number;
}

/** A scripted answer for the next deliveries. */
export interface FakeBridgeFailure {
  status: number;
  /** How many requests get this answer. The default value is 1. */
  count?: number;
  headers?: Record<string, string>;
  body?: string;
}

const FAILURE_STATUS: Record<SendFailureKind, number> = { transient: 503, rate_limited: 429, permanent: 400 };

/**
 * A loopback receiver playing the far side of a signed-webhook bridge: it verifies every
 * delivery's `v1` signature with the shared secret, records each attempt (`attempts`) and each
 * accepted delivery once per delivery id (`deliveries`, like an idempotent bridge), answers
 * `{"messageId": …}`, and can be scripted to fail the next N requests or to be down.
 */
export class FakeBridge {
  /** Every request, including failed and duplicate ones, in arrival order. */
  readonly attempts: FakeBridgeDelivery[] = [];
  /** Accepted deliveries, one per delivery id. */
  readonly deliveries: FakeBridgeDelivery[] = [];
  duplicates = 0;
  private readonly failures: FakeBridgeFailure[] = [];
  private readonly seen = new Set<string>();
  private down: FakeBridgeFailure | null = null;
  private readonly waiters: { predicate: () => boolean; resolve: () => void }[] = [];
  private counter = 0;

  private constructor(private readonly server: Server, readonly url: string, readonly secret: string, private readonly now: () => Date) {}

  /**
   * Starts on 127.0.0.1 with an ephemeral port; `url` is `http://127.0.0.1:<port>/deliveries`.
   * Signatures are checked against `now` (default: the system clock).
   */
  static async start(secret: string, options: { now?: () => Date } = {}): Promise<FakeBridge> {
    let bridge!: FakeBridge;
    const server = createServer((req, res) => void bridge.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    bridge = new FakeBridge(server, `http://127.0.0.1:${port}/deliveries`, secret, options.now ?? (() => new Date()));
    return bridge;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next `count` requests get `status` (and headers/body). */
  failNext(failure: FakeBridgeFailure): void {
    this.failures.push({ count: 1, ...failure });
  }

  /** The next request fails as the conformance suite's class asks: 503, 429 with Retry-After 1, or 400. */
  failNextAs(kind: SendFailureKind): void {
    this.failNext({ status: FAILURE_STATUS[kind], ...(kind === 'rate_limited' ? { headers: { 'retry-after': '1' } } : {}) });
  }

  /** Every request answers `failure.status` until {@link recover}. */
  goDown(failure: FakeBridgeFailure = { status: 503 }): void {
    this.down = failure;
  }

  recover(): void {
    this.down = null;
  }

  /** Texts of accepted deliveries, for the conformance suite's `received`. */
  received(): { text: string; deliveryId: string }[] {
    return this.deliveries.map((d) => ({ text: typeof d.body.text === 'string' ? d.body.text : '', deliveryId: d.body.deliveryId }));
  }

  /** Resolves when `predicate` holds, or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake bridge: condition not met within ${timeoutMs} ms (${this.attempts.length} attempts)`)), timeoutMs);
      this.waiters.push({ predicate, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: FakeBridgeDelivery['body'];
    try {
      body = JSON.parse(raw.toString('utf8')) as FakeBridgeDelivery['body'];
    } catch {
      res.writeHead(400).end('not json');
      return;
    }
    const verified = verifyWebhookSignature({ instance: 'fake-bridge', secret: this.secret, headers: req.headers, rawBody: raw, now: this.now() });
    const delivery: FakeBridgeDelivery = { body, raw, headers: req.headers, signatureValid: verified.ok, receivedAt: Date.now() };
    this.attempts.push(delivery);
    const failure = this.down ?? this.nextFailure();
    if (failure) {
      res.writeHead(failure.status, failure.headers ?? {}).end(failure.body ?? '');
    } else if (!verified.ok) {
      res.writeHead(401).end('bad signature');
    } else {
      if (this.seen.has(body.deliveryId)) this.duplicates += 1;
      else {
        this.seen.add(body.deliveryId);
        this.deliveries.push(delivery);
      }
      this.counter += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messageId: `bridge-msg-${this.counter}` }));
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  private nextFailure(): FakeBridgeFailure | undefined {
    const next = this.failures[0];
    if (!next) return undefined;
    next.count = (next.count ?? 1) - 1;
    if (next.count <= 0) this.failures.shift();
    return next;
  }
}

/**
 * A signed inbound request for a webhook/bridge instance: the body as JSON bytes with the `v1`
 * signature headers of `secret` at `now` (the kernel-parsed `body` is set too).
 */
export function signedWebhookRequest(instance: string, secret: string, body: unknown, now: Date = new Date()): WebhookRequest {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return {
    method: 'POST',
    path: `/webhooks/${instance}`,
    headers: { 'content-type': 'application/json', ...signatureHeaders(secret, rawBody, now) },
    rawBody,
    body: typeof body === 'string' ? undefined : body,
    sourceIp: '127.0.0.1',
  };
}
