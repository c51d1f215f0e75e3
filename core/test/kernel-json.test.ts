import { expect } from 'chai';
import { toJson } from '../src/kernel/json.js';

describe('toJson', () => {
  it('matches a JSON round trip for the shapes the kernel stores', () => {
    const samples: unknown[] = [
      { a: 1, b: undefined, c: [1, undefined, () => 1, 'x'], d: { e: new Date(0), f: null, g: NaN, h: Infinity }, i: true },
      { nested: { deeper: [{ x: undefined, y: 'y' }] }, fn: () => 1, sym: Symbol('s') },
      { withToJson: { toJSON: () => ({ replaced: 1 }) } },
    ];
    for (const sample of samples) expect(toJson(sample)).to.deep.equal(JSON.parse(JSON.stringify(sample)));
  });
});
