import 'reflect-metadata';
import { expect } from 'chai';
import { createServer } from 'node:net';
import { TelegramApiError } from 'node-telegram-bot-api';
import { describeBotApiFailure, redactToken } from '../src/bot-api-failure.js';
import { callbackQuery, privateMessage, startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
import { TOKEN, capturingLogger, eventually } from './helpers/fixtures.js';
import { MemoryCursor, createProvider, startProvider } from './helpers/provider.js';

/** Every string form an error can take in a log line or an HTTP answer, cause chain included. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 6; depth += 1) {
    parts.push(String(current), JSON.stringify(current), (current as Error)?.stack ?? '');
    current = (current as Error)?.cause;
  }
  return parts.join('\n');
}

function expectNoToken(text: string, what: string): void {
  expect(text, what).not.to.include(TOKEN);
  expect(text, what).not.to.include(TOKEN.split(':')[1]!);
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the bot token never leaks', () => {
  it('redactToken removes the token and any /bot<token> path', () => {
    const text = `GET https://api.telegram.org/bot${TOKEN}/getMe failed; token ${TOKEN}; file /file/bot${TOKEN}/x.pdf`;
    const redacted = redactToken(text, TOKEN);
    expectNoToken(redacted, 'redacted text');
    expect(redacted).to.include('/bot[redacted]/getMe');
  });

  it('describes library errors without the token, even when Telegram echoes it', () => {
    const failure = describeBotApiFailure('getMe', new TelegramApiError(404, `Not Found: /bot${TOKEN}/getMe`), TOKEN);
    expectNoToken(JSON.stringify(failure), 'failure');
    const plain = describeBotApiFailure('getMe', new Error(`request to https://x/bot${TOKEN}/getMe failed`), TOKEN);
    expectNoToken(JSON.stringify(plain), 'failure of a plain error');
  });

  it('keeps it out of log lines, health, start and send errors when Telegram is unreachable', async () => {
    const logger = capturingLogger();
    const provider = createProvider({ url: `http://127.0.0.1:${await closedPort()}` } as FakeTelegram, {}, logger);
    const shutdown = new AbortController();
    await provider.start({ logger, ingest: async () => ({ accepted: true, duplicate: false }), reportInboundProgress: () => undefined, cursor: new MemoryCursor(), signal: shutdown.signal });
    try {
      const health = await provider.health();
      expect(health).to.deep.include({ state: 'degraded', reason: 'telegram.connect_failed' });
      const sendError = await provider.send({ instance: 'tg', chatId: '1' }, { text: 'hi', format: 'plain' }, { deliveryId: 'd' }).catch((e: unknown) => e);
      expect(errorText(sendError)).to.include('ECONNREFUSED');
      expectNoToken(errorText(sendError), 'send error');
      expectNoToken(JSON.stringify(health), 'health');
      expect(logger.lines.some((l) => l.includes('telegram.connect_failed'))).to.equal(true);
      expectNoToken(logger.lines.join('\n'), 'log lines');
    } finally {
      await provider.stop({ drain: true });
    }
  });

  describe('against the fake', () => {
    let fake: FakeTelegram;
    beforeEach(async () => {
      fake = await startFakeTelegram({ token: TOKEN });
    });
    afterEach(() => fake.close());

    it('keeps it out of every log line and error of a rough session', async () => {
      const logger = capturingLogger();
      const errors: unknown[] = [];
      const harness = await startProvider(fake, { logger, ingest: async () => Promise.reject(new Error('kernel down')) });
      try {
        fake.failNext('getUpdates', 'conflict');
        fake.failNext('answerCallbackQuery', 'bad_request', { description: 'Bad Request: query is too old' });
        fake.pushUpdate(callbackQuery('perm:x:once'));
        fake.pushUpdate(privateMessage('hello'));
        for (const failure of ['rate_limited', 'forbidden', 'chat_not_found', 'server_error', 'unauthorized'] as const) {
          fake.failNext('sendMessage', failure);
          errors.push(await harness.provider.send({ instance: 'tg', chatId: '1' }, { text: 'x', format: 'plain' }, { deliveryId: failure }).catch((e: unknown) => e));
        }
        errors.push(await harness.provider.fetchAttachment({ id: 'missing', filename: 'a' }, { maxBytes: 10 }).catch((e: unknown) => e));
        await eventually(() => logger.lines.some((l) => l.includes('telegram.ingest_failed')), 'an ingest failure line');
        await eventually(() => logger.lines.some((l) => l.includes('telegram.poll_conflict')), 'a conflict line');
        await eventually(() => logger.lines.some((l) => l.includes('telegram.callback_answer_failed')), 'a callback answer failure line');
      } finally {
        await harness.stop();
      }
      expect(errors.every((e) => e instanceof Error)).to.equal(true);
      for (const error of errors) expectNoToken(errorText(error), `error ${String(error)}`);
      expectNoToken(logger.lines.join('\n'), 'log lines');
    });

    it('keeps it out of the refusal of a wrong token', async () => {
      const wrong = '555555555:AAFanotherTokenTheFakeRefuses_zzzzzz';
      const provider = createProvider(fake, { token: wrong });
      const error = await provider
        .start({ logger: capturingLogger(), ingest: async () => ({ accepted: true, duplicate: false }), reportInboundProgress: () => undefined, cursor: new MemoryCursor(), signal: new AbortController().signal })
        .catch((e: unknown) => e);
      expect(errorText(error)).not.to.include(wrong);
      expect(errorText(error)).not.to.include(wrong.split(':')[1]!);
    });
  });
});
