import { CLOCK, StoreLeaseLost, completeStoreParts, inject, injectable, systemClock } from '@cowork-gateway/core';
import type {
  Clock,
  ComponentHealth,
  OperatorStore,
  StoreFastPaths,
  Lease,
  ManifestRecord,
  RetentionCutoffs,
  RetentionResult,
  Store,
  TraceReport,
} from '@cowork-gateway/core';
import { MemoryArtifacts } from './memory-artifacts.js';
import { MemoryCursors } from './memory-cursors.js';
import { MemoryAudit } from './memory-audit.js';
import { MemoryDeliveries } from './memory-deliveries.js';
import { MemoryEvents } from './memory-events.js';
import { MemoryIdentities } from './memory-identities.js';
import { MemoryInbound } from './memory-inbound.js';
import { MemoryJobs } from './memory-jobs.js';
import { MemoryLeases } from './memory-leases.js';
import { emptyCounts, importRecord, snapshotManifest, type ManifestCounts } from './memory-manifest.js';
import { pruneState } from './memory-retention.js';
import { MemorySessions } from './memory-sessions.js';
import { MemoryState } from './memory-state.js';
import { traceState } from './memory-trace.js';
import { MEMORY_STORE_OPTIONS, type MemoryStoreOptions } from './options.js';

/**
 * The Store kept in this process's memory: for development, tests and single-process embedded
 * use. Not durable (everything is lost on restart or `close()`) and not shared (one process).
 * Every operation runs synchronously behind its promise, so concurrent callers are atomic.
 * Rows are copied in and out; callers never hold references into the store. Every time comes
 * from the injected clock (`CLOCK`). It has every operator part and every fast path.
 */
@injectable()
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly capabilities = { durable: false, shared: false } as const;

  readonly identities: MemoryIdentities;
  readonly sessions: MemorySessions;
  readonly events: MemoryEvents;
  readonly inbound: MemoryInbound;
  readonly jobs: MemoryJobs;
  readonly deliveries: MemoryDeliveries;
  readonly audit: MemoryAudit;
  readonly artifacts: MemoryArtifacts;
  readonly leases: MemoryLeases;
  readonly cursors: MemoryCursors;

  readonly operator: Required<OperatorStore>;
  readonly fastPaths: Required<StoreFastPaths>;

  private readonly state: MemoryState;
  private phase: 'new' | 'started' | 'closed' = 'new';

  /**
   * @param options - Parsed {@link MemoryStoreOptions}.
   * @param clock - The one clock the store reads; the plugin container's `CLOCK`. Default: the system clock.
   */
  constructor(@inject(MEMORY_STORE_OPTIONS) options: MemoryStoreOptions, @inject(CLOCK) clock: Clock = systemClock) {
    this.state = new MemoryState(clock);
    this.identities = new MemoryIdentities(this.state);
    this.events = new MemoryEvents(this.state, options.maxEventsPerSession);
    this.sessions = new MemorySessions(this.state, this.events);
    this.inbound = new MemoryInbound(this.state);
    this.jobs = new MemoryJobs(this.state, this.events);
    this.deliveries = new MemoryDeliveries(this.state);
    this.audit = new MemoryAudit(this.state);
    this.artifacts = new MemoryArtifacts(this.state);
    this.leases = new MemoryLeases(this.state);
    this.cursors = new MemoryCursors(this.state);
    ({ operator: this.operator, fastPaths: this.fastPaths } = completeStoreParts(this, this));
  }

  /** Nothing to connect to; marks the store ready. Starting again after `close()` starts empty. */
  async start(): Promise<void> {
    this.phase = 'started';
  }

  /** Drops all state. Idempotent. */
  async close(): Promise<void> {
    this.state.clear();
    this.phase = 'closed';
  }

  async health(): Promise<ComponentHealth> {
    if (this.phase !== 'started') return { state: 'down', reason: `memory store is ${this.phase === 'new' ? 'not started' : 'closed'}` };
    return {
      state: 'ok',
      detail: { durable: false, sessions: this.state.sessions.size, jobs: this.state.jobs.size, deliveries: this.state.deliveries.size },
    };
  }

  /** Prunes only while `lease` is the current, unexpired holding of its name. */
  async prune(cutoffs: RetentionCutoffs, lease: Lease): Promise<RetentionResult> {
    if (!this.leases.isHeld(lease, this.state.now())) throw new StoreLeaseLost({ name: lease.name });
    return pruneState(this.state, cutoffs);
  }

  async *exportManifest(): AsyncIterable<ManifestRecord> {
    yield* snapshotManifest(this.state);
  }

  /** Upserts every record by primary key; returns how many records of each table were written. */
  async importManifest(records: AsyncIterable<ManifestRecord> | Iterable<ManifestRecord>): Promise<ManifestCounts> {
    const counts = emptyCounts();
    for await (const record of records) {
      importRecord(this.state, record);
      counts[record.table] += 1;
    }
    this.state.reindex();
    return counts;
  }

  async trace(traceId: string): Promise<TraceReport> {
    return traceState(this.state, traceId);
  }
}
