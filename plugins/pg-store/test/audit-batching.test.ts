import 'reflect-metadata';
import { expect } from 'chai';
import type { PgStore } from '../src/pg-store.js';
import { dropSchema, requireDatabase, startedStore } from './support.js';

describe('pg-store audit records written together', () => {
  let store: PgStore;

  before(requireDatabase);
  beforeEach(async () => {
    store = await startedStore();
  });
  afterEach(async () => {
    await store.close();
    await dropSchema(store.schema);
  });

  it('stores every concurrent record once, in call order, each caller getting its own row', async () => {
    const records = await Promise.all(
      Array.from({ length: 120 }, (_, i) => store.audit.record({ type: `t.${i % 3}`, actor: `a-${i}`, metadata: { i }, traceId: `trace-${i}` })),
    );
    records.forEach((event, i) => expect(event).to.deep.include({ type: `t.${i % 3}`, actor: `a-${i}`, metadata: { i }, traceId: `trace-${i}` }));
    expect(new Set(records.map((e) => e.auditId)).size).to.equal(120);
    const listed = await store.audit.list();
    expect(listed.map((e) => e.actor)).to.deep.equal(records.map((e) => e.actor).reverse());
  });

  it('rejects the callers of a batch that could not be written, and keeps writing later ones', async () => {
    const bad = store.audit.record({ type: 't', actor: 'x'.repeat(10), metadata: {}, traceId: '\u0000' });
    await expectRejection(bad);
    const good = await store.audit.record({ type: 't', actor: 'after', metadata: {} });
    expect((await store.audit.list()).map((e) => e.auditId)).to.deep.equal([good.auditId]);
  });
});

async function expectRejection(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch {
    return;
  }
  expect.fail('expected a rejection');
}
