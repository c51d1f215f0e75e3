/** Store conformance cases: inbound claims. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { inboundClaimKey } from '../../contracts/store.js';
import type { InboundKey } from '../../contracts/store.js';
import { SECOND, MINUTE, DAY, at, uniq, expectCode, inboundKey, type StoreFixture } from './fixtures.js';

/** Registers the `inbound claims` cases of the Store conformance suite against `fx.store`. */
export function describeInboundCases(fx: StoreFixture): void {
  describe('inbound claims', () => {
    const t0 = new Date('2030-01-01T00:00:00.000Z');
    const claimAt = (key: InboundKey, now: Date, owner = 'worker-a', traceId = 'trace-1') =>
      fx.at(now).inbound.claim(key, { owner, leaseMs: MINUTE, traceId });

    it('a new event is claimed: processing, attempts 1, leased until now + leaseMs', async () => {
      const key = inboundKey({ workspaceId: 'team-1', org: 'org-1' });
      const result = await claimAt(key, t0);
      expect(result.outcome).to.equal('claimed');
      expect(result.claim).to.include({
        key: inboundClaimKey(key),
        instance: key.instance,
        eventId: key.eventId,
        status: 'processing',
        owner: 'worker-a',
        retryable: false,
        attempts: 1,
        traceId: 'trace-1',
        lastError: null,
        result: null,
      });
      expect(result.claim.token).to.be.a('string').and.not.equal('');
      expect(result.claim.leaseExpiresAt.getTime()).to.equal(at(t0, MINUTE).getTime());
    });

    it('a second claim while the lease is live is a duplicate', async () => {
      const key = inboundKey();
      await claimAt(key, t0);
      const second = await claimAt(key, at(t0, 30 * SECOND), 'worker-b');
      expect(second.outcome, 'store kit: a second claim of an inbound event under a live lease').to.equal('duplicate');
      expect(second.claim).to.include({ status: 'processing', owner: 'worker-a', attempts: 1 });
    });

    it('a completed event stays a duplicate, even after its lease time', async () => {
      const key = inboundKey();
      const { claim } = await claimAt(key, t0);
      const done = await fx.store.inbound.complete(claim.key, claim.token, { jobId: 'j-1' });
      expect(done).to.deep.include({ status: 'completed', result: { jobId: 'j-1' } });
      const later = await claimAt(key, at(t0, DAY), 'worker-b');
      expect(later.outcome).to.equal('duplicate');
      expect(later.claim.status).to.equal('completed');
    });

    it('an expired processing claim is taken over with a new token and attempts + 1', async () => {
      const key = inboundKey();
      const first = await claimAt(key, t0);
      const second = await claimAt(key, at(t0, 2 * MINUTE), 'worker-b');
      expect(second.outcome).to.equal('claimed');
      expect(second.claim).to.include({ status: 'processing', owner: 'worker-b', attempts: 2, key: first.claim.key });
      expect(second.claim.token).to.not.equal(first.claim.token);
      expect(second.claim.leaseExpiresAt.getTime()).to.equal(at(t0, 3 * MINUTE).getTime());
      await expectCode(fx.store.inbound.complete(first.claim.key, first.claim.token), 'store.stale_claim');
      expect(await fx.store.inbound.complete(second.claim.key, second.claim.token)).to.include({ status: 'completed' });
    });

    it('a retryable failure can be claimed again right away', async () => {
      const key = inboundKey();
      const { claim } = await claimAt(key, t0);
      const failed = await fx.store.inbound.fail(claim.key, claim.token, { retryable: true, error: 'executor down' });
      expect(failed).to.include({ status: 'failed', retryable: true, lastError: 'executor down' });
      const again = await claimAt(key, at(t0, SECOND), 'worker-b');
      expect(again.outcome).to.equal('claimed');
      expect(again.claim).to.include({ status: 'processing', attempts: 2, owner: 'worker-b' });
      expect(again.claim.token).to.not.equal(claim.token);
    });

    it('a non-retryable failure is a duplicate for good', async () => {
      const key = inboundKey();
      const { claim } = await claimAt(key, t0);
      await fx.store.inbound.fail(claim.key, claim.token, { retryable: false, error: 'bad input' });
      const later = await claimAt(key, at(t0, DAY), 'worker-b');
      expect(later.outcome).to.equal('duplicate');
      expect(later.claim).to.include({ status: 'failed', retryable: false, lastError: 'bad input' });
    });

    it('complete and fail with a wrong token throw store.stale_claim; an unknown key store.not_found', async () => {
      const { claim } = await claimAt(inboundKey(), t0);
      await expectCode(fx.store.inbound.complete(claim.key, 'not-the-token'), 'store.stale_claim');
      await expectCode(fx.store.inbound.fail(claim.key, 'not-the-token', { retryable: true, error: 'x' }), 'store.stale_claim');
      await expectCode(fx.store.inbound.complete('no-such-key', 'token'), 'store.not_found');
      await expectCode(fx.store.inbound.fail('no-such-key', 'token', { retryable: false, error: 'x' }), 'store.not_found');
    });

    it('a finished claim cannot be completed or failed again with its token', async () => {
      const { claim } = await claimAt(inboundKey(), t0);
      await fx.store.inbound.complete(claim.key, claim.token);
      await expectCode(fx.store.inbound.complete(claim.key, claim.token), 'store.stale_claim');
      await expectCode(fx.store.inbound.fail(claim.key, claim.token, { retryable: true, error: 'x' }), 'store.stale_claim');
    });

    it('get returns a claim by key, and null for an unknown key', async () => {
      const { claim } = await claimAt(inboundKey(), t0);
      expect(await fx.store.inbound.get(claim.key)).to.include({ key: claim.key, status: 'processing', token: claim.token });
      expect(await fx.store.inbound.get('no-such-key')).to.equal(null);
    });

    it('every part of the key (org, provider, instance, workspace, event type, event id) separates events', async () => {
      const base = inboundKey();
      const variants = [
        { ...base, org: 'org-1' },
        { ...base, provider: 'other' },
        { ...base, instance: 'chat-other' },
        { ...base, workspaceId: 'team-1' },
        { ...base, eventType: 'interaction' },
        { ...base, eventId: uniq('event') },
      ];
      expect((await claimAt(base, t0)).outcome).to.equal('claimed');
      for (const variant of variants) expect((await claimAt(variant, t0)).outcome).to.equal('claimed');
    });

    if (fx.has('lists')) it('findByEventId finds the claims of one instance and event id', async () => {
      const { inbound } = fx.op('lists');
      const key = inboundKey();
      await claimAt(key, t0);
      await claimAt({ ...key, eventType: 'interaction' }, t0);
      await claimAt({ ...key, instance: 'chat-other' }, t0);
      const found = await inbound.findByEventId(key.instance, key.eventId);
      expect(found).to.have.length(2);
      for (const claim of found) expect(claim).to.include({ instance: key.instance, eventId: key.eventId });
      expect(await inbound.findByEventId(key.instance, 'no-such-event')).to.deep.equal([]);
    });

    it('concurrent claims of one event yield exactly one claimed', async () => {
      const key = inboundKey();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => claimAt(key, t0, `worker-${i}`)));
      expect(results.filter((r) => r.outcome === 'claimed'), 'store kit: concurrent claims of one inbound event that were granted').to.have.length(1);
      expect(results.filter((r) => r.outcome === 'duplicate')).to.have.length(9);
    });
  });
}
