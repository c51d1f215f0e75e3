import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { ManualClock } from '@cowork-gateway/core/testing';
import type { PgStore } from '../src/pg-store.js';
import { TEST_DATABASE_URL, dropSchema, eventually, freshSchemaName, rejectionOf, requireDatabase, startedStore } from './support.js';

const CHILD = fileURLToPath(new URL('./fixtures/claim-and-hang.js', import.meta.url));
const LEASE_MS = 3_000;

interface ChildClaim {
  jobId: string | null;
  claimToken: string | null;
}

/** Starts the child and resolves with the first JSON line it prints. */
function claimInChild(schema: string): { child: ChildProcess; claim: Promise<ChildClaim> } {
  const child = spawn(process.execPath, [CHILD, TEST_DATABASE_URL, schema, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const claim = new Promise<ChildClaim>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as ChildClaim));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before claiming: ${stderr}`)));
  });
  return { child, claim };
}

describe('a worker killed with SIGKILL while holding a job lease', () => {
  let schema: string;
  let store: PgStore;
  let clock: ManualClock;
  let child: ChildProcess | undefined;

  before(requireDatabase);
  beforeEach(async () => {
    schema = freshSchemaName('cgkill');
    clock = new ManualClock();
    store = await startedStore({ schema }, clock);
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await store.close();
    await dropSchema(schema);
  });

  it('loses the job after the lease; another worker reclaims and completes it exactly once', async () => {
    const { job } = await store.jobs.enqueue({ kind: 'prompt', idempotencyKey: 'killed-job', payload: { text: 'hi' } });
    const started = claimInChild(schema);
    child = started.child;
    const held = await started.claim;
    expect(held.jobId).to.equal(job.jobId);

    const exited = new Promise((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).to.equal('SIGKILL');

    expect(await store.jobs.claim({ workerId: 'parent', leaseMs: 60_000 }), 'still leased right after the kill').to.equal(null);
    const reclaimed = await eventually(async () => (await store.jobs.claim({ workerId: 'parent', leaseMs: 60_000 })) ?? undefined, 10_000, 'the lease to expire');
    expect(reclaimed).to.include({ jobId: job.jobId, attempts: 2, claimedBy: 'parent', status: 'running' });
    expect(reclaimed.claimToken).to.not.equal(held.claimToken);

    const killedToken = await rejectionOf(store.jobs.complete(job.jobId, held.claimToken!));
    expect(isGatewayError(killedToken, 'store.stale_claim'), 'the killed worker\'s token is stale').to.equal(true);

    expect(await store.jobs.complete(job.jobId, reclaimed.claimToken!, { ok: true })).to.deep.include({ status: 'completed', result: { ok: true } });
    const secondCompletion = await rejectionOf(store.jobs.complete(job.jobId, reclaimed.claimToken!));
    expect(isGatewayError(secondCompletion, 'store.stale_claim'), 'a second completion is refused').to.equal(true);
    clock.advance(3_600_000);
    expect(await store.jobs.claim({ workerId: 'parent', leaseMs: 60_000 })).to.equal(null);
    expect(await store.jobs.get(job.jobId)).to.include({ status: 'completed', attempts: 2 });
  });
});
