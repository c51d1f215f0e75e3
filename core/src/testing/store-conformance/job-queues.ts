/** Store conformance cases: job queues (per queueKey FIFO). */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import type { Job } from '../../contracts/store.js';
import { SECOND, MINUTE, HOUR, at, fromNow, tick, job, enqueueJob, runningJob, type StoreFixture } from './fixtures.js';

/** Registers the `job queues (per queueKey FIFO)` cases of the Store conformance suite against `fx.store`. */
export function describeJobQueueCases(fx: StoreFixture): void {
  describe('job queues (per queueKey FIFO)', () => {
    const claim = (now?: Date) => (now ? fx.at(now) : fx.store).jobs.claim({ workerId: 'w', leaseMs: MINUTE });

    it('runs one job of a queue at a time in FIFO order; other queues are unaffected', async () => {
      const first = await enqueueJob(fx.store, { queueKey: 'session-1' });
      await tick(fx);
      const second = await enqueueJob(fx.store, { queueKey: 'session-1', runAt: fromNow(-HOUR) });
      await tick(fx);
      const other = await enqueueJob(fx.store, { queueKey: 'session-2' });
      const a = (await claim()) as Job;
      expect(a.jobId, 'store kit: the job claimed first from a queue (FIFO by enqueue order)').to.equal(first.jobId);
      expect((await claim())?.jobId).to.equal(other.jobId);
      expect(await claim()).to.equal(null);
      await fx.store.jobs.complete(a.jobId, a.claimToken as string);
      expect((await claim())?.jobId, 'store kit: the job claimed next from a queue (FIFO by enqueue order)').to.equal(second.jobId);
    });

    it('a later job of a queue waits while the earliest is not yet due', async () => {
      await enqueueJob(fx.store, { queueKey: 'q', runAt: fromNow(HOUR) });
      await tick(fx);
      await enqueueJob(fx.store, { queueKey: 'q', runAt: fromNow(-HOUR) });
      expect(await claim()).to.equal(null);
    });

    it('a failed or dead job no longer blocks its queue', async () => {
      const first = await runningJob(fx.store, { queueKey: 'q' });
      await tick(fx);
      const second = await enqueueJob(fx.store, { queueKey: 'q' });
      await fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'x' });
      expect((await claim())?.jobId).to.equal(second.jobId);
    });

    it('a job retried with retryAt keeps its place at the head of the queue', async () => {
      const first = await runningJob(fx.store, { queueKey: 'q', maxAttempts: 3 });
      await tick(fx);
      await enqueueJob(fx.store, { queueKey: 'q' });
      const t0 = fromNow(0);
      await fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'x', retryAt: at(t0, MINUTE) });
      expect(await claim(at(t0, SECOND))).to.equal(null);
      expect((await claim(at(t0, MINUTE)))?.jobId).to.equal(first.jobId);
    });

    it('an expired lease in a queue is reclaimed for the same job, not the next one', async () => {
      const first = await enqueueJob(fx.store, { queueKey: 'q' });
      await tick(fx);
      await enqueueJob(fx.store, { queueKey: 'q' });
      const t0 = fromNow(0);
      await fx.at(t0).jobs.claim({ workerId: 'a', leaseMs: SECOND });
      expect(await fx.at(at(t0, 500)).jobs.claim({ workerId: 'b', leaseMs: SECOND })).to.equal(null);
      expect(await fx.at(at(t0, 2 * SECOND)).jobs.claim({ workerId: 'b', leaseMs: SECOND })).to.include({
        jobId: first.jobId,
        attempts: 2,
      });
    });

    it('concurrent claims take at most one job per queue', async () => {
      for (let i = 0; i < 3; i += 1) {
        await enqueueJob(fx.store, { queueKey: 'q-1' });
        await enqueueJob(fx.store, { queueKey: 'q-2' });
      }
      const claims = await Promise.all(Array.from({ length: 6 }, () => claim()));
      const won = claims.filter((c): c is Job => c !== null);
      expect(won.map((j) => j.queueKey)).to.have.members(['q-1', 'q-2']);
    });

    it('queuePosition counts unfinished jobs ahead in the same queue', async () => {
      const first = await enqueueJob(fx.store, { queueKey: 'q' });
      await tick(fx);
      const second = await enqueueJob(fx.store, { queueKey: 'q' });
      await tick(fx);
      const third = await enqueueJob(fx.store, { queueKey: 'q' });
      const loose = await enqueueJob(fx.store);
      expect(await fx.store.jobs.queuePosition(first.jobId)).to.equal(0);
      expect(await fx.store.jobs.queuePosition(second.jobId)).to.equal(1);
      expect(await fx.store.jobs.queuePosition(third.jobId)).to.equal(2);
      expect(await fx.store.jobs.queuePosition(loose.jobId)).to.equal(0);
      const running = (await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, kinds: ['prompt'] })) as Job;
      expect(running.jobId).to.equal(first.jobId);
      expect(await fx.store.jobs.queuePosition(third.jobId)).to.equal(2);
      await fx.store.jobs.complete(running.jobId, running.claimToken as string);
      expect(await fx.store.jobs.queuePosition(second.jobId)).to.equal(0);
      expect(await fx.store.jobs.queuePosition(third.jobId)).to.equal(1);
    });

    it('enqueue returns the queue position, as queuePosition counts it', async () => {
      const first = await fx.store.jobs.enqueue(job({ queueKey: 'q' }));
      await tick(fx);
      const second = await fx.store.jobs.enqueue(job({ queueKey: 'q' }));
      const loose = await fx.store.jobs.enqueue(job());
      expect([first.queuePosition, second.queuePosition, loose.queuePosition]).to.deep.equal([0, 1, 0]);
      const repeat = await fx.store.jobs.enqueue(job({ queueKey: 'q', idempotencyKey: second.job.idempotencyKey }));
      expect(repeat).to.deep.include({ created: false, queuePosition: 1 });
      const running = (await claim()) as Job;
      await fx.store.jobs.complete(running.jobId, running.claimToken as string);
      const third = await fx.store.jobs.enqueue(job({ queueKey: 'q' }));
      expect(third.queuePosition).to.equal(1);
      expect(third.queuePosition).to.equal(await fx.store.jobs.queuePosition(third.job.jobId));
    });

    it('concurrent enqueues into one queue get distinct positions 0..n-1', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, () => fx.store.jobs.enqueue(job({ queueKey: 'q' }))));
      expect(results.map((r) => r.queuePosition).sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    });
  });
}
