import {
  bootGateway,
  createConfigLogger,
  loadConfig,
  type Clock,
  type Kernel,
  type LoadedConfig,
  type Logger,
  type RunningGateway,
} from '@cowork-gateway/core';
import { CloudDeliveries, CloudStore } from '@cowork-gateway/cloud-executor';
import { GatewayMetrics, operatorRoutes, readiness, type OperatorContext } from './operator.js';
import { CLOUD_GATEWAY_AUDIT_PREFIX, CLOUD_GATEWAY_CHOICES, cloudKernelSettings, providerSelections } from './preset.js';
import { assertProductMode, assertSafeConfig } from './safety.js';
import { ALL_CLOUD_GATEWAY_SETTINGS, CLOUD_GATEWAY_PREFIX } from './settings.js';

export interface StartCloudGatewayOptions {
  logger?: Logger;
  clock?: Clock;
}

/** A running Cloud Channel Gateway: the core gateway plus the Cloud delivery subscription. */
export interface RunningCloudGateway {
  url: string;
  kernel: Kernel;
  gateway: RunningGateway;
  deliveries: CloudDeliveries;
  metrics: GatewayMetrics;
  /**
   * Stops new Cloud delivery subscriptions, drains and acks in-flight deliveries (up to
   * SHUTDOWN_DRAIN_TIMEOUT_MS), then closes HTTP and stops the kernel (providers, executor, store).
   */
  stop(): Promise<void>;
}

/** Loads this host's config from env (prefix `OPEN_COWORK_GATEWAY_`), a config file and CLI overrides. */
export function loadCloudGatewayConfig(options: { env?: Record<string, string | undefined>; overrides?: Record<string, unknown>; cwd?: string } = {}): LoadedConfig {
  const overrides = Object.fromEntries(Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined));
  return loadConfig({ prefix: CLOUD_GATEWAY_PREFIX, specs: ALL_CLOUD_GATEWAY_SETTINGS, env: options.env, overrides, cwd: options.cwd });
}

/** Logger for the host: JSON lines on stderr at the configured level, secrets masked. */
export function createCloudGatewayLogger(config: LoadedConfig): Logger {
  return createConfigLogger(config, 'cloud-channel-gateway');
}

/**
 * Starts the Cloud Channel Gateway: refuses every unsafe configuration (cloud-protocol.md §9),
 * boots core with the Cloud store and executor and the enabled providers, adds the operator
 * endpoints and `/ready`, then subscribes to Cloud deliveries. Nothing listens before every check
 * and plugin passed.
 */
export async function startCloudGateway(config: LoadedConfig, options: StartCloudGatewayOptions = {}): Promise<RunningCloudGateway> {
  assertProductMode(config);
  assertSafeConfig(config, providerSelections(config));
  const logger = options.logger ?? createCloudGatewayLogger(config);
  let context: OperatorContext | null = null;
  let started = false;
  const gateway = await bootGateway(config, {
    logger,
    clock: options.clock,
    auditPrefix: CLOUD_GATEWAY_AUDIT_PREFIX,
    service: 'cloud-channel-gateway',
    choices: CLOUD_GATEWAY_CHOICES,
    kernelSettings: cloudKernelSettings,
    metrics: { prefix: 'open_cowork_gateway_kernel', surface: 'cloud-channel-gateway' },
    http: (base, { kernel, plugins }) => {
      const store = plugins.store as CloudStore;
      const deliveries = new CloudDeliveries(store.channel, (instance) => kernel.context.providers.get(instance), {
        maxConcurrency: config.get<number>('MAX_DELIVERY_CONCURRENCY'),
        maxQueueDepth: config.get<number>('MAX_DELIVERY_QUEUE_DEPTH'),
        logger: logger.child({ component: 'cloud-deliveries' }),
      });
      const state = () => ({
        subscriptionUp: deliveries.healthy(),
        providersUp: Object.fromEntries([...kernel.context.providers.keys()].map((id) => [id, started])),
        ready: started && deliveries.healthy(),
      });
      const metrics = new GatewayMetrics(store.channel, state);
      context = { config, kernel, channel: store.channel, deliveries, metrics, started: () => started };
      const ctx = context;
      // This preset serves /metrics itself (its operator auth, METRICS_ENABLED, the Cloud series), not core's route.
      const coreRoutes = (base.routes ?? []).filter((route) => route.path !== '/metrics');
      return { ...base, readiness: () => readiness(ctx), routes: [...coreRoutes, ...operatorRoutes(ctx)] };
    },
  });
  const ctx = context as OperatorContext | null;
  if (!ctx) throw new Error('the Cloud gateway preset did not build its HTTP options');
  ctx.deliveries.start();
  started = true;
  let stopping: Promise<void> | null = null;
  return {
    url: gateway.url,
    kernel: gateway.kernel,
    gateway,
    deliveries: ctx.deliveries,
    metrics: ctx.metrics,
    stop: () => (stopping ??= (async () => {
      started = false;
      const { drained } = await ctx.deliveries.stop({ drainTimeoutMs: config.get<number>('SHUTDOWN_DRAIN_TIMEOUT_MS') });
      logger.info('cloud.deliveries_stopped', { drained });
      await gateway.stop();
    })()),
  };
}
