import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '@cowork-gateway/core';
import { describeProviderConformance, type InboundSample, type SendFailureKind } from '@cowork-gateway/core/testing';
import relayPlugin from '../src/index.js';

const SECRET = 'relay-conformance-secret';

/** Status the receiver answers for each scripted failure class. */
const FAILURE_STATUS: Record<SendFailureKind, number> = { transient: 503, rate_limited: 429, permanent: 400 };

/** A loopback stand-in for the relay's replyUrl: records replies, or fails the next one on request. */
class RelayReceiver {
  readonly messages: { deliveryId: string; chatId: string; text: string }[] = [];
  private nextFailure: SendFailureKind | undefined;

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<RelayReceiver> {
    let receiver!: RelayReceiver;
    const server = createServer((req, res) => void receiver.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new RelayReceiver(server, `http://127.0.0.1:${port}/in`);
    return receiver;
  }

  /** The next reply is answered with the status of `kind` (503, 429 or 400). */
  failNext(kind: SendFailureKind): void {
    this.nextFailure = kind;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const failure = this.nextFailure;
    this.nextFailure = undefined;
    if (failure) {
      res.writeHead(FAILURE_STATUS[failure], failure === 'rate_limited' ? { 'retry-after': '1' } : {});
      res.end();
      return;
    }
    this.messages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RelayReceiver['messages'][number]);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  }
}

/** An inbound relay webhook for `sample`, with x-relay-signature = hex HMAC-SHA256 of the body under `secret`. */
function relayRequest(sample: InboundSample, secret: string): WebhookRequest {
  const body = { id: sample.eventId, chat: sample.chatId, user: sample.userId, text: sample.text };
  const rawBody = Buffer.from(JSON.stringify(body));
  const signature = createHmac('sha256', secret).update(rawBody).digest('hex');
  return {
    method: 'POST',
    path: '/webhooks/conformance',
    headers: { 'content-type': 'application/json', 'x-relay-signature': signature },
    rawBody,
    body,
    sourceIp: '127.0.0.1',
  };
}

describeProviderConformance<RelayReceiver>({
  name: 'relay (examples/relay-provider)',
  plugin: relayPlugin,
  fake: () => RelayReceiver.start(),
  stopFake: (receiver) => receiver.close(),
  options: (receiver) => ({ secret: SECRET, replyUrl: receiver.url }),
  inboundRequest: (_receiver, sample) => relayRequest(sample, SECRET),
  forgedRequest: (_receiver, sample) => relayRequest(sample, 'not-the-relay-secret'),
  failNextSend: (receiver, kind) => receiver.failNext(kind),
  received: (receiver) => receiver.messages,
});
