import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { DEFAULT_COMMANDS } from '../src/options.js';
import { callbackQuery, editedMessage, privateMessage, startFakeTelegram, type FakeTelegram } from '../src/testing/index.js';
import { capturingLogger, eventually } from './helpers/fixtures.js';
import { MemoryCursor, createProvider, startProvider, type Harness } from './helpers/provider.js';

describe('TelegramProvider polling', () => {
  let fake: FakeTelegram;
  const running: Harness[] = [];

  beforeEach(async () => {
    fake = await startFakeTelegram({ token: '123456789:AAFtestTokenForTheFakeTelegramBotApi_x' });
  });

  afterEach(async () => {
    for (const harness of running.splice(0)) await harness.stop();
    await fake.close();
  });

  async function start(options: Parameters<typeof startProvider>[1] = {}): Promise<Harness> {
    const harness = await startProvider(fake, options);
    running.push(harness);
    return harness;
  }

  async function stop(harness: Harness): Promise<void> {
    running.splice(running.indexOf(harness), 1);
    await harness.stop();
  }

  async function healthReason(harness: Harness): Promise<string> {
    const health = await harness.provider.health();
    return health.state === 'ok' ? 'ok' : `${health.state}:${'reason' in health ? health.reason : ''}`;
  }

  it('learns the bot, deletes any webhook and registers the command menu on every start', async () => {
    fake.webhook = { url: 'https://old.example/hook' };
    const first = await start();
    expect(fake.webhook).to.equal(null);
    expect(fake.commands).to.deep.equal(DEFAULT_COMMANDS);
    await stop(first);
    await start({ options: { commands: [{ command: 'status', description: 'Show status' }] } });
    expect(fake.callsOf('setMyCommands')).to.have.length(2);
    expect(fake.commands).to.deep.equal([{ command: 'status', description: 'Show status' }]);
    expect(fake.callsOf('getMe')).to.have.length(2);
    expect(fake.callsOf('deleteWebhook')[0]!.params.drop_pending_updates).to.equal('false');
  });

  it('ingests updates in order, reports progress, and saves the offset after ingest', async () => {
    const harness = await start();
    const a = fake.pushUpdate(privateMessage('one'));
    const b = fake.pushUpdate(privateMessage('two'));
    await eventually(() => harness.ingested.length === 2, 'two ingested events');
    expect(harness.ingested.map((e) => [e.eventId, e.text])).to.deep.equal([[String(a), 'one'], [String(b), 'two']]);
    expect(harness.progress.count).to.be.at.least(1);
    await eventually(() => harness.cursor.value !== undefined, 'a saved cursor');
    expect(JSON.parse(harness.cursor.value!).offset).to.equal(b + 1);
    const polls = fake.callsOf('getUpdates');
    expect(polls[0]!.params.allowed_updates).to.deep.equal(['message', 'edited_message', 'callback_query']);
  });

  it('resumes from the saved offset after a restart: no replay, no skip', async () => {
    const cursor = new MemoryCursor();
    const first = await start({ cursor });
    const old = privateMessage('before restart');
    const oldId = fake.pushUpdate(old);
    await eventually(() => first.ingested.length === 1, 'the first event');
    await eventually(() => cursor.value !== undefined, 'the saved cursor');
    await stop(first);
    // Telegram may still hold an update whose confirmation never reached it; and one arrived meanwhile.
    fake.pushUpdate({ ...old, update_id: oldId });
    const newId = fake.pushUpdate(privateMessage('while stopped'));
    const second = await start({ cursor });
    await eventually(() => second.ingested.length === 1, 'the update that arrived while stopped');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second.ingested.map((e) => e.eventId)).to.deep.equal([String(newId)]);
    expect(JSON.parse(cursor.value!).offset).to.equal(newId + 1);
  });

  it('does not advance the offset past an update whose ingest failed, and retries it', async () => {
    let failures = 1;
    const accepted: string[] = [];
    const harness = await start({
      ingest: async (event) => {
        if (failures-- > 0) throw new Error('store unavailable');
        accepted.push(event.eventId);
        return { accepted: true, duplicate: false };
      },
    });
    const id = fake.pushUpdate(privateMessage('retry me'));
    await eventually(() => accepted.length === 1, 'the retried update', 10_000);
    expect(accepted).to.deep.equal([String(id)]);
    await eventually(() => harness.cursor.value !== undefined && JSON.parse(harness.cursor.value).offset === id + 1, 'the cursor past the update');
  });

  it('ignores an unreadable or week-old cursor instead of skipping updates', async () => {
    const cursor = new MemoryCursor();
    cursor.value = JSON.stringify({ offset: 999_999, savedAt: new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString() });
    const harness = await start({ cursor });
    const id = fake.pushUpdate(privateMessage('after a quiet week'));
    await eventually(() => harness.ingested.length === 1, 'the update after a stale cursor');
    expect(harness.ingested[0]!.eventId).to.equal(String(id));
  });

  it('counts edited messages as progress without ingesting them', async () => {
    const harness = await start();
    const id = fake.pushUpdate(editedMessage('fixed typo'));
    await eventually(() => harness.cursor.value !== undefined, 'the cursor past the edit');
    expect(JSON.parse(harness.cursor.value!).offset).to.equal(id + 1);
    expect(harness.ingested).to.deep.equal([]);
  });

  it('answers a button press at once, even when ingest fails', async () => {
    await start({ ingest: async () => Promise.reject(new Error('kernel busy')) });
    fake.pushUpdate(callbackQuery('perm:abc:once'));
    await eventually(() => fake.callbackAnswers.length >= 1, 'answerCallbackQuery');
    expect(fake.callbackAnswers[0]!.callback_query_id).to.match(/^cbq-/);
  });

  it('reports 409 Conflict as telegram.poll_conflict, degrades health, and recovers', async () => {
    const logger = capturingLogger();
    const harness = await start({ logger });
    await fake.waitForCalls('getUpdates', 1);
    fake.failNext('getUpdates', 'conflict', { times: 2 });
    fake.pushUpdate(privateMessage('wake the poll'));
    await eventually(async () => (await healthReason(harness)) === 'degraded:telegram.poll_conflict', 'degraded health');
    const line = logger.lines.find((l) => l.includes('"event":"telegram.poll_conflict"'));
    expect(line, 'a telegram.poll_conflict log line').to.be.a('string');
    expect(JSON.parse(line!)).to.include({ level: 'warn', code: 'telegram.poll_conflict', errorCode: 409 });
    await eventually(async () => (await healthReason(harness)) === 'ok', 'health back to ok', 10_000);
  });

  it('reports a webhook set by someone else as a conflict too', async () => {
    const harness = await start();
    await fake.waitForCalls('getUpdates', 1);
    fake.webhook = { url: 'https://elsewhere.example/hook' };
    fake.pushUpdate(privateMessage('wake the poll'));
    await eventually(async () => (await healthReason(harness)) === 'degraded:telegram.poll_conflict', 'degraded health');
  });

  it('marks health down with telegram.unauthorized on a 401 and stops polling', async () => {
    const harness = await start();
    await fake.waitForCalls('getUpdates', 1);
    fake.failNext('getUpdates', 'unauthorized');
    fake.pushUpdate(privateMessage('wake the poll'));
    await eventually(async () => (await healthReason(harness)) === 'down:telegram.unauthorized', 'health down');
    const polls = fake.callsOf('getUpdates').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.callsOf('getUpdates').length).to.equal(polls);
  });

  it('fails start with telegram.unauthorized when the token is refused', async () => {
    const provider = createProvider(fake, { token: '987654321:AAFwrongTokenThatTheFakeDoesNotKnow_y' });
    const error = await provider.start({
      logger: capturingLogger(),
      ingest: async () => ({ accepted: true, duplicate: false }),
      reportInboundProgress: () => undefined,
      cursor: new MemoryCursor(),
      signal: new AbortController().signal,
    }).catch((e: unknown) => e);
    expect(isGatewayError(error, 'telegram.unauthorized'), String(error)).to.equal(true);
    expect((await provider.health()).state).to.equal('down');
  });

  it('aborts and restarts a stalled poll, degrading health meanwhile', async () => {
    const logger = capturingLogger();
    const harness = await start({ logger, options: { pollTimeoutSeconds: 1, pollStallGraceMs: 200 } });
    await fake.waitForCalls('getUpdates', 1);
    fake.failNext('getUpdates', 'stall');
    const before = fake.callsOf('getUpdates').length;
    await eventually(async () => (await healthReason(harness)) === 'degraded:telegram.poll_stalled', 'stall detected', 10_000);
    expect(logger.lines.some((l) => l.includes('"code":"telegram.poll_stalled"'))).to.equal(true);
    const id = fake.pushUpdate(privateMessage('after the stall'));
    await eventually(() => harness.ingested.some((e) => e.eventId === String(id)), 'the update after the stall', 10_000);
    expect(fake.callsOf('getUpdates').length).to.be.greaterThan(before + 1);
    await eventually(async () => (await healthReason(harness)) === 'ok', 'health back to ok');
  });

  it('keeps retrying when Telegram is unreachable at start, then polls', async () => {
    fake.failNext('getMe', 'server_error');
    const harness = await start();
    expect(await healthReason(harness)).to.equal('degraded:telegram.connect_failed');
    await eventually(async () => (await healthReason(harness)) === 'ok', 'connected', 10_000);
    fake.pushUpdate(privateMessage('finally'));
    await eventually(() => harness.ingested.length === 1, 'an ingested event');
  });

  it('stops promptly, aborting the in-flight long poll', async () => {
    const harness = await start({ options: { pollTimeoutSeconds: 30 } });
    await fake.waitForCalls('getUpdates', 1);
    const stopped = stop(harness).then(() => 'stopped');
    const tooLate = new Promise((resolve) => setTimeout(() => resolve('still polling'), 5000));
    expect(await Promise.race([stopped, tooLate])).to.equal('stopped');
    expect((await harness.provider.health()).state).to.equal('down');
  });

  it('stops even while an ingest hangs, without saving an offset for it', async () => {
    let handedOut = false;
    const harness = await start({
      ingest: () => {
        handedOut = true;
        return new Promise(() => undefined);
      },
    });
    fake.pushUpdate(privateMessage('never claimed'));
    await eventually(() => handedOut, 'the update handed to ingest');
    await stop(harness);
    expect(harness.cursor.value).to.equal(undefined);
  });
});
