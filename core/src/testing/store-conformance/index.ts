/**
 * The Store kit: {@link describeStoreConformance} registers one mocha `describe` per area of the
 * Store contract, each defined in its own file of this folder; {@link runStoreCheck} runs one
 * case by its id outside mocha, so a test can watch a case fail against a broken store.
 */
import { afterEach, beforeEach, describe } from 'mocha';
import { StoreFixture, type StoreConformanceDescriptor } from './fixtures.js';
import { collectChecks, type StoreCheck } from './registry.js';
import { describeLifecycleCases } from './lifecycle.js';
import { describeIdentityCases } from './identities.js';
import { describeSessionCases } from './sessions.js';
import { describeEventCases } from './events.js';
import { describeInboundCases } from './inbound.js';
import { describeJobCases } from './jobs.js';
import { describeJobQueueCases } from './job-queues.js';
import { describeDeliveryCases } from './deliveries.js';
import { describeAuditCases, describeArtifactCases } from './audit-artifacts.js';
import { describeLeaseCases } from './leases.js';
import { describeCursorCases } from './cursors.js';
import { describePruneCases } from './prune.js';
import { describeManifestCases } from './manifest.js';
import { describeTraceCases } from './trace.js';

export type { StoreConformanceDescriptor, StoreKitContext, FastPathName } from './fixtures.js';
export { FAST_PATHS } from './fixtures.js';
export type { StoreCheck } from './registry.js';

/**
 * Registers every case that applies to `fx`'s descriptor: the runtime part always; each
 * operator part and fast path only when the descriptor declares it (decided here, at
 * registration, so nothing is skipped at run time). Prune cases observe their effect through
 * lists and a manifest export, and manifest cases through lists and counts, so they need those
 * parts declared too.
 */
function registerCases(fx: StoreFixture): void {
  describeLifecycleCases(fx);
  describeIdentityCases(fx);
  describeSessionCases(fx);
  describeEventCases(fx);
  describeInboundCases(fx);
  describeJobCases(fx);
  describeJobQueueCases(fx);
  describeDeliveryCases(fx);
  describeAuditCases(fx);
  describeArtifactCases(fx);
  describeLeaseCases(fx);
  describeCursorCases(fx);
  if (fx.has('prune') && fx.has('lists') && fx.has('manifest')) describePruneCases(fx);
  if (fx.has('manifest') && fx.has('lists') && fx.has('counts')) describeManifestCases(fx);
  if (fx.has('trace')) describeTraceCases(fx);
}

/**
 * Registers mocha suites proving that a Store honours every documented rule of the Store
 * contract it declares: the runtime part (identities, sessions and events, inbound claims, jobs,
 * deliveries, audit, artifacts, leases, cursors) and the declared operator parts (lists, counts,
 * actions, retention, backup manifests, traces) and fast paths.
 *
 * Every test gets a fresh store from `create({ clock })` and closes it afterwards. The store must
 * read all its times from that clock: time-dependent rules are tested by setting it, so nothing
 * sleeps.
 *
 * @example
 * ```ts
 * describeStoreConformance({
 *   name: 'memory-store',
 *   create: async ({ clock }) => { const s = new MemoryStore({ maxEventsPerSession: 100000 }, clock); await s.start(); return s; },
 *   operatorParts: ['lists', 'counts', 'trace', 'prune', 'manifest', 'actions'],
 *   fastPaths: ['enqueueJobWithEvents', 'enqueueDeliveryClaimed', 'completeDeliveryWithLastChunk', 'appendEventsWithStatus'],
 * });
 * ```
 */
export function describeStoreConformance(descriptor: StoreConformanceDescriptor): void {
  describe(`Store conformance: ${descriptor.name}`, () => {
    const fx = new StoreFixture(descriptor);
    beforeEach(async () => fx.setUp());
    afterEach(async () => fx.tearDown());
    registerCases(fx);
  });
}

/** The failure of one Store kit case run by {@link runStoreCheck}; `cause` is the assertion that failed. */
export class StoreCheckFailed extends Error {
  constructor(readonly checkId: string, readonly storeName: string, cause: unknown) {
    super(`store kit: "${checkId}" failed for ${storeName}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreCheckFailed';
  }
}

/** The ids of every case the kit registers for `descriptor`, in order. */
export function storeCheckIds(descriptor: StoreConformanceDescriptor): string[] {
  return checksFor(new StoreFixture(descriptor)).map((check) => check.id);
}

/**
 * Runs the one case `id` (as {@link storeCheckIds} lists it) against a fresh store from
 * `descriptor`, then closes and destroys it. Throws {@link StoreCheckFailed} when the case fails,
 * and a plain Error when no such case applies to the descriptor.
 */
export async function runStoreCheck(descriptor: StoreConformanceDescriptor, id: string): Promise<'passed'> {
  const fx = new StoreFixture(descriptor);
  const check = checksFor(fx).find((c) => c.id === id);
  if (!check) throw new Error(`store kit: no case "${id}" applies to ${descriptor.name}`);
  await fx.setUp();
  try {
    await check.run();
  } catch (error) {
    throw new StoreCheckFailed(id, descriptor.name, error);
  } finally {
    await fx.tearDown();
  }
  return 'passed';
}

function checksFor(fx: StoreFixture): StoreCheck[] {
  return collectChecks(() => registerCases(fx));
}
