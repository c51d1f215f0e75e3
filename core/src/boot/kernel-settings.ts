import type { LoadedConfig } from '../config/load.js';
import type { Role } from '../contracts/common.js';
import { Kernel } from '../kernel/kernel.js';
import { DEFAULT_KERNEL_SETTINGS, type KernelSettings } from '../kernel/settings.js';
import type { Logger } from '../logging.js';
import type { GatewayMetricsOptions } from '../metrics/gateway-metrics.js';
import type { Clock } from '../tokens.js';
import type { AssembledPlugins } from './assemble.js';

/**
 * Maps core's flat, seconds-based settings onto the kernel's millisecond settings. `overrides`
 * wins over every mapped value: a host passes its audit prefix and preset-specific settings
 * (the standalone host's `OPENCODE_EXECUTION_TIMEOUT_MS`) there.
 */
export function kernelSettingsFrom(config: LoadedConfig, overrides: Partial<KernelSettings> = {}): KernelSettings {
  const int = (key: string): number => config.get<number>(key);
  return {
    ...DEFAULT_KERNEL_SETTINGS,
    promptDeadlineMs: int('PROMPT_DEADLINE_SECONDS') * 1000,
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
    ...overrides,
  };
}

/** Inputs of {@link buildKernel} besides the config and the plugins. */
export interface BuildKernelOptions {
  logger: Logger;
  clock?: Clock;
  /** Wins over the settings mapped from config; see {@link kernelSettingsFrom}. */
  settings?: Partial<KernelSettings>;
  /** Metric naming; default: derived from the audit prefix (`open_cowork_standalone_gateway_*`). */
  metrics?: GatewayMetricsOptions;
}

/** Builds (does not start) the kernel from assembled plugins and the config's settings and identities. */
export function buildKernel(config: LoadedConfig, plugins: AssembledPlugins, options: BuildKernelOptions): Kernel {
  return new Kernel({
    ...plugins,
    settings: kernelSettingsFrom(config, options.settings),
    logger: options.logger,
    clock: options.clock,
    metrics: options.metrics,
    secrets: () => config.secrets.list(),
    identities: config.identities.map((i) => ({
      provider: i.provider,
      workspaceId: i.workspaceId ?? '',
      externalUserId: i.externalUserId,
      role: i.role as Role,
      status: i.status as 'active' | 'disabled' | undefined,
    })),
  });
}
