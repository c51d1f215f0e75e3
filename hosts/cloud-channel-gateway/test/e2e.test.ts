import { expect } from 'chai';
import { FakeCloud, type FakeCloudToken } from '@cowork-gateway/cloud-executor/testing';
import { FAKE_USER, callbackQuery, privateMessage, startFakeTelegram, topicMessage, type FakeTelegram } from '@cowork-gateway/telegram/testing';
import { childEnv, PREFIX, startHost, type HostProcess } from './helpers/host-process.js';

const BOT_TOKEN = '123456:cloud-e2e-telegram-token';
const ADMIN = 'e2e-admin-token-0123456789';

describe('Cloud Channel Gateway end to end (host process + fake Cloud + fake Telegram)', function () {
  this.timeout(60_000);
  let cloud: FakeCloud;
  let token: FakeCloudToken;
  let telegram: FakeTelegram;
  let host: HostProcess | undefined;

  beforeEach(async () => {
    cloud = new FakeCloud();
    await cloud.start();
    cloud.addChannelBinding({ provider: 'telegram', bindingId: 'cb_tg' });
    token = cloud.issueToken({ channelBindingIds: ['cb_tg'] });
    cloud.setIdentity({ provider: 'telegram', externalUserId: String(FAKE_USER.id), role: 'owner' });
    telegram = await startFakeTelegram({ token: BOT_TOKEN });
  });

  afterEach(async () => {
    await host?.stop().catch(() => undefined);
    host = undefined;
    await telegram.close();
    await cloud.stop();
  });

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => childEnv({
    OPEN_COWORK_CLOUD_BASE_URL: cloud.url,
    [`${PREFIX}SERVICE_TOKEN`]: token.plaintext,
    [`${PREFIX}ADMIN_TOKEN`]: ADMIN,
    [`${PREFIX}INSTANCE_ID`]: 'e2e',
    [`${PREFIX}TELEGRAM_BOT_TOKEN`]: BOT_TOKEN,
    [`${PREFIX}TELEGRAM_API_ROOT`]: telegram.url,
    [`${PREFIX}TELEGRAM_CHANNEL_BINDING_ID`]: 'cb_tg',
    [`${PREFIX}SHUTDOWN_DRAIN_TIMEOUT_MS`]: '15000',
    ...extra,
  });

  const admin = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(host!.url + path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers ?? {}) } });
  const stored = (id: string) => [...cloud.deliveries.values()].find((d) => d.deliveryId === id);

  it('binds the thread and prompts Cloud once; deltas render as one final reply in the chat and topic; a duplicate after a restart is a no-op', async () => {
    host = await startHost(env());
    const updateId = telegram.pushUpdate(topicMessage('@cowork_test_bot hello cloud', 77, { messageId: 21, chatId: -100777 }));
    const [reply] = await telegram.waitForSent(1, 20_000);
    expect(reply).to.include({ chat_id: '-100777', message_thread_id: 77 });
    expect(reply!.text).to.contain('Echo: hello cloud');
    await cloud.until(() => [...cloud.providerEvents.values()].every((e) => e.status === 'processed') && cloud.providerEvents.size === 1, 10_000, 'provider event processed');
    expect(cloud.requestsTo('/api/channels/sessions/prompt')).to.have.length(1);
    expect(cloud.requestsTo('/api/channels/sessions/bind')[0]!.body).to.deep.include({ channelBindingId: 'cb_tg', provider: 'telegram', externalChatId: '-100777', externalThreadId: '77' });
    const thread = cloud.threadFor('-100777', '77')!;
    const idle = cloud.sessionEvents(thread.sessionId).filter((e) => e.type === 'session.idle').pop()!;
    await cloud.until(() => cloud.threads.get(thread.bindingId)!.lastEventSequence === idle.sequence, 10_000, 'cursor at session.idle');
    await host.stop();

    host = await startHost(env());
    telegram.pushUpdate({ ...topicMessage('@cowork_test_bot hello cloud', 77, { messageId: 21, chatId: -100777 }), update_id: updateId });
    await cloud.until(() => cloud.requestsTo('/api/channels/provider-events/claim').length >= 2, 15_000, 'second claim');
    const probe = telegram.pushUpdate(privateMessage('second message'));
    await telegram.waitForSent(2, 20_000);
    expect(probe).to.be.greaterThan(updateId);
    expect(cloud.requestsTo('/api/channels/sessions/prompt')).to.have.length(2);
    expect(telegram.sent.filter((s) => s.text?.includes('Echo: hello cloud'))).to.have.length(1);
    expect(host.stderr()).to.not.contain(token.plaintext);
    expect(host.stderr()).to.not.contain(BOT_TOKEN);
  });

  it('sends a delivery injected into Cloud with its delivery id and acks it; operator endpoints list, retry and dead-letter it', async () => {
    host = await startHost(env());
    await fetchReady(host.url);
    telegram.addChat(5555);
    cloud.injectDelivery({ channelBindingId: 'cb_tg', target: { externalChatId: '5555' }, payload: { text: 'workflow finished' }, deliveryId: 'wf-1' });
    const [sent] = await telegram.waitForSent(1, 15_000);
    expect(sent).to.include({ chat_id: '5555', text: 'workflow finished' });
    await cloud.until(() => stored('wf-1')?.status === 'sent', 10_000, 'wf-1 acked');
    expect(cloud.requestsTo('/api/channels/deliveries/wf-1/ack')[0]!.body).to.deep.include({ status: 'sent', channelBindingId: 'cb_tg', claimedBy: 'gateway:e2e' });
    expect(cloud.requestsTo('/api/channels/deliveries/stream')[0]!.path).to.contain('channelBindingId=cb_tg');

    expect((await fetch(host.url + '/deliveries')).status).to.equal(401);
    const list = await (await admin('/deliveries?status=sent')).json() as { deliveries: { deliveryId: string }[] };
    expect(list.deliveries.map((d) => d.deliveryId)).to.deep.equal(['wf-1']);
    expect((await admin('/deliveries?channelBindingId=cb_other')).status).to.equal(404);
    expect((await admin('/deliveries?limit=0')).status).to.equal(400);
    const retried = await admin('/deliveries/wf-1/retry', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(retried.status).to.equal(200);
    // Cloud serves it again; this gateway already sent it, so it is re-acked without a second send.
    await cloud.until(() => stored('wf-1')?.status === 'sent' && stored('wf-1')!.attemptCount === 2, 10_000, 'retried and re-acked');
    expect(telegram.sent.filter((s) => s.text === 'workflow finished')).to.have.length(1);
    const dead = await fetch(host.url + '/deliveries/wf-1/dead-letter', { method: 'POST', headers: { 'x-open-cowork-gateway-admin-token': ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ lastError: 'operator says no' }) });
    expect(dead.status).to.equal(200);
    expect(stored('wf-1')).to.deep.include({ status: 'dead', lastError: 'operator says no' });
    expect((await admin('/deliveries/nope/retry', { method: 'POST' })).status).to.equal(404);
  });

  it('skips a poison event with both counters incremented, visible on /metrics and /diagnostics (redacted)', async () => {
    host = await startHost(env());
    telegram.pushUpdate(privateMessage('/poison now'));
    const [reply] = await telegram.waitForSent(1, 20_000);
    expect(reply!.text).to.contain('after the poison');
    const metrics = await (await admin('/metrics')).text();
    expect(metrics).to.match(/^open_cowork_gateway_session_render_dead_letters_total 1$/m);
    expect(metrics).to.match(/^open_cowork_gateway_dropped_session_events_total 1$/m);
    expect(metrics).to.match(/^open_cowork_gateway_delivery_subscription_up 1$/m);
    const viaHeader = await fetch(host.url + '/metrics', { headers: { 'x-open-cowork-gateway-admin-token': ADMIN } });
    expect(viaHeader.status).to.equal(200);
    expect((await fetch(host.url + '/metrics', { headers: { authorization: 'Bearer wrong' } })).status).to.equal(401);
    const diagnosticsText = await (await admin('/diagnostics')).text();
    expect(diagnosticsText).to.not.contain(token.plaintext);
    expect(diagnosticsText).to.not.contain(ADMIN);
    expect(diagnosticsText).to.not.contain(BOT_TOKEN);
    const diagnostics = JSON.parse(diagnosticsText) as { deliveryOperator: Record<string, unknown>; productMode: string };
    expect(diagnostics.productMode).to.equal('cloud_channel');
    expect(diagnostics.deliveryOperator).to.deep.include({ listAllowed: true, retryAllowed: true, deadLetterAllowed: true, channelBindingIds: ['cb_tg'], reason: null });
    const health = await (await fetch(host.url + '/health')).json() as Record<string, unknown>;
    expect(health).to.deep.include({ status: 'ok', productMode: 'cloud_channel', mode: 'self-host' });
  });

  it('drains and acks every in-flight delivery on SIGTERM during a burst, then exits 0', async () => {
    host = await startHost(env({ [`${PREFIX}MAX_DELIVERY_CONCURRENCY`]: '4' }));
    await fetchReady(host.url);
    for (let i = 0; i < 40; i += 1) {
      telegram.addChat(7000 + (i % 5));
      cloud.injectDelivery({ channelBindingId: 'cb_tg', target: { externalChatId: String(7000 + (i % 5)) }, payload: { text: `burst ${i}` }, deliveryId: `burst-${i}` });
    }
    await telegram.waitForSent(1, 15_000);
    const code = await host.stop('SIGTERM');
    host = undefined;
    expect(code).to.equal(0);
    const handedOver = new Set(telegram.sent.map((s) => s.text));
    const burst = [...cloud.deliveries.values()].filter((d) => d.deliveryId.startsWith('burst-'));
    expect(handedOver.size).to.be.greaterThan(0);
    for (const d of burst) {
      if (handedOver.has(`burst ${d.deliveryId.slice('burst-'.length)}`)) expect(d.status, d.deliveryId).to.equal('sent');
    }
    const acked = burst.filter((d) => d.status === 'sent').length;
    expect(acked).to.equal(handedOver.size);
  });

  it('resolves the Cloud interaction once when the approval button is pressed in Telegram', async () => {
    host = await startHost(env());
    telegram.pushUpdate(privateMessage('/permission please', { messageId: 31 }));
    const [card] = await telegram.waitForSent(1, 20_000);
    const buttons = card!.reply_markup?.inline_keyboard.flat() ?? [];
    const approve = buttons.find((b) => b.callback_data?.endsWith(':once'));
    expect(approve, JSON.stringify(card)).to.not.equal(undefined);
    expect(card!.text).to.not.contain('occi_');
    const press = callbackQuery(approve!.callback_data!, { messageId: card!.message_id });
    telegram.pushUpdate(press);
    await cloud.until(() => cloud.requestsTo('/api/channels/interactions/resolve').length === 1, 15_000, 'resolve');
    const resolve = cloud.requestsTo('/api/channels/interactions/resolve')[0]!;
    expect(resolve.body).to.deep.include({ provider: 'telegram', externalChatId: String(FAKE_USER.id), externalUserId: String(FAKE_USER.id), response: { allowed: true } });
    await telegram.waitForSent(3, 20_000);
    expect(telegram.sent.some((s) => s.text?.includes('Resolved permission'))).to.equal(true);
    telegram.pushUpdate(callbackQuery(approve!.callback_data!, { messageId: card!.message_id }));
    await cloud.until(() => cloud.requestsTo('/api/channels/provider-events/claim').length >= 3, 15_000, 'second press claimed');
    await telegram.waitForSent(4, 20_000);
    expect(cloud.requestsTo('/api/channels/interactions/resolve')).to.have.length(1);
    expect([...cloud.interactions.values()].map((i) => i.status)).to.deep.equal(['used']);
  });

  it('answers /ready 503 while the delivery subscription is down and 200 once it is back', async () => {
    host = await startHost(env());
    await fetchReady(host.url);
    cloud.failNext(/deliveries\/stream$/, 503, 1000);
    cloud.dropStreams();
    await waitFor(async () => (await fetch(host!.url + '/ready')).status === 503, 'ready 503');
    const body = await (await fetch(host.url + '/ready')).json() as Record<string, unknown>;
    expect(body).to.deep.include({ status: 'down', deliverySubscription: 'down' });
    cloud.clearFailures();
    await fetchReady(host.url);
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function fetchReady(url: string): Promise<void> {
  await waitFor(async () => (await fetch(url + '/ready')).status === 200, '/ready 200');
}
