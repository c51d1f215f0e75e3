/** Store conformance cases: backup manifest. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import type { ManifestRecord, Session } from '../../contracts/store.js';
import {
  HOUR,
  fromNow,
  thread,
  newSession,
  enqueueJob,
  runningJob,
  enqueueDelivery,
  claimDelivery,
  collect,
  type StoreFixture,
} from './fixtures.js';

/** Fills a store with at least one row of every exported table. */
async function populate(fx: StoreFixture): Promise<{ session: Session }> {
  const { store } = fx;
  await store.identities.upsert({ provider: 'chat-main', externalUserId: 'u1', role: 'owner' });
  await store.identities.upsert({ provider: 'chat-main', workspaceId: 'team-1', externalUserId: 'u2', role: 'viewer', status: 'disabled' });
  const session = await newSession(store);
  await store.sessions.setExecutorSession(session.sessionId, 'exec-1');
  await store.events.append(session.sessionId, [{ type: 'user.message', payload: { text: 'hi' }, traceId: 't-1' }]);
  const done = await runningJob(store, { sessionId: session.sessionId, queueKey: session.sessionId, traceId: 't-1' });
  await store.jobs.complete(done.jobId, done.claimToken as string, { ok: true });
  await enqueueJob(store, { kind: 'watch', runAt: fromNow(HOUR) });
  const { t0 } = await enqueueDelivery(store, { sessionId: session.sessionId, traceId: 't-1' });
  const claimed = await claimDelivery(fx, t0);
  await store.deliveries.markChunkSent(claimed.deliveryId, claimed.claimToken as string, 0, 'msg-1');
  await store.audit.record({ type: 'standalone.prompt', actor: 'u1', metadata: { sessionId: session.sessionId }, traceId: 't-1' });
  await store.artifacts.record({ sessionId: session.sessionId, filename: 'a.txt', contentType: 'text/plain', storageUri: 'file:///a', sizeBytes: 3 });
  return { session: (await store.sessions.get(session.sessionId)) as Session };
}

function countTables(records: readonly ManifestRecord[]): Record<ManifestRecord['table'], number> {
  const counts = { identity: 0, session: 0, event: 0, job: 0, delivery: 0, audit: 0, artifact: 0 };
  for (const record of records) counts[record.table] += 1;
  return counts;
}

/** Records in a stable order (table, then primary key), for comparing two exports. */
function canonical(records: readonly ManifestRecord[]): ManifestRecord[] {
  const keyOf = (r: ManifestRecord): string => {
    switch (r.table) {
      case 'identity': return r.row.identityId;
      case 'session': return r.row.sessionId;
      case 'event': return `${r.row.sessionId}:${String(r.row.seq).padStart(12, '0')}`;
      case 'job': return r.row.jobId;
      case 'delivery': return r.row.deliveryId;
      case 'audit': return r.row.auditId;
      case 'artifact': return r.row.artifactId;
    }
  };
  return [...records].sort((a, b) => `${a.table}|${keyOf(a)}`.localeCompare(`${b.table}|${keyOf(b)}`));
}

/** Registers the `backup manifest` cases of the Store conformance suite against `fx.store`. */
export function describeManifestCases(fx: StoreFixture): void {
  describe('backup manifest', () => {
    it('exports every table: identities, sessions, events, jobs, deliveries, audit, artifacts', async () => {
      await populate(fx);
      const counts = countTables(await collect(fx.op('manifest').exportManifest()));
      expect(counts).to.deep.equal({ identity: 2, session: 1, event: 2, job: 2, delivery: 1, audit: 1, artifact: 1 });
    });

    it('importManifest into a fresh store reproduces every row and returns counts per table', async () => {
      const { session } = await populate(fx);
      const exported = await collect(fx.op('manifest').exportManifest());
      const restored = await fx.another();
      const counts = await fx.op('manifest', restored).importManifest(exported);
      expect(counts).to.deep.equal(countTables(exported));
      expect(canonical(await collect(fx.op('manifest', restored).exportManifest()))).to.deep.equal(canonical(exported));

      expect(await restored.sessions.get(session.sessionId)).to.deep.equal(session);
      expect(await restored.events.list(session.sessionId)).to.deep.equal(await fx.store.events.list(session.sessionId));
      expect(await restored.identities.find({ provider: 'chat-main', workspaceId: 'team-1', externalUserId: 'u2' })).to.deep.equal(
        await fx.store.identities.find({ provider: 'chat-main', workspaceId: 'team-1', externalUserId: 'u2' }),
      );
      expect(await fx.op('lists', restored).jobs.list()).to.have.deep.members(await fx.op('lists').jobs.list());
      expect(await fx.op('lists', restored).deliveries.list()).to.have.deep.members(await fx.op('lists').deliveries.list());
      expect(await fx.op('lists', restored).audit.list()).to.deep.equal(await fx.op('lists').audit.list());
      expect(await fx.op('lists', restored).artifacts.list()).to.deep.equal(await fx.op('lists').artifacts.list());
      expect(await fx.op('counts', restored).identities.summary()).to.deep.equal(await fx.op('counts').identities.summary());
    });

    it('an imported session keeps its thread and continues its event sequence', async () => {
      const { session } = await populate(fx);
      const restored = await fx.another();
      await fx.op('manifest', restored).importManifest(fx.op('manifest').exportManifest());
      const found = await restored.sessions.findOrCreate(thread({ chatId: session.chatId }));
      expect(found).to.include({ created: false });
      expect(found.session.sessionId).to.equal(session.sessionId);
      const [next] = await restored.events.append(session.sessionId, [{ type: 'x', payload: {} }]);
      expect(next?.seq).to.equal(session.lastEventSeq + 1);
    });

    it('importManifest accepts an async iterable and an empty input', async () => {
      await populate(fx);
      const restored = await fx.another();
      const counts = await fx.op('manifest', restored).importManifest(fx.op('manifest').exportManifest());
      expect(counts.session).to.equal(1);
      expect(await fx.op('manifest').importManifest([])).to.deep.equal({ identity: 0, session: 0, event: 0, job: 0, delivery: 0, audit: 0, artifact: 0 });
    });
  });
}
