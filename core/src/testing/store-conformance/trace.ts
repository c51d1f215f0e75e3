/** Store conformance cases: trace. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { inboundClaimKey } from '../../contracts/store.js';
import {
  MINUTE,
  uniq,
  newSession,
  enqueueJob,
  enqueueDelivery,
  inboundKey,
  ids,
  type StoreFixture,
} from './fixtures.js';

/** Registers the `trace` cases of the Store conformance suite against `fx.store`. */
export function describeTraceCases(fx: StoreFixture): void {
  describe('trace', () => {
    it('gathers the inbound claims, jobs, events, deliveries and audit rows of one trace id', async () => {
      const traceId = uniq('trace');
      const noise = uniq('trace');
      const key = inboundKey();
      await fx.store.inbound.claim(key, { owner: 'w', leaseMs: MINUTE, traceId });
      await fx.store.inbound.claim(inboundKey(), { owner: 'w', leaseMs: MINUTE, traceId: noise });
      const session = await newSession(fx.store);
      const [event] = await fx.store.events.append(session.sessionId, [
        { type: 'user.message', payload: {}, traceId },
        { type: 'user.message', payload: {}, traceId: noise },
      ]);
      const traced = await enqueueJob(fx.store, { traceId });
      await enqueueJob(fx.store, { traceId: noise });
      const { d } = await enqueueDelivery(fx.store, { traceId });
      await enqueueDelivery(fx.store, { traceId: noise });
      const audit = await fx.store.audit.record({ type: 'standalone.prompt', actor: 'u', metadata: {}, traceId });
      await fx.store.audit.record({ type: 'standalone.prompt', actor: 'u', metadata: {}, traceId: noise });

      const report = await fx.op('trace').trace(traceId);
      expect(report.traceId).to.equal(traceId);
      expect(ids(report.inbound, 'key')).to.deep.equal([inboundClaimKey(key)]);
      expect(ids(report.jobs, 'jobId')).to.deep.equal([traced.jobId]);
      expect(report.events.map((e) => [e.sessionId, e.seq])).to.deep.equal([[session.sessionId, event?.seq]]);
      expect(ids(report.deliveries, 'deliveryId')).to.deep.equal([d.deliveryId]);
      expect(ids(report.audit, 'auditId')).to.deep.equal([audit.auditId]);
    });

    it('an unknown trace id yields empty lists', async () => {
      expect(await fx.op('trace').trace('nope')).to.deep.equal({ traceId: 'nope', inbound: [], jobs: [], events: [], deliveries: [], audit: [] });
    });
  });
}
