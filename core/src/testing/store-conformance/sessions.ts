/** Store conformance cases: sessions. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { tick, expectCode, thread, newSession, ids, type StoreFixture } from './fixtures.js';

/** Registers the `sessions` cases of the Store conformance suite against `fx.store`. */
export function describeSessionCases(fx: StoreFixture): void {
  describe('sessions', () => {
    it('findOrCreate creates an idle session whose event #1 is session.created', async () => {
      const { session, created } = await fx.store.sessions.findOrCreate(thread({ title: 'Hello' }));
      expect(created).to.equal(true);
      expect(session.sessionId).to.be.a('string').and.not.equal('');
      expect(session).to.include({
        instance: 'chat-main',
        providerKind: 'fake',
        workspaceId: '',
        chatId: 'chat-1',
        threadId: '',
        title: 'Hello',
        status: 'idle',
        executorSessionId: null,
        lastEventSeq: 1,
      });
      const events = await fx.store.events.list(session.sessionId);
      expect(events).to.have.length(1);
      expect(events[0]).to.include({ sessionId: session.sessionId, seq: 1, type: 'session.created' });
    });

    it('findOrCreate returns an existing session unchanged', async () => {
      const { session } = await fx.store.sessions.findOrCreate(thread({ title: 'First' }));
      await tick(fx);
      const again = await fx.store.sessions.findOrCreate(thread({ title: 'Second' }));
      expect(again.created).to.equal(false);
      expect(again.session).to.deep.equal(session);
    });

    it('findByThread returns the thread\'s session and never creates one', async () => {
      expect(await fx.store.sessions.findByThread(thread({ threadId: 't-9' }))).to.equal(null);
      if (fx.has('lists')) expect(await fx.op('lists').sessions.list()).to.have.length(0);
      const { session } = await fx.store.sessions.findOrCreate(thread({ threadId: 't-9' }));
      const found = await fx.store.sessions.findByThread(thread({ threadId: 't-9' }));
      expect(found?.sessionId).to.equal(session.sessionId);
      expect(await fx.store.sessions.findByThread(thread({ threadId: 't-8' }))).to.equal(null);
    });

    it('findOrCreate is idempotent per thread key', async () => {
      const first = await fx.store.sessions.findOrCreate(thread({ threadId: 't-1' }));
      const again = await fx.store.sessions.findOrCreate(thread({ threadId: 't-1', title: 'Other title' }));
      expect(again.created).to.equal(false);
      expect(again.session.sessionId).to.equal(first.session.sessionId);
      expect(again.session.lastEventSeq).to.equal(1);
      expect(await fx.store.events.list(first.session.sessionId)).to.have.length(1);
    });

    it('an empty thread and a given thread are different sessions; absent equals empty', async () => {
      const plain = await fx.store.sessions.findOrCreate(thread());
      const threaded = await fx.store.sessions.findOrCreate(thread({ threadId: 't-1' }));
      expect(threaded.created).to.equal(true);
      expect(threaded.session.threadId).to.equal('t-1');
      expect(threaded.session.sessionId).to.not.equal(plain.session.sessionId);
      const explicitEmpty = await fx.store.sessions.findOrCreate(thread({ threadId: '', workspaceId: '' }));
      expect(explicitEmpty.created).to.equal(false);
      expect(explicitEmpty.session.sessionId).to.equal(plain.session.sessionId);
    });

    it('instance, workspace and chat are part of the thread key', async () => {
      const base = await fx.store.sessions.findOrCreate(thread());
      const others = [
        await fx.store.sessions.findOrCreate(thread({ instance: 'chat-other' })),
        await fx.store.sessions.findOrCreate(thread({ workspaceId: 'team-1' })),
        await fx.store.sessions.findOrCreate(thread({ chatId: 'chat-2' })),
      ];
      for (const other of others) expect(other.created).to.equal(true);
      expect(new Set([base, ...others].map((r) => r.session.sessionId)).size).to.equal(4);
      expect(others[1]?.session.workspaceId).to.equal('team-1');
    });

    it('concurrent findOrCreate of one thread creates exactly one session', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => fx.store.sessions.findOrCreate(thread())));
      expect(results.filter((r) => r.created)).to.have.length(1);
      expect(new Set(results.map((r) => r.session.sessionId)).size).to.equal(1);
      expect(await fx.store.events.list(results[0]!.session.sessionId)).to.have.length(1);
    });

    it('get returns the session, and null for an unknown id', async () => {
      const session = await newSession(fx.store);
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ sessionId: session.sessionId, status: 'idle' });
      expect(await fx.store.sessions.get(randomUUID())).to.equal(null);
    });

    it('setExecutorSession is write-once: the first id wins', async () => {
      const session = await newSession(fx.store);
      expect(await fx.store.sessions.setExecutorSession(session.sessionId, 'exec-1')).to.include({ executorSessionId: 'exec-1' });
      expect(await fx.store.sessions.setExecutorSession(session.sessionId, 'exec-2')).to.include({ executorSessionId: 'exec-1' });
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ executorSessionId: 'exec-1' });
    });

    it('setStatus updates the status and updatedAt', async () => {
      const session = await newSession(fx.store);
      await tick(fx);
      const updated = await fx.store.sessions.setStatus(session.sessionId, 'running');
      expect(updated.status).to.equal('running');
      expect(updated.updatedAt.getTime()).to.be.greaterThan(session.updatedAt.getTime());
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ status: 'running' });
    });

    it('setExecutorSession replaces the id only when `replacing` names the current one', async () => {
      const session = await newSession(fx.store);
      await fx.store.sessions.setExecutorSession(session.sessionId, 'exec-1');
      expect(await fx.store.sessions.setExecutorSession(session.sessionId, 'exec-2', 'exec-other')).to.include({ executorSessionId: 'exec-1' });
      expect(await fx.store.sessions.setExecutorSession(session.sessionId, 'exec-2', 'exec-1')).to.include({ executorSessionId: 'exec-2' });
      expect((await fx.store.sessions.get(session.sessionId))?.executorSessionId).to.equal('exec-2');
    });

    it('setStatus and setExecutorSession of an unknown session throw store.not_found', async () => {
      await expectCode(fx.store.sessions.setStatus(randomUUID(), 'running'), 'store.not_found');
      await expectCode(fx.store.sessions.setExecutorSession(randomUUID(), 'exec-1'), 'store.not_found');
    });

    if (fx.has('lists')) it('list orders by updatedAt descending and honours limit and status', async () => {
      const { sessions } = fx.op('lists');
      const a = await newSession(fx.store);
      await tick(fx);
      const b = await newSession(fx.store);
      await tick(fx);
      const c = await newSession(fx.store);
      await tick(fx);
      await fx.store.sessions.setStatus(a.sessionId, 'running');
      expect(ids(await sessions.list(), 'sessionId')).to.deep.equal([a.sessionId, c.sessionId, b.sessionId]);
      expect(ids(await sessions.list({ limit: 2 }), 'sessionId')).to.deep.equal([a.sessionId, c.sessionId]);
      expect(ids(await sessions.list({ status: 'running' }), 'sessionId')).to.deep.equal([a.sessionId]);
      expect(ids(await sessions.list({ status: 'idle' }), 'sessionId')).to.deep.equal([c.sessionId, b.sessionId]);
    });
  });
}
