import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JsonObject } from '../contracts/common.js';
import type { ExecutionAuthority } from '../contracts/execution-authority.js';
import type { InboundEvent, Provider, ProviderContext } from '../contracts/provider.js';
import type { Renderer } from '../contracts/renderer.js';
import type { IdentityKey, Store } from '../contracts/store.js';
import { WebhookUnknownInstance } from '../errors.js';
import type { HttpRequest, HttpResponse } from '../http/index.js';
import type { Logger } from '../logging.js';
import { redactValue } from '../redaction.js';
import { systemClock, type Clock } from '../tokens.js';
import { KernelContext } from './context.js';
import { DeliveryWorker } from './delivery-worker.js';
import { InboundPipeline, type IngestResult } from './inbound-pipeline.js';
import { JobWorker } from './job-worker.js';
import { Maintenance } from './maintenance.js';
import { buildReadiness, InboundProgress, type ReadinessReport } from './readiness.js';
import type { KernelSettings } from './settings.js';
import type { Role } from '../contracts/common.js';
import { GatewayMetrics, metricsNamingFor, type GatewayMetricsOptions } from '../metrics/gateway-metrics.js';

export interface KernelOptions {
  store: Store;
  executor: ExecutionAuthority | null;
  renderer: Renderer;
  providers: readonly Provider[];
  settings: KernelSettings;
  logger: Logger;
  clock?: Clock;
  /** Configured secret values, masked in audit metadata. */
  secrets?: () => readonly string[];
  /** Identities upserted into the store at start (config bootstrap). */
  identities?: readonly (IdentityKey & { role: Role; status?: 'active' | 'disabled' })[];
  /** Metric naming; default {@link metricsNamingFor} the audit prefix (`open_cowork_standalone_gateway_*`). */
  metrics?: GatewayMetricsOptions;
}

/**
 * The gateway kernel: wires providers → inbound pipeline → job worker → executor → renderer →
 * outbox → delivery worker, and owns their lifecycle. Hosts build one from configured plugins.
 */
export class Kernel {
  readonly context: KernelContext;
  readonly inbound: InboundPipeline;
  readonly jobs: JobWorker;
  readonly deliveries: DeliveryWorker;
  readonly maintenance: Maintenance;
  /** This kernel's metrics, in a registry of its own. */
  readonly metrics: GatewayMetrics;
  private readonly progress: InboundProgress;
  private readonly shutdown = new AbortController();
  private readonly startedProviders: Provider[] = [];
  private started = false;

  constructor(private readonly options: KernelOptions) {
    const providers = new Map(options.providers.map((p) => [p.id, p]));
    const clock = options.clock ?? systemClock;
    const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.metrics = new GatewayMetrics(options.metrics ?? metricsNamingFor(options.settings.auditPrefix));
    this.metrics.declareProviders(options.providers.map((p) => p.kind));
    this.context = new KernelContext(options.store, options.executor, options.renderer, providers, options.settings, options.logger, clock, workerId, this.metrics);
    const secrets = options.secrets ?? (() => []);
    const recordAudit = this.context.audit.bind(this.context);
    this.context.audit = (suffix, actor, metadata, traceId) => recordAudit(suffix, actor, redactValue(metadata, secrets()), traceId);
    this.inbound = new InboundPipeline(this.context);
    this.jobs = new JobWorker(this.context);
    this.deliveries = new DeliveryWorker(this.context);
    this.maintenance = new Maintenance(this.context);
    this.progress = new InboundProgress(clock.now().getTime());
  }

  get logger(): Logger {
    return this.context.logger;
  }

  /** Starts the store, executor, workers and providers, in that order. */
  async start(): Promise<void> {
    const { store, executor, logger } = this.context;
    await store.start();
    await this.bootstrapIdentities();
    if (executor) await executor.start({ logger: logger.child({ component: 'executor', instance: executor.id }), signal: this.shutdown.signal });
    this.jobs.start();
    this.deliveries.start();
    await this.maintenance.start();
    for (const provider of this.context.providers.values()) {
      await provider.start(this.providerContext(provider));
      this.startedProviders.push(provider);
    }
    this.started = true;
    logger.info('kernel.started', { providers: [...this.context.providers.keys()], executor: executor?.kind ?? null, store: store.kind });
  }

  /**
   * Stops taking new work, lets running jobs and deliveries finish within `shutdownDrainMs`,
   * then stops the executor and closes the store. Work not finished stays in the store.
   */
  async stop(): Promise<void> {
    const { settings, logger } = this.context;
    this.shutdown.abort();
    for (const provider of this.startedProviders.reverse()) {
      await provider.stop({ drain: true }).catch((error: unknown) => logger.warn('provider.stop_failed', { instance: provider.id, error }));
    }
    const jobsDrained = await this.jobs.stop(settings.shutdownDrainMs);
    const deliveriesDrained = await this.deliveries.stop(settings.shutdownDrainMs);
    await this.maintenance.stop();
    await this.context.executor?.stop().catch((error: unknown) => logger.warn('executor.stop_failed', { error }));
    await this.context.store.close();
    logger.info('kernel.stopped', { jobsDrained, deliveriesDrained, wasStarted: this.started });
  }

  /** Hands one normalized event to the pipeline (used by providers and tests). */
  async ingest(event: InboundEvent): Promise<IngestResult> {
    const started = performance.now();
    this.metrics.inboundAttempt(event.provider);
    let result: IngestResult;
    try {
      result = await this.inbound.ingest(event);
    } catch (error) {
      this.metrics.inbound(event.provider, 'error', performance.now() - started);
      throw error;
    }
    this.metrics.inbound(event.provider, result.outcome, performance.now() - started);
    this.progress.record(event.instance, this.context.clock.now().getTime());
    return result;
  }

  readiness(): Promise<ReadinessReport> {
    return buildReadiness(this.context, this.progress, (id) => this.deliveries.circuitState(id));
  }

  /** The HTTP webhook dispatcher: routes to the provider, ingests what it returns, answers 202. */
  async handleWebhook(instance: string, request: HttpRequest): Promise<HttpResponse> {
    const provider = this.context.providers.get(instance);
    if (!provider?.handleWebhook) throw new WebhookUnknownInstance({ instance });
    const result = await provider.handleWebhook({
      method: request.method,
      path: request.path,
      headers: request.headers,
      rawBody: request.rawBody,
      body: request.body,
      sourceIp: request.sourceIp,
    });
    const outcomes: JsonObject[] = [];
    for (const event of result.events) {
      const ingested = await this.ingest(event);
      outcomes.push({ eventId: event.eventId, traceId: ingested.traceId, outcome: ingested.outcome });
    }
    if (result.events.length === 0) this.progress.record(instance, this.context.clock.now().getTime());
    if (result.reply) return { status: result.reply.status, body: result.reply.body };
    return { status: 202, body: { ok: true, events: outcomes } };
  }

  private providerContext(provider: Provider): ProviderContext {
    const logger = this.context.logger.child({ component: 'provider', instance: provider.id, kind: provider.kind });
    return {
      logger,
      signal: this.shutdown.signal,
      ingest: async (event) => {
        const result = await this.ingest(event);
        return { accepted: result.accepted, duplicate: result.duplicate };
      },
      reportInboundProgress: () => this.progress.record(provider.id, this.context.clock.now().getTime()),
      cursor: {
        load: () => this.context.store.cursors.get(providerCursorName(provider.id)),
        save: (value) => this.context.store.cursors.set(providerCursorName(provider.id), value),
      },
    };
  }

  private async bootstrapIdentities(): Promise<void> {
    for (const identity of this.options.identities ?? []) {
      await this.context.store.identities.upsert(identity);
    }
    if (this.options.identities?.length) this.context.logger.info('identities.bootstrapped', { count: this.options.identities.length });
  }
}

/** The Store cursor name of a provider instance's position. */
export function providerCursorName(instance: string): string {
  return `provider:${instance}`;
}
