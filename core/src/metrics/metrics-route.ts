import { OPERATOR_PARTS } from '../contracts/store/operator.js';
import type { HttpRoute } from '../http/types.js';
import type { Kernel } from '../kernel/kernel.js';
import { operatorPart } from '../kernel/store-ops.js';
import type { MetricsSnapshot } from './gateway-metrics.js';

/** Rows the snapshot gauges count, as the reference's dashboard snapshot does. */
export const METRICS_SNAPSHOT_ROWS = 50;

/**
 * Reads what the scrape-time gauges show: the latest sessions and audit events (≤50 rows, the
 * reference's snapshot), job and delivery counts per status, each provider's health and delivery
 * circuit, and whether this process holds the retention lease. A store without an operator part
 * leaves its gauges out (`null`) rather than failing the scrape; a failing health check counts
 * as not active.
 */
export async function collectMetricsSnapshot(kernel: Kernel): Promise<MetricsSnapshot> {
  const { store, providers } = kernel.context;
  const lists = operatorPart(store, 'lists');
  const counts = operatorPart(store, 'counts');
  const [sessions, audit, jobsByStatus, deliveriesByStatus] = await Promise.all([
    lists ? lists.sessions.list({ limit: METRICS_SNAPSHOT_ROWS }) : null,
    lists ? lists.audit.list({ limit: METRICS_SNAPSHOT_ROWS }) : null,
    counts ? counts.jobs.countByStatus() : null,
    counts ? counts.deliveries.countByStatus() : null,
  ]);
  const providerRows = await Promise.all([...providers.values()].map(async (provider) => {
    const healthy = await provider.health().then((h) => h.state === 'ok' || h.state === 'degraded', () => false);
    return { kind: provider.kind, healthy, circuit: kernel.deliveries.circuitState(provider.id) };
  }));
  return {
    sessions,
    jobsByStatus,
    deliveriesByStatus,
    auditEvents: audit ? audit.length : null,
    providers: providerRows,
    retentionLeaseHeld: kernel.maintenance.holdsLease(),
  };
}

/** The Prometheus text of `kernel`'s metrics, gauges read now. */
export async function renderKernelMetrics(kernel: Kernel): Promise<string> {
  const parts = Object.fromEntries(OPERATOR_PARTS.map((part) => [part, operatorPart(kernel.context.store, part) !== undefined]));
  return kernel.metrics.render(await collectMetricsSnapshot(kernel), parts);
}

/**
 * `GET /metrics` behind the admin token: the kernel's metrics in the Prometheus text format
 * (`text/plain; version=0.0.4`). Any host mounts it with its other routes.
 */
export function metricsRoute(kernel: Kernel, path = '/metrics'): HttpRoute {
  return {
    method: 'GET',
    path,
    auth: 'admin',
    handle: async () => ({ status: 200, body: await renderKernelMetrics(kernel), contentType: kernel.metrics.contentType }),
  };
}
