/** Store conformance cases: leases. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { SECOND, MINUTE, at, type StoreFixture } from './fixtures.js';

/** Registers the `leases` cases of the Store conformance suite against `fx.store`. */
export function describeLeaseCases(fx: StoreFixture): void {
  describe('leases', () => {
    const t0 = new Date('2030-01-01T00:00:00.000Z');
    const name = 'standalone-gateway:daemon';

    it('acquire of a free lease succeeds with a token and expiry now + ttl', async () => {
      const lease = await fx.at(t0).leases.acquire(name, 'host-a:1', 30 * SECOND);
      expect(lease).to.include({ name, holder: 'host-a:1' });
      expect(lease?.token).to.be.a('string').and.not.equal('');
      expect(lease?.expiresAt.getTime()).to.equal(at(t0, 30 * SECOND).getTime());
      expect(await fx.store.leases.get(name)).to.deep.include({ name, holder: 'host-a:1', token: lease?.token });
    });

    it('a second holder gets null while the lease is live, and the lease once it expired', async () => {
      await fx.at(t0).leases.acquire(name, 'host-a:1', 30 * SECOND);
      expect(await fx.at(at(t0, 10 * SECOND)).leases.acquire(name, 'host-b:2', 30 * SECOND), 'store kit: a second holder acquiring a live lease').to.equal(null);
      const taken = await fx.at(at(t0, 31 * SECOND)).leases.acquire(name, 'host-b:2', 30 * SECOND);
      expect(taken).to.include({ holder: 'host-b:2' });
      expect(await fx.store.leases.get(name)).to.include({ holder: 'host-b:2' });
    });

    it('the same holder re-acquiring gets a new token; the old token no longer renews', async () => {
      const first = await fx.at(t0).leases.acquire(name, 'host-a:1', 30 * SECOND);
      const second = await fx.at(at(t0, SECOND)).leases.acquire(name, 'host-a:1', 30 * SECOND);
      expect(second?.token).to.be.a('string').and.not.equal(first?.token);
      expect(await fx.at(at(t0, 2 * SECOND)).leases.renew(first!, 30 * SECOND)).to.equal(null);
    });

    it('renew with the current token extends the expiry to now + ttl', async () => {
      const lease = await fx.at(t0).leases.acquire(name, 'host-a:1', 30 * SECOND);
      const renewed = await fx.at(at(t0, 10 * SECOND)).leases.renew(lease!, 30 * SECOND);
      expect(renewed).to.include({ name, holder: 'host-a:1' });
      expect(renewed?.expiresAt.getTime()).to.equal(at(t0, 40 * SECOND).getTime());
      expect(await fx.at(at(t0, 35 * SECOND)).leases.acquire(name, 'host-b:2', 30 * SECOND)).to.equal(null);
    });

    it('renew after expiry and takeover returns null', async () => {
      const lease = await fx.at(t0).leases.acquire(name, 'host-a:1', 30 * SECOND);
      await fx.at(at(t0, MINUTE)).leases.acquire(name, 'host-b:2', 30 * SECOND);
      expect(await fx.at(at(t0, MINUTE + SECOND)).leases.renew(lease!, 30 * SECOND)).to.equal(null);
      expect(await fx.store.leases.get(name)).to.include({ holder: 'host-b:2' });
    });

    it('release frees the lease for others; renewing a released lease returns null', async () => {
      const lease = await fx.at(t0).leases.acquire(name, 'host-a:1', 30 * SECOND);
      await fx.store.leases.release(lease!);
      expect(await fx.store.leases.get(name)).to.equal(null);
      expect(await fx.at(at(t0, SECOND)).leases.renew(lease!, 30 * SECOND)).to.equal(null);
      expect(await fx.at(at(t0, SECOND)).leases.acquire(name, 'host-b:2', 30 * SECOND)).to.include({ holder: 'host-b:2' });
    });

    it('release with a stale lease does not free the new holder', async () => {
      const old = await fx.at(t0).leases.acquire(name, 'host-a:1', 30 * SECOND);
      const current = await fx.at(at(t0, MINUTE)).leases.acquire(name, 'host-b:2', 30 * SECOND);
      await fx.store.leases.release(old!);
      expect(await fx.store.leases.get(name)).to.include({ holder: 'host-b:2', token: current?.token });
    });

    it('leases with different names are independent; get of an unknown name is null', async () => {
      expect(await fx.at(t0).leases.acquire('a', 'host-a:1', 30 * SECOND)).to.not.equal(null);
      expect(await fx.at(t0).leases.acquire('b', 'host-b:2', 30 * SECOND)).to.not.equal(null);
      expect(await fx.store.leases.get('nope')).to.equal(null);
    });

    it('concurrent acquires by different holders give the lease to exactly one', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => fx.at(t0).leases.acquire(name, `host-${i}`, 30 * SECOND)));
      expect(results.filter((r) => r !== null), 'store kit: concurrent acquires of one lease that were granted').to.have.length(1);
    });
  });
}
