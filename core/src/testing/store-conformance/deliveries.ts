/** Store conformance cases: deliveries. */
import { expect } from 'chai';
import { describe, it } from './registry.js';
import type { Delivery } from '../../contracts/store.js';
import {
  SECOND,
  MINUTE,
  HOUR,
  DAY,
  at,
  fromNow,
  expectCode,
  expectStale,
  newSession,
  enqueueJob,
  delivery,
  enqueueDelivery,
  claimDelivery,
  ids,
  type StoreFixture,
} from './fixtures.js';

/** Registers the `deliveries` cases of the Store conformance suite against `fx.store`. */
export function describeDeliveryCases(fx: StoreFixture): void {
  describe('deliveries', () => {
    it('enqueue creates a pending delivery with unsent chunks', async () => {
      const session = await newSession(fx.store);
      const owner = await enqueueJob(fx.store, { sessionId: session.sessionId });
      const input = delivery({ sessionId: session.sessionId, jobId: owner.jobId, traceId: 'trace-1', maxAttempts: 7, purpose: 'notice' });
      const { delivery: d, created } = await fx.store.deliveries.enqueue(input);
      expect(created).to.equal(true);
      expect(d).to.deep.include({
        deliveryId: input.deliveryId,
        instance: 'chat-main',
        target: { instance: 'chat-main', chatId: 'chat-1' },
        purpose: 'notice',
        sessionId: session.sessionId,
        jobId: owner.jobId,
        traceId: 'trace-1',
        chunksSent: 0,
        status: 'pending',
        attempts: 0,
        maxAttempts: 7,
        claimedBy: null,
        claimToken: null,
        leaseExpiresAt: null,
        lastError: null,
        deadReason: null,
      });
      expect(d.expiresAt.getTime()).to.equal(input.expiresAt.getTime());
      expect(d.nextAttemptAt).to.be.instanceOf(Date);
      expect(d.chunks).to.have.length(2);
      expect(d.chunks[0]).to.deep.include({ chunkId: `${input.deliveryId}:chunk:1`, message: { text: 'part one', format: 'plain' } });
      expect(d.chunks[0]).to.include({ providerMessageId: null, sentAt: null });
    });

    it('enqueue defaults: no session, job or trace; at least one attempt', async () => {
      const { d } = await enqueueDelivery(fx.store);
      expect(d).to.include({ sessionId: null, jobId: null, traceId: null });
      expect(d.maxAttempts).to.be.at.least(1);
    });

    it('keeps the whole target, replyContext included, as given', async () => {
      const target = {
        instance: 'chat-main', chatId: 'chat-1', threadId: 't-9', replyToMessageId: 'm-3',
        replyContext: { responseUrl: 'https://hooks.example/r/1', thread: { ts: '1700000000.0001', refs: ['<a@x>', 2, null, true] } },
      };
      const { delivery: d } = await fx.store.deliveries.enqueue(delivery({ deliveryId: 'd-reply-context', target }));
      expect(d.target).to.deep.equal(target);
      expect((await fx.store.deliveries.get('d-reply-context'))?.target).to.deep.equal(target);
    });

    it('enqueue is idempotent by deliveryId', async () => {
      const first = await fx.store.deliveries.enqueue(delivery({ deliveryId: 'd-1' }));
      const again = await fx.store.deliveries.enqueue(delivery({ deliveryId: 'd-1', instance: 'chat-other' }));
      expect(again.created).to.equal(false);
      expect(again.delivery).to.include({ deliveryId: 'd-1', instance: first.delivery.instance });
      if (fx.has('lists')) expect(await fx.op('lists').deliveries.list()).to.have.length(1);
    });

    it('claim takes only due deliveries, setting sending, a lease, a token and attempts + 1', async () => {
      const { d, t0 } = await enqueueDelivery(fx.store);
      expect(await fx.at(at(t0, -HOUR)).deliveries.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
      const claimed = await claimDelivery(fx, t0);
      expect(claimed).to.include({ deliveryId: d.deliveryId, status: 'sending', claimedBy: 'sender-a', attempts: 1 });
      expect(claimed.claimToken).to.be.a('string').and.not.equal('');
      expect(claimed.leaseExpiresAt?.getTime()).to.equal(at(t0, MINUTE).getTime());
      expect(await fx.at(at(t0, SECOND)).deliveries.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    it('claim skips excluded instances', async () => {
      await enqueueDelivery(fx.store, { instance: 'chat-a' });
      const { d, t0 } = await enqueueDelivery(fx.store, { instance: 'chat-b' });
      const claimed = await fx.at(t0).deliveries.claim({ workerId: 'w', leaseMs: MINUTE, excludeInstances: ['chat-a'] });
      expect(claimed).to.include({ deliveryId: d.deliveryId });
      expect(await fx.at(t0).deliveries.claim({ workerId: 'w', leaseMs: MINUTE, excludeInstances: ['chat-a'] })).to.equal(null);
    });

    it('concurrent claims never hand out one delivery twice', async () => {
      for (let i = 0; i < 4; i += 1) await enqueueDelivery(fx.store);
      const now = fromNow(SECOND);
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => fx.at(now).deliveries.claim({ workerId: `w-${i}`, leaseMs: MINUTE })));
      const won = claims.filter((c): c is Delivery => c !== null);
      expect(won).to.have.length(4);
      expect(new Set(won.map((c) => c.deliveryId)).size).to.equal(4);
    });

    if (fx.has('enqueueDeliveryClaimed')) it('enqueueDeliveryClaimed creates it claimed by that worker, as claim would; a repeat stays as it is', async () => {
      const input = delivery();
      const { delivery: d, created } = await fx.fast('enqueueDeliveryClaimed')(input, { workerId: 'sender-a', leaseMs: MINUTE });
      expect(created).to.equal(true);
      expect(d).to.include({ status: 'sending', attempts: 1, claimedBy: 'sender-a', chunksSent: 0 });
      expect(d.claimToken).to.be.a('string');
      expect(d.leaseExpiresAt!.getTime()).to.be.greaterThan(Date.now() + MINUTE - 10 * SECOND);
      expect(await fx.at(fromNow(SECOND)).deliveries.claim({ workerId: 'b', leaseMs: MINUTE })).to.equal(null);
      const repeat = await fx.fast('enqueueDeliveryClaimed')(input, { workerId: 'other', leaseMs: MINUTE });
      expect(repeat.created).to.equal(false);
      expect(repeat.delivery).to.deep.equal(d);
      await fx.store.deliveries.markChunkSent(d.deliveryId, d.claimToken as string, 0, 'm');
      const sent = await fx.store.deliveries.complete(d.deliveryId, d.claimToken as string);
      expect(sent.status).to.equal('sent');
    });

    if (fx.has('enqueueDeliveryClaimed')) it('a delivery created claimed is claimed again by others once its lease expires', async () => {
      const { delivery: d } = await fx.fast('enqueueDeliveryClaimed')(delivery(), { workerId: 'sender-a', leaseMs: SECOND });
      const again = await fx.at(fromNow(MINUTE)).deliveries.claim({ workerId: 'b', leaseMs: MINUTE });
      expect(again).to.include({ deliveryId: d.deliveryId, claimedBy: 'b', attempts: 2 });
      await expectCode(fx.store.deliveries.markChunkSent(d.deliveryId, d.claimToken as string, 0, 'm'), 'store.stale_claim');
    });

    it('markChunkSent records progress and the provider message id', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      const token = claimed.claimToken as string;
      const one = await fx.store.deliveries.markChunkSent(claimed.deliveryId, token, 0, 'msg-1');
      expect(one.chunksSent).to.equal(1);
      expect(one.chunks[0]).to.include({ providerMessageId: 'msg-1' });
      expect(one.chunks[0]?.sentAt).to.be.instanceOf(Date);
      expect(one.chunks[1]).to.include({ providerMessageId: null, sentAt: null });
      const two = await fx.store.deliveries.markChunkSent(claimed.deliveryId, token, 1, 'msg-2');
      expect(two.chunksSent).to.equal(2);
      expect(ids(two.chunks, 'providerMessageId')).to.deep.equal(['msg-1', 'msg-2']);
      expect(two.status).to.equal('sending');
    });

    it('complete marks the delivery sent and ends the claim', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      const sent = await fx.store.deliveries.complete(claimed.deliveryId, claimed.claimToken as string);
      expect(sent.status).to.equal('sent');
      await expectCode(fx.store.deliveries.complete(claimed.deliveryId, claimed.claimToken as string), 'store.stale_claim');
      expect(await fx.at(at(t0, DAY)).deliveries.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    if (fx.has('completeDeliveryWithLastChunk')) it('completeDeliveryWithLastChunk records that chunk and marks the delivery sent in one step', async () => {
      const complete = fx.fast('completeDeliveryWithLastChunk');
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      const token = claimed.claimToken as string;
      await fx.store.deliveries.markChunkSent(claimed.deliveryId, token, 0, 'msg-1');
      const sent = await complete(claimed.deliveryId, token, { index: 1, providerMessageId: 'msg-2' });
      expect(sent).to.include({ status: 'sent', chunksSent: 2, claimToken: null });
      expect(ids(sent.chunks, 'providerMessageId')).to.deep.equal(['msg-1', 'msg-2']);
      expect(sent.chunks[1]?.sentAt).to.be.instanceOf(Date);
      expect(await fx.store.deliveries.get(claimed.deliveryId)).to.deep.equal(sent);
      await expectCode(complete(claimed.deliveryId, token, { index: 1, providerMessageId: 'msg-2' }), 'store.stale_claim');
    });

    if (fx.has('completeDeliveryWithLastChunk')) it('completeDeliveryWithLastChunk with an index out of range is store.not_found and changes nothing', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      await expectCode(fx.fast('completeDeliveryWithLastChunk')(claimed.deliveryId, claimed.claimToken as string, { index: 9, providerMessageId: 'm' }), 'store.not_found');
      expect(await fx.store.deliveries.get(claimed.deliveryId)).to.include({ status: 'sending', chunksSent: 0 });
    });

    it('retry returns it to pending until nextAttemptAt, keeping chunk progress', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      await fx.store.deliveries.markChunkSent(claimed.deliveryId, claimed.claimToken as string, 0, 'msg-1');
      const next = at(t0, MINUTE);
      const retried = await fx.store.deliveries.retry(claimed.deliveryId, claimed.claimToken as string, { nextAttemptAt: next, error: '429' });
      expect(retried).to.include({ status: 'pending', lastError: '429', chunksSent: 1, attempts: 1 });
      expect(retried.nextAttemptAt.getTime()).to.equal(next.getTime());
      expect(await fx.at(at(t0, 30 * SECOND)).deliveries.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
      const again = await claimDelivery(fx, next);
      expect(again).to.include({ deliveryId: claimed.deliveryId, attempts: 2, chunksSent: 1 });
      expect(again.chunks[0]).to.include({ providerMessageId: 'msg-1' });
    });

    it('deadLetter with the claim token records the reason', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      const dead = await fx.store.deliveries.deadLetter(claimed.deliveryId, claimed.claimToken as string, 'permanent: chat not found');
      expect(dead).to.include({ status: 'dead', deadReason: 'permanent: chat not found' });
      expect(await fx.at(at(t0, DAY)).deliveries.claim({ workerId: 'w', leaseMs: MINUTE })).to.equal(null);
    });

    it('deadLetter with a null token dead-letters a pending or sending delivery (operator, stale sweep)', async () => {
      const { d: pending } = await enqueueDelivery(fx.store);
      expect(await fx.store.deliveries.deadLetter(pending.deliveryId, null, 'stale')).to.include({ status: 'dead', deadReason: 'stale' });
      const { t0 } = await enqueueDelivery(fx.store);
      const sending = await claimDelivery(fx, t0);
      expect(await fx.store.deliveries.deadLetter(sending.deliveryId, null, 'operator')).to.include({ status: 'dead', deadReason: 'operator' });
      await expectCode(fx.store.deliveries.complete(sending.deliveryId, sending.claimToken as string), 'store.stale_claim');
    });

    if (fx.has('actions')) it('requeue brings a dead delivery back to pending with fresh attempts and expiry, due at the store\'s clock', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      await fx.store.deliveries.deadLetter(claimed.deliveryId, claimed.claimToken as string, 'gave up');
      const expiresAt = at(t0, 2 * DAY);
      const now = at(t0, HOUR);
      fx.clock.set(now);
      const requeued = await fx.op('actions').deliveries.requeue(claimed.deliveryId, { expiresAt });
      expect(requeued).to.include({ status: 'pending', attempts: 0, deadReason: null });
      expect(requeued.expiresAt.getTime()).to.equal(expiresAt.getTime());
      expect(requeued.nextAttemptAt.getTime()).to.be.at.most(now.getTime());
      expect(await claimDelivery(fx, now)).to.include({ deliveryId: claimed.deliveryId, attempts: 1 });
    });

    if (fx.has('actions')) it('requeue of an unknown delivery is store.not_found', async () => {
      await expectCode(fx.op('actions').deliveries.requeue('nope', { expiresAt: fromNow(DAY) }), 'store.not_found');
    });

    it('an expired sending lease is reclaimed with a new token; the old token is stale', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const first = await claimDelivery(fx, t0, SECOND);
      expect(await fx.at(at(t0, 500)).deliveries.claim({ workerId: 'w', leaseMs: SECOND })).to.equal(null);
      const second = await claimDelivery(fx, at(t0, 2 * SECOND), SECOND);
      expect(second).to.include({ deliveryId: first.deliveryId, attempts: 2, status: 'sending' });
      expect(second.claimToken).to.not.equal(first.claimToken);
      await expectStale(fx.store.deliveries.markChunkSent(first.deliveryId, first.claimToken as string, 0, 'm'), 'markChunkSent with the token of an expired, retaken delivery claim');
      await expectStale(fx.store.deliveries.complete(first.deliveryId, first.claimToken as string), 'complete with the token of an expired, retaken delivery claim');
      expect(await fx.store.deliveries.complete(first.deliveryId, second.claimToken as string)).to.include({ status: 'sent' });
    });

    it('a wrong token throws store.stale_claim; an unknown delivery store.not_found', async () => {
      const { t0 } = await enqueueDelivery(fx.store);
      const claimed = await claimDelivery(fx, t0);
      const id = claimed.deliveryId;
      await expectCode(fx.store.deliveries.markChunkSent(id, 'wrong', 0, 'm'), 'store.stale_claim');
      await expectCode(fx.store.deliveries.complete(id, 'wrong'), 'store.stale_claim');
      await expectCode(fx.store.deliveries.retry(id, 'wrong', { nextAttemptAt: t0, error: 'x' }), 'store.stale_claim');
      await expectCode(fx.store.deliveries.deadLetter(id, 'wrong', 'x'), 'store.stale_claim');
      await expectCode(fx.store.deliveries.markChunkSent('nope', 'token', 0, 'm'), 'store.not_found');
      await expectCode(fx.store.deliveries.complete('nope', 'token'), 'store.not_found');
      await expectCode(fx.store.deliveries.retry('nope', 'token', { nextAttemptAt: t0, error: 'x' }), 'store.not_found');
      await expectCode(fx.store.deliveries.deadLetter('nope', null, 'x'), 'store.not_found');
    });

    it('get returns a delivery, and null for an unknown id', async () => {
      const { d } = await enqueueDelivery(fx.store);
      expect(await fx.store.deliveries.get(d.deliveryId)).to.include({ deliveryId: d.deliveryId, status: 'pending' });
      expect(await fx.store.deliveries.get('nope')).to.equal(null);
    });

    if (fx.has('lists')) it('list filters by status and traceId and honours limit', async () => {
      const { deliveries } = fx.op('lists');
      const { d: a } = await enqueueDelivery(fx.store, { traceId: 'trace-1' });
      const { d: b } = await enqueueDelivery(fx.store, { traceId: 'trace-2' });
      const { d: c } = await enqueueDelivery(fx.store, { traceId: 'trace-1' });
      await fx.store.deliveries.deadLetter(b.deliveryId, null, 'x');
      expect(ids(await deliveries.list(), 'deliveryId')).to.have.members([a.deliveryId, b.deliveryId, c.deliveryId]);
      expect(ids(await deliveries.list({ traceId: 'trace-1' }), 'deliveryId')).to.have.members([a.deliveryId, c.deliveryId]);
      expect(ids(await deliveries.list({ status: 'dead' }), 'deliveryId')).to.deep.equal([b.deliveryId]);
      expect(ids(await deliveries.list({ status: 'dead', traceId: 'trace-1' }), 'deliveryId')).to.deep.equal([]);
      expect(await deliveries.list({ limit: 2 })).to.have.length(2);
    });

    if (fx.has('counts')) it('countByStatus counts every status, zeros included', async () => {
      const { deliveries } = fx.op('counts');
      expect(await deliveries.countByStatus()).to.deep.equal({ pending: 0, sending: 0, sent: 0, dead: 0 });
      await enqueueDelivery(fx.store);
      await enqueueDelivery(fx.store);
      const { t0 } = await enqueueDelivery(fx.store);
      const first = await claimDelivery(fx, t0);
      await fx.store.deliveries.complete(first.deliveryId, first.claimToken as string);
      const second = await claimDelivery(fx, t0);
      await fx.store.deliveries.deadLetter(second.deliveryId, second.claimToken as string, 'x');
      await claimDelivery(fx, t0);
      await enqueueDelivery(fx.store);
      expect(await deliveries.countByStatus()).to.deep.equal({ pending: 1, sending: 1, sent: 1, dead: 1 });
    });
  });
}
