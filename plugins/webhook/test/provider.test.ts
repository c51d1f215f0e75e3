import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { SignedWebhookProvider, isGatewayError, silentLogger, type DeliveryTarget, type InboundEvent, type Logger, type ProviderContext, type WireLookup } from '@cowork-gateway/core';
import { WebhookProvider, webhookOptions, type WebhookOptions } from '../src/index.js';
import { FakeBridge, signedWebhookRequest } from '../src/testing/index.js';

const SECRET = 'webhook-provider-secret';
const INSTANCE = { id: 'hooks', plugin: '@cowork-gateway/webhook', kind: 'provider' as const };

function options(overrides: Partial<Record<keyof WebhookOptions, unknown>> & { deliveryUrl: string }): WebhookOptions {
  return v.parse(webhookOptions, { sharedSecret: SECRET, allowLoopbackDelivery: true, ...overrides });
}

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    ...silentLogger,
    warn: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    child: () => logger,
  } as Logger;
  return Object.assign(logger, { lines });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isGatewayError(error) ? error.code : `not coded: ${(error as Error).message}`;
  }
  return 'no error';
}

const target: DeliveryTarget = { instance: 'hooks', chatId: 'room-1', replyContext: { isDirect: true, userId: 'u-1' } };
const payload = (extra: Record<string, unknown> = {}) => ({ id: 'evt-1', target: { chatId: 'room-1' }, sender: { userId: 'u-1' }, text: 'hi', ...extra });

describe('webhook provider: ingress', () => {
  let bridge: FakeBridge;
  let provider: WebhookProvider;
  beforeEach(async () => {
    bridge = await FakeBridge.start(SECRET);
    provider = new WebhookProvider(options({ deliveryUrl: bridge.url }), INSTANCE, silentLogger, { now: () => new Date() });
  });
  afterEach(() => bridge.close());

  it('refuses a request without a signature, with a wrong one, a stale one and a bad timestamp, each coded 401', async () => {
    const good = signedWebhookRequest('hooks', SECRET, payload());
    expect(await codeOf(provider.handleWebhook({ ...good, headers: { 'content-type': 'application/json' } }))).to.equal('webhook.timestamp_invalid');
    expect(await codeOf(provider.handleWebhook(signedWebhookRequest('hooks', 'wrong-secret-xyz', payload())))).to.equal('webhook.signature_invalid');
    expect(await codeOf(provider.handleWebhook(signedWebhookRequest('hooks', SECRET, payload(), new Date(Date.now() - 301_000))))).to.equal('webhook.signature_stale');
    expect(await codeOf(provider.handleWebhook({ ...good, headers: { ...good.headers, 'x-open-cowork-gateway-webhook-timestamp': 'soon' } }))).to.equal('webhook.timestamp_invalid');
    expect(await codeOf(provider.handleWebhook({ ...good, rawBody: Buffer.from(good.rawBody.toString().replace('hi', 'ho')) }))).to.equal('webhook.signature_invalid');
  });

  it('answers a wrong body shape and invalid JSON with webhook.payload_invalid naming the field (the reference: 500)', async () => {
    const shape = await provider.handleWebhook(signedWebhookRequest('hooks', SECRET, { target: { chatId: 7 }, sender: { userId: 'u' } })).catch((e: unknown) => e as Error & { code: string; status: number; details?: { path: string } });
    expect(shape).to.include({ code: 'webhook.payload_invalid', status: 400 });
    expect((shape as { details?: { path: string } }).details?.path).to.equal('target.chatId');
    expect(await codeOf(provider.handleWebhook(signedWebhookRequest('hooks', SECRET, '{"id":')))).to.equal('webhook.payload_invalid');
    expect(await codeOf(provider.handleWebhook(signedWebhookRequest('hooks', SECRET, payload({ attachments: [{ filename: 'a.txt', bufferBase64: 'aGk', sizeBytes: 2 }] }))))).to.equal('webhook.payload_invalid');
  });

  it('uses the payload id as the durable event id, the same for a re-signed duplicate', async () => {
    const first = await provider.handleWebhook(signedWebhookRequest('hooks', SECRET, payload(), new Date(Date.now() - 5000)));
    const again = await provider.handleWebhook(signedWebhookRequest('hooks', SECRET, payload()));
    expect(first.events[0]!.eventId).to.equal('evt-1');
    expect(again.events[0]!.eventId).to.equal('evt-1');
  });

  it('accepts a payload without id with a made-up event id, flagged as not durably deduplicated, and refuses its exact replay with webhook.replayed', async () => {
    const logger = recordingLogger();
    const p = new WebhookProvider(options({ deliveryUrl: bridge.url }), INSTANCE, logger, { now: () => new Date() });
    const request = signedWebhookRequest('hooks', SECRET, { target: { chatId: 'room-1' }, sender: { userId: 'u-1' }, text: 'no id' });
    const result = await p.handleWebhook(request);
    expect(result.events[0]!.eventId).to.match(/^[0-9a-f-]{36}$/);
    expect(logger.lines.map((l) => l.message)).to.include('webhook.event_not_durable');
    expect(await p.health()).to.deep.include({ state: 'ok' });
    expect(((await p.health()) as { detail: Record<string, unknown> }).detail['undurableEvents']).to.equal(1);
    const replay = await p.handleWebhook(request).catch((e: unknown) => e as { code: string; status: number });
    expect(replay).to.include({ code: 'webhook.replayed', status: 409 });
  });

  it('gives no event for the bot\'s own messages (sender.isBot)', async () => {
    const result = await provider.handleWebhook(signedWebhookRequest('hooks', SECRET, payload({ sender: { userId: 'bot', isBot: true } })));
    expect(result.events).to.deep.equal([]);
  });

  it('maps interactions and commands, and sets the configured workspace', async () => {
    const p = new WebhookProvider(options({ deliveryUrl: bridge.url, workspaceId: 'guild-1' }), INSTANCE, silentLogger, { now: () => new Date() });
    const [press] = (await p.handleWebhook(signedWebhookRequest('hooks', SECRET, payload({ id: 'evt-2', interaction: { id: 'press-1', token: 'tok-abc' } })))).events;
    expect(press).to.deep.include({ kind: 'interaction', interaction: { id: 'press-1', value: 'tok-abc' }, workspaceId: 'guild-1' });
    const [command] = (await p.handleWebhook(signedWebhookRequest('hooks', SECRET, payload({ id: 'evt-3', text: '/approve p-1 always' })))).events;
    expect(command).to.deep.include({ kind: 'command', text: '/approve p-1 always' });
  });

  it('serves inline attachments through fetchAttachment, refusing more than maxBytes and unknown ones', async () => {
    const bytes = Buffer.from('attachment body');
    const [event] = (await provider.handleWebhook(signedWebhookRequest('hooks', SECRET, payload({
      attachments: [
        { filename: 'a.txt', mimeType: 'text/plain', bufferBase64: bytes.toString('base64'), sizeBytes: bytes.length },
        { filename: 'remote.bin', providerFileId: 'file-9' },
      ],
    })))).events as [InboundEvent];
    expect(event.attachments).to.deep.equal([
      { id: 'evt-1:attachment:1', filename: 'a.txt', mimeType: 'text/plain', sizeBytes: bytes.length },
      { id: 'file-9', filename: 'remote.bin' },
    ]);
    const fetched = await provider.fetchAttachment(event.attachments[0]!, { maxBytes: 1024 });
    expect(fetched).to.deep.equal({ bytes, filename: 'a.txt', mimeType: 'text/plain' });
    expect(await codeOf(provider.fetchAttachment(event.attachments[0]!, { maxBytes: 4 }))).to.equal('webhook.attachment_too_large');
    expect(await codeOf(provider.fetchAttachment({ ...event.attachments[0]!, sizeBytes: undefined }, { maxBytes: 4 }))).to.equal('webhook.attachment_too_large');
    expect(await codeOf(provider.fetchAttachment(event.attachments[1]!, { maxBytes: 1024 }))).to.equal('webhook.attachment_unavailable');
  });

  it('keeps inline attachment bytes bounded, forgetting the oldest first, and drops them on stop', async () => {
    const p = new SignedWebhookProvider({ kind: 'webhook', capabilities: { maxTextLength: 4096, threads: true, buttons: true, markdownDialect: 'plain' } }, options({ deliveryUrl: bridge.url }), INSTANCE, { logger: silentLogger, attachmentCacheBytes: 10 });
    const att = (id: string, text: string) => payload({ id, attachments: [{ filename: `${id}.txt`, bufferBase64: Buffer.from(text).toString('base64') }] });
    const [a] = (await p.handleWebhook(signedWebhookRequest('hooks', SECRET, att('a', '123456')))).events;
    const [b] = (await p.handleWebhook(signedWebhookRequest('hooks', SECRET, att('b', '7890ab')))).events;
    const [huge] = (await p.handleWebhook(signedWebhookRequest('hooks', SECRET, att('c', 'far more than ten bytes')))).events;
    expect(await codeOf(p.fetchAttachment(a!.attachments[0]!, { maxBytes: 100 }))).to.equal('webhook.attachment_unavailable');
    expect((await p.fetchAttachment(b!.attachments[0]!, { maxBytes: 100 })).bytes.toString()).to.equal('7890ab');
    expect(await codeOf(p.fetchAttachment(huge!.attachments[0]!, { maxBytes: 100 }))).to.equal('webhook.attachment_unavailable');
    await p.start({} as ProviderContext);
    await p.stop({ drain: true });
    expect(await codeOf(p.fetchAttachment(b!.attachments[0]!, { maxBytes: 100 }))).to.equal('webhook.attachment_unavailable');
  });
});

describe('webhook provider: delivery bodies', () => {
  let bridge: FakeBridge;
  let provider: WebhookProvider;
  beforeEach(async () => {
    bridge = await FakeBridge.start(SECRET);
    provider = new WebhookProvider(options({ deliveryUrl: bridge.url }), INSTANCE, silentLogger, { now: () => new Date() });
  });
  afterEach(() => bridge.close());

  it('sends buttons, edits, files and interaction answers as signed typed bodies', async () => {
    await provider.send(target, { text: 'pick', format: 'plain', buttons: [[{ label: 'Yes', value: 'v-yes', style: 'primary' }]] }, { deliveryId: 'd-1:chunk:1' });
    await provider.edit(target, 'bridge-msg-1', { text: 'edited', format: 'plain' }, { deliveryId: 'd-2' });
    await provider.sendFile(target, { bytes: Buffer.from('file!'), filename: 'out.txt', mimeType: 'text/plain' }, { deliveryId: 'd-3', caption: 'here' });
    await provider.answerInteraction('press-1', { deliveryId: 'd-4', text: 'ok', alert: true });
    await provider.answerInteraction('press-2', { deliveryId: 'd-5' });
    const bodies = bridge.deliveries.map((d) => d.body);
    expect(bridge.deliveries.every((d) => d.signatureValid)).to.equal(true);
    expect(bodies.map((b) => b.type)).to.deep.equal(['buttons', 'edit', 'file', 'answer_interaction', 'answer_interaction']);
    expect(bodies[0]).to.deep.include({ deliveryId: 'd-1:chunk:1', idempotencyKey: 'd-1:chunk:1', buttons: [[{ label: 'Yes', value: 'v-yes', style: 'primary' }]] });
    expect(bodies[1]).to.deep.include({ messageId: 'bridge-msg-1', text: 'edited', buttons: [] });
    expect(bodies[2]).to.deep.include({ text: 'here', file: { filename: 'out.txt', mimeType: 'text/plain', dataBase64: Buffer.from('file!').toString('base64') } });
    expect(bodies[3]).to.deep.include({ interactionId: 'press-1', text: 'ok', alert: true });
    expect(bodies[4]).to.deep.include({ interactionId: 'press-2', text: null, alert: false });
    expect(bodies[0]!['target']).to.deep.equal({ provider: 'hooks', chatId: 'room-1', isDirect: true, threadId: null, userId: 'u-1', messageId: null });
  });

  it('classifies the bridge\'s answers: 429 Retry-After capped at maxRetryAfterMs, redirects, 4xx and oversized answers permanent', async () => {
    const send = async () => provider.send(target, { text: 'x', format: 'plain' }, { deliveryId: `d-${Math.random()}` }).then(() => undefined, (e: unknown) => e as { code: string; classification: unknown });
    bridge.failNext({ status: 429, headers: { 'retry-after': '3600' } });
    expect(await send()).to.deep.include({ code: 'delivery.rate_limited', classification: { kind: 'rate_limited', retryAfterMs: 10_000 } });
    bridge.failNext({ status: 429, headers: { 'retry-after': '2' } });
    expect(await send()).to.deep.include({ classification: { kind: 'rate_limited', retryAfterMs: 2000 } });
    bridge.failNext({ status: 302, headers: { location: 'http://169.254.169.254/' } });
    expect(await send()).to.deep.include({ code: 'delivery.redirect_refused', classification: { kind: 'permanent' } });
    bridge.failNext({ status: 413 });
    expect(await send()).to.deep.include({ code: 'delivery.receiver_rejected', classification: { kind: 'permanent' } });
    bridge.failNext({ status: 200, body: 'z'.repeat(70_000) });
    expect(await send()).to.deep.include({ code: 'delivery.response_too_large', classification: { kind: 'permanent' } });
    bridge.failNext({ status: 200, body: '{"messageId":"bad\\u0000id"}' });
    expect(await send()).to.deep.include({ code: 'delivery.response_invalid', classification: { kind: 'permanent' } });
    expect(bridge.attempts.filter((a) => a.headers.host?.startsWith('169.254'))).to.have.length(0);
  });

  it('refuses a text over maxTextLength permanently without sending', async () => {
    const short = new WebhookProvider(options({ deliveryUrl: bridge.url, maxTextLength: 64 }), INSTANCE, silentLogger, { now: () => new Date() });
    const error = await short.send(target, { text: 'x'.repeat(65), format: 'plain' }, { deliveryId: 'd-long' }).catch((e: unknown) => e as { code: string; classification: unknown });
    expect(error).to.deep.include({ code: 'delivery.text_too_long', classification: { kind: 'permanent' } });
    const edit = await short.edit(target, 'm', { text: 'x'.repeat(65), format: 'plain' }, { deliveryId: 'd-long-2' }).catch((e: unknown) => e as { code: string });
    expect(edit).to.include({ code: 'delivery.text_too_long' });
    expect(bridge.attempts).to.have.length(0);
  });

  it('uses the same delivery id and the same body bytes on every retry, only the signature timestamp changes', async () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const bridge2 = await FakeBridge.start(SECRET, { now: () => now });
    try {
      const p = new WebhookProvider(options({ deliveryUrl: bridge2.url }), INSTANCE, silentLogger, { now: () => now });
      bridge2.failNext({ status: 503, count: 2 });
      for (let i = 0; i < 3; i += 1) {
        await p.send(target, { text: 'retry me', format: 'plain' }, { deliveryId: 'dlv-r:chunk:1' }).catch(() => undefined);
        now = new Date(now.getTime() + 2000);
      }
      expect(bridge2.attempts).to.have.length(3);
      expect(new Set(bridge2.attempts.map((a) => a.raw.toString()))).to.have.property('size', 1);
      expect(bridge2.attempts.map((a) => a.headers['x-open-cowork-gateway-delivery-id'])).to.deep.equal(['dlv-r:chunk:1', 'dlv-r:chunk:1', 'dlv-r:chunk:1']);
      expect(new Set(bridge2.attempts.map((a) => a.headers['x-open-cowork-gateway-webhook-timestamp']))).to.have.property('size', 3);
      expect(bridge2.deliveries).to.have.length(1);
    } finally {
      await bridge2.close();
    }
  });

  it('reports its delivery policy in health without the URL\'s path or query, and warns at start when private delivery is allowed', async () => {
    const logger = recordingLogger();
    const p = new WebhookProvider(options({ deliveryUrl: 'https://hooks.example.com/in?token=abc', allowPrivateDelivery: true, allowedHosts: ['hooks.example.com'] }), INSTANCE, logger, { now: () => new Date() });
    await p.start({} as ProviderContext);
    const health = await p.health();
    expect(health).to.deep.equal({ state: 'ok', detail: { deliveryHost: 'hooks.example.com', privateDelivery: true, allowlisted: true, undurableEvents: 0 } });
    expect(logger.lines.map((l) => l.message)).to.include('webhook.private_delivery_allowed');
    expect(JSON.stringify(logger.lines)).not.to.contain('token=abc');
    await p.stop({ drain: false });
  });
});

// Provider-level SSRF rows: the module's table (core/test/webhook-wire-ssrf.test.ts) covers the
// classification; these show the provider refuses before any byte leaves, with the coded error,
// through its own options and an injected resolver.
describe('webhook provider: SSRF policy at the provider', () => {
  const lookupTable: Record<string, string[]> = {
    'public.example.com': ['93.184.216.34'],
    'private.example.com': ['10.0.0.7'],
    'mixed.example.com': ['93.184.216.34', '192.168.1.9'],
    'mapped.example.com': ['::ffff:10.1.2.3'],
    'nat64.example.com': ['64:ff9b::a9fe:a9fe'],
    'meta-v6.example.com': ['fd00:ec2::254'],
    'linklocal.example.com': ['fe80::1'],
    'rebind.localhost': ['93.184.216.34'],
    localhost: ['127.0.0.1'],
  };
  const calls: string[] = [];
  const lookup: WireLookup = async (host) => {
    calls.push(host);
    const answers = lookupTable[host];
    if (!answers) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const make = (deliveryUrl: string, extra: Partial<Record<keyof WebhookOptions, unknown>> = {}) =>
    new SignedWebhookProvider(
      { kind: 'webhook', capabilities: { maxTextLength: 4096, threads: true, buttons: true, markdownDialect: 'plain' } },
      { ...v.parse(webhookOptions, { sharedSecret: SECRET, deliveryUrl: 'https://placeholder.example.com/', ...extra, allowedHosts: [] }), allowedHosts: (extra.allowedHosts as string[] | undefined) ?? [], deliveryUrl },
      INSTANCE,
      { logger: silentLogger, lookup },
    );

  const rows: [string, Partial<Record<keyof WebhookOptions, unknown>>, string][] = [
    ['https://private.example.com/hook', {}, 'delivery.ssrf_blocked'],
    ['https://mixed.example.com/hook', {}, 'delivery.ssrf_blocked'],
    ['https://mapped.example.com/hook', {}, 'delivery.ssrf_blocked'],
    ['https://nat64.example.com/hook', { allowPrivateDelivery: true }, 'delivery.ssrf_blocked'],
    ['https://meta-v6.example.com/hook', { allowPrivateDelivery: true }, 'delivery.ssrf_blocked'],
    ['https://linklocal.example.com/hook', {}, 'delivery.ssrf_blocked'],
    ['https://rebind.localhost/hook', { allowPrivateDelivery: true }, 'delivery.ssrf_blocked'],
    ['https://169.254.169.254/latest/meta-data', { allowPrivateDelivery: true }, 'delivery.ssrf_blocked'],
    ['https://metadata.google.internal/computeMetadata/v1', { allowPrivateDelivery: true }, 'delivery.ssrf_blocked'],
    ['https://[::ffff:169.254.169.254]/', { allowPrivateDelivery: true }, 'delivery.ssrf_blocked'],
    ['https://user:pass@public.example.com/hook', {}, 'delivery.url_invalid'],
    ['http://public.example.com/hook', {}, 'delivery.url_invalid'],
    ['ftp://public.example.com/hook', {}, 'delivery.url_invalid'],
    ['file:///etc/passwd', {}, 'delivery.url_invalid'],
    ['https://public.example.com/hook', { allowedHosts: ['*.other.example'] }, 'delivery.host_not_allowed'],
    ['https://nowhere.example.com/hook', {}, 'delivery.host_unresolvable'],
  ];
  for (const [url, extra, code] of rows) {
    it(`refuses ${url}${Object.keys(extra).length ? ` (${JSON.stringify(extra)})` : ''} with ${code}, permanently`, async () => {
      const error = await make(url, extra).send(target, { text: 'x', format: 'plain' }, { deliveryId: 'd-ssrf' }).catch((e: unknown) => e) as { code: string; classification: { kind: string } };
      expect(error).to.have.property('code', code);
      expect(error.classification.kind).to.equal('permanent');
    });
  }

  it('refuses a URL the policy rejects already when the options are parsed', () => {
    for (const [url, code] of [['https://10.0.0.1/hook', 'delivery.ssrf_blocked'], ['http://example.com/hook', 'delivery.url_invalid'], ['https://a:b@example.com/', 'delivery.url_invalid'], ['https://metadata/', 'delivery.ssrf_blocked']]) {
      const result = v.safeParse(webhookOptions, { sharedSecret: SECRET, deliveryUrl: url });
      expect(result.success, url).to.equal(false);
      expect(result.issues?.[0]?.message, url).to.contain(code!);
      expect(result.issues?.[0]?.path?.map((p) => p.key), url).to.deep.equal(['deliveryUrl']);
    }
    expect(v.safeParse(webhookOptions, { sharedSecret: SECRET, deliveryUrl: 'https://10.0.0.1/hook', allowPrivateDelivery: true }).success).to.equal(true);
  });

  it('delivers to an allowlisted, opted-in private host pinned to the checked address', async () => {
    const bridge = await FakeBridge.start(SECRET);
    try {
      const p = make(`http://localhost:${bridge.port}/deliveries`, { allowedHosts: ['localhost'], allowPrivateDelivery: true });
      const sent = await p.send(target, { text: 'to the internal bridge', format: 'plain' }, { deliveryId: 'd-private' });
      expect(sent.providerMessageId).to.equal('bridge-msg-1');
      expect(bridge.deliveries[0]!.headers.host).to.equal(`localhost:${bridge.port}`);
      expect(calls.filter((c) => c === 'localhost')).to.have.length(1);
    } finally {
      await bridge.close();
    }
  });
});
