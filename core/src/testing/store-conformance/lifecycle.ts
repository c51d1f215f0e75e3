/** Store conformance cases: lifecycle (kind, capabilities, health). */
import { expect } from 'chai';
import { describe, it } from 'mocha';
import type { StoreFixture } from './fixtures.js';

/** Registers the `lifecycle` cases of the Store conformance suite against `fx.store`. */
export function describeLifecycleCases(fx: StoreFixture): void {
  describe('lifecycle', () => {
    it('declares a kind and boolean capabilities', () => {
      expect(fx.store.kind).to.be.a('string').and.not.equal('');
      expect(fx.store.capabilities.durable).to.be.a('boolean');
      expect(fx.store.capabilities.shared).to.be.a('boolean');
    });

    it('reports ok health once started', async () => {
      expect((await fx.store.health()).state).to.equal('ok');
    });
  });
}
