/**
 * Store conformance suite: {@link describeStoreConformance} registers one mocha `describe` per
 * area of the Store contract, each defined in its own file of this folder.
 */
import { afterEach, beforeEach, describe } from 'mocha';
import type { Store } from '../../contracts/store.js';
import { StoreFixture, type StoreConformanceDescriptor } from './fixtures.js';
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

export type { StoreConformanceDescriptor } from './fixtures.js';

/**
 * Registers mocha suites proving that a {@link Store} honours every documented rule of the
 * Store contract: identities, sessions and events, inbound claims, jobs, deliveries, audit,
 * artifacts, leases, cursors, retention, backup manifests and traces.
 *
 * Every test gets a fresh store from `create()` and closes it afterwards. Time-dependent rules
 * are tested by passing explicit `now` values where the contract allows, so nothing sleeps
 * except a few milliseconds where two rows need distinct timestamps.
 *
 * @example
 * ```ts
 * describeStoreConformance({
 *   name: 'memory-store',
 *   create: async () => { const s = new MemoryStore({ maxEventsPerSession: 100000 }); await s.start(); return s; },
 * });
 * ```
 */
export function describeStoreConformance(descriptor: StoreConformanceDescriptor): void {
  describe(`Store conformance: ${descriptor.name}`, () => {
    const fx = new StoreFixture(descriptor);
    beforeEach(async () => fx.setUp());
    afterEach(async () => fx.tearDown());

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
    describePruneCases(fx);
    describeManifestCases(fx);
    describeTraceCases(fx);
  });
}
