import { DEFAULT_DELIVERY_MAX_ATTEMPTS, DEFAULT_INBOUND_LEASE_MS, DEFAULT_JOB_LEASE_MS, DEFAULT_JOB_MAX_ATTEMPTS } from '../contracts/store.js';

/** The kernel's tunables, already parsed from config by the host. Times in milliseconds. */
export interface KernelSettings {
  /** Prefix of audit event types: `standalone` → `standalone.prompt.denied`. */
  auditPrefix: string;
  promptDeadlineMs: number;
  /** Largest inbound attachment fetched and passed to the executor. */
  attachmentMaxBytes: number;
  jobLeaseMs: number;
  jobMaxAttempts: number;
  workerConcurrency: number;
  deliveryMaxAttempts: number;
  deliveryTtlMs: number;
  deliveryBackoffBaseMs: number;
  deliveryBackoffMaxMs: number;
  deliveryConcurrency: number;
  circuitFailureThreshold: number;
  circuitOpenMs: number;
  inboundStallMs: number;
  inboundLeaseMs: number;
  shutdownDrainMs: number;
  /** How often idle workers look for work other processes added (in-process work wakes them at once). */
  idlePollMs: number;
  retention: { sessionDays: number; artifactDays: number; auditDays: number; jobDays: number };
  /** How often the maintenance pass (retention) runs under the daemon lease. */
  maintenanceIntervalMs: number;
}

export const DEFAULT_KERNEL_SETTINGS: KernelSettings = {
  auditPrefix: 'standalone',
  promptDeadlineMs: 900_000,
  attachmentMaxBytes: 20 * 1024 * 1024,
  jobLeaseMs: DEFAULT_JOB_LEASE_MS,
  jobMaxAttempts: DEFAULT_JOB_MAX_ATTEMPTS,
  workerConcurrency: 4,
  deliveryMaxAttempts: DEFAULT_DELIVERY_MAX_ATTEMPTS,
  deliveryTtlMs: 1_800_000,
  deliveryBackoffBaseMs: 1_000,
  deliveryBackoffMaxMs: 60_000,
  deliveryConcurrency: 4,
  circuitFailureThreshold: 5,
  circuitOpenMs: 30_000,
  inboundStallMs: 300_000,
  inboundLeaseMs: DEFAULT_INBOUND_LEASE_MS,
  shutdownDrainMs: 10_000,
  idlePollMs: 500,
  retention: { sessionDays: 90, artifactDays: 30, auditDays: 365, jobDays: 30 },
  maintenanceIntervalMs: 3_600_000,
};
