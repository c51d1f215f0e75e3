import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayPlugin } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import memoryStorePlugin from '../src/index.js';

describe('@cowork-gateway/memory-store exports', () => {
  it('default-exports the memory store plugin', () => {
    expect(isGatewayPlugin(memoryStorePlugin)).to.equal(true);
    expect(memoryStorePlugin).to.include({ name: '@cowork-gateway/memory-store', kind: 'store', core: '^0.1.0' });
    expect(memoryStorePlugin).to.equal(api.memoryStorePlugin);
  });

  it('has exactly the documented named exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(
      ['MEMORY_STORE_OPTIONS', 'MemoryStore', 'default', 'memoryStoreOptions', 'memoryStorePlugin'].sort(),
    );
  });
});
