/** Store conformance cases: session events. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { expectCode, newSession, ids, type StoreFixture } from './fixtures.js';

/** Registers the `session events` cases of the Store conformance suite against `fx.store`. */
export function describeEventCases(fx: StoreFixture): void {
  describe('session events', () => {
    it('append assigns consecutive seqs after the last one and updates lastEventSeq', async () => {
      const session = await newSession(fx.store);
      const added = await fx.store.events.append(session.sessionId, [
        { type: 'user.message', payload: { text: 'hi' }, traceId: 'trace-1' },
        { type: 'assistant.message', payload: { text: 'hello', n: 1, nested: { ok: true, list: [1, 'a', null] } } },
        { type: 'session.status', payload: {} },
      ]);
      expect(ids(added, 'seq'), 'store kit: seqs of events appended after session.created (#1), which must be gapless').to.deep.equal([2, 3, 4]);
      expect(added[0]).to.deep.include({ sessionId: session.sessionId, type: 'user.message', payload: { text: 'hi' }, traceId: 'trace-1' });
      expect(added[1]).to.deep.include({ traceId: null, payload: { text: 'hello', n: 1, nested: { ok: true, list: [1, 'a', null] } } });
      expect(added[0]?.createdAt).to.be.instanceOf(Date);
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ lastEventSeq: 4 });
      const more = await fx.store.events.append(session.sessionId, [{ type: 'x', payload: {} }]);
      expect(ids(more, 'seq'), 'store kit: seq of the next appended event, which must follow without a gap').to.deep.equal([5]);
    });

    it('list returns events ascending and honours afterSeq and limit', async () => {
      const session = await newSession(fx.store);
      await fx.store.events.append(session.sessionId, [1, 2, 3, 4, 5].map((n) => ({ type: 'e', payload: { n } })));
      expect(ids(await fx.store.events.list(session.sessionId), 'seq')).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(ids(await fx.store.events.list(session.sessionId, { afterSeq: 2 }), 'seq')).to.deep.equal([3, 4, 5, 6]);
      expect(ids(await fx.store.events.list(session.sessionId, { afterSeq: 2, limit: 2 }), 'seq')).to.deep.equal([3, 4]);
      expect(ids(await fx.store.events.list(session.sessionId, { limit: 1 }), 'seq')).to.deep.equal([1]);
      expect(await fx.store.events.list(session.sessionId, { afterSeq: 6 })).to.deep.equal([]);
    });

    it('20 concurrent appends get unique, gapless seqs, each batch consecutive', async () => {
      const session = await newSession(fx.store);
      const batches = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fx.store.events.append(session.sessionId, [
            { type: 'a', payload: { i } },
            { type: 'b', payload: { i } },
          ]),
        ),
      );
      for (const batch of batches) {
        expect(batch).to.have.length(2);
        expect(batch[1]!.seq).to.equal(batch[0]!.seq + 1);
        expect(batch[0]!.payload).to.deep.equal(batch[1]!.payload);
      }
      const seqs = batches.flat().map((e) => e.seq).sort((x, y) => x - y);
      expect(seqs).to.deep.equal(Array.from({ length: 40 }, (_, i) => i + 2));
      expect(ids(await fx.store.events.list(session.sessionId), 'seq')).to.deep.equal(Array.from({ length: 41 }, (_, i) => i + 1));
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ lastEventSeq: 41 });
    });

    if (fx.has('appendEventsWithStatus')) it('appendEventsWithStatus appends and sets the session\'s status in the same step', async () => {
      const session = await newSession(fx.store);
      await fx.store.sessions.setStatus(session.sessionId, 'running');
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ status: 'running', lastEventSeq: 1 });
      const [added] = await fx.fast('appendEventsWithStatus')(session.sessionId, [{ type: 'run.completed', payload: {} }], 'idle');
      expect(added).to.include({ seq: 2, type: 'run.completed' });
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ status: 'idle', lastEventSeq: 2 });
      await fx.store.events.append(session.sessionId, [{ type: 'x', payload: {} }]);
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ status: 'idle', lastEventSeq: 3 });
    });

    if (fx.has('appendEventsWithStatus')) it('appendEventsWithStatus to an unknown session throws store.not_found', async () => {
      await expectCode(fx.fast('appendEventsWithStatus')(randomUUID(), [{ type: 'x', payload: {} }], 'idle'), 'store.not_found');
    });

    it('append to an unknown session throws store.not_found', async () => {
      await expectCode(fx.store.events.append(randomUUID(), [{ type: 'x', payload: {} }]), 'store.not_found');
    });
  });
}
