import { expect } from 'chai';
import type { InboundEvent } from '../src/contracts/provider.js';
import { parseInteractionIntent } from '../src/kernel/interactions.js';

function event(overrides: Partial<InboundEvent>): InboundEvent {
  return { provider: 'fake', instance: 'fake', chatId: 'c', userId: 'u', eventId: 'e', kind: 'message', attachments: [], receivedAt: new Date(), ...overrides };
}

describe('parsing answers to permission requests and questions', () => {
  it('reads permission and question buttons', () => {
    expect(parseInteractionIntent(event({ kind: 'interaction', interaction: { id: 'x', value: 'perm:per_1:always' } }))).to.deep.equal({ kind: 'permission', ref: 'per_1', decision: 'always' });
    expect(parseInteractionIntent(event({ kind: 'interaction', interaction: { id: 'x', value: 'q:que_1:2' } }))).to.deep.equal({ kind: 'question', ref: 'que_1', index: 2 });
    expect(parseInteractionIntent(event({ kind: 'interaction', interaction: { id: 'x', value: 'other' } }))).to.equal(null);
  });

  it('reads /approve, /approve always, /deny and /answer with a number or text', () => {
    expect(parseInteractionIntent(event({ text: '/approve per_1' }))).to.deep.equal({ kind: 'permission', ref: 'per_1', decision: 'once' });
    expect(parseInteractionIntent(event({ text: '/approve@my_bot per_1 always' }))).to.deep.equal({ kind: 'permission', ref: 'per_1', decision: 'always' });
    expect(parseInteractionIntent(event({ text: '/DENY per_1' }))).to.deep.equal({ kind: 'permission', ref: 'per_1', decision: 'reject' });
    expect(parseInteractionIntent(event({ text: '/answer que_1 3' }))).to.deep.equal({ kind: 'question', ref: 'que_1', index: 2 });
    expect(parseInteractionIntent(event({ text: '/answer que_1 dark blue' }))).to.deep.equal({ kind: 'question', ref: 'que_1', text: 'dark blue' });
  });

  it('treats everything else as a prompt', () => {
    for (const text of ['approve per_1', '/answer que_1', '/approve', 'hello', '/start']) {
      expect(parseInteractionIntent(event({ text })), text).to.equal(null);
    }
  });
});
