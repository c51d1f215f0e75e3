import { expect } from 'chai';
import { FAKE_USER, privateMessage, startFakeTelegram, topicMessage, type FakeTelegram } from '@cowork-gateway/telegram/testing';
import { childEnv, eventually, PREFIX, runCli, startHost, writeConfig, type HostProcess } from './helpers/host-process.js';
import { freshSchema, TEST_DATABASE_URL, type TestSchema } from './helpers/postgres.js';

const TOKEN = '123456:e2e-telegram-token-value';
const SECRET = 'e2e-webhook-secret-value';

describe('standalone gateway with Telegram (fake Bot API)', function () {
  this.timeout(60_000);
  let telegram: FakeTelegram;
  let host: HostProcess | undefined;

  beforeEach(async () => {
    telegram = await startFakeTelegram({ token: TOKEN });
  });

  afterEach(async () => {
    await host?.stop().catch(() => undefined);
    host = undefined;
    await telegram.close();
  });

  function telegramEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return childEnv({
      [`${PREFIX}TELEGRAM_BOT_TOKEN`]: TOKEN,
      [`${PREFIX}TELEGRAM_API_ROOT`]: telegram.url,
      [`${PREFIX}DELIVERY_BACKOFF_BASE_MS`]: '50',
      ...extra,
    });
  }

  const config = (): string =>
    writeConfig({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      identities: [{ provider: 'telegram', externalUserId: String(FAKE_USER.id), role: 'member' }],
    });

  describe('polling mode', () => {
    it('answers a private chat and a forum topic in place, replying to the prompting message', async () => {
      host = await startHost(['--config', config()], telegramEnv());
      telegram.pushUpdate(privateMessage('hello there', { messageId: 11 }));
      const [direct] = await telegram.waitForSent(1);
      expect(direct).to.include({ chat_id: String(FAKE_USER.id), parse_mode: 'HTML' });
      expect(direct!.text).to.contain('Echo: hello there');
      expect(direct!.reply_parameters?.message_id).to.equal(11);

      telegram.pushUpdate(topicMessage('@cowork_test_bot in a topic', 77, { messageId: 12, chatId: -100555 }));
      const sent = await telegram.waitForSent(2);
      expect(sent[1]).to.include({ chat_id: '-100555', message_thread_id: 77 });
      expect(sent[1]!.text).to.contain('Echo: in a topic');
      expect(sent[1]!.reply_parameters?.message_id).to.equal(12);
      expect(telegram.callsOf('setMyCommands')).to.have.length(1);
      expect(host.stderr()).not.to.contain(TOKEN);
    });

    it('splits a 9,000-character reply into three ordered chunks', async () => {
      host = await startHost(['--config', config()], telegramEnv());
      telegram.pushUpdate(privateMessage('/long 9000'));
      const chunks = await telegram.waitForSent(3);
      expect(chunks.every((m) => (m.text ?? '').length <= 4096)).to.equal(true);
      expect(chunks.reduce((sum, m) => sum + (m.text ?? '').length, 0)).to.be.greaterThan(8900);
      expect(chunks.map((m) => m.message_id)).to.deep.equal([...chunks.map((m) => m.message_id)].sort((a, b) => a - b));
    });

    it('answers a duplicated update once', async () => {
      host = await startHost(['--config', config()], telegramEnv());
      const update = privateMessage('once please');
      const id = telegram.pushUpdate(update);
      telegram.pushUpdate({ ...update, update_id: id });
      await telegram.waitForSent(1);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(telegram.sent.filter((m) => m.text?.includes('once please'))).to.have.length(1);
    });

    it('delays but delivers through a 429 storm, honouring retry_after', async () => {
      host = await startHost(['--config', config()], telegramEnv());
      telegram.failNext('sendMessage', 'rate_limited', { times: 3, retryAfter: 1 });
      const started = Date.now();
      telegram.pushUpdate(privateMessage('storm'));
      const [reply] = await telegram.waitForSent(1, 20_000);
      expect(reply!.text).to.contain('Echo: storm');
      expect(Date.now() - started).to.be.greaterThan(2500);
      expect(telegram.callsOf('sendMessage')).to.have.length(4);
    });
  });

  describe('polling on pg-store across a restart', () => {
    let schema: TestSchema;
    beforeEach(async () => {
      schema = await freshSchema();
    });
    afterEach(async () => {
      // Inner hooks run before the outer one: stop the host first, or dropping its schema races
      // its open transactions (PostgreSQL answers "deadlock detected").
      await host?.stop().catch(() => undefined);
      host = undefined;
      await schema.drop();
    });

    it('does not answer an update again when Telegram redelivers it after a restart', async () => {
      const env = telegramEnv({ [`${PREFIX}STORE`]: 'postgres', [`${PREFIX}DATABASE_URL`]: TEST_DATABASE_URL, [`${PREFIX}DATABASE_SCHEMA`]: schema.name });
      const file = config();
      host = await startHost(['--config', file], env);
      const update = privateMessage('durable once');
      const id = telegram.pushUpdate(update);
      await telegram.waitForSent(1);
      expect(await host.stop()).to.equal(0);

      host = await startHost(['--config', file], env);
      telegram.pushUpdate({ ...update, update_id: id });
      telegram.pushUpdate(privateMessage('after restart'));
      await eventually(async () => telegram.sent.some((m) => m.text?.includes('after restart')) || undefined, 15_000, 'the new message');
      expect(telegram.sent.filter((m) => m.text?.includes('durable once'))).to.have.length(1);
    });
  });

  describe('webhook mode', () => {
    const webhookEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
      telegramEnv({
        [`${PREFIX}TELEGRAM_MODE`]: 'webhook',
        [`${PREFIX}TELEGRAM_PUBLIC_URL`]: 'https://gateway.example.test',
        [`${PREFIX}TELEGRAM_WEBHOOK_SECRET`]: SECRET,
        [`${PREFIX}AUTH_FAILURE_LIMIT`]: '3',
        ...extra,
      });

    it('registers the webhook, answers verified updates and rejects forged ones until the source is blocked', async () => {
      host = await startHost(['--config', config()], webhookEnv());
      expect(telegram.webhook).to.include({ url: 'https://gateway.example.test/webhooks/telegram' });
      const url = `${host.url}/webhooks/telegram`;
      expect(await telegram.deliverWebhook(privateMessage('via webhook'), { url })).to.equal(202);
      const [reply] = await telegram.waitForSent(1);
      expect(reply!.text).to.contain('Echo: via webhook');

      expect(await telegram.deliverWebhook(privateMessage('forged'), { url, secret: 'wrong-secret' })).to.equal(401);
      expect(await telegram.deliverWebhook(privateMessage('forged'), { url, secret: null })).to.equal(401);
      expect(await telegram.deliverWebhook(privateMessage('forged'), { url, secret: 'wrong-again' })).to.equal(401);
      expect(await telegram.deliverWebhook(privateMessage('now blocked'), { url }), 'blocked after the auth-failure limit').to.equal(429);
      expect(telegram.sent).to.have.length(1);
      expect(host.stderr()).not.to.contain(SECRET);
    });

    it('refuses to start without an HTTPS public URL or a secret, naming the setting', async () => {
      const noUrl = await runCli(['start', '--config', config()], webhookEnv({ [`${PREFIX}TELEGRAM_PUBLIC_URL`]: '' }));
      expect(noUrl.code).to.equal(2);
      expect(noUrl.stderr).to.contain('host.telegram_webhook_incomplete').and.contain(`${PREFIX}TELEGRAM_PUBLIC_URL`);
      const http = await runCli(['start', '--config', config()], webhookEnv({ [`${PREFIX}TELEGRAM_PUBLIC_URL`]: 'http://gateway.example.test' }));
      expect(http.code).to.equal(2);
      expect(http.stderr).to.contain('HTTPS');
      const noSecret = await runCli(['start', '--config', config()], webhookEnv({ [`${PREFIX}TELEGRAM_WEBHOOK_SECRET`]: '' }));
      expect(noSecret.code).to.equal(2);
      expect(noSecret.stderr).to.contain(`${PREFIX}TELEGRAM_WEBHOOK_SECRET`);
      expect(noSecret.stderr + noUrl.stderr).not.to.contain(TOKEN);
    });
  });
});
