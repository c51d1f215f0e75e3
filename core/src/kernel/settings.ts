import { CORE_SETTINGS } from '../config/settings.js';
import { DEFAULT_INBOUND_LEASE_MS } from '../contracts/store.js';

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

/** The parsed default of a core integer setting: each default is defined once, in CORE_SETTINGS. */
function settingDefault(key: string): number {
  const value = CORE_SETTINGS.find((spec) => spec.key === key)?.default;
  if (typeof value !== 'number') throw new Error(`core setting ${key} has no integer default`);
  return value;
}

const seconds = (key: string): number => settingDefault(key) * 1000;

/**
 * The kernel's settings when nothing is configured: the defaults of the core settings (one
 * definition each, in `CORE_SETTINGS`), plus the inbound lease (no setting) from the Store
 * contract.
 */
export const DEFAULT_KERNEL_SETTINGS: KernelSettings = {
  auditPrefix: 'standalone',
  promptDeadlineMs: seconds('PROMPT_DEADLINE_SECONDS'),
  attachmentMaxBytes: settingDefault('ATTACHMENT_MAX_BYTES'),
  jobLeaseMs: seconds('JOB_LEASE_SECONDS'),
  jobMaxAttempts: settingDefault('JOB_MAX_ATTEMPTS'),
  workerConcurrency: settingDefault('WORKER_CONCURRENCY'),
  deliveryMaxAttempts: settingDefault('DELIVERY_MAX_ATTEMPTS'),
  deliveryTtlMs: seconds('DELIVERY_TTL_SECONDS'),
  deliveryBackoffBaseMs: settingDefault('DELIVERY_BACKOFF_BASE_MS'),
  deliveryBackoffMaxMs: settingDefault('DELIVERY_BACKOFF_MAX_MS'),
  deliveryConcurrency: settingDefault('DELIVERY_CONCURRENCY'),
  circuitFailureThreshold: settingDefault('CIRCUIT_FAILURE_THRESHOLD'),
  circuitOpenMs: seconds('CIRCUIT_OPEN_SECONDS'),
  inboundStallMs: seconds('INBOUND_STALL_SECONDS'),
  inboundLeaseMs: DEFAULT_INBOUND_LEASE_MS,
  shutdownDrainMs: seconds('SHUTDOWN_DRAIN_SECONDS'),
  idlePollMs: 500,
  retention: {
    sessionDays: settingDefault('RETENTION_SESSION_DAYS'),
    artifactDays: settingDefault('RETENTION_ARTIFACT_DAYS'),
    auditDays: settingDefault('RETENTION_AUDIT_DAYS'),
    jobDays: settingDefault('RETENTION_JOB_DAYS'),
  },
  maintenanceIntervalMs: seconds('RETENTION_INTERVAL_SECONDS'),
};
