import 'reflect-metadata';
import { expect } from 'chai';
import type { PgStore } from '../src/pg-store.js';
import { dropSchema, requireDatabase, startedStore } from './support.js';

describe('pg-store backup manifest', () => {
  let store: PgStore;

  before(requireDatabase);
  beforeEach(async () => {
    store = await startedStore({ poolMax: 2 });
  });
  afterEach(async () => {
    await store.close();
    await dropSchema(store.schema);
  });

  it('an export abandoned part-way gives its connection back to the pool', async () => {
    for (let i = 0; i < 3; i += 1) await store.identities.upsert({ provider: 'p', externalUserId: `u-${i}`, role: 'member' });
    for (let round = 0; round < 3; round += 1) {
      for await (const record of store.exportManifest()) {
        expect(record.table).to.equal('identity');
        break;
      }
    }
    // With poolMax 2, three leaked reserved connections would leave nothing for these queries.
    const [a, b] = await Promise.all([store.identities.summary(), store.cursors.get('x')]);
    expect(a.total).to.equal(3);
    expect(b).to.equal(undefined);
  });

  it('exports a snapshot: rows written while the export runs are not included', async () => {
    await store.audit.record({ type: 'before', actor: 'a', metadata: {} });
    const seen: string[] = [];
    let wrote = false;
    for await (const record of store.exportManifest()) {
      if (!wrote) {
        await store.audit.record({ type: 'during', actor: 'a', metadata: {} });
        wrote = true;
      }
      if (record.table === 'audit') seen.push(record.row.type);
    }
    expect(seen).to.deep.equal(['before']);
    expect((await store.audit.list()).map((e) => e.type)).to.have.members(['before', 'during']);
  });
});
