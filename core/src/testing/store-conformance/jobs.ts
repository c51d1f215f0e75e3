/** Store conformance cases: jobs. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { describe, it } from './registry.js';
import type { Job, NewSessionEvent } from '../../contracts/store.js';
import {
  SECOND,
  MINUTE,
  HOUR,
  DAY,
  at,
  fromNow,
  tick,
  expectCode,
  expectStale,
  newSession,
  job,
  enqueueJob,
  runningJob,
  ids,
  type StoreFixture,
} from './fixtures.js';

/** Registers the `jobs` cases of the Store conformance suite against `fx.store`. */
export function describeJobCases(fx: StoreFixture): void {
  describe('jobs', () => {
    it('enqueue creates a pending job with its fields and no claim', async () => {
      const session = await newSession(fx.store);
      const runAt = fromNow(-MINUTE);
      const { job: queued, created } = await fx.store.jobs.enqueue(
        job({ kind: 'workflow', payload: { a: 1 }, sessionId: session.sessionId, queueKey: 'q-1', runAt, maxAttempts: 4, traceId: 'trace-1' }),
      );
      expect(created).to.equal(true);
      expect(queued.jobId).to.be.a('string').and.not.equal('');
      expect(queued).to.deep.include({
        kind: 'workflow',
        status: 'pending',
        queueKey: 'q-1',
        sessionId: session.sessionId,
        payload: { a: 1 },
        traceId: 'trace-1',
        attempts: 0,
        maxAttempts: 4,
        claimedBy: null,
        claimToken: null,
        leaseExpiresAt: null,
        lastError: null,
        result: null,
      });
      expect(queued.runAt.getTime()).to.equal(runAt.getTime());
    });

    it('enqueue defaults: no queue, no session, no trace, at least one attempt', async () => {
      const queued = await enqueueJob(fx.store);
      expect(queued).to.include({ queueKey: null, sessionId: null, traceId: null });
      expect(queued.maxAttempts).to.be.at.least(1);
    });

    it('enqueue is idempotent by idempotencyKey', async () => {
      const first = await fx.store.jobs.enqueue(job({ idempotencyKey: 'same', payload: { n: 1 } }));
      const second = await fx.store.jobs.enqueue(job({ idempotencyKey: 'same', payload: { n: 2 } }));
      expect(second.created).to.equal(false);
      expect(second.job.jobId).to.equal(first.job.jobId);
      expect(second.job.payload).to.deep.equal({ n: 1 });
      if (fx.has('lists')) expect(await fx.op('lists').jobs.list()).to.have.length(1);
    });

    it('claim sets running with a lease, a token and attempts + 1', async () => {
      const queued = await enqueueJob(fx.store);
      const now = fromNow(0);
      const claimed = await fx.at(now).jobs.claim({ workerId: 'worker-a', leaseMs: MINUTE });
      expect(claimed).to.include({ jobId: queued.jobId, status: 'running', claimedBy: 'worker-a', attempts: 1 });
      expect(claimed?.claimToken).to.be.a('string').and.not.equal('');
      expect(claimed?.leaseExpiresAt?.getTime()).to.equal(at(now, MINUTE).getTime());
      expect(await fx.store.jobs.get(queued.jobId)).to.include({ status: 'running', claimToken: claimed?.claimToken });
    });

    it('claim returns null when nothing is due', async () => {
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    it('claim takes the earliest runAt first, then the oldest createdAt', async () => {
      const t0 = fromNow(0);
      const late = await enqueueJob(fx.store, { runAt: at(t0, -1 * MINUTE) });
      await tick(fx);
      const early = await enqueueJob(fx.store, { runAt: at(t0, -5 * MINUTE) });
      await tick(fx);
      const sameA = await enqueueJob(fx.store, { runAt: at(t0, -3 * MINUTE) });
      await tick(fx);
      const sameB = await enqueueJob(fx.store, { runAt: at(t0, -3 * MINUTE) });
      const order: unknown[] = [];
      for (let i = 0; i < 4; i += 1) order.push((await fx.at(t0).jobs.claim({ workerId: 'w', leaseMs: MINUTE }))?.jobId);
      expect(order).to.deep.equal([early.jobId, sameA.jobId, sameB.jobId, late.jobId]);
    });

    it('a job whose runAt is in the future is not claimed before it', async () => {
      const t0 = fromNow(0);
      const queued = await enqueueJob(fx.store, { runAt: at(t0, HOUR) });
      expect(await fx.at(t0).jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
      expect(await fx.at(at(t0, HOUR)).jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.include({ jobId: queued.jobId });
    });

    it('a job enqueued without runAt is due right away', async () => {
      const queued = await enqueueJob(fx.store, { runAt: undefined });
      expect(await fx.at(fromNow(SECOND)).jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.include({ jobId: queued.jobId });
    });

    it('claim honours the kinds filter', async () => {
      await enqueueJob(fx.store, { kind: 'prompt' });
      const workflow = await enqueueJob(fx.store, { kind: 'workflow' });
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, kinds: ['watch'] })).to.equal(null);
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE, kinds: ['workflow', 'team_task'] })).to.include({
        jobId: workflow.jobId,
      });
    });

    it('concurrent claims never hand out one job twice', async () => {
      for (let i = 0; i < 5; i += 1) await enqueueJob(fx.store);
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => fx.store.jobs.claim({ workerId: `w-${i}`, leaseMs: MINUTE })));
      const won = claims.filter((c): c is Job => c !== null);
      expect(won).to.have.length(5);
      expect(new Set(won.map((c) => c.jobId)).size).to.equal(5);
    });

    it('an expired lease is reclaimed with attempts + 1 and a new token; the old token is stale', async () => {
      await enqueueJob(fx.store);
      const t0 = fromNow(0);
      const first = (await fx.at(t0).jobs.claim({ workerId: 'worker-a', leaseMs: SECOND })) as Job;
      expect(await fx.at(at(t0, 500)).jobs.claim({ workerId: 'worker-b', leaseMs: SECOND })).to.equal(null);
      const second = await fx.at(at(t0, 2 * SECOND)).jobs.claim({ workerId: 'worker-b', leaseMs: SECOND });
      expect(second).to.include({ jobId: first.jobId, status: 'running', claimedBy: 'worker-b', attempts: 2 });
      expect(second?.claimToken).to.not.equal(first.claimToken);
      await expectStale(fx.store.jobs.complete(first.jobId, first.claimToken as string), 'complete with the token of an expired, retaken job claim');
      await expectStale(fx.store.jobs.heartbeat(first.jobId, first.claimToken as string, MINUTE), 'heartbeat with the token of an expired, retaken job claim');
      await expectStale(fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'x' }), 'fail with the token of an expired, retaken job claim');
      expect(await fx.store.jobs.complete(first.jobId, second?.claimToken as string)).to.include({ status: 'completed' });
    });

    it('an expired job already at maxAttempts becomes dead instead of claimed', async () => {
      const doomed = await enqueueJob(fx.store, { maxAttempts: 2, runAt: fromNow(-2 * MINUTE) });
      const t0 = fromNow(0);
      await fx.at(t0).jobs.claim({ workerId: 'w', leaseMs: SECOND });
      expect(await fx.at(at(t0, 2 * SECOND)).jobs.claim({ workerId: 'w', leaseMs: SECOND })).to.include({
        jobId: doomed.jobId,
        attempts: 2,
      });
      expect(await fx.at(at(t0, 4 * SECOND)).jobs.claim({ workerId: 'w', leaseMs: SECOND })).to.equal(null);
      expect(await fx.store.jobs.get(doomed.jobId)).to.include({ status: 'dead', attempts: 2 });
    });

    it('a dead-on-expiry job does not stop the claim from returning the next due job', async () => {
      const doomed = await enqueueJob(fx.store, { maxAttempts: 1, runAt: fromNow(-2 * MINUTE) });
      const t0 = fromNow(0);
      await fx.at(t0).jobs.claim({ workerId: 'w', leaseMs: SECOND });
      const next = await enqueueJob(fx.store);
      expect(await fx.at(at(t0, 2 * SECOND)).jobs.claim({ workerId: 'w', leaseMs: SECOND })).to.include({ jobId: next.jobId });
      expect(await fx.store.jobs.get(doomed.jobId)).to.include({ status: 'dead' });
    });

    it('heartbeat extends the lease, so the job is not reclaimed', async () => {
      await enqueueJob(fx.store);
      const t0 = fromNow(0);
      const claimed = (await fx.at(t0).jobs.claim({ workerId: 'w', leaseMs: SECOND })) as Job;
      const beat = await fx.store.jobs.heartbeat(claimed.jobId, claimed.claimToken as string, 10 * MINUTE);
      expect(beat.leaseExpiresAt!.getTime()).to.be.greaterThan(claimed.leaseExpiresAt!.getTime());
      expect(beat).to.include({ status: 'running', claimToken: claimed.claimToken, attempts: 1 });
      expect(await fx.at(at(t0, MINUTE)).jobs.claim({ workerId: 'w2', leaseMs: SECOND })).to.equal(null);
    });

    it('complete stores the result; the token is no longer valid afterwards', async () => {
      const claimed = await runningJob(fx.store);
      const done = await fx.store.jobs.complete(claimed.jobId, claimed.claimToken as string, { reply: 'ok' });
      expect(done).to.deep.include({ status: 'completed', result: { reply: 'ok' } });
      await expectCode(fx.store.jobs.complete(claimed.jobId, claimed.claimToken as string), 'store.stale_claim');
      expect(await fx.at(fromNow(DAY)).jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    it('fail with retryAt returns the job to pending until retryAt, then dead once attempts are used up', async () => {
      const queued = await enqueueJob(fx.store, { maxAttempts: 2 });
      const t0 = fromNow(0);
      const first = (await fx.at(t0).jobs.claim({ workerId: 'w', leaseMs: MINUTE })) as Job;
      const retried = await fx.store.jobs.fail(first.jobId, first.claimToken as string, { error: 'boom 1', retryAt: at(t0, 10 * SECOND) });
      expect(retried).to.include({ status: 'pending', lastError: 'boom 1', attempts: 1 });
      expect(await fx.at(at(t0, 5 * SECOND)).jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
      const second = (await fx.at(at(t0, 10 * SECOND)).jobs.claim({ workerId: 'w', leaseMs: MINUTE })) as Job;
      expect(second).to.include({ jobId: queued.jobId, attempts: 2 });
      const dead = await fx.store.jobs.fail(second.jobId, second.claimToken as string, { error: 'boom 2', retryAt: at(t0, 20 * SECOND) });
      expect(dead).to.include({ status: 'dead', lastError: 'boom 2' });
      expect(await fx.at(at(t0, HOUR)).jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    it('fail without retryAt is failed for good', async () => {
      const claimed = await runningJob(fx.store, { maxAttempts: 5 });
      const failed = await fx.store.jobs.fail(claimed.jobId, claimed.claimToken as string, { error: 'unsupported' });
      expect(failed).to.include({ status: 'failed', lastError: 'unsupported' });
      expect(await fx.at(fromNow(DAY)).jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    it('heartbeat, complete and fail with a wrong token throw store.stale_claim; an unknown job store.not_found', async () => {
      const claimed = await runningJob(fx.store);
      await expectCode(fx.store.jobs.heartbeat(claimed.jobId, 'wrong', MINUTE), 'store.stale_claim');
      await expectCode(fx.store.jobs.complete(claimed.jobId, 'wrong'), 'store.stale_claim');
      await expectCode(fx.store.jobs.fail(claimed.jobId, 'wrong', { error: 'x' }), 'store.stale_claim');
      const unknown = randomUUID();
      await expectCode(fx.store.jobs.heartbeat(unknown, 'token', MINUTE), 'store.not_found');
      await expectCode(fx.store.jobs.complete(unknown, 'token'), 'store.not_found');
      await expectCode(fx.store.jobs.fail(unknown, 'token', { error: 'x' }), 'store.not_found');
    });

    it('get returns null for an unknown job', async () => {
      expect(await fx.store.jobs.get(randomUUID())).to.equal(null);
    });

    if (fx.has('lists')) it('list filters by status and kind and honours limit', async () => {
      const { jobs } = fx.op('lists');
      const running = await runningJob(fx.store, { kind: 'workflow' });
      const prompt = await enqueueJob(fx.store, { kind: 'prompt', runAt: fromNow(HOUR) });
      const watch = await enqueueJob(fx.store, { kind: 'watch', runAt: fromNow(HOUR) });
      expect(ids(await jobs.list(), 'jobId')).to.have.members([running.jobId, prompt.jobId, watch.jobId]);
      expect(ids(await jobs.list({ status: 'pending' }), 'jobId')).to.have.members([prompt.jobId, watch.jobId]);
      expect(ids(await jobs.list({ kind: 'workflow' }), 'jobId')).to.deep.equal([running.jobId]);
      expect(ids(await jobs.list({ status: 'pending', kind: 'watch' }), 'jobId')).to.deep.equal([watch.jobId]);
      expect(await jobs.list({ limit: 2 })).to.have.length(2);
    });

    if (fx.has('counts')) it('countByStatus counts every status, zeros included', async () => {
      const { jobs } = fx.op('counts');
      expect(await jobs.countByStatus()).to.deep.equal({ pending: 0, running: 0, completed: 0, failed: 0, dead: 0 });
      const done = await runningJob(fx.store);
      await fx.store.jobs.complete(done.jobId, done.claimToken as string);
      const failed = await runningJob(fx.store);
      await fx.store.jobs.fail(failed.jobId, failed.claimToken as string, { error: 'x' });
      const dead = await runningJob(fx.store, { maxAttempts: 1 });
      await fx.store.jobs.fail(dead.jobId, dead.claimToken as string, { error: 'x', retryAt: fromNow(0) });
      await runningJob(fx.store);
      await enqueueJob(fx.store, { runAt: fromNow(HOUR) });
      await enqueueJob(fx.store, { runAt: fromNow(HOUR) });
      expect(await jobs.countByStatus()).to.deep.equal({ pending: 2, running: 1, completed: 1, failed: 1, dead: 1 });
    });

    if (fx.has('enqueueJobWithEvents')) it('enqueueJobWithEvents appends the events atomically, only when the job is created, with its jobId', async () => {
      const session = await newSession(fx.store);
      const input = job({ sessionId: session.sessionId, queueKey: session.sessionId });
      const sessionEvents: NewSessionEvent[] = [
        { type: 'user.message', payload: { text: 'hi' }, traceId: 'trace-1' },
        { type: 'note', payload: {} },
      ];
      const { job: created } = await fx.fast('enqueueJobWithEvents')(input, sessionEvents);
      const events = await fx.store.events.list(session.sessionId, { afterSeq: 1 });
      expect(events.map((e) => [e.seq, e.type, e.payload, e.traceId])).to.deep.equal([
        [2, 'user.message', { text: 'hi', jobId: created.jobId }, 'trace-1'],
        [3, 'note', { jobId: created.jobId }, null],
      ]);
      expect(await fx.store.sessions.get(session.sessionId)).to.include({ lastEventSeq: 3 });
      expect((await fx.fast('enqueueJobWithEvents')(input, sessionEvents)).created).to.equal(false);
      expect(await fx.store.events.list(session.sessionId, { afterSeq: 3 })).to.deep.equal([]);
    });

    if (fx.has('enqueueJobWithEvents')) it('enqueueJobWithEvents for an unknown session is store.not_found and stores no job', async () => {
      const input = job({ sessionId: randomUUID() });
      await expectCode(fx.fast('enqueueJobWithEvents')(input, [{ type: 'user.message', payload: {} }]), 'store.not_found');
      expect(await fx.store.jobs.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    if (fx.has('enqueueJobWithEvents')) it('concurrent enqueueJobWithEvents keep the session\'s seqs gapless', async () => {
      const session = await newSession(fx.store);
      const enqueue = fx.fast('enqueueJobWithEvents');
      await Promise.all(Array.from({ length: 8 }, (_, i) =>
        enqueue(job({ sessionId: session.sessionId, queueKey: session.sessionId }), [{ type: 'user.message', payload: { i } }])));
      expect(ids(await fx.store.events.list(session.sessionId), 'seq')).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });
}
