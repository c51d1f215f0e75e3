/** Store conformance cases: cursors. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import type { StoreFixture } from './fixtures.js';

/** Registers the `cursors` cases of the Store conformance suite against `fx.store`. */
export function describeCursorCases(fx: StoreFixture): void {
  describe('cursors', () => {
    it('an unknown cursor reads as undefined', async () => {
      expect(await fx.store.cursors.get('provider:telegram:offset')).to.equal(undefined);
    });

    it('set then get returns the value; a second set overwrites it', async () => {
      await fx.store.cursors.set('provider:telegram:offset', '41');
      expect(await fx.store.cursors.get('provider:telegram:offset')).to.equal('41');
      await fx.store.cursors.set('provider:telegram:offset', '42');
      expect(await fx.store.cursors.get('provider:telegram:offset')).to.equal('42');
    });

    it('cursors are independent by name and keep any string exactly', async () => {
      const value = `{"offset":7,"note":"ünïcode ✓"}`;
      await fx.store.cursors.set('a', value);
      await fx.store.cursors.set('b', '');
      expect(await fx.store.cursors.get('a')).to.equal(value);
      expect(await fx.store.cursors.get('b')).to.equal('');
      expect(await fx.store.cursors.get('c')).to.equal(undefined);
    });

    it('concurrent writers leave one of the written values', async () => {
      const values = Array.from({ length: 20 }, (_, i) => String(i));
      await Promise.all(values.map((v) => fx.store.cursors.set('race', v)));
      expect(values).to.include(await fx.store.cursors.get('race'));
    });
  });
}
