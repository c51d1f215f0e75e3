/** Counter names of seed 001 and the reference gateway (exported by the host as Prometheus counters). */
export const CLOUD_COUNTERS = {
  sessionRenderDeadLetters: 'open_cowork_gateway_session_render_dead_letters_total',
  droppedSessionEvents: 'open_cowork_gateway_dropped_session_events_total',
  sessionRenderRetries: 'open_cowork_gateway_session_render_retries_total',
  sessionSnapshots: 'open_cowork_gateway_session_snapshot_required_total',
  inboundDuplicates: 'open_cowork_gateway_inbound_duplicates_total',
  deliveriesSent: 'open_cowork_gateway_deliveries_sent_total',
  deliveriesFailed: 'open_cowork_gateway_deliveries_failed_total',
  deliveriesDead: 'open_cowork_gateway_deliveries_dead_total',
  deliveriesShed: 'open_cowork_gateway_deliveries_shed_total',
  deliverySubscriptionReconnects: 'open_cowork_gateway_delivery_subscription_reconnects_total',
} as const;

export type CloudCounter = keyof typeof CLOUD_COUNTERS;

/** Plain in-process counters; a host maps them onto its metrics library. */
export class CloudMetrics {
  private readonly values = new Map<CloudCounter, number>();
  private readonly listeners = new Set<(counter: CloudCounter, by: number) => void>();

  inc(counter: CloudCounter, by = 1): void {
    this.values.set(counter, (this.values.get(counter) ?? 0) + by);
    for (const listener of this.listeners) listener(counter, by);
  }

  get(counter: CloudCounter): number {
    return this.values.get(counter) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(Object.entries(CLOUD_COUNTERS).map(([key, name]) => [name, this.get(key as CloudCounter)]));
  }

  /** Called on every increment (e.g. to mirror into prom-client); returns an unsubscribe. */
  onIncrement(listener: (counter: CloudCounter, by: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
