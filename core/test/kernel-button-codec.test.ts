import { expect } from 'chai';
import type { RenderedButton } from '../src/contracts/renderer.js';
import { isGatewayError } from '../src/errors.js';
import {
  decodeButtonValue,
  encodeButtonAction,
  encodeButtons,
  interactionIdMatches,
} from '../src/kernel/button-codec.js';
import { compactInteractionId } from '../src/render/button-values.js';

describe('kernel/button-codec', () => {
  it('keeps ids that fit and hashes the others deterministically', () => {
    expect(encodeButtonAction({ kind: 'permission', id: 'abc', decision: 'always' })).to.equal('perm:abc:always');
    expect(compactInteractionId('a'.repeat(52), 12)).to.equal('a'.repeat(52));
    const hashed = compactInteractionId('a'.repeat(53), 12);
    expect(hashed).to.match(/^h_[A-Za-z0-9_-]{22}$/);
    expect(compactInteractionId('a'.repeat(53), 12)).to.equal(hashed);
    expect(compactInteractionId('b'.repeat(53), 12)).to.not.equal(hashed);
  });

  it('compacts a question id the same way for every option of a message', () => {
    const id = 'q'.repeat(60);
    const rows: RenderedButton[][] = [0, 1, 10, 11].map((option) => [{ label: `o${option}`, action: { kind: 'question', id, option } }]);
    const values = encodeButtons(rows).flat().map((b) => b.value);
    expect(new Set(values.map((v) => v.split(':')[1])).size).to.equal(1);
    for (const v of values) expect(Buffer.byteLength(v)).to.be.at.most(64);
    expect(encodeButtonAction({ kind: 'question', id: 'q1', option: 0 })).to.equal('q:q1:0');
  });

  it('keeps label and style and encodes each action into its value', () => {
    expect(encodeButtons([[{ label: 'Deny', action: { kind: 'permission', id: 'p1', decision: 'reject' }, style: 'danger' }]])).to.deep.equal([
      [{ label: 'Deny', value: 'perm:p1:reject', style: 'danger' }],
    ]);
  });

  it('decodes what it encoded, and the carried id matches the long interaction id', () => {
    const id = `perm-${'é'.repeat(50)}`;
    for (const decision of ['once', 'always', 'reject'] as const) {
      const decoded = decodeButtonValue(encodeButtonAction({ kind: 'permission', id, decision }));
      expect(decoded).to.include({ kind: 'permission', decision });
      expect(interactionIdMatches(id, decoded!.id)).to.equal(true);
      expect(interactionIdMatches(`${id}x`, decoded!.id)).to.equal(false);
    }
    expect(decodeButtonValue('q:que_1:2')).to.deep.equal({ kind: 'question', id: 'que_1', option: 2 });
  });

  it('reads values it did not make as null', () => {
    for (const value of ['other', 'perm:p1:maybe', 'q:q1:-1', 'q:q1:x', 'menu:settings', 'q::1', 'q:q1:1234567890']) {
      expect(decodeButtonValue(value), value).to.equal(null);
    }
  });

  it('refuses a malformed action with render.button_invalid', () => {
    const bad: RenderedButton[] = [
      { label: 'neg', action: { kind: 'question', id: 'q1', option: -1 } },
      { label: 'frac', action: { kind: 'question', id: 'q1', option: 1.5 } },
      { label: 'noid', action: { kind: 'permission', id: '', decision: 'once' } },
      { label: 'decision', action: { kind: 'permission', id: 'p1', decision: 'maybe' as 'once' } },
      { label: 'kind', action: { kind: 'menu', id: 'p1' } as unknown as RenderedButton['action'] },
    ];
    for (const button of bad) {
      let error: unknown;
      try {
        encodeButtons([[button]]);
      } catch (e) {
        error = e;
      }
      expect(isGatewayError(error, 'render.button_invalid'), button.label).to.equal(true);
    }
  });
});
