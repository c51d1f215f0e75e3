import { expect } from 'chai';
import type { InboundEvent } from '../src/contracts/provider.js';
import type { Identity, IdentityKey, IdentityRepository } from '../src/contracts/store.js';
import { authorizePrompt } from '../src/kernel/authorize.js';

const ALICE: Identity = { identityId: 'id-1', provider: 'email', workspaceId: '', externalUserId: 'alice@example.test', role: 'admin', status: 'active', createdAt: new Date(0), updatedAt: new Date(0) };

const identities: IdentityRepository = {
  upsert: async () => ALICE,
  find: async (key: IdentityKey) => (key.provider === ALICE.provider && (key.workspaceId ?? '') === '' && key.externalUserId === ALICE.externalUserId ? ALICE : null),
};

function event(overrides: Partial<InboundEvent> = {}): InboundEvent {
  return { provider: 'email', instance: 'email', chatId: 'alice@example.test', userId: 'alice@example.test', eventId: '<m@example.test>', kind: 'message', attachments: [], receivedAt: new Date(), ...overrides };
}

describe('authorizing a prompt with the sender verification a channel reports', () => {
  it('authorizes an identity when the channel did not report the sender unverified', async () => {
    expect(await authorizePrompt(identities, event())).to.deep.equal({ allowed: true, identity: ALICE });
    expect(await authorizePrompt(identities, event({ senderVerified: true }))).to.deep.equal({ allowed: true, identity: ALICE });
  });

  it('denies a forged sender as sender_unverified, naming the identity the address belongs to', async () => {
    expect(await authorizePrompt(identities, event({ senderVerified: false }))).to.deep.equal({ allowed: false, reason: 'sender_unverified', identity: ALICE });
  });

  it('still reports an unknown sender as identity_not_found, verified or not', async () => {
    expect(await authorizePrompt(identities, event({ userId: 'mallory@example.test', senderVerified: false }))).to.deep.include({ allowed: false, reason: 'identity_not_found' });
  });
});
