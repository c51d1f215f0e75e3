import type { ComponentHealth } from '../contracts/common.js';
import type { Provider } from '../contracts/provider.js';
import { OPERATOR_PARTS } from '../contracts/store/operator.js';
import type { Store } from '../contracts/store.js';
import type { CircuitState } from './circuit-breaker.js';
import type { KernelContext } from './context.js';
import { canPrompt } from './authorize.js';
import { operatorPart } from './store-ops.js';

export type OverallStatus = 'ok' | 'degraded' | 'down';

export interface ProviderReadiness {
  kind: string;
  state: ComponentHealth['state'];
  reason?: string;
  inbound: Provider['capabilities']['inbound'];
  /** Last real inbound progress: a poll that returned, a webhook accepted. */
  lastInboundAt: string | null;
  circuit: CircuitState;
}

export interface ReadinessReport {
  status: OverallStatus;
  checkedAt: string;
  components: {
    store: ComponentHealth & { kind: string };
    executor: ComponentHealth & { kind?: string };
    providers: Record<string, ProviderReadiness>;
    access: AccessReadiness;
  };
}

/**
 * Whether anyone can prompt at all: at least one provider, and at least one active owner,
 * admin or member identity on a configured provider. Without either, every prompt would be
 * denied, so the gateway is not ready.
 */
export interface AccessReadiness {
  state: 'ok' | 'not_configured';
  reason?: string;
  providers: number;
  /** Active prompt-capable identities on configured providers; null when the store cannot list identities. */
  promptCapableIdentities: number | null;
}

/** Tracks inbound progress per provider, as reported by providers and the webhook path. */
export class InboundProgress {
  private readonly last = new Map<string, number>();
  constructor(private readonly startedAt: number) {}

  record(instance: string, at: number): void {
    this.last.set(instance, at);
  }

  lastAt(instance: string): number | null {
    return this.last.get(instance) ?? null;
  }

  /** Milliseconds since the last progress, or since start when there was none. */
  quietFor(instance: string, now: number): number {
    return now - (this.last.get(instance) ?? this.startedAt);
  }
}

/**
 * Builds `/ready`: each component's real state. A provider is degraded when its circuit is
 * open or, for polling providers, when no inbound progress was seen for `inboundStallMs` —
 * "connected" is not the same as "receiving".
 */
export async function buildReadiness(
  kernel: KernelContext,
  progress: InboundProgress,
  circuitOf: (instance: string) => CircuitState,
): Promise<ReadinessReport> {
  const now = kernel.clock.now().getTime();
  const store = withStoreParts(kernel.store, { kind: kernel.store.kind, ...(await safeHealth(() => kernel.store.health())) });
  const executor: ComponentHealth & { kind?: string } = kernel.executor
    ? { kind: kernel.executor.kind, ...(await safeHealth(() => kernel.executor!.health())) }
    : { state: 'not_configured', reason: 'no executor plugin is configured; prompts are refused with a message to the sender' };
  const providers: Record<string, ProviderReadiness> = {};
  for (const [id, provider] of kernel.providers) {
    providers[id] = await providerReadiness(provider, progress, circuitOf(id), now, kernel.settings.inboundStallMs);
  }
  const access = await accessReadiness(kernel, store.state === 'down');
  return { status: overall(store, executor, providers, access), checkedAt: new Date(now).toISOString(), components: { store, executor, providers, access } };
}

async function accessReadiness(kernel: KernelContext, storeDown: boolean): Promise<AccessReadiness> {
  const ids = [...kernel.providers.keys()];
  if (ids.length === 0) return { state: 'not_configured', reason: 'no provider is configured; nobody can send a prompt', providers: 0, promptCapableIdentities: 0 };
  const lists = operatorPart(kernel.store, 'lists');
  if (!lists || storeDown) return { state: 'ok', providers: ids.length, promptCapableIdentities: null };
  let count = 0;
  try {
    for (const provider of ids) count += (await lists.identities.list({ provider, status: 'active' })).filter((i) => canPrompt(i.role)).length;
  } catch {
    return { state: 'ok', providers: ids.length, promptCapableIdentities: null };
  }
  if (count > 0) return { state: 'ok', providers: ids.length, promptCapableIdentities: count };
  return { state: 'not_configured', reason: 'no active owner, admin or member identity on a configured provider; every prompt is denied until one exists', providers: ids.length, promptCapableIdentities: 0 };
}

async function providerReadiness(provider: Provider, progress: InboundProgress, circuit: CircuitState, now: number, stallMs: number): Promise<ProviderReadiness> {
  const health = await safeHealth(() => provider.health());
  const lastAt = progress.lastAt(provider.id);
  const report: ProviderReadiness = {
    kind: provider.kind,
    state: health.state,
    inbound: provider.capabilities.inbound,
    lastInboundAt: lastAt === null ? null : new Date(lastAt).toISOString(),
    circuit,
  };
  if ('reason' in health) report.reason = health.reason;
  if (report.state === 'ok' && circuit === 'open') Object.assign(report, { state: 'degraded', reason: 'delivery circuit is open after repeated send failures' });
  const quiet = progress.quietFor(provider.id, now);
  if (report.state === 'ok' && provider.capabilities.inbound === 'polling' && quiet > stallMs) {
    Object.assign(report, { state: 'degraded', reason: `no inbound progress for ${Math.round(quiet / 1000)} s` });
  }
  return report;
}

function overall(store: ComponentHealth, executor: ComponentHealth, providers: Record<string, ProviderReadiness>, access: AccessReadiness): OverallStatus {
  if (store.state === 'down') return 'down';
  const states = [store.state, executor.state, access.state, ...Object.values(providers).map((p) => p.state)];
  return states.every((s) => s === 'ok') ? 'ok' : 'degraded';
}

/**
 * Adds which operator parts the store has to its health detail, and says so when retention is
 * off because the store cannot prune.
 */
function withStoreParts<T extends ComponentHealth & { kind: string }>(store: Store, health: T): T {
  if (health.state === 'not_configured') return health;
  const parts = OPERATOR_PARTS.filter((part) => operatorPart(store, part) !== undefined);
  const retention = parts.includes('prune') ? {} : { retention: 'off: the store has no "prune" operator part' };
  return { ...health, detail: { ...health.detail, operatorParts: parts, ...retention } };
}

async function safeHealth(check: () => Promise<ComponentHealth>): Promise<ComponentHealth> {
  try {
    return await check();
  } catch (error) {
    return { state: 'down', reason: `health check failed: ${(error as Error).message}` };
  }
}
