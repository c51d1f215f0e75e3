import { classifyDeliveryFailure, type Provider } from '../contracts/provider.js';
import type { Delivery, SentChunk } from '../contracts/store.js';
import { backoffDelayMs } from './backoff.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import type { DeliveryHandOff, KernelContext } from './context.js';
import { toJson } from './json.js';
import { completeDelivery } from './store-ops.js';
import { WorkLoop } from './work-loop.js';

/**
 * Sends the deliveries outbox: chunks in order, each recorded as sent so a retry resumes after
 * it. Transient failures back off exponentially with jitter, `rate_limited` waits the provider's
 * `Retry-After`, permanent failures dead-letter at once, and a per-provider circuit breaker stops
 * hammering a provider that keeps failing. Deliveries older than the TTL are dead-lettered as
 * stale instead of being sent late. A reply that finally fails is audited as
 * `<prefix>.reply.failed` without its text.
 */
export class DeliveryWorker implements DeliveryHandOff {
  private readonly loop: WorkLoop;
  private readonly circuits = new Map<string, CircuitBreaker>();
  /** Deliveries this process created already claimed, sent before any claimed from the store. */
  private readonly handedOff: Delivery[] = [];

  constructor(private readonly kernel: KernelContext) {
    this.loop = new WorkLoop('deliveries', () => this.step(), {
      concurrency: kernel.settings.deliveryConcurrency,
      idlePollMs: kernel.settings.idlePollMs,
      logger: kernel.logger,
    });
    kernel.onWake('deliveries', () => this.loop.wake());
    kernel.onDeliveryHandOff(this);
  }

  /**
   * Only while a lane is idle for it: a handed-off delivery is then sent as soon as a claimed one
   * would be. Otherwise it waits in the shared outbox, where the first free lane of any process
   * takes the oldest, which keeps a chat's replies in order across processes.
   */
  accepting(): boolean {
    return this.loop.active && this.loop.idleLanes > this.handedOff.length;
  }

  accept(delivery: Delivery): void {
    this.handedOff.push(delivery);
    this.loop.wake();
  }

  start(): void {
    this.loop.start();
  }

  stop(drainMs: number): Promise<boolean> {
    return this.loop.stop(drainMs);
  }

  circuitState(instance: string): CircuitState {
    return this.circuit(instance).state();
  }

  /** Claims and works one delivery; false when none is due. */
  async step(): Promise<boolean> {
    const now = this.kernel.clock.now();
    const delivery = this.takeHandedOff(now) ?? await this.kernel.store.deliveries.claim({
      workerId: this.kernel.workerId,
      leaseMs: this.kernel.settings.jobLeaseMs,
      excludeInstances: this.openCircuits(),
    });
    if (!delivery) return false;
    if (delivery.expiresAt.getTime() <= now.getTime()) {
      await this.deadLetter(delivery, `expired: not delivered within ${Math.round(this.kernel.settings.deliveryTtlMs / 1000)} s`);
      return true;
    }
    const provider = this.kernel.providers.get(delivery.instance);
    if (!provider) {
      await this.deadLetter(delivery, `provider_not_configured: no provider instance "${delivery.instance}"`);
      return true;
    }
    await this.send(delivery, provider);
    return true;
  }

  /**
   * The oldest handed-off delivery with at least half its lease left. One that waited longer is
   * dropped here: its lease may run out while it is sent, and it is claimed again once it has.
   */
  private takeHandedOff(now: Date): Delivery | undefined {
    const margin = this.kernel.settings.jobLeaseMs / 2;
    for (let delivery = this.handedOff.shift(); delivery; delivery = this.handedOff.shift()) {
      if (delivery.leaseExpiresAt!.getTime() - now.getTime() > margin) return delivery;
    }
    return undefined;
  }

  private async send(delivery: Delivery, provider: Provider): Promise<void> {
    const circuit = this.circuit(delivery.instance);
    if (!circuit.allowsSend()) {
      this.kernel.metrics.deliveryRetry(provider.kind, 'circuit_open');
      await this.kernel.store.deliveries.retry(delivery.deliveryId, delivery.claimToken!, { nextAttemptAt: new Date(this.kernel.clock.now().getTime() + this.kernel.settings.circuitOpenMs), error: 'circuit open' });
      return;
    }
    const { deliveries } = this.kernel.store;
    const last = delivery.chunks.length - 1;
    let current = delivery;
    let finalChunk: SentChunk | undefined;
    const started = performance.now();
    this.kernel.metrics.deliveryAttempt(provider.kind);
    for (let index = delivery.chunksSent; index <= last; index += 1) {
      const chunk = delivery.chunks[index]!;
      try {
        const sent = await provider.send(delivery.target, chunk.message, { deliveryId: chunk.chunkId, traceId: delivery.traceId ?? undefined });
        // The final chunk is recorded with the completion (one write where the store fuses them).
        if (index === last) finalChunk = { index, providerMessageId: sent.providerMessageId };
        else current = await deliveries.markChunkSent(delivery.deliveryId, delivery.claimToken!, index, sent.providerMessageId);
      } catch (error) {
        await this.handleFailure(current, error, circuit, provider.kind, performance.now() - started);
        return;
      }
    }
    circuit.recordSuccess();
    await completeDelivery(this.kernel.store, delivery.deliveryId, delivery.claimToken!, finalChunk);
    this.kernel.metrics.deliverySent(provider.kind, performance.now() - started, this.kernel.clock.now().getTime() - delivery.createdAt.getTime());
    this.kernel.logger.debug('delivery.sent', { deliveryId: delivery.deliveryId, traceId: delivery.traceId, chunks: delivery.chunks.length });
  }

  private async handleFailure(delivery: Delivery, error: unknown, circuit: CircuitBreaker, providerKind: string, sendMs: number): Promise<void> {
    const failure = classifyDeliveryFailure(error);
    const message = `${(error as { code?: string }).code ?? failure.kind}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1000);
    const log = this.kernel.logger.child({ deliveryId: delivery.deliveryId, traceId: delivery.traceId, instance: delivery.instance });
    if (failure.kind === 'permanent') {
      circuit.releaseTrial();
      log.warn('delivery.permanent_failure', { error });
      await this.deadLetter(delivery, `permanent: ${message}`, providerKind, sendMs);
      return;
    }
    if (failure.kind === 'transient') circuit.recordFailure();
    else circuit.releaseTrial();
    if (delivery.attempts >= delivery.maxAttempts) {
      await this.deadLetter(delivery, `max_attempts: gave up after ${delivery.attempts} attempts; last error ${message}`, providerKind, sendMs);
      return;
    }
    const delay = failure.kind === 'rate_limited'
      ? Math.max(failure.retryAfterMs, 0)
      : backoffDelayMs(delivery.attempts, { baseMs: this.kernel.settings.deliveryBackoffBaseMs, maxMs: this.kernel.settings.deliveryBackoffMaxMs });
    this.kernel.metrics.deliveryRetry(providerKind, failure.kind === 'rate_limited' ? 'rate_limited' : 'transient', sendMs);
    log.info(failure.kind === 'rate_limited' ? 'delivery.rate_limited' : 'delivery.retry_scheduled', { attempt: delivery.attempts, retryInMs: delay });
    await this.kernel.store.deliveries.retry(delivery.deliveryId, delivery.claimToken!, { nextAttemptAt: new Date(this.kernel.clock.now().getTime() + delay), error: message });
  }

  private async deadLetter(delivery: Delivery, reason: string, providerKind?: string, sendMs?: number): Promise<void> {
    await this.kernel.store.deliveries.deadLetter(delivery.deliveryId, delivery.claimToken, reason);
    this.kernel.metrics.deliveryDeadLetter(providerKind ?? this.kernel.providers.get(delivery.instance)?.kind ?? 'other', reason.split(':')[0]!, sendMs);
    this.kernel.logger.warn('delivery.dead_lettered', { deliveryId: delivery.deliveryId, traceId: delivery.traceId, reason: reason.split(':')[0] });
    if (delivery.purpose === 'notice') return;
    await this.kernel.audit('reply.failed', this.kernel.workerId, toJson({
      provider: delivery.instance,
      sessionId: delivery.sessionId,
      jobId: delivery.jobId,
      deliveryId: delivery.deliveryId,
      reason: reason.slice(0, 300),
    }), delivery.traceId ?? undefined);
  }

  private circuit(instance: string): CircuitBreaker {
    let circuit = this.circuits.get(instance);
    if (!circuit) {
      circuit = new CircuitBreaker({ failureThreshold: this.kernel.settings.circuitFailureThreshold, openMs: this.kernel.settings.circuitOpenMs }, () => this.kernel.clock.now().getTime());
      this.circuits.set(instance, circuit);
    }
    return circuit;
  }

  private openCircuits(): string[] {
    return [...this.circuits.entries()].filter(([, c]) => c.blocksClaims()).map(([id]) => id);
  }
}
