import type { ExecutionAuthority } from '../contracts/execution-authority.js';
import type { DeliveryTarget, Provider } from '../contracts/provider.js';
import type { Notice, Renderer } from '../contracts/renderer.js';
import type { JsonObject } from '../contracts/common.js';
import type { Store } from '../contracts/store.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../tokens.js';
import { enqueueRendered } from './outbox.js';
import type { KernelSettings } from './settings.js';

/** What the kernel's parts share: the plugins, settings and a few helpers. */
export class KernelContext {
  private readonly wakers = { jobs: (): void => {}, deliveries: (): void => {} };

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
    await enqueueRendered(this.store, [rendered], {
      idPrefix,
      target,
      sessionId: ids.sessionId,
      traceId: ids.traceId,
      maxAttempts: this.settings.deliveryMaxAttempts,
      expiresAt: this.deliveryExpiry(),
    });
    this.wakeDeliveries();
  }
}
