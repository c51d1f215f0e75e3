import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { adminRoutes, isGatewayError, silentLogger, type HttpRequest, type HttpRoute } from '@cowork-gateway/core';
import { startTestKernel, until, type TestKernel } from '@cowork-gateway/core/testing';
import { MemoryStore } from '@cowork-gateway/memory-store';
import { WebhookProvider, webhookOptions } from '../src/index.js';
import { FakeBridge, signedWebhookRequest } from '../src/testing/index.js';

const SECRET = 'webhook-kernel-secret';

function httpRequest(body: unknown): HttpRequest {
  const request = signedWebhookRequest('hooks', SECRET, body);
  return { ...request, params: { instance: 'hooks' }, query: {} };
}

async function startWith(bridge: FakeBridge, settings: Parameters<typeof startTestKernel>[0]['settings']): Promise<TestKernel<MemoryStore, never, WebhookProvider>> {
  const provider = new WebhookProvider(v.parse(webhookOptions, { sharedSecret: SECRET, deliveryUrl: bridge.url, allowLoopbackDelivery: true }), { id: 'hooks', plugin: '@cowork-gateway/webhook', kind: 'provider' }, silentLogger, { now: () => new Date() });
  return (await startTestKernel({
    store: new MemoryStore({ maxEventsPerSession: 10_000 }),
    providers: [provider],
    identities: [{ provider: 'hooks', externalUserId: 'u-1', role: 'member' }],
    settings,
  })) as unknown as TestKernel<MemoryStore, never, WebhookProvider>;
}

const echoes = (bridge: FakeBridge) => bridge.deliveries.filter((d) => typeof d.body.text === 'string' && d.body.text.startsWith('Echo: '));

describe('webhook provider on the kernel: retries and the circuit', function () {
  this.timeout(20_000);
  let bridge: FakeBridge;
  let gateway: TestKernel<MemoryStore, never, WebhookProvider> | undefined;

  beforeEach(async () => {
    bridge = await FakeBridge.start(SECRET);
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    await bridge.close();
  });

  it('a sink that fails 5 times then recovers gets the reply once, with the same delivery id on every attempt', async () => {
    gateway = await startWith(bridge, { circuitFailureThreshold: 50, deliveryMaxAttempts: 8 });
    bridge.failNext({ status: 503, count: 5 });
    const answer = await gateway.kernel.handleWebhook('hooks', httpRequest({ id: 'evt-retry', target: { chatId: 'room-r' }, sender: { userId: 'u-1' }, text: 'retry please' }));
    expect(answer.status).to.equal(202);
    await until(() => echoes(bridge).length >= 1, 10_000);
    expect(bridge.attempts.map((a) => String(a.body.text).slice(0, 6)), 'only the reply was sent: 5 failures, then success').to.deep.equal(Array(6).fill('Echo: '));
    const replyAttempts = bridge.attempts;
    const ids = new Set(replyAttempts.map((a) => a.headers['x-open-cowork-gateway-delivery-id']));
    expect(ids.size, 'one delivery id across all attempts').to.equal(1);
    expect(new Set(replyAttempts.map((a) => a.raw.toString())).size, 'the same body bytes on every attempt').to.equal(1);
    expect(echoes(bridge)).to.have.length(1);
    expect(bridge.duplicates).to.equal(0);
  });

  it('a sink down longer opens the circuit, /ready reports the provider degraded, and delivery resumes after the cooldown', async () => {
    gateway = await startWith(bridge, { circuitFailureThreshold: 3, circuitOpenMs: 600, deliveryMaxAttempts: 20 });
    bridge.goDown({ status: 502 });
    await gateway.kernel.handleWebhook('hooks', httpRequest({ id: 'evt-circuit', target: { chatId: 'room-c' }, sender: { userId: 'u-1' }, text: 'circuit please' }));
    await until(async () => (await gateway!.kernel.readiness()).components.providers['hooks']?.circuit === 'open', 10_000);
    const ready = await gateway.kernel.readiness();
    expect(ready.status).to.equal('degraded');
    expect(ready.components.providers['hooks']).to.deep.include({ state: 'degraded', circuit: 'open' });
    // While open, the sink is left alone.
    const whileOpen = bridge.attempts.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bridge.attempts.length).to.equal(whileOpen);
    bridge.recover();
    await until(() => echoes(bridge).length >= 1, 10_000);
    await until(async () => (await gateway!.kernel.readiness()).components.providers['hooks']?.circuit === 'closed', 5000);
    expect((await gateway.kernel.readiness()).status).to.equal('ok');
  });

  it('dead-letters a delivery the policy refuses at once, without retries', async () => {
    const provider = new WebhookProvider(v.parse(webhookOptions, { sharedSecret: SECRET, deliveryUrl: bridge.url, allowLoopbackDelivery: true }), { id: 'hooks', plugin: '@cowork-gateway/webhook', kind: 'provider' }, silentLogger, { now: () => new Date() });
    bridge.goDown({ status: 400 });
    gateway = (await startTestKernel({ store: new MemoryStore({ maxEventsPerSession: 10_000 }), providers: [provider], identities: [{ provider: 'hooks', externalUserId: 'u-1', role: 'member' }] })) as unknown as TestKernel<MemoryStore, never, WebhookProvider>;
    await gateway.kernel.handleWebhook('hooks', httpRequest({ id: 'evt-dead', target: { chatId: 'room-d' }, sender: { userId: 'u-1' }, text: 'refused' }));
    const lists = gateway.store.operator!.lists!;
    await until(async () => (await lists.deliveries.list({ status: 'dead', limit: 10 })).length >= 1, 10_000);
    const [dead] = await lists.deliveries.list({ status: 'dead', limit: 10 });
    expect(dead!.attempts).to.equal(1);
    expect(dead!.lastError ?? dead!.deadReason).to.contain('delivery.receiver_rejected');
  });

  it('lets an operator dead-letter a pending delivery (admin route), then retry it', async () => {
    gateway = await startWith(bridge, { circuitFailureThreshold: 50, deliveryBackoffBaseMs: 60_000, deliveryBackoffMaxMs: 60_000 });
    bridge.goDown({ status: 503 });
    await gateway.kernel.handleWebhook('hooks', httpRequest({ id: 'evt-op', target: { chatId: 'room-op' }, sender: { userId: 'u-1' }, text: 'operator' }));
    const lists = gateway.store.operator!.lists!;
    await until(async () => (await lists.deliveries.list({ status: 'pending', limit: 10 })).some((d) => d.attempts >= 1), 10_000);
    const [pending] = (await lists.deliveries.list({ status: 'pending', limit: 10 })).filter((d) => d.attempts >= 1);
    const routes = adminRoutes(gateway.kernel);
    const find = (path: string): HttpRoute => routes.find((r) => r.method === 'POST' && r.path === path)!;
    const call = (route: HttpRoute, id: string, body: unknown) =>
      route.handle({ method: 'POST', path: '', params: { deliveryId: id }, query: {}, headers: {}, body, rawBody: Buffer.alloc(0), sourceIp: '127.0.0.1' });
    const deadLetter = find('/admin/deliveries/:deliveryId/dead-letter');
    expect(deadLetter.auth).to.equal('admin');
    const dead = await call(deadLetter, pending!.deliveryId, null);
    expect(dead.status).to.equal(200);
    expect((dead.body as { delivery: { status: string; deadReason: string } }).delivery).to.include({ status: 'dead', deadReason: 'operator: dead-lettered by an operator' });
    const codeOf = async (p: Promise<unknown>) => p.then(() => 'no error', (e: unknown) => (isGatewayError(e) ? e.code : 'uncoded'));
    expect(await codeOf(call(deadLetter, pending!.deliveryId, {}))).to.equal('admin.bad_request');
    expect(await codeOf(call(deadLetter, 'nope', {}))).to.equal('store.not_found');
    expect(await codeOf(call(deadLetter, pending!.deliveryId, { reason: 'x'.repeat(501) }))).to.equal('admin.bad_request');
    bridge.recover();
    expect((await call(find('/admin/deliveries/:deliveryId/retry'), pending!.deliveryId, {})).status).to.equal(200);
    await until(() => echoes(bridge).length >= 1, 10_000);
  });
});
