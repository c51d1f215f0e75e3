import { Lifecycle, STORE, definePlugin } from '@cowork-gateway/core';
import { MemoryStore } from './memory-store.js';
import { MEMORY_STORE_OPTIONS, memoryStoreOptions } from './options.js';

/** The in-process Store plugin: binds {@link MemoryStore} as `STORE` for its container. */
export const memoryStorePlugin = definePlugin({
  name: '@cowork-gateway/memory-store',
  kind: 'store',
  core: '^0.1.0',
  description: 'In-process Store: not durable, not shared; for development, tests and embedded use.',
  configSchema: memoryStoreOptions,
  register(container, options) {
    container.register(MEMORY_STORE_OPTIONS, { useValue: options });
    container.register(STORE, { useClass: MemoryStore }, { lifecycle: Lifecycle.ContainerScoped });
  },
});
