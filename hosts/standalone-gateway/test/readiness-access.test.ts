import { expect } from 'chai';
import { startMemoryTestKernel, type MemoryTestKernel } from './helpers/memory-kernel.js';

// /ready is honest about access: a gateway nobody can prompt is not ready.
describe('readiness: access (providers and prompt-capable identities)', () => {
  let t: MemoryTestKernel | undefined;
  afterEach(async () => {
    await t?.kernel.stop();
    t = undefined;
  });

  it('is not_configured while no active owner, admin or member identity exists on a configured provider', async () => {
    t = await startMemoryTestKernel({ identities: [{ provider: 'fake', externalUserId: 'v', role: 'viewer' }, { provider: 'elsewhere', externalUserId: 'o', role: 'owner' }] });
    const report = await t.kernel.readiness();
    expect(report.components.access).to.deep.equal({
      state: 'not_configured',
      reason: 'no active owner, admin or member identity on a configured provider; every prompt is denied until one exists',
      providers: 1,
      promptCapableIdentities: 0,
    });
    expect(report.status).to.equal('degraded');
  });

  it('is ok, and counts them, once one exists; a disabled one does not count', async () => {
    t = await startMemoryTestKernel({ identities: [{ provider: 'fake', externalUserId: 'a', role: 'admin' }, { provider: 'fake', externalUserId: 'm', role: 'member', status: 'disabled' }] });
    const report = await t.kernel.readiness();
    expect(report.components.access).to.deep.equal({ state: 'ok', providers: 1, promptCapableIdentities: 1 });
    expect(report.status).to.equal('ok');
  });

  it('does not guess when the store cannot list identities', async () => {
    t = await startMemoryTestKernel();
    const store = t.store as unknown as { operator?: object };
    const original = store.operator;
    Object.defineProperty(store, 'operator', { value: { ...original, lists: undefined }, configurable: true });
    try {
      expect((await t.kernel.readiness()).components.access).to.deep.equal({ state: 'ok', providers: 1, promptCapableIdentities: null });
    } finally {
      Object.defineProperty(store, 'operator', { value: original, configurable: true });
    }
  });
});
