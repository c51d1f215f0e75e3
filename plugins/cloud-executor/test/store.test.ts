import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { isGatewayError } from '@cowork-gateway/core';
import { CloudIdentityCloudOwned, CloudRouteUnknown, CloudStore, cloudConnectionOptions } from '../src/index.js';
import { cloudFixture, type CloudFixture } from './helpers/fixture.js';

const key = (eventId: string) => ({ provider: 'telegram', instance: 'telegram', eventType: 'message', eventId });
const claimOptions = { owner: 'worker-1', leaseMs: 30_000, traceId: 't' };

describe('CloudStore: Cloud-owned identities, inbound claims and thread bindings', () => {
  let fixture: CloudFixture;
  beforeEach(async () => {
    fixture = await cloudFixture();
  });
  afterEach(() => fixture.close());

  it('resolves identities in Cloud: new senders are disabled (pending), promoted ones active; unknown instances have none', async () => {
    const { store, fake } = fixture;
    const newcomer = await store.identities.find({ provider: 'telegram', externalUserId: 'new-1' });
    expect(newcomer).to.deep.include({ role: 'viewer', status: 'disabled', provider: 'telegram' });
    fake.setIdentity({ provider: 'telegram', externalUserId: 'new-1', role: 'member' });
    expect(await store.identities.find({ provider: 'telegram', externalUserId: 'new-1' })).to.deep.include({ role: 'member', status: 'active' });
    expect(await store.identities.find({ provider: 'slack', externalUserId: 'x' })).to.equal(null);
    let caught: unknown;
    await store.identities.upsert({ provider: 'telegram', externalUserId: 'x', role: 'owner' }).catch((e: unknown) => { caught = e; });
    expect(caught).to.be.instanceOf(CloudIdentityCloudOwned);
  });

  it('claims provider events in Cloud: a duplicate is a no-op even from a restarted store, a retryable failure is reclaimable', async () => {
    const { store, fake, token } = fixture;
    const first = await store.inbound.claim(key('100'), claimOptions);
    expect(first.outcome).to.equal('claimed');
    expect(first.claim.key).to.match(/^channel_provider_event_/);
    const claimBody = fake.requestsTo('/api/channels/provider-events/claim')[0]!.body!;
    expect(claimBody).to.deep.include({ provider: 'telegram', providerInstanceId: 'telegram', providerEventId: '100', eventType: 'message', claimedBy: 'gateway:test', channelBindingId: 'cb_tg', externalWorkspaceId: null, ttlMs: 300_000 });
    expect((await store.inbound.claim(key('100'), claimOptions)).outcome).to.equal('duplicate');
    const done = await store.inbound.complete(first.claim.key, first.claim.token, { ok: true });
    expect(done.status).to.equal('completed');
    expect(await store.inbound.get(first.claim.key)).to.deep.include({ status: 'completed' });
    const restarted = new CloudStore(v.parse(cloudConnectionOptions, { baseUrl: fake.url, serviceToken: token.plaintext, instanceId: 'test', channels: [{ instance: 'telegram', channelBindingId: 'cb_tg' }] }));
    await restarted.start();
    expect((await restarted.inbound.claim(key('100'), claimOptions)).outcome).to.equal('duplicate');
    expect(await restarted.inbound.get('unknown')).to.equal(null);
    expect(restarted.channel.metrics.get('inboundDuplicates')).to.equal(1);
    const second = await store.inbound.claim(key('101'), claimOptions);
    const failed = await store.inbound.fail(second.claim.key, second.claim.token, { retryable: true, error: 'boom' });
    expect(failed).to.deep.include({ status: 'failed', retryable: true, lastError: 'boom' });
    expect((await restarted.inbound.claim(key('101'), claimOptions)).outcome).to.equal('claimed');
    await restarted.close();
  });

  it('binds the thread in Cloud on findOrCreate and keeps the binding id as the executor session id', async () => {
    const { store, fake } = fixture;
    fake.setIdentity({ provider: 'telegram', externalUserId: 'm-1', role: 'member' });
    await store.identities.find({ provider: 'telegram', externalUserId: 'm-1' });
    const { session, created } = await store.sessions.findOrCreate({ instance: 'telegram', chatId: '55', threadId: '7', providerKind: 'telegram', title: 'Hello', actor: 'm-1' });
    expect(created).to.equal(true);
    const thread = fake.threadFor('55', '7')!;
    expect(session.executorSessionId).to.equal(thread.bindingId);
    const again = await store.sessions.findOrCreate({ instance: 'telegram', chatId: '55', threadId: '7', providerKind: 'telegram', title: 'Hello', actor: 'm-1' });
    expect(again).to.deep.include({ created: false });
    expect(again.session.sessionId).to.equal(session.sessionId);
    expect(store.channel.threadOfSession(session.sessionId)!.binding.bindingId).to.equal(thread.bindingId);
    expect((await store.sessions.get(session.sessionId))!.sessionId).to.equal(session.sessionId);
    expect(await store.sessions.findByThread({ instance: 'telegram', chatId: '55', threadId: '7' })).to.not.equal(null);
    expect((await store.sessions.setStatus(session.sessionId, 'running')).status).to.equal('running');
    let caught: unknown;
    await store.sessions.findOrCreate({ instance: 'slack', chatId: '1', providerKind: 'slack', title: 'x' }).catch((e: unknown) => { caught = e; });
    expect(caught).to.be.instanceOf(CloudRouteUnknown);
    expect(isGatewayError(caught, 'cloud.route_unknown')).to.equal(true);
  });

  it('refuses to bind a thread for a sender Cloud has not promoted (403 → cloud.forbidden)', async () => {
    const { store } = fixture;
    await store.identities.find({ provider: 'telegram', externalUserId: 'pending-1' });
    let caught: unknown;
    await store.sessions.findOrCreate({ instance: 'telegram', chatId: '9', providerKind: 'telegram', title: 'x', actor: 'pending-1' }).catch((e: unknown) => { caught = e; });
    expect(isGatewayError(caught, 'cloud.forbidden')).to.equal(true);
  });

  it('reports health by phase and keeps local runtime parts in process', async () => {
    const { store } = fixture;
    expect((await store.health()).state).to.equal('ok');
    expect((store as { operator?: unknown }).operator).to.equal(undefined);
    expect(store.jobs).to.be.an('object');
    expect(store.events).to.be.an('object');
    expect(store.deliveries).to.be.an('object');
    expect(store.audit).to.be.an('object');
    expect(store.artifacts).to.be.an('object');
    expect(store.leases).to.be.an('object');
    expect(store.cursors).to.be.an('object');
    await store.close();
    expect((await store.health()).state).to.equal('down');
  });
});
