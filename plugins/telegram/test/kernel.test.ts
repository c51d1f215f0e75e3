import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { silentLogger, startHttpServer, type Kernel, type RunningHttpServer } from '@cowork-gateway/core';
import { FakeExecutor, fakeExecutorOptions, longText, startTestKernel } from '@cowork-gateway/core/testing';
import { MemoryStore } from '@cowork-gateway/memory-store';
import { FAKE_GROUP_ID, FAKE_USER, callbackQuery, privateMessage, topicMessage, startFakeTelegram, type FakeSentMessage, type FakeTelegram } from '../src/testing/index.js';
import { PUBLIC_URL, TOKEN, WEBHOOK_SECRET, eventually } from './helpers/fixtures.js';
import { createProvider } from './helpers/provider.js';

const INSTANCE = 'telegram-main';
const ADA = { id: 2002, is_bot: false, first_name: 'Ada', username: 'ada' };

/** What Telegram shows for a message sent with parse_mode HTML. */
function visibleText(message: FakeSentMessage): string {
  return (message.text ?? '').replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

describe('Telegram in an in-process kernel (memory store, fake executor)', () => {
  let fake: FakeTelegram;
  let kernel: Kernel;
  let executor: FakeExecutor;

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    executor = new FakeExecutor(v.parse(fakeExecutorOptions, {}));
    ({ kernel } = await startTestKernel({
      store: new MemoryStore({ maxEventsPerSession: 100_000 }),
      executor,
      providers: [createProvider(fake, {}, silentLogger, INSTANCE)],
      identities: [
        { provider: INSTANCE, externalUserId: String(FAKE_USER.id), role: 'member' },
        { provider: INSTANCE, externalUserId: String(ADA.id), role: 'admin' },
      ],
    }));
  });

  afterEach(async () => {
    await kernel.stop();
    await fake.close();
  });

  it('answers a private message in the same chat, replying to it', async () => {
    fake.pushUpdate(privateMessage('hello agent', { messageId: 321 }));
    const [reply] = await fake.waitForSent(1);
    expect(reply).to.deep.include({ chat_id: String(FAKE_USER.id), parse_mode: 'HTML', reply_parameters: { message_id: 321, allow_sending_without_reply: true } });
    expect(reply).not.to.have.property('message_thread_id');
    expect(visibleText(reply!)).to.include('hello agent');
  });

  it('answers in the forum topic the message came from, replying to it', async () => {
    fake.pushUpdate(topicMessage('@cowork_test_bot build it', 77, { messageId: 654 }));
    const [reply] = await fake.waitForSent(1);
    expect(reply).to.deep.include({ chat_id: String(FAKE_GROUP_ID), message_thread_id: 77, reply_parameters: { message_id: 654, allow_sending_without_reply: true } });
    expect(visibleText(reply!)).to.include('build it');
    expect(visibleText(reply!)).not.to.include('@cowork_test_bot');
  });

  it('delivers a 9,000-character reply as three ordered chunks within the limit', async () => {
    fake.pushUpdate(privateMessage('/long 9000', { messageId: 400 }));
    await fake.waitForSent(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const chunks = fake.sent;
    expect(chunks).to.have.length(3);
    for (const chunk of chunks) expect(visibleText(chunk).length).to.be.at.most(4096);
    // The executor numbers its paragraphs "(1)", "(2)", …: in chunk order they must keep counting up.
    const numbers = chunks.flatMap((c) => [...visibleText(c).matchAll(/\((\d+)\)/g)].map((m) => Number(m[1])));
    expect(numbers.length).to.be.greaterThan(10);
    expect(numbers).to.deep.equal([...numbers].sort((a, b) => a - b));
    expect(chunks.every((c) => c.chat_id === String(FAKE_USER.id))).to.equal(true);
    const expected = longText(9000);
    const shown = chunks.map(visibleText).join('');
    expect(shown.replace(/\s+/g, '')).to.include(expected.slice(0, 200).replace(/```\S*/g, '').replace(/\s+/g, ''));
    expect(visibleText(chunks[2]!).replace(/\s+/g, '')).to.include(expected.slice(-40).replace(/\s+/g, ''));
  });

  it('answers a duplicated update once', async () => {
    const update = privateMessage('only once please');
    const id = fake.pushUpdate(update);
    fake.pushUpdate({ ...update, update_id: id });
    await fake.waitForSent(1);
    await eventually(() => fake.pendingUpdates().length === 0, 'both copies confirmed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.sent).to.have.length(1);
    expect(executor.promptCount).to.equal(1);
  });

  it('delays but delivers through a storm of 429s', async () => {
    fake.failNext('sendMessage', 'rate_limited', { times: 3, retryAfter: 1 });
    fake.pushUpdate(privateMessage('rate limited reply'));
    await fake.waitForSent(1, 15_000);
    expect(fake.callsOf('sendMessage')).to.have.length(4);
    expect(fake.sent).to.have.length(1);
    expect(visibleText(fake.sent[0]!)).to.include('rate limited reply');
  });

  it('lets an admin allow a permission request with a button, and stops its spinner', async () => {
    fake.pushUpdate(privateMessage('/permission', { from: ADA }));
    const [card] = await fake.waitForSent(1);
    const buttons = card!.reply_markup?.inline_keyboard.flat() ?? [];
    const allow = buttons.find((b) => b.callback_data?.endsWith(':once'));
    expect(allow, `an "once" button among ${JSON.stringify(buttons)}`).to.not.equal(undefined);
    fake.pushUpdate(callbackQuery(allow!.callback_data!, { from: ADA, chatId: ADA.id, messageId: card!.message_id }));
    await eventually(() => fake.callbackAnswers.length === 1, 'the button press answered');
    await eventually(() => fake.sent.some((m) => /Allowed once/i.test(visibleText(m))), 'the confirmation', 10_000);
    expect(executor.answers.map((a) => a.answer)).to.deep.equal([{ kind: 'permission', decision: 'once' }]);
  });
});

describe('Telegram webhook mode behind the kernel\'s HTTP server', () => {
  let fake: FakeTelegram;
  let kernel: Kernel;
  let http: RunningHttpServer;
  let executor: FakeExecutor;

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    executor = new FakeExecutor(v.parse(fakeExecutorOptions, {}));
    ({ kernel } = await startTestKernel({
      store: new MemoryStore({ maxEventsPerSession: 100_000 }),
      executor,
      providers: [createProvider(fake, { mode: 'webhook', publicUrl: PUBLIC_URL, webhookSecret: WEBHOOK_SECRET }, silentLogger, INSTANCE)],
      identities: [{ provider: INSTANCE, externalUserId: String(FAKE_USER.id), role: 'member' }],
    }));
    http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      maxBodyBytes: 1 << 20,
      rateLimit: { maxRequests: 1000, windowMs: 60_000 },
      authFailure: { limit: 20, blockMs: 60_000 },
      trustProxyHeaders: false,
      trustedProxyCidrs: [],
      readiness: async () => ({ ready: true, body: {} }),
      webhook: (instance, request) => kernel.handleWebhook(instance, request),
    });
  });

  afterEach(async () => {
    await http.close();
    await kernel.stop();
    await fake.close();
  });

  const local = (): string => `${http.url}/webhooks/${INSTANCE}`;

  it('accepts an update with the secret (202) and replies in the chat', async () => {
    expect(fake.webhook?.url).to.equal(`${PUBLIC_URL}/webhooks/${INSTANCE}`);
    expect(await fake.deliverWebhook(privateMessage('hello by webhook', { messageId: 88 }), { url: local() })).to.equal(202);
    const [reply] = await fake.waitForSent(1);
    expect(reply).to.deep.include({ chat_id: String(FAKE_USER.id), reply_parameters: { message_id: 88, allow_sending_without_reply: true } });
    expect(visibleText(reply!)).to.include('hello by webhook');
  });

  it('answers a wrong or missing secret with 401 and runs nothing', async () => {
    expect(await fake.deliverWebhook(privateMessage('forged'), { url: local(), secret: 'not-the-secret' })).to.equal(401);
    expect(await fake.deliverWebhook(privateMessage('forged'), { url: local(), secret: null })).to.equal(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.sent).to.deep.equal([]);
    expect(executor.promptCount).to.equal(0);
  });

  it('answers a redelivered update once', async () => {
    const update = { ...privateMessage('redelivered'), update_id: 4711 };
    expect(await fake.deliverWebhook(update, { url: local() })).to.equal(202);
    expect(await fake.deliverWebhook(update, { url: local() })).to.equal(202);
    await fake.waitForSent(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.sent).to.have.length(1);
    expect(executor.promptCount).to.equal(1);
  });
});
