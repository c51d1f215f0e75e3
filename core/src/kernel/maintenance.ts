import type { Lease } from '../contracts/store.js';
import type { KernelContext } from './context.js';
import { operatorPart } from './store-ops.js';

const DAEMON_LEASE = 'gateway:daemon';
const DAY_MS = 86_400_000;
const LEASE_TTL_MS = 30_000;
const RENEW_EVERY_MS = 10_000;

/**
 * Maintenance that must run in one process at a time: retention. It holds the named daemon
 * lease (30 s, renewed every 10 s); a process that cannot hold it never prunes. Work itself
 * (jobs, deliveries) is shared by every process and needs no lease.
 */
export class Maintenance {
  private lease: Lease | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private passTimer: NodeJS.Timeout | null = null;

  constructor(private readonly kernel: KernelContext) {}

  /** Whether retention can run at all: only a store with the `prune` operator part prunes. */
  get prunes(): boolean {
    return operatorPart(this.kernel.store, 'prune') !== undefined;
  }

  async start(): Promise<void> {
    if (!this.prunes) this.kernel.logger.warn('retention.unavailable', { store: this.kernel.store.kind, reason: 'the store has no "prune" operator part; nothing is pruned' });
    await this.tryAcquire();
    this.renewTimer = setInterval(() => void this.renewOrAcquire(), RENEW_EVERY_MS);
    this.renewTimer.unref();
    this.passTimer = setInterval(() => void this.runRetention().catch((error: unknown) => this.kernel.logger.error('retention.failed', { error })), this.kernel.settings.maintenanceIntervalMs);
    this.passTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.passTimer) clearInterval(this.passTimer);
    if (this.lease) await this.kernel.store.leases.release(this.lease).catch(() => undefined);
    this.lease = null;
  }

  holdsLease(): boolean {
    return this.lease !== null && this.lease.expiresAt.getTime() > this.kernel.clock.now().getTime();
  }

  /** One retention pass; returns null when this process does not hold the daemon lease or the store cannot prune. */
  async runRetention(): Promise<Record<string, unknown> | null> {
    const pruner = operatorPart(this.kernel.store, 'prune');
    if (!pruner || !this.holdsLease()) {
      this.kernel.metrics.retention('skipped', this.kernel.clock.now());
      return null;
    }
    const now = this.kernel.clock.now().getTime();
    const { retention } = this.kernel.settings;
    const cutoffs = {
      sessions: new Date(now - retention.sessionDays * DAY_MS),
      artifacts: new Date(now - retention.artifactDays * DAY_MS),
      audit: new Date(now - retention.auditDays * DAY_MS),
      jobs: new Date(now - retention.jobDays * DAY_MS),
    };
    const result = await pruner.prune(cutoffs, this.lease!).catch((error: unknown) => {
      this.kernel.metrics.retention('error', this.kernel.clock.now());
      throw error;
    });
    this.kernel.metrics.retention({ ...result }, this.kernel.clock.now());
    const metadata = {
      sessionCutoff: cutoffs.sessions.toISOString(),
      artifactCutoff: cutoffs.artifacts.toISOString(),
      auditCutoff: cutoffs.audit.toISOString(),
      jobCutoff: cutoffs.jobs.toISOString(),
      ...result,
    };
    await this.kernel.audit('retention.pruned', this.lease!.holder, metadata);
    this.kernel.logger.info('retention.pruned', metadata);
    return metadata;
  }

  private async tryAcquire(): Promise<void> {
    this.lease = await this.kernel.store.leases.acquire(DAEMON_LEASE, this.kernel.workerId, LEASE_TTL_MS);
  }

  private async renewOrAcquire(): Promise<void> {
    try {
      if (this.lease) {
        this.lease = await this.kernel.store.leases.renew(this.lease, LEASE_TTL_MS);
        if (!this.lease) this.kernel.logger.warn('maintenance.lease_lost', {});
      } else {
        await this.tryAcquire();
      }
    } catch (error) {
      this.lease = null;
      this.kernel.logger.warn('maintenance.lease_error', { error });
    }
  }
}
