import 'reflect-metadata';
import { expect } from 'chai';
import type { Job } from '@cowork-gateway/core';
import type { PgStore } from '../src/pg-store.js';
import { dropSchema, freshSchemaName, requireDatabase, startedStore, withAdmin } from './support.js';

const MINUTE = 60_000;

/**
 * Two stores (two pools) on one schema stand in for two gateway processes sharing a database.
 */
describe('pg-store under concurrency (two stores on one schema)', () => {
  let schema: string;
  let a: PgStore;
  let b: PgStore;

  before(requireDatabase);
  beforeEach(async () => {
    schema = freshSchemaName('cgconc');
    a = await startedStore({ schema });
    b = await startedStore({ schema });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await dropSchema(schema);
  });

  it('many concurrent appenders on one session get gapless, ordered seqs; each batch consecutive', async () => {
    const { session } = await a.sessions.findOrCreate({ instance: 'i', chatId: 'c', providerKind: 'fake', title: 't' });
    const batches = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).events.append(session.sessionId, [
          { type: 'x', payload: { i, part: 0 } },
          { type: 'x', payload: { i, part: 1 } },
          { type: 'x', payload: { i, part: 2 } },
        ]),
      ),
    );
    for (const batch of batches) {
      expect(batch.map((e) => e.seq)).to.deep.equal([batch[0]!.seq, batch[0]!.seq + 1, batch[0]!.seq + 2]);
      expect(batch.map((e) => e.payload.part)).to.deep.equal([0, 1, 2]);
    }
    const stored = await b.events.list(session.sessionId);
    expect(stored.map((e) => e.seq)).to.deep.equal(Array.from({ length: 181 }, (_, i) => i + 1));
    expect(await a.sessions.get(session.sessionId)).to.include({ lastEventSeq: 181 });
  });

  it('N concurrent claimers in two processes take each job exactly once', async () => {
    const jobs = 120;
    for (let i = 0; i < jobs; i += 1) await a.jobs.enqueue({ kind: 'prompt', idempotencyKey: `k-${i}`, payload: { i } });
    const taken: string[] = [];
    const worker = async (store: PgStore, id: string): Promise<void> => {
      for (let job = await store.jobs.claim({ workerId: id, leaseMs: MINUTE }); job; job = await store.jobs.claim({ workerId: id, leaseMs: MINUTE })) {
        taken.push(job.jobId);
        await store.jobs.complete(job.jobId, job.claimToken!);
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => worker(i % 2 ? a : b, `w-${i}`)));
    expect(taken).to.have.length(jobs);
    expect(new Set(taken).size).to.equal(jobs);
    expect(await a.jobs.countByStatus()).to.deep.equal({ pending: 0, running: 0, completed: jobs, failed: 0, dead: 0 });
    for (const job of await b.jobs.list()) expect(job.attempts).to.equal(1);
  });

  it('per-queue FIFO holds across claimers in two processes: in order, one at a time per queue', async () => {
    const queues = ['s-1', 's-2', 's-3', 's-4'];
    const perQueue = 15;
    for (let n = 0; n < perQueue; n += 1) {
      for (const queueKey of queues) {
        await (n % 2 ? a : b).jobs.enqueue({ kind: 'prompt', idempotencyKey: `${queueKey}-${n}`, queueKey, sessionId: queueKey, payload: { n } });
      }
    }
    const started = new Map<string, number[]>(queues.map((q) => [q, []]));
    const running = new Map<string, number>();
    let overlap = false;
    const worker = async (store: PgStore, id: string): Promise<void> => {
      for (let job = await claim(store, id); job; job = await claim(store, id)) {
        const q = job.queueKey!;
        if ((running.get(q) ?? 0) > 0) overlap = true;
        running.set(q, (running.get(q) ?? 0) + 1);
        started.get(q)!.push(job.payload.n as number);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running.set(q, running.get(q)! - 1);
        await store.jobs.complete(job.jobId, job.claimToken!);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i % 2 ? a : b, `w-${i}`)));
    expect(overlap, 'two jobs of one queue ran at once').to.equal(false);
    for (const q of queues) expect(started.get(q), q).to.deep.equal(Array.from({ length: perQueue }, (_, i) => i));
  });

  it('concurrent enqueues into one queue from two processes leave exactly one head, then drain in order', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, n) => (n % 2 ? a : b).jobs.enqueue({ kind: 'prompt', idempotencyKey: `q-${n}`, queueKey: 'q', payload: { n } })),
    );
    const order: string[] = [];
    for (let job = await claim(a, 'w'); job; job = await claim(b, 'w')) {
      expect(await a.jobs.claim({ workerId: 'other', leaseMs: MINUTE })).to.equal(null);
      order.push(job.jobId);
      await a.jobs.complete(job.jobId, job.claimToken!);
    }
    const enqueued = await withAdmin((sql) => sql.unsafe(`select job_id from "${schema}".cg_jobs order by pos`));
    expect(order, 'claimed in the order the queue lock admitted them').to.deep.equal(enqueued.map((row) => row.job_id));
  });
});

async function claim(store: PgStore, workerId: string): Promise<Job | null> {
  return store.jobs.claim({ workerId, leaseMs: MINUTE });
}
