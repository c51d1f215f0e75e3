import type { FakeExecutor } from '@cowork-gateway/core/testing';
import { startTestKernel, type TestKernel, type TestKernelOptions } from '@cowork-gateway/core/testing';
import { MemoryStore } from '@cowork-gateway/memory-store';

export type MemoryTestKernel = TestKernel<MemoryStore, FakeExecutor>;

/** Core's test kernel over a fresh memory store that reads the same clock as the kernel. */
export function startMemoryTestKernel(options: Omit<TestKernelOptions<MemoryStore, FakeExecutor | null>, 'store'> = {}): Promise<MemoryTestKernel> {
  return startTestKernel({ ...options, store: new MemoryStore({ maxEventsPerSession: 100_000 }, options.clock) }) as Promise<MemoryTestKernel>;
}
