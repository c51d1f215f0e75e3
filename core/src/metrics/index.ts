/**
 * @packageDocumentation
 * Per-kernel Prometheus metrics: {@link GatewayMetrics} (what the kernel records) and the
 * `GET /metrics` route any host can mount.
 */
export {
  GatewayMetrics,
  metricsNamingFor,
  CHANNEL_STACK_SCHEMA_VERSION,
  LATENCY_BUCKETS_MS,
  RUN_BUCKETS_MS,
  type GatewayMetricsOptions,
  type MetricsSnapshot,
  type InboundOutcome,
  type JobOutcome,
  type DeliveryRetryReason,
  type CircuitStateLabel,
} from './gateway-metrics.js';
export { metricsRoute, renderKernelMetrics, collectMetricsSnapshot, METRICS_SNAPSHOT_ROWS } from './metrics-route.js';
