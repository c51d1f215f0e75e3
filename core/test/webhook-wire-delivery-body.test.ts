import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { classifyDeliveryFailure, type DeliveryTarget } from '../src/contracts/provider.js';
import { chunkDeliveryIds } from '../src/render/chunk-ids.js';
import {
  DELIVERY_ID_HEADER,
  buildDeliveryRequest,
  contentForMessage,
  readDeliveryResponse,
  type DeliveryContent,
  type DeliveryRequestInput,
} from '../src/webhook-wire/delivery-body.js';
import { sendPinnedRequest } from '../src/webhook-wire/pinned-request.js';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, verifyWebhookSignature } from '../src/webhook-wire/signature.js';

const TARGET: DeliveryTarget = { instance: 'hooks-prod', chatId: 'room-42', threadId: 't-7', replyToMessageId: 'm-100', replyContext: { isDirect: false, userId: 'u-9' } };
const NOW = new Date(1767225600 * 1000);
const HEAD = '{"deliveryId":"dlv-7f3a:chunk:1","idempotencyKey":"dlv-7f3a:chunk:1","provider":"hooks-prod","providerInstanceId":"hooks-prod","providerKind":"webhook"';
const WIRE_TARGET = '"target":{"provider":"hooks-prod","chatId":"room-42","isDirect":false,"threadId":"t-7","userId":"u-9","messageId":"m-100"}';

function build(content: DeliveryContent, extra: Partial<DeliveryRequestInput> = {}) {
  return buildDeliveryRequest({ deliveryId: 'dlv-7f3a:chunk:1', instance: 'hooks-prod', providerKind: 'webhook', content, now: NOW, ...extra });
}

function permanentCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'permanent' });
    return (error as { code: string }).code;
  }
  throw new Error('expected a failure');
}

describe('webhook-wire/delivery-body', () => {
  // The documented delivery examples, byte for byte: key order deliveryId, idempotencyKey,
  // provider, providerInstanceId, providerKind, type, the type's fields, options.
  it('builds the documented text body', () => {
    expect(build({ type: 'text', target: TARGET, text: 'Hello **world**' }).body.toString('utf8')).to.equal(
      `${HEAD},"type":"text",${WIRE_TARGET},"text":"Hello **world**","options":{}}`,
    );
  });

  it('builds the documented buttons body', () => {
    const content = contentForMessage(TARGET, { text: 'Allow?', format: 'markdown', buttons: [[{ label: 'Once', value: 'perm:p1:once', style: 'primary' }, { label: 'Reject', value: 'perm:p1:reject' }]] });
    expect(content.type).to.equal('buttons');
    expect(build(content).body.toString('utf8')).to.equal(
      `${HEAD},"type":"buttons",${WIRE_TARGET},"text":"Allow?","buttons":[[{"label":"Once","value":"perm:p1:once","style":"primary"},{"label":"Reject","value":"perm:p1:reject"}]],"options":{}}`,
    );
    expect(contentForMessage(TARGET, { text: 'x', format: 'plain', buttons: [] }).type).to.equal('text');
  });

  it('builds the documented edit body', () => {
    expect(build({ type: 'edit', target: TARGET, messageId: 'm-200', text: 'Done.' }).body.toString('utf8')).to.equal(
      `${HEAD},"type":"edit",${WIRE_TARGET},"text":"Done.","messageId":"m-200","buttons":[],"options":{}}`,
    );
  });

  it('builds the documented file body with inline base64 bytes', () => {
    const file = { bytes: new Uint8Array(Buffer.from('report')), filename: 'report.txt', mimeType: 'text/plain' };
    expect(build({ type: 'file', target: TARGET, file, caption: 'Here it is' }).body.toString('utf8')).to.equal(
      `${HEAD},"type":"file",${WIRE_TARGET},"text":"Here it is","file":{"filename":"report.txt","mimeType":"text/plain","dataBase64":"cmVwb3J0"},"options":{}}`,
    );
    const bare = { instance: 'hooks-prod', chatId: 'c' };
    expect(build({ type: 'file', target: bare, file: { bytes: new Uint8Array([1, 2]), filename: 'a.bin' } }).body.toString('utf8')).to.equal(
      `${HEAD},"type":"file","target":{"provider":"hooks-prod","chatId":"c","isDirect":false,"threadId":null,"userId":null,"messageId":null},"text":null,"file":{"filename":"a.bin","mimeType":null,"dataBase64":"AQI="},"options":{}}`,
    );
  });

  it('builds the documented answer_interaction body', () => {
    expect(build({ type: 'answer_interaction', interactionId: 'cb-1', text: 'Saved', alert: true }, { options: { traceId: 'tr-1' } }).body.toString('utf8')).to.equal(
      `${HEAD},"type":"answer_interaction","interactionId":"cb-1","text":"Saved","alert":true,"options":{"traceId":"tr-1"}}`,
    );
    expect(build({ type: 'answer_interaction', interactionId: 'cb-1' }).body.toString('utf8')).to.equal(
      `${HEAD},"type":"answer_interaction","interactionId":"cb-1","text":null,"alert":false,"options":{}}`,
    );
  });

  it('sends the delivery id header and a v1 signature over the exact body, never the secret', () => {
    const { body, headers } = build({ type: 'text', target: TARGET, text: 'Hello **world**' }, { secret: 'test-secret' });
    // Computed outside this code: printf '%s' "v1:1767225600:$BODY" | openssl dgst -sha256 -hmac test-secret
    expect(headers).to.deep.equal({
      'content-type': 'application/json',
      [DELIVERY_ID_HEADER]: 'dlv-7f3a:chunk:1',
      [WEBHOOK_TIMESTAMP_HEADER]: '1767225600',
      [WEBHOOK_SIGNATURE_HEADER]: 'v1=ca1925389d09e176c5b9af16b88a5add1f170968da50fe65476c38d8680f258d',
    });
    expect(verifyWebhookSignature({ instance: 'receiver', secret: 'test-secret', headers, rawBody: body, now: NOW }).ok).to.equal(true);
    expect(JSON.stringify(headers) + body.toString()).not.to.contain('test-secret');
    expect(build({ type: 'text', target: TARGET, text: 'x' }).headers).to.deep.equal({ 'content-type': 'application/json', [DELIVERY_ID_HEADER]: 'dlv-7f3a:chunk:1' });
  });

  it('keeps the same bytes and ids for every retry of a chunk; only the signature time moves', () => {
    const ids = chunkDeliveryIds('dlv-7f3a', 2);
    const attempt = (deliveryId: string, at: Date) => buildDeliveryRequest({ deliveryId, instance: 'hooks-prod', providerKind: 'webhook', content: { type: 'text', target: TARGET, text: 'part' }, now: at, secret: 's' });
    const first = attempt(ids[1]!, NOW);
    const retry = attempt(ids[1]!, new Date(NOW.getTime() + 30_000));
    expect(retry.body.equals(first.body)).to.equal(true);
    expect(JSON.parse(first.body.toString())).to.include({ deliveryId: 'dlv-7f3a:chunk:2', idempotencyKey: 'dlv-7f3a:chunk:2' });
    expect(retry.headers[DELIVERY_ID_HEADER]).to.equal('dlv-7f3a:chunk:2');
    expect(retry.headers[WEBHOOK_TIMESTAMP_HEADER]).to.equal('1767225630');
  });

  it('refuses cross-instance targets and unsafe ids as permanent failures', () => {
    expect(permanentCode(() => build({ type: 'text', target: { ...TARGET, instance: 'other' }, text: 'x' }))).to.equal('delivery.target_invalid');
    expect(permanentCode(() => build({ type: 'text', target: { ...TARGET, chatId: 'a\nb' }, text: 'x' }))).to.equal('delivery.target_invalid');
    expect(permanentCode(() => build({ type: 'text', target: { ...TARGET, threadId: 'x'.repeat(513) }, text: 'x' }))).to.equal('delivery.target_invalid');
    expect(permanentCode(() => build({ type: 'text', target: { ...TARGET, replyContext: { userId: '\u0000' } }, text: 'x' }))).to.equal('delivery.target_invalid');
    expect(permanentCode(() => build({ type: 'edit', target: TARGET, messageId: '', text: 'x' }))).to.equal('delivery.target_invalid');
    expect(permanentCode(() => build({ type: 'answer_interaction', interactionId: 'a\u007fb' }))).to.equal('delivery.target_invalid');
    for (const deliveryId of ['', 'a\rb', 'd'.repeat(513)]) {
      expect(permanentCode(() => build({ type: 'text', target: TARGET, text: 'x' }, { deliveryId }))).to.equal('delivery.id_invalid');
    }
    expect(build({ type: 'text', target: TARGET, text: 'x' }, { deliveryId: 'd'.repeat(512) }).headers[DELIVERY_ID_HEADER]).to.have.length(512);
  });

  it('reads the receiver\'s messageId, falling back to a new id, and refuses unsafe ones', () => {
    expect(readDeliveryResponse(Buffer.from('{"messageId":"m-9"}'))).to.deep.equal({ messageId: 'm-9' });
    expect(readDeliveryResponse(Buffer.from(''), () => 'gen')).to.deep.equal({ messageId: 'gen' });
    expect(readDeliveryResponse(Buffer.from('ok'), () => 'gen')).to.deep.equal({ messageId: 'gen' });
    expect(readDeliveryResponse(Buffer.from('{"id":"x"}'), () => 'gen')).to.deep.equal({ messageId: 'gen' });
    expect(readDeliveryResponse(Buffer.from('{}')).messageId).to.match(/^[0-9a-f-]{36}$/);
    for (const bad of ['{"messageId":""}', '{"messageId":42}', '{"messageId":"a\\nb"}', JSON.stringify({ messageId: 'm'.repeat(513) })]) {
      expect(permanentCode(() => readDeliveryResponse(Buffer.from(bad))), bad).to.equal('delivery.response_invalid');
    }
  });

  it('delivers end to end to a loopback receiver that verifies the signature', async () => {
    const received: Array<{ ok: boolean; id: string | undefined }> = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const verdict = verifyWebhookSignature({ instance: 'receiver', secret: 'shared', headers: req.headers, rawBody: Buffer.concat(chunks), now: new Date() });
        received.push({ ok: verdict.ok, id: req.headers[DELIVERY_ID_HEADER] as string | undefined });
        res.writeHead(verdict.ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ messageId: 'bridge-msg-1' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const request = buildDeliveryRequest({ deliveryId: 'dlv-e2e', instance: 'hooks-prod', providerKind: 'webhook', content: { type: 'text', target: TARGET, text: 'hi' }, now: new Date(), secret: 'shared' });
      const response = await sendPinnedRequest({ url: `http://127.0.0.1:${port}/deliver`, ...request, policy: { allowLoopbackDelivery: true } });
      expect(readDeliveryResponse(response.body)).to.deep.equal({ messageId: 'bridge-msg-1' });
      expect(received).to.deep.equal([{ ok: true, id: 'dlv-e2e' }]);
      const forged = buildDeliveryRequest({ deliveryId: 'dlv-e2e', instance: 'hooks-prod', providerKind: 'webhook', content: { type: 'text', target: TARGET, text: 'hi' }, now: new Date(), secret: 'wrong' });
      let code = '';
      try {
        await sendPinnedRequest({ url: `http://127.0.0.1:${port}/deliver`, ...forged, policy: { allowLoopbackDelivery: true } });
      } catch (error) {
        code = (error as { code: string }).code;
      }
      expect(code).to.equal('delivery.receiver_rejected');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
