// Job-queue benchmark: PgStore (plugins/pg-store, compiled dist) side by side with
// graphile-worker 0.18.0 on the same PostgreSQL database (reference/perf-anchors.md §3).
//
//   npx tsc -b plugins/pg-store && node bench/job-queue.mjs [--jobs 20000] [--concurrency 4,16] [--in-flight 50]
//
// Connection: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Every run uses its
// own fresh schema, dropped afterwards. For each concurrency C:
//   enqueue   N jobs, one call per job, --in-flight calls at a time (PgStore jobs.enqueue /
//             graphile addJob), jobs/s
//   drain     C workers until no job is left: PgStore workers loop claim → complete (no-op job);
//             graphile-worker runs a no-op task with run({ concurrency: C, maxPoolSize: max(10, C+2),
//             noHandleSignals: true }), once with defaults and once with the batched preset
//             { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0 } }; done when its
//             _private_jobs table is empty (polled every 50 ms), jobs/s
//   queued    PgStore only: the same drain with the jobs spread over 500 per-session queues
//             (queueKey), which pg-store runs one at a time and in FIFO order per queue
// Prints a Markdown table and writes bench/results/job-queue-<timestamp>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
await import('reflect-metadata');
const { PgStore, pgStoreOptions } = await import(join(root, 'plugins/pg-store/dist/src/index.js'));
const core = await import(join(root, 'core/dist/src/index.js'));
const valibot = await import('valibot');
const { default: postgres } = await import('postgres');
const graphile = await import('graphile-worker');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const JOBS = Number(arg('jobs', '20000'));
const CONCURRENCIES = arg('concurrency', '4,16').split(',').map(Number);
const IN_FLIGHT = Number(arg('in-flight', '50'));
const QUEUES = 500;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LEASE_MS = 30_000;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
const rate = (n, ms) => Math.round((n / ms) * 1000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task(i)` for i in [0, total) with at most `limit` in flight. */
async function pool(total, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, total) }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function pgStoreRun(concurrency, { queued }) {
  const schema = `bench_pg_${queued ? 'q' : 'u'}${concurrency}_${Date.now().toString(36)}`;
  const options = valibot.parse(pgStoreOptions, { url: DATABASE_URL, schema, poolMax: Math.max(10, concurrency + 2) });
  const store = new PgStore(options, core.silentLogger, core.systemClock);
  await store.start();
  try {
    const enqueueMs = await timed(() =>
      pool(JOBS, IN_FLIGHT, (i) =>
        store.jobs.enqueue({ kind: 'prompt', idempotencyKey: `bench-${i}`, payload: { i }, ...(queued ? { queueKey: `session-${i % QUEUES}` } : {}) }),
      ),
    );
    let done = 0;
    const drainMs = await timed(() =>
      Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
          for (;;) {
            const job = await store.jobs.claim({ workerId: `bench-${w}`, leaseMs: LEASE_MS });
            if (!job) return;
            await store.jobs.complete(job.jobId, job.claimToken);
            done += 1;
          }
        }),
      ),
    );
    const counts = await store.jobs.countByStatus();
    if (done !== JOBS || counts.completed !== JOBS) throw new Error(`pg-store drained ${done}, completed ${counts.completed} of ${JOBS}`);
    return { enqueueMs, drainMs };
  } finally {
    await store.close();
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
  }
}

async function graphileRun(concurrency, { batched }) {
  const schema = `bench_gw_${batched ? 'b' : 'd'}${concurrency}_${Date.now().toString(36)}`;
  const utils = await graphile.makeWorkerUtils({ connectionString: DATABASE_URL, schema });
  try {
    await utils.migrate();
    const enqueueMs = await timed(() => pool(JOBS, IN_FLIGHT, (i) => utils.addJob('noop', { i })));
    const drainMs = await timed(async () => {
      const runner = await graphile.run({
        connectionString: DATABASE_URL,
        schema,
        concurrency,
        maxPoolSize: Math.max(10, concurrency + 2),
        noHandleSignals: true,
        taskList: { noop: async () => {} },
        logger: new graphile.Logger(() => () => {}),
        ...(batched ? { preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0 } } } : {}),
      });
      try {
        for (;;) {
          const [{ n }] = await admin.unsafe(`select count(*)::int as n from "${schema}"._private_jobs`);
          if (n === 0) break;
          await sleep(50);
        }
      } finally {
        await runner.stop();
      }
    });
    return { enqueueMs, drainMs };
  } finally {
    await utils.release();
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
  }
}

const rows = [];
for (const concurrency of CONCURRENCIES) {
  const runs = [
    ['pg-store', () => pgStoreRun(concurrency, { queued: false })],
    [`pg-store, ${QUEUES} queues`, () => pgStoreRun(concurrency, { queued: true })],
    ['graphile-worker defaults', () => graphileRun(concurrency, { batched: false })],
    ['graphile-worker batched', () => graphileRun(concurrency, { batched: true })],
  ];
  for (const [name, run] of runs) {
    const { enqueueMs, drainMs } = await run();
    const row = { name, concurrency, jobs: JOBS, enqueueMs: Math.round(enqueueMs), enqueuePerS: rate(JOBS, enqueueMs), drainMs: Math.round(drainMs), drainPerS: rate(JOBS, drainMs) };
    rows.push(row);
    process.stderr.write(`${name} c=${concurrency}: enqueue ${row.enqueuePerS}/s, drain ${row.drainPerS}/s\n`);
  }
}
await admin.end();

const find = (name, c) => rows.find((r) => r.name === name && r.concurrency === c);
const ratios = CONCURRENCIES.map((c) => {
  const pg = find('pg-store', c);
  const ratio = (other) => ({ enqueue: round(pg.enqueuePerS / other.enqueuePerS), drain: round(pg.drainPerS / other.drainPerS) });
  return { concurrency: c, vsGraphileDefaults: ratio(find('graphile-worker defaults', c)), vsGraphileBatched: ratio(find('graphile-worker batched', c)) };
});
function round(n) {
  return Math.round(n * 100) / 100;
}

console.log(`\nJob queue, ${JOBS} no-op jobs, enqueue ${IN_FLIGHT} in flight, ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}\n`);
console.log('| run | C | enqueue jobs/s | drain jobs/s | drain s |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.name} | ${r.concurrency} | ${r.enqueuePerS} | ${r.drainPerS} | ${(r.drainMs / 1000).toFixed(2)} |`);
console.log('\n| C | pg-store ÷ graphile defaults (enqueue, drain) | pg-store ÷ graphile batched (enqueue, drain) |');
console.log('| --- | --- | --- |');
for (const r of ratios) {
  console.log(`| ${r.concurrency} | ${r.vsGraphileDefaults.enqueue}x, ${r.vsGraphileDefaults.drain}x | ${r.vsGraphileBatched.enqueue}x, ${r.vsGraphileBatched.drain}x |`);
}

const dir = join(root, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `job-queue-${stamp}.json`);
writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), jobs: JOBS, inFlight: IN_FLIGHT, node: process.version, rows, ratios }, null, 2)}\n`);
console.log(`\nwrote ${file}`);
