/** Store conformance cases: prune (retention). */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import type { ManifestRecord } from '../../contracts/store.js';
import {
  MINUTE,
  HOUR,
  fromNow,
  expectCode,
  thread,
  newSession,
  enqueueJob,
  runningJob,
  cutoffs,
  collect,
  inboundKey,
  enqueueDelivery,
  claimDelivery,
  uniq,
  ids,
  type StoreFixture,
} from './fixtures.js';

/** Registers the `prune (retention)` cases of the Store conformance suite against `fx.store`. */
export function describePruneCases(fx: StoreFixture): void {
  describe('prune (retention)', () => {
    const future = () => fromNow(MINUTE);
    const heldLease = async () => (await fx.store.leases.acquire('retention', 'host-a:1', 10 * MINUTE))!;

    it('throws store.lease_lost without the lease (released, expired or taken over) and deletes nothing', async () => {
      await fx.store.audit.record({ type: 'x', actor: 'a', metadata: {} });
      const everything = cutoffs({ sessions: future(), artifacts: future(), audit: future(), jobs: future() });
      const released = await heldLease();
      await fx.store.leases.release(released);
      await expectCode(fx.op('prune').prune(everything, released), 'store.lease_lost');
      const expired = (await fx.at(fromNow(-HOUR)).leases.acquire('retention', 'host-a:1', MINUTE))!;
      fx.clock.follow();
      await expectCode(fx.op('prune').prune(everything, expired), 'store.lease_lost');
      const mine = (await fx.at(fromNow(-HOUR)).leases.acquire('other', 'host-a:1', MINUTE))!;
      fx.clock.follow();
      await fx.store.leases.acquire('other', 'host-b:2', 10 * MINUTE);
      await expectCode(fx.op('prune').prune(everything, mine), 'store.lease_lost');
      expect(await fx.op('lists').audit.list()).to.have.length(1);
    });

    it('deletes old idle, failed and completed sessions with their events; keeps running, blocked and busy ones', async () => {
      const idle = await newSession(fx.store);
      await fx.store.events.append(idle.sessionId, [{ type: 'a', payload: {} }, { type: 'b', payload: {} }]);
      const failed = await newSession(fx.store);
      await fx.store.sessions.setStatus(failed.sessionId, 'failed');
      const completed = await newSession(fx.store);
      await fx.store.sessions.setStatus(completed.sessionId, 'completed');
      const finishedJob = await runningJob(fx.store, { sessionId: completed.sessionId });
      await fx.store.jobs.complete(finishedJob.jobId, finishedJob.claimToken as string);
      const running = await newSession(fx.store);
      await fx.store.sessions.setStatus(running.sessionId, 'running');
      const blocked = await newSession(fx.store);
      await fx.store.sessions.setStatus(blocked.sessionId, 'blocked');
      const withRunningJob = await newSession(fx.store);
      await runningJob(fx.store, { sessionId: withRunningJob.sessionId });
      const withPendingJob = await newSession(fx.store);
      await enqueueJob(fx.store, { sessionId: withPendingJob.sessionId, runAt: fromNow(HOUR) });

      const result = await fx.op('prune').prune(cutoffs({ sessions: future() }), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 3, eventsDeleted: 5, artifactsDeleted: 0, auditEventsDeleted: 0, jobsDeleted: 0, inboundClaimsDeleted: 0, deliveriesDeleted: 0 });
      for (const gone of [idle, failed, completed]) expect(await fx.store.sessions.get(gone.sessionId)).to.equal(null);
      for (const kept of [running, blocked, withRunningJob, withPendingJob]) {
        expect(await fx.store.sessions.get(kept.sessionId)).to.not.equal(null);
      }
      const events = (await collect(fx.op('manifest').exportManifest())).filter(
        (r): r is Extract<ManifestRecord, { table: 'event' }> => r.table === 'event',
      );
      expect(events.map((r) => r.row.sessionId)).to.have.members([running, blocked, withRunningJob, withPendingJob].map((s) => s.sessionId));
    });

    it('a pruned thread starts a new session with a new event #1', async () => {
      const { session } = await fx.store.sessions.findOrCreate(thread());
      await fx.op('prune').prune(cutoffs({ sessions: future() }), await heldLease());
      const again = await fx.store.sessions.findOrCreate(thread());
      expect(again.created).to.equal(true);
      expect(again.session.sessionId).to.not.equal(session.sessionId);
      expect(ids(await fx.store.events.list(again.session.sessionId), 'seq')).to.deep.equal([1]);
    });

    it('deletes old completed, failed and dead jobs, never pending or running ones', async () => {
      const completed = await runningJob(fx.store);
      await fx.store.jobs.complete(completed.jobId, completed.claimToken as string);
      const failed = await runningJob(fx.store);
      await fx.store.jobs.fail(failed.jobId, failed.claimToken as string, { error: 'x' });
      const dead = await runningJob(fx.store, { maxAttempts: 1 });
      await fx.store.jobs.fail(dead.jobId, dead.claimToken as string, { error: 'x', retryAt: fromNow(0) });
      const running = await runningJob(fx.store);
      const pending = await enqueueJob(fx.store, { runAt: fromNow(HOUR) });

      const result = await fx.op('prune').prune(cutoffs({ jobs: future() }), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 0, eventsDeleted: 0, artifactsDeleted: 0, auditEventsDeleted: 0, jobsDeleted: 3, inboundClaimsDeleted: 0, deliveriesDeleted: 0 });
      for (const gone of [completed, failed, dead]) expect(await fx.store.jobs.get(gone.jobId)).to.equal(null);
      expect(await fx.store.jobs.get(running.jobId)).to.include({ status: 'running' });
      expect(await fx.store.jobs.get(pending.jobId)).to.include({ status: 'pending' });
    });

    it('deletes old finished inbound claims and sent or dead deliveries, never processing claims or unsent deliveries', async () => {
      const claim = async (eventId: string) => {
        const outcome = await fx.store.inbound.claim(inboundKey({ eventId }), { owner: 'w', leaseMs: MINUTE, traceId: `t-${eventId}` });
        return outcome.claim;
      };
      const done = await claim('done');
      await fx.store.inbound.complete(done.key, done.token);
      const failed = await claim('failed');
      await fx.store.inbound.fail(failed.key, failed.token, { retryable: false, error: 'x' });
      const processing = await claim('processing');

      const { d: sent } = await enqueueDelivery(fx.store, { deliveryId: uniq('sent') });
      const sending = await claimDelivery(fx, fromNow(MINUTE));
      for (let i = 0; i < sending.chunks.length; i += 1) await fx.store.deliveries.markChunkSent(sending.deliveryId, sending.claimToken!, i, `m${i}`);
      await fx.store.deliveries.complete(sending.deliveryId, sending.claimToken!);
      const { d: dead } = await enqueueDelivery(fx.store, { deliveryId: uniq('dead') });
      await fx.store.deliveries.deadLetter(dead.deliveryId, null, 'operator');
      const { d: pending } = await enqueueDelivery(fx.store, { deliveryId: uniq('pending') });

      const result = await fx.op('prune').prune(cutoffs({ jobs: fromNow(HOUR) }), await heldLease());
      expect(result).to.include({ inboundClaimsDeleted: 2, deliveriesDeleted: 2 });
      expect(await fx.store.inbound.get(done.key)).to.equal(null);
      expect(await fx.store.inbound.get(failed.key)).to.equal(null);
      expect(await fx.store.inbound.get(processing.key)).to.include({ status: 'processing' });
      expect(await fx.store.deliveries.get(sent.deliveryId)).to.equal(null);
      expect(await fx.store.deliveries.get(dead.deliveryId)).to.equal(null);
      expect(await fx.store.deliveries.get(pending.deliveryId)).to.include({ status: 'pending' });
    });

    it('deletes old audit events and artifacts', async () => {
      await fx.store.audit.record({ type: 'a', actor: 'x', metadata: {} });
      await fx.store.audit.record({ type: 'b', actor: 'x', metadata: {} });
      const art = await fx.store.artifacts.record({ sessionId: null, filename: 'f', contentType: 'text/plain', storageUri: 'file:///f', sizeBytes: 1 });
      const result = await fx.op('prune').prune(cutoffs({ audit: future(), artifacts: future() }), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 0, eventsDeleted: 0, artifactsDeleted: 1, auditEventsDeleted: 2, jobsDeleted: 0, inboundClaimsDeleted: 0, deliveriesDeleted: 0 });
      expect(await fx.op('lists').audit.list()).to.deep.equal([]);
      expect(await fx.op('lists').artifacts.get(art.artifactId)).to.equal(null);
    });

    it('keeps everything newer than the cutoffs', async () => {
      await newSession(fx.store);
      const done = await runningJob(fx.store);
      await fx.store.jobs.complete(done.jobId, done.claimToken as string);
      await fx.store.audit.record({ type: 'a', actor: 'x', metadata: {} });
      await fx.store.artifacts.record({ sessionId: null, filename: 'f', contentType: 'text/plain', storageUri: 'file:///f', sizeBytes: 1 });
      const result = await fx.op('prune').prune(cutoffs({}), await heldLease());
      expect(result).to.deep.equal({ sessionsDeleted: 0, eventsDeleted: 0, artifactsDeleted: 0, auditEventsDeleted: 0, jobsDeleted: 0, inboundClaimsDeleted: 0, deliveriesDeleted: 0 });
      expect(await fx.op('lists').sessions.list()).to.have.length(1);
      expect(await fx.op('lists').jobs.list()).to.have.length(1);
      expect(await fx.op('lists').audit.list()).to.have.length(1);
      expect(await fx.op('lists').artifacts.list()).to.have.length(1);
    });
  });
}
