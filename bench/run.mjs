// `npm run bench`: measures the Standalone Gateway's webhook path on this machine, side by side
// with a raw Koa anchor (reference/perf-anchors.md §1), and prints a table plus JSON
// (bench/results/<timestamp>.json). Traffic goes to 127.0.0.1 only; every loop is bounded.
//
//   node bench/run.mjs [--messages 6000] [--concurrency 100]
//
// Figures:
//   koa-floor        raw Koa 3 + @koa/router: parse JSON, answer 200 (no gateway logic)
//   ingest           gateway webhook → durable claim → authorize → session → job enqueue → 202
//                    (memory store), requests/s and latency
//   end-to-end       webhook in → scripted executor run → reply delivered to a loopback channel,
//                    messages/s from first send to last reply, send→reply latency, and the
//                    gateway process's CPU time per message (from /proc)
//   paced 50, 500    a steady open-loop rate for 5 s: send→reply latency when not saturated
// The gateway runs are made twice: on the memory store and on pg-store (PostgreSQL at
// DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, in a fresh schema dropped
// afterwards). The reference Standalone Gateway saturates at ~185 msg/s end to end on its memory
// store and ~93 msg/s on Postgres (perf-anchors.md, "The peer"); our target is ≥ 10x each.
// Then bench/job-queue.mjs compares pg-store's job queue with graphile-worker on the same database.
//
//   webhook signed in/out      the same two runs through @cowork-gateway/webhook: every request
//                    HMAC-signed (v1) by the load generator and verified by the gateway, every
//                    reply POSTed signed through the SSRF-checked, DNS-pinned wire to a loopback
//                    bridge that verifies it (the reference's own wire, inventory §2.5)
//
//   --stores memory,postgres   which stores to run (default both)
//   --no-queue                 skip the job-queue comparison
//   --only webhook             run only the koa floor and the webhook-provider rows
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blast, paced, percentile } from './load.mjs';

const root = new URL('..', import.meta.url).pathname;
const { FakeChannel, FakeBridge } = await import(join(root, 'core/dist/src/testing/index.js'));
const { signatureHeaders } = await import(join(root, 'core/dist/src/index.js'));
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const BENCH_SECRET = 'bench-webhook-shared-secret';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MESSAGES = arg('messages', 6000);
const CONCURRENCY = arg('concurrency', 100);
const STORES = (process.argv.includes('--stores') ? process.argv[process.argv.indexOf('--stores') + 1] : 'memory,postgres').split(',');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The reference gateway's saturation (msg/s) and its 50 msg/s latency, per store (perf-anchors.md). */
const REFERENCE = {
  memory: { rate: 185, paced50: 'p50 9 ms, p99 69 ms' },
  postgres: { rate: 93, paced50: 'p99 1.1 s' },
};

function summarize(name, result, extra = {}) {
  const l = result.latencies;
  return { name, rate: Math.round(result.rate), p50Ms: round(percentile(l, 50)), p99Ms: round(percentile(l, 99)), statuses: result.statuses, ...extra };
}
const round = (n) => Math.round(n * 100) / 100;

async function koaFloor() {
  const child = spawn(process.execPath, [join(root, 'bench/servers/koa-floor.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  await blast({ url, total: 2000, concurrency: CONCURRENCY, bodyFor: (i) => sampleBody(i, 'warm') });
  const result = await blast({ url, total: MESSAGES, concurrency: CONCURRENCY, bodyFor: (i) => sampleBody(i, 'koa') });
  child.kill();
  return summarize('koa-floor (raw Koa 3, own process)', result);
}

function sampleBody(i, run) {
  return { id: `${run}-${i}`, chatId: `chat-${i % 200}`, userId: 'bench-user', text: `benchmark message number ${i} `.padEnd(400, '.') };
}

/** Env selecting a store: memory, or pg-store on a fresh schema (dropped by `cleanup`). */
async function storeEnv(store) {
  if (store === 'memory') return { env: { OPEN_COWORK_STANDALONE_GATEWAY_STORE: 'memory' }, cleanup: async () => undefined };
  const { default: postgres } = await import('postgres');
  const schema = `bench_${Date.now()}`;
  const cleanup = async () => {
    const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => undefined });
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
    await sql.end();
  };
  return {
    env: {
      OPEN_COWORK_STANDALONE_GATEWAY_STORE: 'postgres',
      OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_URL: DATABASE_URL,
      OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SCHEMA: schema,
    },
    cleanup,
  };
}

/** Starts the real CLI (`cowork-standalone-gateway start`) as its own process, like production. */
async function startGateway(channel, storeVars, overrides = {}) {
  const env = {
    PATH: process.env.PATH,
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    ...storeVars,
    OPEN_COWORK_STANDALONE_GATEWAY_OPENCODE_MANAGED: 'false',
    OPEN_COWORK_STANDALONE_GATEWAY_PORT: '0',
    OPEN_COWORK_STANDALONE_GATEWAY_LOG_LEVEL: 'info',
    OPEN_COWORK_STANDALONE_GATEWAY_RATE_LIMIT_MAX_REQUESTS: '100000000',
    OPEN_COWORK_STANDALONE_GATEWAY_WORKER_CONCURRENCY: '32',
    OPEN_COWORK_STANDALONE_GATEWAY_DELIVERY_CONCURRENCY: '32',
    OPEN_COWORK_STANDALONE_GATEWAY_CONFIG_JSON: JSON.stringify({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'bench', options: { deliveryUrl: channel?.url } }],
      identities: [{ provider: 'bench', externalUserId: 'bench-user', role: 'member' }],
    }),
    ...overrides,
  };
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, join(root, 'hosts/standalone-gateway/dist/src/bin.js'), 'start'], { env, cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (!out.includes('gateway.listening') || !m) return;
      child.stderr.off('data', onData);
      child.stderr.resume(); // keep draining the log without holding it
      resolve(m[1]);
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, cpuMs: () => processCpuMs(child.pid), stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

/** User + system CPU time of a process so far, from /proc (Linux), in ms. */
function processCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** Replies (not "Queued #N" notices) the channel received since message index `from`. */
function repliesSince(channel, from) {
  return channel.messages.slice(from).filter((m) => m.message.text.startsWith('Echo: '));
}

/** Waits until `count` replies arrived after message index `from`; notices do not count. */
async function waitForReplies(channel, from, count, timeoutMs) {
  let seen = 0;
  let scanned = from;
  await channel.waitFor(() => {
    for (; scanned < channel.messages.length; scanned += 1) if (channel.messages[scanned].message.text.startsWith('Echo: ')) seen += 1;
    return seen >= count;
  }, timeoutMs);
}

async function gatewayRuns(store) {
  const channel = await FakeChannel.start();
  const { env: storeVars, cleanup } = await storeEnv(store);
  const gateway = await startGateway(channel, storeVars);
  const reference = REFERENCE[store];
  const url = `${gateway.url}/webhooks/bench`;
  await blast({ url, total: 500, concurrency: CONCURRENCY, bodyFor: (i) => sampleBody(i, 'warm') });
  await waitForReplies(channel, 0, 500, 60_000);

  const sentAt = new Map();
  const replyLatencies = [];
  const before = channel.messages.length;
  const cpuBefore = gateway.cpuMs();
  const t0 = performance.now();
  const ingest = await blast({
    url, total: MESSAGES, concurrency: CONCURRENCY,
    bodyFor: (i) => { sentAt.set(`chat-${i % 200}:${i}`, Date.now()); return sampleBody(i, 'e2e'); },
  });
  await waitForReplies(channel, before, MESSAGES, 300_000);
  const e2eMs = performance.now() - t0;
  const cpuPerMessageMs = (gateway.cpuMs() - cpuBefore) / MESSAGES;
  const received = repliesSince(channel, before);
  for (const m of received) {
    const n = /number (\d+)/.exec(m.message.text)?.[1];
    const key = `${m.target.chatId}:${n}`;
    if (sentAt.has(key)) replyLatencies.push(m.receivedAt - sentAt.get(key));
  }
  replyLatencies.sort((a, b) => a - b);
  const replies = received.length;
  const pacedRuns = [];
  for (const rate of [50, 500]) pacedRuns.push(await pacedRun(channel, url, rate, store));
  const duplicates = channel.duplicates;
  await gateway.stop();
  await channel.close();
  await cleanup();
  const e2eRate = (MESSAGES / e2eMs) * 1000;
  return [
    summarize(`ingest (webhook → 202, ${store} store)`, ingest),
    {
      name: `end-to-end (webhook → reply delivered, ${store} store)`, rate: Math.round(e2eRate),
      p50Ms: round(percentile(replyLatencies, 50)), p99Ms: round(percentile(replyLatencies, 99)),
      replies, duplicates, gatewayCpuMsPerMessage: round(cpuPerMessageMs),
      vsReference: `${(e2eRate / reference.rate).toFixed(1)}x the reference gateway's ~${reference.rate} msg/s on ${store}`,
    },
    ...pacedRuns,
  ];
}

/** The sample message as the webhook wire's payload (seed 001 / inventory §2.5 shape). */
function webhookBody(i, run) {
  const { id, chatId, userId, text } = sampleBody(i, run);
  return { id, target: { chatId }, sender: { userId }, text };
}

/**
 * The gateway through @cowork-gateway/webhook: requests signed in (HMAC v1 per request, verified
 * by the gateway), replies signed out to a loopback FakeBridge that verifies every signature.
 */
async function webhookRuns(store) {
  const bridge = await FakeBridge.start(BENCH_SECRET);
  const { env: storeVars, cleanup } = await storeEnv(store);
  const gateway = await startGateway(null, storeVars, {
    OPEN_COWORK_STANDALONE_GATEWAY_WEBHOOK_SHARED_SECRET: BENCH_SECRET,
    OPEN_COWORK_STANDALONE_GATEWAY_WEBHOOK_DELIVERY_URL: bridge.url,
    OPEN_COWORK_STANDALONE_GATEWAY_WEBHOOK_ALLOW_LOOPBACK_DELIVERY: 'true',
    OPEN_COWORK_STANDALONE_GATEWAY_CONFIG_JSON: JSON.stringify({
      executor: { use: '@cowork-gateway/core/testing/fake-executor' },
      identities: [{ provider: 'webhook', externalUserId: 'bench-user', role: 'member' }],
    }),
  });
  const url = `${gateway.url}/webhooks/webhook`;
  const sign = (body) => signatureHeaders(BENCH_SECRET, body, new Date());
  let scanned = 0;
  let seen = 0;
  const waitEchoes = (count, timeoutMs) => bridge.waitFor(() => {
    for (; scanned < bridge.deliveries.length; scanned += 1) if (String(bridge.deliveries[scanned].body.text).startsWith('Echo: ')) seen += 1;
    return seen >= count;
  }, timeoutMs);
  await blast({ url, total: 500, concurrency: CONCURRENCY, bodyFor: (i) => webhookBody(i, 'warm'), headersFor: sign });
  await waitEchoes(500, 60_000);

  const sentAt = new Map();
  const before = bridge.deliveries.length;
  const cpuBefore = gateway.cpuMs();
  const t0 = performance.now();
  const ingest = await blast({
    url, total: MESSAGES, concurrency: CONCURRENCY, headersFor: sign,
    bodyFor: (i) => { sentAt.set(`chat-${i % 200}:${i}`, Date.now()); return webhookBody(i, 'e2e'); },
  });
  await waitEchoes(500 + MESSAGES, 300_000);
  const e2eMs = performance.now() - t0;
  const cpuPerMessageMs = (gateway.cpuMs() - cpuBefore) / MESSAGES;
  const received = bridge.deliveries.slice(before).filter((d) => String(d.body.text).startsWith('Echo: '));
  const latencies = [];
  for (const d of received) {
    const n = /number (\d+)/.exec(d.body.text)?.[1];
    const key = `${d.body.target.chatId}:${n}`;
    if (sentAt.has(key)) latencies.push(d.receivedAt - sentAt.get(key));
  }
  latencies.sort((a, b) => a - b);
  const unsigned = bridge.attempts.filter((a) => !a.signatureValid).length;
  const duplicates = bridge.duplicates;
  await gateway.stop();
  await bridge.close();
  await cleanup();
  const e2eRate = (MESSAGES / e2eMs) * 1000;
  return [
    summarize(`webhook provider ingest (signed in → verified → 202, ${store} store)`, ingest),
    {
      name: `webhook provider end-to-end (signed in → reply signed out to the bridge, ${store} store)`, rate: Math.round(e2eRate),
      p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)),
      replies: received.length, duplicates, badSignatures: unsigned, gatewayCpuMsPerMessage: round(cpuPerMessageMs),
      vsReference: `${(e2eRate / REFERENCE[store].rate).toFixed(1)}x the reference gateway's ~${REFERENCE[store].rate} msg/s on ${store}`,
    },
  ];
}

/**
 * A steady `rate` msg/s for 5 s (open loop), latency from send to reply arrival. The reference
 * gateway's figure at 50 msg/s is p50 9 ms, p99 69 ms (memory store, perf-anchors.md).
 */
async function pacedRun(channel, url, rate, store) {
  const sentAt = new Map();
  const before = channel.messages.length;
  const run = `paced${rate}`;
  const result = await paced({
    url, rate, durationMs: 5000,
    bodyFor: (i) => { sentAt.set(`${run}-${i}`, Date.now()); return { ...sampleBody(i, run), text: `${run}-${i} `.padEnd(400, '.') }; },
  });
  await waitForReplies(channel, before, result.total, 120_000);
  const latencies = repliesSince(channel, before)
    .map((m) => m.receivedAt - sentAt.get(/(paced\d+-\d+)/.exec(m.message.text)?.[1]))
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  return {
    name: `paced ${rate} msg/s for 5 s (webhook → reply delivered, ${store} store)`, rate,
    p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)),
    replies: latencies.length, statuses: result.statuses,
    ...(rate === 50 ? { vsReference: `reference gateway at 50 msg/s on ${store}: ${REFERENCE[store].paced50}` } : {}),
  };
}

const results = { at: new Date().toISOString(), node: process.version, messages: MESSAGES, concurrency: CONCURRENCY, runs: [] };
results.runs.push(await koaFloor());
for (const store of STORES) {
  if (ONLY !== 'webhook') {
    const runs = await gatewayRuns(store);
    runs[0].vsKoaFloor = `${(runs[0].rate / results.runs[0].rate).toFixed(2)}x raw Koa`;
    results.runs.push(...runs);
  }
  const hooks = await webhookRuns(store);
  hooks[0].vsKoaFloor = `${(hooks[0].rate / results.runs[0].rate).toFixed(2)}x raw Koa`;
  results.runs.push(...hooks);
}

console.log(`\nbench: ${MESSAGES} messages, ${CONCURRENCY} in flight, ${results.node}\n`);
console.log('| run | rate (/s) | p50 ms | p99 ms | notes |');
console.log('| --- | ---: | ---: | ---: | --- |');
for (const r of results.runs) {
  const notes = [
    r.vsKoaFloor,
    r.vsReference,
    r.duplicates !== undefined ? `${r.replies} replies, ${r.duplicates} duplicates` : null,
    r.badSignatures !== undefined ? `${r.badSignatures} bad signatures at the bridge` : null,
    r.gatewayCpuMsPerMessage !== undefined ? `gateway CPU ${r.gatewayCpuMsPerMessage} ms/message` : null,
  ].filter(Boolean).join('; ');
  console.log(`| ${r.name} | ${r.rate} | ${r.p50Ms} | ${r.p99Ms} | ${notes} |`);
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `${results.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`\nJSON: ${file}`);
if (!process.argv.includes('--no-queue')) {
  const queue = spawn(process.execPath, [join(root, 'bench/job-queue.mjs')], { stdio: 'inherit', env: { ...process.env, DATABASE_URL } });
  await new Promise((resolve) => queue.once('exit', resolve));
}
process.exit(0);
