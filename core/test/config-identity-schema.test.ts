import { expect } from 'chai';
import { checkIdentity, identitySchema } from '../src/index.js';
import * as v from 'valibot';

describe('the one identity schema', () => {
  it('accepts a full identity and an identity key without role', () => {
    expect(checkIdentity({ provider: 'fake', externalUserId: 'alice', role: 'member', status: 'active' })).to.deep.include({ ok: true });
    expect(checkIdentity({ provider: 'fake', externalUserId: 'alice', workspaceId: 'T1' }, { withRole: false })).to.deep.include({ ok: true });
    expect(v.is(identitySchema, { provider: 'fake', externalUserId: 'alice', role: 'viewer' })).to.equal(true);
  });

  it('names each failing field with what it expects, missing and wrong alike', () => {
    const checked = checkIdentity({ provider: '  ', role: 'god', status: 'gone', workspaceId: 5 });
    expect(checked.ok).to.equal(false);
    expect(!checked.ok && checked.issues).to.deep.equal([
      { field: 'provider', expected: 'a non-empty string' },
      { field: 'workspaceId', expected: 'a non-empty string' },
      { field: 'externalUserId', expected: 'a non-empty string' },
      { field: 'role', expected: 'one of owner, admin, member, approver, viewer' },
      { field: 'status', expected: 'one of active, disabled' },
    ]);
  });

  it('does not ask for a role when only the key is checked', () => {
    const checked = checkIdentity({ provider: 'fake', externalUserId: 'alice', role: 'god' }, { withRole: false });
    expect(checked.ok).to.equal(true);
  });
});
