import { expect } from 'chai';
import { ReplayGuard, replayScope } from '../src/webhook-wire/replay-guard.js';
import type { VerifiedSignature } from '../src/webhook-wire/signature.js';

const T0 = 1767225600;
const sig = (n: number, timestamp = T0): VerifiedSignature => {
  const signature = `v1=${n.toString(16).padStart(64, '0')}`;
  return { timestamp, signature, replayKey: `${timestamp}:${signature}` };
};
const at = (seconds: number) => new Date((T0 + seconds) * 1000);

describe('webhook-wire/replay-guard', () => {
  it('accepts a signed request once and refuses the replay with webhook.replayed (409)', () => {
    const guard = new ReplayGuard({ instance: 'hooks' });
    expect(guard.claim(sig(1), 'hooks:c', at(0)).ok).to.equal(true);
    const again = guard.claim(sig(1), 'hooks:other', at(10));
    expect(again.ok).to.equal(false);
    if (!again.ok) expect(again.error).to.include({ code: 'webhook.replayed', status: 409 });
    expect(guard.claim(sig(2), 'hooks:c', at(10)).ok).to.equal(true);
  });

  it('forgets a key once its signing time is past the window', () => {
    const guard = new ReplayGuard({ instance: 'hooks', windowMs: 60_000 });
    expect(guard.claim(sig(1), 's', at(0)).ok).to.equal(true);
    expect(guard.claim(sig(1), 's', at(60)).ok).to.equal(false);
    expect(guard.claim(sig(2), 's', at(61)).ok).to.equal(true);
    expect(guard.size).to.equal(1);
    expect(guard.claim(sig(1), 's', at(61)).ok).to.equal(true);
  });

  it('releases a claim when the handler failed, but never a newer claim of the same key', () => {
    const guard = new ReplayGuard({ instance: 'hooks', windowMs: 60_000 });
    const first = guard.claim(sig(1), 's', at(0));
    if (!first.ok) throw first.error;
    first.value.release();
    const second = guard.claim(sig(1), 's', at(1));
    expect(second.ok).to.equal(true);
    first.value.release();
    expect(guard.claim(sig(1), 's', at(2)).ok).to.equal(false);
  });

  it('bounds memory per scope and in all, evicting the oldest keys of the busy scope', () => {
    const guard = new ReplayGuard({ instance: 'hooks', maxEntries: 6, maxPerScope: 3 });
    expect(guard.claim(sig(100), 'quiet', at(0)).ok).to.equal(true);
    for (let n = 1; n <= 5; n += 1) expect(guard.claim(sig(n), 'busy', at(0)).ok).to.equal(true);
    expect(guard.size).to.equal(4);
    // The quiet scope's key survived the flood; the busy scope kept its newest three.
    expect(guard.claim(sig(100), 'quiet', at(0)).ok).to.equal(false);
    expect(guard.claim(sig(5), 'busy', at(0)).ok).to.equal(false);
    expect(guard.claim(sig(1), 'busy', at(0)).ok).to.equal(true);
    for (let n = 10; n < 20; n += 1) guard.claim(sig(n), `s${n}`, at(0));
    expect(guard.size).to.equal(6);
  });

  it('scopes by instance, chat and thread', () => {
    expect(replayScope('hooks', { chatId: 'c' })).to.equal('hooks:c');
    expect(replayScope('hooks', { chatId: 'c', threadId: 't' })).to.equal('hooks:c:t');
  });
});
