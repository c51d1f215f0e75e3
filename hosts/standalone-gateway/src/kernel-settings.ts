import { DEFAULT_KERNEL_SETTINGS, type KernelSettings, type LoadedConfig } from '@cowork-gateway/core';

/** Maps the flat, seconds-based settings onto the kernel's millisecond settings. */
export function kernelSettingsFrom(config: LoadedConfig): KernelSettings {
  const int = (key: string): number => config.get<number>(key);
  return {
    ...DEFAULT_KERNEL_SETTINGS,
    auditPrefix: 'standalone',
    promptDeadlineMs: config.isSet('OPENCODE_EXECUTION_TIMEOUT_MS') ? int('OPENCODE_EXECUTION_TIMEOUT_MS') : int('PROMPT_DEADLINE_SECONDS') * 1000,
    attachmentMaxBytes: int('ATTACHMENT_MAX_BYTES'),
    jobLeaseMs: int('JOB_LEASE_SECONDS') * 1000,
    jobMaxAttempts: int('JOB_MAX_ATTEMPTS'),
    workerConcurrency: int('WORKER_CONCURRENCY'),
    deliveryMaxAttempts: int('DELIVERY_MAX_ATTEMPTS'),
    deliveryTtlMs: int('DELIVERY_TTL_SECONDS') * 1000,
    deliveryBackoffBaseMs: int('DELIVERY_BACKOFF_BASE_MS'),
    deliveryBackoffMaxMs: int('DELIVERY_BACKOFF_MAX_MS'),
    deliveryConcurrency: int('DELIVERY_CONCURRENCY'),
    circuitFailureThreshold: int('CIRCUIT_FAILURE_THRESHOLD'),
    circuitOpenMs: int('CIRCUIT_OPEN_SECONDS') * 1000,
    inboundStallMs: int('INBOUND_STALL_SECONDS') * 1000,
    shutdownDrainMs: int('SHUTDOWN_DRAIN_SECONDS') * 1000,
    maintenanceIntervalMs: int('RETENTION_INTERVAL_SECONDS') * 1000,
    retention: {
      sessionDays: int('RETENTION_SESSION_DAYS'),
      artifactDays: int('RETENTION_ARTIFACT_DAYS'),
      auditDays: int('RETENTION_AUDIT_DAYS'),
      jobDays: int('RETENTION_JOB_DAYS'),
    },
  };
}
