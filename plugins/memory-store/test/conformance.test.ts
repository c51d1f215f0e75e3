import 'reflect-metadata';
import { describeStoreConformance } from '@cowork-gateway/core/testing';
import { MemoryStore } from '../src/memory-store.js';

describeStoreConformance({
  name: 'memory-store',
  create: async () => {
    const store = new MemoryStore({ maxEventsPerSession: 100000 });
    await store.start();
    return store;
  },
});
