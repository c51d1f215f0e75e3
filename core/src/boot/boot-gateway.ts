import type { LoadedConfig } from '../config/load.js';
import { usesAbuseControls } from '../http/abuse-controls.js';
import { startHttpServer } from '../http/server.js';
import type { GatewayHttpOptions, HttpRoute, RunningHttpServer } from '../http/types.js';
import type { Kernel } from '../kernel/kernel.js';
import type { KernelSettings } from '../kernel/settings.js';
import { createJsonLogger, type LogLevel, type Logger } from '../logging.js';
import type { GatewayMetricsOptions } from '../metrics/gateway-metrics.js';
import type { Clock } from '../tokens.js';
import { assemblePlugins, type AssembledPlugins, type PluginChoices } from './assemble.js';
import { httpServerOptionsFrom } from './http-options.js';
import { buildKernel } from './kernel-settings.js';

/** A started gateway: its kernel, its HTTP server, and how to stop both. */
export interface RunningGateway {
  kernel: Kernel;
  http: RunningHttpServer;
  url: string;
  /** Closes the HTTP server, then stops the kernel (draining in-flight work). */
  stop(): Promise<void>;
}

/** Inputs of {@link bootGateway} besides the config. */
export interface BootGatewayOptions {
  /** Default: {@link createConfigLogger} with `service` as its binding. */
  logger?: Logger;
  clock?: Clock;
  /** Audit event type prefix of this host, e.g. `standalone` (seed names). */
  auditPrefix: string;
  /** Log binding `service` of the default logger. Default `gateway`. */
  service?: string;
  /** How this host turns config into plugin selections; default: the config file's entries. */
  choices?: PluginChoices;
  /** Wins over the kernel settings mapped from config (preset-specific settings). */
  kernelSettings?: (config: LoadedConfig) => Partial<KernelSettings>;
  /** Host routes mounted after core's (admin API, `/metrics`), e.g. the standalone `/dashboard`. */
  routes?: (kernel: Kernel) => HttpRoute[];
  /** The kernel's metric naming; default: derived from `auditPrefix`. */
  metrics?: GatewayMetricsOptions;
  /**
   * Adjusts the HTTP server options after the kernel started and before it listens (a preset's
   * own routes, readiness or admin rules). Default: core's options unchanged.
   */
  http?: (options: GatewayHttpOptions, context: { kernel: Kernel; plugins: AssembledPlugins }) => GatewayHttpOptions;
}

/** Logger for a host: JSON lines on stderr at the configured LOG_LEVEL, config secrets masked. */
export function createConfigLogger(config: LoadedConfig, service: string): Logger {
  return createJsonLogger({
    level: config.get<LogLevel>('LOG_LEVEL'),
    secrets: () => config.secrets.list(),
    bindings: { service },
  });
}

/**
 * Boots a gateway from a loaded config: warns about unknown keys, assembles the plugins, starts
 * the kernel, then listens. Nothing listens until every plugin has started; if listening fails,
 * the kernel is stopped again before the error propagates. Host-specific checks (such as
 * refusing a wildcard bind) run before calling this.
 */
export async function bootGateway(config: LoadedConfig, options: BootGatewayOptions): Promise<RunningGateway> {
  const logger = options.logger ?? createConfigLogger(config, options.service ?? 'gateway');
  for (const key of config.unknownKeys) logger.warn('config.unknown_key', { key });
  const plugins = await assemblePlugins(config, { logger, clock: options.clock, choices: options.choices });
  const limits = plugins.limits;
  if (limits) {
    // Resolves even when the backend is down: /ready reports it and the controls fail closed.
    await limits.start?.();
    for (const provider of plugins.providers) if (usesAbuseControls(provider)) provider.useAbuseControls(limits);
  }
  const closeLimits = async (): Promise<void> => {
    await limits?.close?.();
  };
  const kernel = buildKernel(config, plugins, {
    logger,
    clock: options.clock,
    settings: { auditPrefix: options.auditPrefix, ...options.kernelSettings?.(config) },
    metrics: options.metrics,
  });
  try {
    await kernel.start();
  } catch (error) {
    await closeLimits();
    throw error;
  }
  let http: RunningHttpServer;
  try {
    const base = httpServerOptionsFrom(config, kernel, logger, limits);
    base.routes = [...(base.routes ?? []), ...(options.routes?.(kernel) ?? [])];
    http = await startHttpServer(options.http ? options.http(base, { kernel, plugins }) : base);
  } catch (error) {
    await kernel.stop();
    await closeLimits();
    throw error;
  }
  logger.info('gateway.listening', { url: http.url, store: plugins.store.kind, executor: plugins.executor?.kind ?? null, limits: limits?.kind ?? 'memory', providers: plugins.providers.map((p) => p.id) });
  return {
    kernel,
    http,
    url: http.url,
    stop: async () => {
      await http.close();
      await kernel.stop();
      await closeLimits();
    },
  };
}
