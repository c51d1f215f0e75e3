/**
 * @packageDocumentation
 * `@cowork-gateway/memory-store`: the Store contract kept in process memory. Not durable and
 * not shared; for development, tests and single-process embedded use.
 */
import { memoryStorePlugin } from './plugin.js';

export { memoryStorePlugin } from './plugin.js';
export { MemoryStore } from './memory-store.js';
export { memoryStoreOptions, MEMORY_STORE_OPTIONS } from './options.js';
export type { MemoryStoreOptions } from './options.js';

export default memoryStorePlugin;
