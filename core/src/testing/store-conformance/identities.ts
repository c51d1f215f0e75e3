/** Store conformance cases: identities. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import { ids, type StoreFixture } from './fixtures.js';

/** Registers the `identities` cases of the Store conformance suite against `fx.store`. */
export function describeIdentityCases(fx: StoreFixture): void {
  describe('identities', () => {
    const key = { provider: 'chat-main', externalUserId: 'user-1' };

    it('upsert creates an active identity with the given role', async () => {
      const identity = await fx.store.identities.upsert({ ...key, role: 'member' });
      expect(identity.identityId).to.be.a('string').and.not.equal('');
      expect(identity).to.include({ provider: 'chat-main', workspaceId: '', externalUserId: 'user-1', role: 'member', status: 'active' });
      expect(identity.createdAt).to.be.instanceOf(Date);
      expect(identity.updatedAt).to.be.instanceOf(Date);
    });

    it('upsert of an existing key updates role and status and keeps the id', async () => {
      const first = await fx.store.identities.upsert({ ...key, role: 'member' });
      const second = await fx.store.identities.upsert({ ...key, role: 'admin', status: 'disabled' });
      expect(second.identityId).to.equal(first.identityId);
      expect(second).to.include({ role: 'admin', status: 'disabled' });
      expect(await fx.store.identities.find(key)).to.include({ role: 'admin', status: 'disabled' });
    });

    it('an unscoped identity does not match a key with a workspace id', async () => {
      await fx.store.identities.upsert({ ...key, role: 'member' });
      expect(await fx.store.identities.find({ ...key, workspaceId: 'team-1' })).to.equal(null);
      expect(await fx.store.identities.find(key)).to.include({ externalUserId: 'user-1', workspaceId: '' });
      expect(await fx.store.identities.find({ ...key, workspaceId: '' })).to.include({ workspaceId: '' });
    });

    it('a workspace-scoped identity does not match an unscoped key or another workspace', async () => {
      await fx.store.identities.upsert({ ...key, workspaceId: 'team-1', role: 'member' });
      expect(await fx.store.identities.find(key)).to.equal(null);
      expect(await fx.store.identities.find({ ...key, workspaceId: 'team-2' })).to.equal(null);
      expect(await fx.store.identities.find({ ...key, workspaceId: 'team-1' })).to.include({ workspaceId: 'team-1' });
    });

    it('scoped and unscoped identities of one user are separate rows', async () => {
      const unscoped = await fx.store.identities.upsert({ ...key, role: 'viewer' });
      const scoped = await fx.store.identities.upsert({ ...key, workspaceId: 'team-1', role: 'owner' });
      expect(scoped.identityId).to.not.equal(unscoped.identityId);
      expect(await fx.store.identities.find(key)).to.include({ role: 'viewer' });
    });

    it('find returns null for an unknown identity', async () => {
      expect(await fx.store.identities.find({ provider: 'nope', externalUserId: 'nobody' })).to.equal(null);
    });

    if (fx.has('lists')) it('list filters by provider and status', async () => {
      await fx.store.identities.upsert({ provider: 'a', externalUserId: 'u1', role: 'member' });
      await fx.store.identities.upsert({ provider: 'a', externalUserId: 'u2', role: 'member', status: 'disabled' });
      await fx.store.identities.upsert({ provider: 'b', externalUserId: 'u3', role: 'owner' });
      const { identities } = fx.op('lists');
      expect(await identities.list()).to.have.length(3);
      expect(ids(await identities.list({ provider: 'a' }), 'externalUserId')).to.have.members(['u1', 'u2']);
      expect(ids(await identities.list({ status: 'active' }), 'externalUserId')).to.have.members(['u1', 'u3']);
      expect(ids(await identities.list({ provider: 'a', status: 'disabled' }), 'externalUserId')).to.deep.equal(['u2']);
    });

    if (fx.has('actions')) it('disable sets status disabled, and returns null for an unknown identity', async () => {
      await fx.store.identities.upsert({ ...key, role: 'owner' });
      const { identities } = fx.op('actions');
      expect(await identities.disable(key)).to.include({ status: 'disabled', role: 'owner' });
      expect(await fx.store.identities.find(key)).to.include({ status: 'disabled' });
      expect(await identities.disable({ provider: 'nope', externalUserId: 'nobody' })).to.equal(null);
    });

    if (fx.has('counts')) it('summary counts total, active and prompt-capable (active owner, admin or member)', async () => {
      const { identities } = fx.op('counts');
      expect(await identities.summary()).to.deep.equal({ total: 0, active: 0, promptCapable: 0 });
      const roles = ['owner', 'admin', 'member', 'approver', 'viewer'] as const;
      for (const role of roles) await fx.store.identities.upsert({ provider: 'p', externalUserId: role, role });
      await fx.store.identities.upsert({ provider: 'p', externalUserId: 'off', role: 'member', status: 'disabled' });
      await fx.store.identities.upsert({ provider: 'p', externalUserId: 'off-owner', role: 'owner', status: 'disabled' });
      expect(await identities.summary()).to.deep.equal({ total: 7, active: 5, promptCapable: 3 });
    });
  });
}
