/** Store conformance cases: audit and artifacts. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { tick, newSession, ids, type StoreFixture } from './fixtures.js';

/** Registers the `audit` cases of the Store conformance suite against `fx.store`. */
export function describeAuditCases(fx: StoreFixture): void {
  describe('audit', () => {
    it('record returns the stored event with an id and time', async () => {
      const event = await fx.store.audit.record({ type: 'standalone.prompt', actor: 'chat-main:u1', metadata: { sessionId: 's-1' }, traceId: 't-1' });
      expect(event.auditId).to.be.a('string').and.not.equal('');
      expect(event).to.deep.include({ type: 'standalone.prompt', actor: 'chat-main:u1', metadata: { sessionId: 's-1' }, traceId: 't-1' });
      expect(event.createdAt).to.be.instanceOf(Date);
      const plain = await fx.store.audit.record({ type: 'x', actor: 'system', metadata: {} });
      expect(plain.traceId).to.equal(null);
    });

    if (fx.has('lists')) it('list returns newest first', async () => {
      for (const type of ['a', 'b', 'c']) {
        await fx.store.audit.record({ type, actor: 'system', metadata: {} });
        await tick(fx);
      }
      expect(ids(await fx.op('lists').audit.list(), 'type')).to.deep.equal(['c', 'b', 'a']);
    });

    if (fx.has('lists')) it('list filters by type and traceId and honours limit', async () => {
      const { audit } = fx.op('lists');
      await fx.store.audit.record({ type: 'standalone.prompt', actor: 'a', metadata: {}, traceId: 't-1' });
      await tick(fx);
      await fx.store.audit.record({ type: 'standalone.prompt.denied', actor: 'a', metadata: {}, traceId: 't-1' });
      await tick(fx);
      await fx.store.audit.record({ type: 'standalone.prompt', actor: 'b', metadata: {}, traceId: 't-2' });
      expect(ids(await audit.list({ type: 'standalone.prompt' }), 'actor')).to.deep.equal(['b', 'a']);
      expect(ids(await audit.list({ traceId: 't-1' }), 'type')).to.deep.equal(['standalone.prompt.denied', 'standalone.prompt']);
      expect(ids(await audit.list({ type: 'standalone.prompt', traceId: 't-2' }), 'actor')).to.deep.equal(['b']);
      expect(ids(await audit.list({ limit: 1 }), 'actor')).to.deep.equal(['b']);
    });
  });
}

/** Registers the `artifacts` cases of the Store conformance suite against `fx.store`. */
export function describeArtifactCases(fx: StoreFixture): void {
  describe('artifacts', () => {
    const file = { filename: 'report.pdf', contentType: 'application/pdf', storageUri: 'file:///data/report.pdf', sizeBytes: 1234 };

    it('record assigns an id and time', async () => {
      const session = await newSession(fx.store);
      const artifact = await fx.store.artifacts.record({ ...file, sessionId: session.sessionId });
      expect(artifact.artifactId).to.be.a('string').and.not.equal('');
      expect(artifact).to.include({ ...file, sessionId: session.sessionId });
      expect(artifact.createdAt).to.be.instanceOf(Date);
    });

    it('record keeps a given artifactId', async () => {
      const artifact = await fx.store.artifacts.record({ ...file, sessionId: null, artifactId: 'art-1' });
      expect(artifact).to.include({ artifactId: 'art-1', filename: 'report.pdf', sessionId: null });
    });

    if (fx.has('lists')) it('get returns a recorded artifact as recorded; unknown ids are null', async () => {
      const session = await newSession(fx.store);
      const artifact = await fx.store.artifacts.record({ ...file, sessionId: session.sessionId });
      const kept = await fx.store.artifacts.record({ ...file, sessionId: null, artifactId: 'art-1' });
      const { artifacts } = fx.op('lists');
      expect(await artifacts.get(artifact.artifactId)).to.deep.equal(artifact);
      expect(await artifacts.get('art-1')).to.deep.equal(kept);
      expect(await artifacts.get('nope')).to.equal(null);
    });

    if (fx.has('lists')) it('list filters by session and honours limit', async () => {
      const { artifacts } = fx.op('lists');
      const s1 = await newSession(fx.store);
      const s2 = await newSession(fx.store);
      const a = await fx.store.artifacts.record({ ...file, sessionId: s1.sessionId });
      const b = await fx.store.artifacts.record({ ...file, sessionId: s1.sessionId });
      const c = await fx.store.artifacts.record({ ...file, sessionId: s2.sessionId });
      expect(ids(await artifacts.list(), 'artifactId')).to.have.members([a.artifactId, b.artifactId, c.artifactId]);
      expect(ids(await artifacts.list({ sessionId: s1.sessionId }), 'artifactId')).to.have.members([a.artifactId, b.artifactId]);
      expect(await artifacts.list({ sessionId: s1.sessionId, limit: 1 })).to.have.length(1);
    });
  });
}
