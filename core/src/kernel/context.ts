import type { ExecutionAuthority } from '../contracts/execution-authority.js';
import type { DeliveryTarget, Provider } from '../contracts/provider.js';
import type { Notice, RenderedMessage, Renderer } from '../contracts/renderer.js';
import type { JsonObject } from '../contracts/common.js';
import type { Delivery, Store } from '../contracts/store.js';
import type { Logger } from '../logging.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Clock } from '../tokens.js';
import { enqueueRendered, type EnqueueRenderedOptions } from './outbox.js';
import type { KernelSettings } from './settings.js';

/** Takes deliveries created already claimed by this process and sends them (the delivery worker). */
export interface DeliveryHandOff {
  /** False once the worker stopped: deliveries are then left for a claim. */
  accepting(): boolean;
  accept(delivery: Delivery): void;
}

/** What the kernel's parts share: the plugins, settings and a few helpers. */
export class KernelContext {
  private readonly wakers = { jobs: (): void => {}, deliveries: (): void => {} };
  private handOff: DeliveryHandOff | null = null;

  constructor(
    readonly store: Store,
    readonly executor: ExecutionAuthority | null,
    readonly renderer: Renderer,
    readonly providers: ReadonlyMap<string, Provider>,
    readonly settings: KernelSettings,
    readonly logger: Logger,
    readonly clock: Clock,
    /** Identifies this process in claims and leases: `<hostname>:<pid>:<random>`. */
    readonly workerId: string,
    /** The kernel's metrics; its parts record into it. */
    readonly metrics: GatewayMetrics,
  ) {}

  onWake(kind: 'jobs' | 'deliveries', waker: () => void): void {
    this.wakers[kind] = waker;
  }

  wakeJobs(): void {
    this.wakers.jobs();
  }

  wakeDeliveries(): void {
    this.wakers.deliveries();
  }

  onDeliveryHandOff(handOff: DeliveryHandOff): void {
    this.handOff = handOff;
  }

  /**
   * Puts rendered messages in the outbox. While this process's delivery worker runs and the
   * store can create a delivery claimed, they are created already claimed by it and handed to it
   * directly, saving a claim per delivery; otherwise a worker (here or in another process)
   * claims them.
   */
  async enqueueOutbound(messages: readonly RenderedMessage[], options: Omit<EnqueueRenderedOptions, 'maxAttempts' | 'expiresAt' | 'claimFor'>): Promise<void> {
    const handOff = this.handOff?.accepting() ? this.handOff : null;
    const enqueued = await enqueueRendered(this.store, messages, {
      ...options,
      maxAttempts: this.settings.deliveryMaxAttempts,
      expiresAt: this.deliveryExpiry(),
      claimFor: handOff ? { workerId: this.workerId, leaseMs: this.settings.jobLeaseMs } : undefined,
    });
    for (const { delivery, claimed } of enqueued) {
      if (handOff && claimed) handOff.accept(delivery);
      else this.wakeDeliveries();
    }
  }

  /** `standalone.prompt.denied` for auditPrefix `standalone`. */
  auditType(suffix: string): string {
    return `${this.settings.auditPrefix}.${suffix}`;
  }

  async audit(suffix: string, actor: string, metadata: JsonObject, traceId?: string): Promise<void> {
    await this.store.audit.record({ type: this.auditType(suffix), actor, metadata, traceId });
  }

  deliveryExpiry(): Date {
    return new Date(this.clock.now().getTime() + this.settings.deliveryTtlMs);
  }

  /** Renders a gateway notice for the target's provider and puts it in the outbox. */
  async notify(notice: Notice, target: DeliveryTarget, idPrefix: string, ids: { sessionId?: string; traceId?: string } = {}): Promise<void> {
    const provider = this.providers.get(target.instance);
    if (!provider) return;
    const rendered = this.renderer.renderNotice(notice, provider.capabilities);
    await this.enqueueOutbound([rendered], { idPrefix, target, sessionId: ids.sessionId, traceId: ids.traceId });
  }
}
