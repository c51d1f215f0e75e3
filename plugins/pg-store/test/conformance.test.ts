import 'reflect-metadata';
import { OPERATOR_PARTS } from '@cowork-gateway/core';
import { FAST_PATHS, describeStoreConformance } from '@cowork-gateway/core/testing';
import type { PgStore } from '../src/pg-store.js';
import { dropSchema, requireDatabase, startedStore } from './support.js';

describe('pg-store', () => {
  before(requireDatabase);

  describeStoreConformance({
    name: 'pg-store',
    create: ({ clock }) => startedStore({}, clock),
    destroy: (store) => dropSchema((store as PgStore).schema),
    operatorParts: OPERATOR_PARTS,
    fastPaths: FAST_PATHS,
  });
});
