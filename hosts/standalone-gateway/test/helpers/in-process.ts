import 'reflect-metadata';
import * as v from 'valibot';
import { DefaultRenderer, DEFAULT_KERNEL_SETTINGS, Kernel, silentLogger, type Clock, type InboundEvent, type KernelSettings, type Provider } from '@cowork-gateway/core';
import { FakeExecutor, FakeProvider, fakeExecutorOptions, fakeProviderOptions } from '@cowork-gateway/core/testing';
import { MemoryStore } from '@cowork-gateway/memory-store';

/** A kernel with a memory store, the scripted executor and an in-memory fake provider. */
export interface TestKernel {
  kernel: Kernel;
  store: MemoryStore;
  executor: FakeExecutor;
  provider: FakeProvider;
}

export const FAST_SETTINGS: KernelSettings = {
  ...DEFAULT_KERNEL_SETTINGS,
  idlePollMs: 20,
  deliveryBackoffBaseMs: 10,
  deliveryBackoffMaxMs: 50,
  shutdownDrainMs: 2000,
};

export async function startTestKernel(options: {
  settings?: Partial<KernelSettings>;
  executor?: FakeExecutor | null;
  providerOptions?: Record<string, unknown>;
  extraProviders?: Provider[];
  clock?: Clock;
} = {}): Promise<TestKernel> {
  const store = new MemoryStore({ maxEventsPerSession: 100_000 }, options.clock);
  const executor = options.executor === undefined ? new FakeExecutor(v.parse(fakeExecutorOptions, {})) : options.executor;
  const provider = new FakeProvider(v.parse(fakeProviderOptions, options.providerOptions ?? {}), { id: 'fake', plugin: 'fake', kind: 'provider' });
  const kernel = new Kernel({
    store,
    executor,
    renderer: new DefaultRenderer(),
    providers: [provider, ...(options.extraProviders ?? [])],
    settings: { ...FAST_SETTINGS, ...options.settings },
    logger: silentLogger,
    clock: options.clock,
    identities: [
      { provider: 'fake', externalUserId: 'alice', role: 'member' },
      { provider: 'fake', externalUserId: 'ada', role: 'admin' },
      { provider: 'fake', workspaceId: 'T1', externalUserId: 'sam', role: 'member' },
    ],
  });
  await kernel.start();
  return { kernel, store, executor: executor!, provider };
}

let counter = 0;
export function message(text: string, overrides: Partial<InboundEvent> = {}): InboundEvent {
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

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
