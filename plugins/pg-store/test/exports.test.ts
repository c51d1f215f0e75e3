import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayPlugin } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import pgStorePlugin from '../src/index.js';

describe('@cowork-gateway/pg-store exports', () => {
  it('default-exports the pg store plugin', () => {
    expect(isGatewayPlugin(pgStorePlugin)).to.equal(true);
    expect(pgStorePlugin).to.include({ name: '@cowork-gateway/pg-store', kind: 'store', core: '^0.1.0' });
    expect(pgStorePlugin).to.equal(api.pgStorePlugin);
  });

  it('has exactly the documented named exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(
      ['PG_STORE_OPTIONS', 'PgStore', 'default', 'migratePgStore', 'pgStoreOptions', 'pgStorePlugin', 'pgStoreSchemaStatus'].sort(),
    );
  });
});
