import * as v from 'valibot';
import type { ExecutionAuthority } from '../contracts/execution-authority.js';
import type { InboundEvent, Provider } from '../contracts/provider.js';
import type { Renderer } from '../contracts/renderer.js';
import type { IdentityKey, Store } from '../contracts/store.js';
import type { Role } from '../contracts/common.js';
import { Kernel } from '../kernel/kernel.js';
import { DEFAULT_KERNEL_SETTINGS, type KernelSettings } from '../kernel/settings.js';
import { silentLogger, type Logger } from '../logging.js';
import { DefaultRenderer } from '../render/default-renderer.js';
import type { Clock } from '../tokens.js';
import { FakeExecutor, fakeExecutorOptions } from './fake-executor.js';
import { FakeProvider, fakeProviderOptions } from './fake-provider.js';

/** Kernel settings for tests: fast idle polling, short backoff and drain. */
export const FAST_TEST_SETTINGS: KernelSettings = Object.freeze({
  ...DEFAULT_KERNEL_SETTINGS,
  idlePollMs: 20,
  deliveryBackoffBaseMs: 10,
  deliveryBackoffMaxMs: 50,
  shutdownDrainMs: 2000,
});

/** A bootstrap identity of {@link startTestKernel}. */
export type TestIdentity = IdentityKey & { role: Role; status?: 'active' | 'disabled' };

/**
 * Who may use a default test kernel: on provider `fake`, `alice` (member), `ada` (admin) and
 * `sam` (member, workspace `T1`).
 */
export const TEST_IDENTITIES: readonly TestIdentity[] = Object.freeze([
  { provider: 'fake', externalUserId: 'alice', role: 'member' },
  { provider: 'fake', externalUserId: 'ada', role: 'admin' },
  { provider: 'fake', workspaceId: 'T1', externalUserId: 'sam', role: 'member' },
]);

/** Inputs of {@link startTestKernel}. */
export interface TestKernelOptions<S extends Store, E extends ExecutionAuthority | null, P extends Provider = FakeProvider> {
  /** Required: core does not depend on a store package (pass `new MemoryStore()`). */
  store: S;
  /** Default: a scripted {@link FakeExecutor}; `null` runs without an executor. */
  executor?: E;
  /**
   * The providers. Default: one {@link FakeProvider} with id `fake` (built from
   * `providerOptions`), which is also the returned `provider`.
   */
  providers?: readonly [P, ...Provider[]];
  /** Options of the default FakeProvider (ignored when `providers` is given). */
  providerOptions?: Record<string, unknown>;
  /** Providers started next to the default FakeProvider. */
  extraProviders?: readonly Provider[];
  renderer?: Renderer;
  /** Merged over {@link FAST_TEST_SETTINGS}. */
  settings?: Partial<KernelSettings>;
  clock?: Clock;
  /** Default {@link TEST_IDENTITIES}. */
  identities?: readonly TestIdentity[];
  /** Default silent. */
  logger?: Logger;
}

/** A started in-process kernel and its parts; `stop()` stops the kernel (the store stays yours). */
export interface TestKernel<S extends Store = Store, E extends ExecutionAuthority | null = FakeExecutor, P extends Provider = FakeProvider> {
  kernel: Kernel;
  store: S;
  executor: E;
  /** The default FakeProvider, or the first of `providers`. */
  provider: P;
  stop(): Promise<void>;
}

/**
 * Starts the real kernel in process with fakes only at the edges: the given store, a scripted
 * executor, a FakeProvider `fake` and fast settings. No HTTP server; drive it with
 * `kernel.ingest(testMessage('hi'))` or through `kernel.handleWebhook`.
 */
export async function startTestKernel<S extends Store, E extends ExecutionAuthority | null = FakeExecutor, P extends Provider = FakeProvider>(
  options: TestKernelOptions<S, E, P>,
): Promise<TestKernel<S, E, P>> {
  const executor = (options.executor === undefined ? new FakeExecutor(v.parse(fakeExecutorOptions, {})) : options.executor) as E;
  const providers: Provider[] = options.providers
    ? [...options.providers]
    : [new FakeProvider(v.parse(fakeProviderOptions, options.providerOptions ?? {}), { id: 'fake', plugin: 'fake', kind: 'provider' })];
  providers.push(...(options.extraProviders ?? []));
  const kernel = new Kernel({
    store: options.store,
    executor,
    renderer: options.renderer ?? new DefaultRenderer(),
    providers,
    settings: { ...FAST_TEST_SETTINGS, ...options.settings },
    logger: options.logger ?? silentLogger,
    clock: options.clock,
    identities: options.identities ?? TEST_IDENTITIES,
  });
  await kernel.start();
  return { kernel, store: options.store, executor, provider: providers[0] as P, stop: () => kernel.stop() };
}

let counter = 0;

/** An inbound text message from `alice` in chat `chat` on provider `fake`, with a fresh event id. */
export function testMessage(text: string, overrides: Partial<InboundEvent> = {}): InboundEvent {
  counter += 1;
  return {
    provider: 'fake',
    instance: 'fake',
    chatId: 'chat',
    userId: 'alice',
    eventId: `e-${counter}-${Date.now()}`,
    kind: 'message',
    text,
    attachments: [],
    receivedAt: new Date(),
    ...overrides,
  };
}

/** Polls `check` every 10 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
