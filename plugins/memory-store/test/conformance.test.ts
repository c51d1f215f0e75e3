import 'reflect-metadata';
import { OPERATOR_PARTS } from '@cowork-gateway/core';
import { FAST_PATHS, describeStoreConformance } from '@cowork-gateway/core/testing';
import { MemoryStore } from '../src/memory-store.js';

describeStoreConformance({
  name: 'memory-store',
  create: async ({ clock }) => {
    const store = new MemoryStore({ maxEventsPerSession: 100000 }, clock);
    await store.start();
    return store;
  },
  operatorParts: OPERATOR_PARTS,
  fastPaths: FAST_PATHS,
});
