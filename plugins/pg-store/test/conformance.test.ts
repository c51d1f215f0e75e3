import 'reflect-metadata';
import { describeStoreConformance } from '@cowork-gateway/core/testing';
import type { PgStore } from '../src/pg-store.js';
import { dropSchema, requireDatabase, startedStore } from './support.js';

describe('pg-store', () => {
  before(requireDatabase);

  describeStoreConformance({
    name: 'pg-store',
    create: () => startedStore(),
    destroy: (store) => dropSchema((store as PgStore).schema),
  });
});
