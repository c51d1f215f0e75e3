/** Store conformance cases: lifecycle (kind, capabilities, health). */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { OPERATOR_PARTS } from '../../contracts/store/operator.js';
import { FAST_PATHS, type StoreFixture } from './fixtures.js';

/** Registers the `lifecycle` cases of the Store conformance suite against `fx.store`. */
export function describeLifecycleCases(fx: StoreFixture): void {
  describe('lifecycle', () => {
    it('declares a kind and boolean capabilities', async () => {
      expect(fx.store.kind).to.be.a('string').and.not.equal('');
      expect(fx.store.capabilities.durable).to.be.a('boolean');
      expect(fx.store.capabilities.shared).to.be.a('boolean');
    });

    it('has exactly the operator parts and fast paths its descriptor declares', async () => {
      const parts = OPERATOR_PARTS.filter((part) => fx.store.operator?.[part] !== undefined);
      expect(parts, 'store kit: operator parts present on the store (declare them in operatorParts)').to.have.members([...(fx.descriptor.operatorParts ?? [])]);
      const paths = FAST_PATHS.filter((name) => typeof fx.store.fastPaths?.[name] === 'function');
      expect(paths, 'store kit: fast paths present on the store (declare them in fastPaths)').to.have.members([...(fx.descriptor.fastPaths ?? [])]);
    });

    it('reports ok health once started', async () => {
      expect((await fx.store.health()).state).to.equal('ok');
    });
  });
}
