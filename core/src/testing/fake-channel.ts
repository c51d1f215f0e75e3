import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSentMessage } from './fake-provider.js';

/** A scripted failure for the next N deliveries the fake channel receives. */
export interface ScriptedFailure {
  status: number;
  count: number;
  headers?: Record<string, string>;
}

/**
 * A loopback HTTP server playing the chat platform behind the fake provider: it records every
 * message, de-duplicates by delivery id like an idempotent bridge (duplicates are counted, not
 * stored twice), and can be told to fail the next N requests with a given status.
 */
export class FakeChannel {
  /** Received messages in arrival order, each with its arrival time (ms since epoch). */
  readonly messages: (FakeSentMessage & { receivedAt: number })[] = [];
  duplicates = 0;
  requests = 0;
  private readonly failures: ScriptedFailure[] = [];
  private readonly seen = new Set<string>();
  private delayMs = 0;
  private readonly waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<FakeChannel> {
    let channel!: FakeChannel;
    const server = createServer((req, res) => void channel.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    channel = new FakeChannel(server, `http://127.0.0.1:${port}/deliveries`);
    return channel;
  }

  /** The next `count` requests answer `status` (e.g. 503, 429 with retry-after, 400). */
  failNext(failure: ScriptedFailure): void {
    this.failures.push({ ...failure });
  }

  /** Every later request is answered only after `ms` (a slow platform, for drain tests). */
  respondAfter(ms: number): void {
    this.delayMs = ms;
  }

  /** Messages sent to one chat, in arrival order. */
  messagesFor(chatId: string): (FakeSentMessage & { receivedAt: number })[] {
    return this.messages.filter((m) => m.target.chatId === chatId);
  }

  /** Resolves when `predicate` holds, or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake channel: condition not met within ${timeoutMs} ms (${this.messages.length} messages)`)), timeoutMs);
      this.waiters.push({ predicate, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.requests += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const failure = this.failures[0];
    if (failure) {
      failure.count -= 1;
      if (failure.count <= 0) this.failures.shift();
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      res.end(JSON.stringify({ ok: false, error: `scripted ${failure.status}` }));
      return;
    }
    const record = { ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeSentMessage), receivedAt: Date.now() };
    if (this.seen.has(record.deliveryId)) this.duplicates += 1;
    else {
      this.seen.add(record.deliveryId);
      this.messages.push(record);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, messageId: `m-${this.messages.length}` }));
    this.settleWaiters();
  }

  private settleWaiters(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
