import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError } from '@cowork-gateway/core';
import { ManualClock } from '@cowork-gateway/core/testing';
import type { RetentionCutoffs } from '@cowork-gateway/core';
import type { PgStore } from '../src/pg-store.js';
import { dropSchema, freshSchemaName, requireDatabase, startedStore, withAdmin } from './support.js';

const MINUTE = 60_000;
const future = (): RetentionCutoffs => {
  const at = new Date(Date.now() + MINUTE);
  return { sessions: at, artifacts: at, audit: at, jobs: at };
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('pg-store retention across processes (two stores on one schema)', () => {
  let schema: string;
  let active: PgStore;
  let standby: PgStore;
  let standbyClock: ManualClock;

  before(requireDatabase);
  beforeEach(async () => {
    schema = freshSchemaName('cgret');
    active = await startedStore({ schema });
    standbyClock = new ManualClock();
    standby = await startedStore({ schema }, standbyClock);
  });
  afterEach(async () => {
    await active.close();
    await standby.close();
    await dropSchema(schema);
  });

  it('only the holder of the shared lease prunes; a standby presenting a stale lease deletes nothing', async () => {
    standbyClock.set(new Date(Date.now() - 2 * MINUTE));
    const stale = (await standby.leases.acquire('retention', 'standby:1', MINUTE))!;
    standbyClock.follow();
    const held = (await active.leases.acquire('retention', 'active:1', 10 * MINUTE))!;
    await standby.audit.record({ type: 'x', actor: 'standby', metadata: {} });
    await active.audit.record({ type: 'x', actor: 'active', metadata: {} });

    expect(isGatewayError(await rejection(standby.prune(future(), stale)), 'store.lease_lost')).to.equal(true);
    expect(await active.audit.list()).to.have.length(2);
    expect(await active.prune(future(), held)).to.include({ auditEventsDeleted: 2 });
    expect(await standby.audit.list()).to.deep.equal([]);
  });

  it('removes a pruned session\'s events with it; appending to it afterwards is store.not_found', async () => {
    const { session } = await active.sessions.findOrCreate({ instance: 'i', chatId: 'c', providerKind: 'fake', title: 't' });
    await standby.events.append(session.sessionId, [{ type: 'a', payload: {} }, { type: 'b', payload: {} }]);
    const lease = (await active.leases.acquire('retention', 'active:1', 10 * MINUTE))!;
    expect(await active.prune(future(), lease)).to.include({ sessionsDeleted: 1, eventsDeleted: 3 });
    const [left] = await withAdmin((sql) => sql.unsafe(`select count(*)::int as n from "${schema}".cg_session_events`));
    expect(left?.n).to.equal(0);
    expect(isGatewayError(await rejection(standby.events.append(session.sessionId, [{ type: 'c', payload: {} }])), 'store.not_found')).to.equal(true);
  });
});
