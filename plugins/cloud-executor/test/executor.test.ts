import 'reflect-metadata';
import { expect } from 'chai';
import type { RuntimeEvent } from '@cowork-gateway/core';
import { silentLogger } from '@cowork-gateway/core';
import { CloudError, CloudInteractionUnknown, CloudThreadUnbound } from '../src/index.js';
import { cloudFixture, type CloudFixture } from './helpers/fixture.js';

async function readAll(fixture: CloudFixture, session: string, runId: string, onEvent?: (e: RuntimeEvent) => Promise<void> | void): Promise<RuntimeEvent[]> {
  const events: RuntimeEvent[] = [];
  for await (const event of fixture.executor.events(session, { runId })) {
    events.push(event);
    await onEvent?.(event);
  }
  return events;
}

describe('CloudExecutor: ordered session streams, Cloud cursors and dead letters', () => {
  let fixture: CloudFixture;
  let session: string;

  beforeEach(async () => {
    fixture = await cloudFixture({ renderAttempts: 5 });
    await fixture.executor.start({ logger: silentLogger, signal: new AbortController().signal });
    ({ executorSessionId: session } = await fixture.executor.bindSession({ sessionId: 's-1', title: 'T' }));
  });
  afterEach(() => fixture.close());

  const thread = () => fixture.fake.threads.get(session)!;

  it('persists the Cloud cursor after every consumed event, ending at the run\'s session.idle', async () => {
    const { runId } = await fixture.executor.prompt(session, { text: 'hi' }, { idempotencyKey: 'k', deadline: new Date(Date.now() + 60_000) });
    const events = await readAll(fixture, session, runId);
    expect(events.map((e) => e.type)).to.deep.equal(['run.started', 'assistant.delta', 'assistant.delta', 'assistant.message', 'run.completed']);
    const idle = fixture.fake.sessionEvents(thread().sessionId).find((e) => e.type === 'session.idle')!;
    expect(thread().lastEventSequence).to.equal(idle.sequence);
    const cursorWrites = fixture.fake.requestsTo('/api/channels/cursor', 'POST').map((r) => r.body!.lastEventSequence as number);
    expect(cursorWrites).to.deep.equal([...cursorWrites].sort((a, b) => a - b));
    expect(cursorWrites.length).to.be.at.least(5);
  });

  it('skips a poison event after the retry budget, advances the cursor and counts a dead letter and a dropped event', async () => {
    const { runId } = await fixture.executor.prompt(session, { text: '/poison' }, { idempotencyKey: 'p', deadline: new Date(Date.now() + 60_000) });
    const events = await readAll(fixture, session, runId);
    expect(events.map((e) => e.type)).to.deep.equal(['run.started', 'assistant.message', 'run.completed']);
    expect((events[1] as { text: string }).text).to.equal('after the poison');
    const metrics = fixture.store.channel.metrics;
    expect(metrics.get('sessionRenderDeadLetters')).to.equal(1);
    expect(metrics.get('droppedSessionEvents')).to.equal(1);
    expect(metrics.get('sessionRenderRetries')).to.equal(4);
    // one stream per attempt, each resuming from the persisted cursor (the poison event is never overtaken)
    const opens = fixture.fake.requestsTo(`/api/channels/sessions/${session}/events`);
    expect(opens).to.have.length(5);
    const started = events[0]!.cursor!;
    for (const open of opens.slice(1)) expect(open.path).to.match(new RegExp(`after=${started}$`));
  });

  it('reconnects from the persisted cursor after a dropped stream without repeating or reordering events', async () => {
    const { runId } = await fixture.executor.prompt(session, { text: '/silent' }, { idempotencyKey: 's', deadline: new Date(Date.now() + 60_000) });
    const sessionId = thread().sessionId;
    const types: string[] = [];
    const reading = readAll(fixture, session, runId, async (event) => {
      types.push(event.type);
      if (event.type === 'assistant.delta' && (event as { text: string }).text === 'one ') {
        fixture.fake.dropStreams();
        fixture.fake.appendSessionEvent(sessionId, 'assistant.message', { messageId: 'm', content: 'two', mode: 'append' });
        fixture.fake.appendSessionEvent(sessionId, 'session.idle', {});
      }
    });
    await fixture.fake.until(() => fixture.fake.requestsTo(`/api/channels/sessions/${session}/events`).length > 0);
    fixture.fake.appendSessionEvent(sessionId, 'assistant.message', { messageId: 'm', content: 'one ', mode: 'append' });
    const events = await reading;
    expect(types).to.deep.equal(['run.started', 'assistant.delta', 'assistant.delta', 'run.completed']);
    expect(events.map((e) => Number(e.cursor))).to.deep.equal([...events.map((e) => Number(e.cursor))].sort((a, b) => a - b));
    expect(fixture.fake.requestsTo(`/api/channels/sessions/${session}/events`).length).to.be.at.least(2);
  });

  it('takes a snapshot on snapshot.required, skips what it covers, and ends a run the snapshot shows finished', async () => {
    const { runId } = await fixture.executor.prompt(session, { text: '/silent' }, { idempotencyKey: 'g', deadline: new Date(Date.now() + 60_000) });
    const sessionId = thread().sessionId;
    const reading = readAll(fixture, session, runId, (event) => {
      if (event.type === 'run.started') {
        fixture.fake.dropStreams();
        fixture.fake.forceGap(sessionId, 2);
        fixture.fake.appendSessionEvent(sessionId, 'assistant.message', { messageId: 'm', content: 'late' });
        fixture.fake.appendSessionEvent(sessionId, 'session.idle', {});
      }
    });
    const events = await reading;
    expect(events.map((e) => e.type)).to.deep.equal(['run.started', 'run.completed']);
    expect(fixture.store.channel.metrics.get('sessionSnapshots')).to.equal(1);
    const idle = fixture.fake.sessionEvents(sessionId).find((e) => e.type === 'session.idle')!;
    expect(thread().lastEventSequence).to.equal(idle.sequence);
    expect(fixture.fake.requestsTo(`/api/channels/sessions/${session}/snapshot`)).to.have.length(1);
  });

  it('retries 429 and 5xx on cursor writes within the client budget', async () => {
    fixture.fake.failNext(/\/api\/channels\/cursor$/, 429, 1, 0);
    fixture.fake.failNext(/\/api\/channels\/cursor$/, 502, 1);
    const { runId } = await fixture.executor.prompt(session, { text: 'x' }, { idempotencyKey: 'r', deadline: new Date(Date.now() + 60_000) });
    const events = await readAll(fixture, session, runId);
    expect(events[events.length - 1]!.type).to.equal('run.completed');
  });

  it('fails the read with a coded error when Cloud rejects the token (permanent)', async () => {
    const { runId } = await fixture.executor.prompt(session, { text: '/silent' }, { idempotencyKey: 'u', deadline: new Date(Date.now() + 60_000) });
    fixture.token.revoked = true;
    let caught: unknown;
    try {
      await readAll(fixture, session, runId);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(CloudError);
    expect((caught as CloudError).code).to.equal('cloud.unauthorized');
    expect((caught as Error).message).to.not.include(fixture.token.plaintext);
    expect((await fixture.executor.health()).state).to.equal('degraded');
  });

  it('refuses an unknown interaction and an unbound session with coded errors', async () => {
    let caught: unknown;
    await fixture.executor.answer('nope', { kind: 'permission', decision: 'once' }).catch((e: unknown) => { caught = e; });
    expect(caught).to.be.instanceOf(CloudInteractionUnknown);
    expect((caught as InstanceType<typeof CloudInteractionUnknown>).status).to.equal(404);
    fixture.store.channel.threadResolver = undefined;
    caught = undefined;
    await fixture.executor.bindSession({ sessionId: 'other', title: 'x' }).catch((e: unknown) => { caught = e; });
    expect(caught).to.be.instanceOf(CloudThreadUnbound);
  });

  it('maps tool calls and a second resolution of an interaction is no longer pending', async () => {
    const { runId } = await fixture.executor.prompt(session, { text: '/tool run' }, { idempotencyKey: 't', deadline: new Date(Date.now() + 60_000) });
    const events = await readAll(fixture, session, runId);
    expect(events.map((e) => e.type)).to.include.members(['tool.started', 'tool.finished']);
    const perm = await fixture.executor.prompt(session, { text: '/permission' }, { idempotencyKey: 'perm', deadline: new Date(Date.now() + 60_000) });
    let interactionId = '';
    await readAll(fixture, session, perm.runId, async (event) => {
      if (event.type !== 'permission.requested') return;
      interactionId = event.interactionId;
      await fixture.executor.answer(event.interactionId, { kind: 'permission', decision: 'reject' });
    });
    const resolves = fixture.fake.requestsTo('/api/channels/interactions/resolve');
    expect(resolves).to.have.length(1);
    expect(resolves[0]!.body).to.deep.include({ response: { allowed: false }, externalChatId: 's-1', externalUserId: 'owner-1' });
    let caught: unknown;
    await fixture.executor.answer(interactionId, { kind: 'permission', decision: 'once' }).catch((e: unknown) => { caught = e; });
    expect(caught).to.be.instanceOf(CloudInteractionUnknown);
  });
});
