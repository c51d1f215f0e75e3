import * as v from 'valibot';
import { token } from '@cowork-gateway/core';

/** Options of `@cowork-gateway/memory-store`; every field is optional. */
export const memoryStoreOptions = v.strictObject({
  maxEventsPerSession: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.description(
        'Most events kept per session; older events are dropped first while `seq` keeps counting. Default 100000.',
      ),
    ),
    100_000,
  ),
});

/** Parsed options of the memory store. */
export type MemoryStoreOptions = v.InferOutput<typeof memoryStoreOptions>;

/** Injection token of the parsed {@link MemoryStoreOptions}. */
export const MEMORY_STORE_OPTIONS = token<MemoryStoreOptions>('memory-store.options');
