import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Naming of one kernel's metrics. */
export interface GatewayMetricsOptions {
  /** Prefix of the gateway's own series, e.g. `open_cowork_standalone_gateway`. */
  prefix: string;
  /** `surface` label of the channel stack telemetry, e.g. `standalone-gateway`. */
  surface: string;
  /** `stack` label of the channel stack telemetry. Default `monorepo-provider`. */
  stack?: string;
}

/** Schema version of the channel stack telemetry series (reference §1.9). */
export const CHANNEL_STACK_SCHEMA_VERSION = '2';

/** Latency buckets of the channel stack telemetry and delivery latency, in ms (reference §1.9). */
export const LATENCY_BUCKETS_MS = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];
/** Executor runs last longer than a channel operation: the same buckets up to 15 minutes. */
export const RUN_BUCKETS_MS = [...LATENCY_BUCKETS_MS, 60000, 120000, 300000, 600000, 900000];

/** Inbound outcomes as the kernel's pipeline reports them, plus `error` for a thrown ingest. */
export type InboundOutcome = 'enqueued' | 'duplicate' | 'denied' | 'ignored' | 'refused' | 'answered' | 'error';
/** How a claimed job ended in this process. */
export type JobOutcome = 'completed' | 'failed' | 'retry' | 'dead' | 'unsupported' | 'claim_lost';
export type DeliveryRetryReason = 'transient' | 'rate_limited' | 'circuit_open';
export type CircuitStateLabel = 'closed' | 'open' | 'half_open';

/** What a scrape reads from the store and the providers; see {@link GatewayMetrics.render}. */
export interface MetricsSnapshot {
  /** The latest sessions (the reference counts its ≤50-row dashboard snapshot). */
  sessions: { status: string }[] | null;
  /** Jobs per status over the whole table, or null when the store cannot count. */
  jobsByStatus: Record<string, number> | null;
  deliveriesByStatus: Record<string, number> | null;
  /** Audit events in the snapshot (≤50), or null when the store cannot list them. */
  auditEvents: number | null;
  /** One entry per configured provider instance: its kind, health and delivery circuit. */
  providers: { kind: string; healthy: boolean; circuit: CircuitStateLabel }[];
  /** Whether this process holds the maintenance (retention) lease. */
  retentionLeaseHeld: boolean;
}

const SESSION_STATUSES = ['idle', 'running', 'blocked', 'failed', 'completed'];
const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'dead'];
const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'dead'];
const CIRCUIT_STATES: CircuitStateLabel[] = ['closed', 'open', 'half_open'];
const KIND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * One kernel's Prometheus metrics, in a registry of its own (two kernels in one process never
 * share or clash). The kernel records counters and histograms as work happens; gauges over store
 * rows, provider health and circuits are set from a {@link MetricsSnapshot} at scrape time.
 * Labels are bounded: provider kinds, statuses and outcomes, never ids, users or content.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly prefix: string;
  private readonly telemetry: { surface: string; stack: string; schema_version: string };
  private readonly declaredKinds = new Set<string>();
  private readonly c: Series['c'];
  private readonly g: Series['g'];
  private readonly h: Series['h'];

  constructor(options: GatewayMetricsOptions) {
    this.prefix = options.prefix;
    this.telemetry = { surface: options.surface, stack: options.stack ?? 'monorepo-provider', schema_version: CHANNEL_STACK_SCHEMA_VERSION };
    ({ c: this.c, g: this.g, h: this.h } = createSeries(options.prefix, this.registry));
    this.g.stackInfo.set({ schema_version: this.telemetry.schema_version, stack: this.telemetry.stack, surface: this.telemetry.surface }, 1);
  }

  /** Content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Declares the configured providers: pre-creates every zero series so absent and zero differ. */
  declareProviders(kinds: readonly string[]): void {
    for (const kind of new Set(kinds.map(boundedKind))) {
      this.declaredKinds.add(kind);
      for (const status of ['configured', 'active']) this.g.bindings.set({ ...this.stackLabels(), provider_kind: kind, status }, 0);
      for (const direction of ['inbound', 'outbound']) {
        for (const outcome of ['attempt', 'success', 'retry', 'error', 'ignored']) this.c.messages.inc({ ...this.telemetry, direction, outcome, provider_kind: kind }, 0);
      }
    }
  }

  httpRequest(route: string, method: string, status: number, durationMs: number): void {
    this.c.httpRequests.inc({ route, method, status: String(status) });
    this.h.httpLatency.observe({ route, method }, durationMs);
  }

  inboundAttempt(providerKind: string): void {
    this.channel('inbound', 'attempt', providerKind);
  }

  inbound(providerKind: string, outcome: InboundOutcome, durationMs: number): void {
    const kind = boundedKind(providerKind);
    this.c.incoming.inc({ provider_kind: kind, outcome });
    const channelOutcome = outcome === 'error' ? 'error' : outcome === 'enqueued' || outcome === 'answered' ? 'success' : 'ignored';
    this.channel('inbound', channelOutcome, kind, durationMs);
  }

  job(kind: string, outcome: JobOutcome): void {
    this.c.jobs.inc({ kind, outcome });
  }

  /** A prompt job's end in this process: completed, failed for good, retry scheduled, or dead. */
  prompt(outcome: 'completed' | 'failed' | 'retry' | 'dead', durationMs: number): void {
    this.c.prompts.inc({ outcome });
    this.h.executorRun.observe({ outcome }, durationMs);
  }

  executorPrompt(outcome: 'ok' | 'error', durationMs: number): void {
    this.h.executorPrompt.observe({ outcome }, durationMs);
  }

  deliveryAttempt(providerKind: string): void {
    this.channel('outbound', 'attempt', providerKind);
  }

  deliverySent(providerKind: string, sendMs: number, sinceEnqueuedMs: number): void {
    const kind = boundedKind(providerKind);
    this.c.deliveriesSent.inc({ provider_kind: kind });
    this.h.deliveryLatency.observe({ provider_kind: kind }, Math.max(0, sinceEnqueuedMs));
    this.channel('outbound', 'success', kind, sendMs);
  }

  deliveryRetry(providerKind: string, reason: DeliveryRetryReason, sendMs?: number): void {
    const kind = boundedKind(providerKind);
    this.c.deliveryRetries.inc({ provider_kind: kind, reason });
    if (reason !== 'circuit_open') this.channel('outbound', 'retry', kind, sendMs);
  }

  /** `reason` is the dead-letter reason's leading word (`permanent`, `max_attempts`, `expired`…). */
  deliveryDeadLetter(providerKind: string, reason: string, sendMs?: number): void {
    const kind = boundedKind(providerKind);
    const bounded = /^[a-z_]{1,32}$/.test(reason) ? reason : 'other';
    this.c.deadLetters.inc({ provider_kind: kind, reason: bounded });
    this.channel('outbound', 'error', kind, sendMs);
  }

  deliveryRequeued(providerKind: string): void {
    this.c.requeues.inc({ provider_kind: boundedKind(providerKind) });
  }

  /** A retention pass: its deleted row counts, `skipped` (no lease or no prune part) or `error`. */
  retention(result: Record<string, number> | 'skipped' | 'error', at: Date): void {
    if (typeof result === 'string') {
      this.c.retentionRuns.inc({ outcome: result });
      return;
    }
    this.c.retentionRuns.inc({ outcome: 'pruned' });
    this.g.retentionLastRun.set(at.getTime() / 1000);
    for (const [field, count] of Object.entries(result)) {
      const table = field.replace(/Deleted$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      this.c.retentionDeleted.inc({ table }, count);
    }
  }

  /** Sets the scrape-time gauges from `snapshot` and renders the Prometheus text format. */
  async render(snapshot: MetricsSnapshot, operatorParts: Record<string, boolean>): Promise<string> {
    this.setSnapshot(snapshot);
    for (const [part, present] of Object.entries(operatorParts)) this.g.operatorParts.set({ part }, present ? 1 : 0);
    return this.registry.metrics();
  }

  private setSnapshot(s: MetricsSnapshot): void {
    if (s.sessions) {
      this.g.sessions.set(s.sessions.length);
      for (const status of SESSION_STATUSES) this.g.sessionsByStatus.set({ status }, s.sessions.filter((x) => x.status === status).length);
    }
    if (s.jobsByStatus) {
      this.g.jobs.set(Object.values(s.jobsByStatus).reduce((a, b) => a + b, 0));
      for (const status of JOB_STATUSES) this.g.jobsByStatus.set({ status }, s.jobsByStatus[status] ?? 0);
      this.g.queueDepth.set({ queue: 'jobs' }, (s.jobsByStatus.pending ?? 0) + (s.jobsByStatus.running ?? 0));
    }
    if (s.deliveriesByStatus) {
      for (const status of DELIVERY_STATUSES) this.g.deliveriesByStatus.set({ status }, s.deliveriesByStatus[status] ?? 0);
      this.g.queueDepth.set({ queue: 'deliveries' }, (s.deliveriesByStatus.pending ?? 0) + (s.deliveriesByStatus.sending ?? 0));
    }
    if (s.auditEvents !== null) this.g.auditEvents.set(s.auditEvents);
    this.g.circuits.reset();
    this.g.bindings.reset();
    for (const kind of this.declaredKinds) {
      for (const status of ['configured', 'active']) this.g.bindings.set({ ...this.stackLabels(), provider_kind: kind, status }, 0);
      for (const state of CIRCUIT_STATES) this.g.circuits.set({ provider_kind: kind, state }, 0);
    }
    for (const provider of s.providers) {
      const kind = boundedKind(provider.kind);
      for (const state of CIRCUIT_STATES) this.g.circuits.inc({ provider_kind: kind, state }, provider.circuit === state ? 1 : 0);
      this.g.bindings.inc({ ...this.stackLabels(), provider_kind: kind, status: 'configured' }, 1);
      this.g.bindings.inc({ ...this.stackLabels(), provider_kind: kind, status: 'active' }, provider.healthy ? 1 : 0);
    }
    this.g.retentionLease.set(s.retentionLeaseHeld ? 1 : 0);
  }

  private stackLabels(): { stack: string; surface: string } {
    return { stack: this.telemetry.stack, surface: this.telemetry.surface };
  }

  /** Channel stack telemetry: latency only for terminal outcomes (reference §1.9). */
  private channel(direction: 'inbound' | 'outbound', outcome: string, providerKind: string, durationMs?: number): void {
    const labels = { ...this.telemetry, direction, outcome, provider_kind: boundedKind(providerKind) };
    this.c.messages.inc(labels);
    if (outcome !== 'attempt' && durationMs !== undefined) this.h.operation.observe(labels, durationMs);
  }
}

/** Every series of one registry; `p` is the prefix of the gateway's own series. */
function createSeries(p: string, registry: Registry) {
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers });
  const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) => new Histogram({ name, help, buckets, labelNames, registers });
  const c = {
    httpRequests: counter(`${p}_http_requests_total`, 'HTTP requests answered, by route template, method and status.', ['route', 'method', 'status']),
    incoming: counter(`${p}_incoming_messages_total`, 'Inbound provider events by outcome.', ['provider_kind', 'outcome']),
    prompts: counter(`${p}_prompts_total`, 'Prompt jobs finished by this process, by outcome.', ['outcome']),
    jobs: counter(`${p}_job_runs_total`, 'Claimed jobs by kind and how their run ended.', ['kind', 'outcome']),
    deliveriesSent: counter(`${p}_deliveries_sent_total`, 'Deliveries sent completely.', ['provider_kind']),
    deliveryRetries: counter(`${p}_delivery_retries_total`, 'Delivery attempts that failed and were scheduled again.', ['provider_kind', 'reason']),
    deadLetters: counter(`${p}_delivery_dead_letters_total`, 'Deliveries dead-lettered, by reason.', ['provider_kind', 'reason']),
    requeues: counter(`${p}_delivery_requeues_total`, 'Dead deliveries requeued by an operator.', ['provider_kind']),
    retentionRuns: counter(`${p}_retention_runs_total`, 'Retention passes, by outcome (pruned, skipped without the lease or prune part, error).', ['outcome']),
    retentionDeleted: counter(`${p}_retention_deleted_total`, 'Rows deleted by retention, by table.', ['table']),
    messages: counter('open_cowork_channel_messages_total', 'Channel stack messages by direction and outcome.', ['direction', 'outcome', 'provider_kind', 'schema_version', 'stack', 'surface']),
  };
  const g = {
    sessions: gauge(`${p}_sessions`, 'Sessions in the snapshot (latest 50).'),
    sessionsByStatus: gauge(`${p}_sessions_by_status`, 'Sessions in the snapshot by status.', ['status']),
    jobs: gauge(`${p}_jobs`, 'Jobs in the store.'),
    jobsByStatus: gauge(`${p}_jobs_by_status`, 'Jobs in the store by status.', ['status']),
    auditEvents: gauge(`${p}_audit_events`, 'Audit events in the snapshot (latest 50).'),
    deliveriesByStatus: gauge(`${p}_deliveries_by_status`, 'Deliveries in the store by status.', ['status']),
    queueDepth: gauge(`${p}_queue_depth`, 'Unfinished work waiting or in flight: jobs pending+running, deliveries pending+sending.', ['queue']),
    circuits: gauge(`${p}_delivery_circuits`, 'Provider instances per delivery circuit state.', ['provider_kind', 'state']),
    retentionLease: gauge(`${p}_retention_lease_held`, '1 while this process holds the maintenance (retention) lease.'),
    retentionLastRun: gauge(`${p}_retention_last_run_timestamp_seconds`, 'When this process last ran a retention pass that pruned.'),
    operatorParts: gauge(`${p}_store_operator_parts`, '1 when the store has the operator part, else 0.', ['part']),
    stackInfo: gauge('open_cowork_channel_stack_info', 'Declared channel stacks.', ['schema_version', 'stack', 'surface']),
    bindings: gauge('open_cowork_channel_bindings', 'Provider bindings configured and active (healthy at scrape time).', ['provider_kind', 'stack', 'status', 'surface']),
  };
  const h = {
    httpLatency: histogram(`${p}_http_request_duration_ms`, 'HTTP request duration.', LATENCY_BUCKETS_MS, ['route', 'method']),
    deliveryLatency: histogram(`${p}_delivery_latency_ms`, 'From a delivery being enqueued to its last chunk being accepted.', LATENCY_BUCKETS_MS, ['provider_kind']),
    executorPrompt: histogram(`${p}_executor_prompt_latency_ms`, 'Executor prompt call until it acknowledged the run.', LATENCY_BUCKETS_MS, ['outcome']),
    executorRun: histogram(`${p}_executor_run_duration_ms`, 'A prompt job from claim to its terminal outcome.', RUN_BUCKETS_MS, ['outcome']),
    operation: histogram('open_cowork_channel_operation_latency_ms', 'Channel operation latency for terminal outcomes.', LATENCY_BUCKETS_MS, ['direction', 'outcome', 'provider_kind', 'schema_version', 'stack', 'surface']),
  };
  return { c, g, h };
}

type Series = ReturnType<typeof createSeries>;

/** Provider kinds come from plugins, not users; anything unexpected still collapses to `other`. */
function boundedKind(kind: string): string {
  return KIND_PATTERN.test(kind) ? kind : 'other';
}

/**
 * The metric naming a kernel derives from its audit prefix: `standalone` gives the reference's
 * standalone names (`open_cowork_standalone_gateway_*`, surface `standalone-gateway`).
 */
export function metricsNamingFor(auditPrefix: string): GatewayMetricsOptions {
  const safe = auditPrefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return { prefix: `open_cowork_${safe}_gateway`, surface: `${auditPrefix.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-gateway` };
}
