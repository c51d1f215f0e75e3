import { expect } from 'chai';
import { FixedWindowRateLimiter } from '../src/http/index.js';

describe('http FixedWindowRateLimiter', () => {
  it('allows `limit` claims per window, then refuses until the window ends', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 2, windowMs: 1000 });
    expect(limiter.claim('k', 0).allowed).to.equal(true);
    expect(limiter.claim('k', 100).allowed).to.equal(true);
    expect(limiter.check('k', 100)).to.deep.equal({ allowed: false, retryAfterMs: 900 });
    expect(limiter.claim('k', 400)).to.deep.equal({ allowed: false, retryAfterMs: 600 });
    expect(limiter.claim('other', 400).allowed).to.equal(true);
    expect(limiter.claim('k', 1000).allowed).to.equal(true);
  });

  it('blocks a key for blockMs once failures reach the limit', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 3, windowMs: 1000, blockMs: 5000 });
    expect(limiter.recordFailure('a', 0).allowed).to.equal(true);
    expect(limiter.recordFailure('a', 10).allowed).to.equal(true);
    expect(limiter.check('a', 10).allowed).to.equal(true);
    expect(limiter.recordFailure('a', 20)).to.deep.equal({ allowed: false, retryAfterMs: 5000 });
    expect(limiter.check('a', 1020)).to.deep.equal({ allowed: false, retryAfterMs: 4000 });
    expect(limiter.recordFailure('a', 1020)).to.deep.equal({ allowed: false, retryAfterMs: 4000 });
    expect(limiter.claim('a', 1020).allowed).to.equal(false);
    expect(limiter.check('a', 5020).allowed).to.equal(true);
    expect(limiter.recordFailure('a', 5020).allowed).to.equal(true);
  });

  it('forgets failures when their window passes without reaching the limit', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 2, windowMs: 100 });
    limiter.recordFailure('a', 0);
    expect(limiter.recordFailure('a', 150).allowed).to.equal(true);
    expect(limiter.recordFailure('a', 160).allowed).to.equal(false);
  });

  it('stays bounded and evicts unblocked keys before blocked ones', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3 });
    limiter.recordFailure('blocked', 0);
    for (let i = 0; i < 50; i++) limiter.claim(`k${i}`, 1 + i);
    expect(limiter.size).to.equal(3);
    expect(limiter.check('blocked', 100).allowed).to.equal(false);
    expect(limiter.check('k49', 100).allowed).to.equal(false);
  });

  it('sweeps expired keys first when full', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 1, windowMs: 10, maxKeys: 2 });
    limiter.claim('a', 0);
    limiter.claim('b', 0);
    limiter.claim('c', 5_000);
    expect(limiter.size).to.equal(1);
  });

  it('keeps every active block when full of blocks, answering new keys untracked', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 2 });
    limiter.recordFailure('x', 0);
    limiter.recordFailure('y', 0);
    expect(limiter.recordFailure('z', 10).allowed).to.equal(true);
    expect(limiter.claim('z', 10).allowed).to.equal(true);
    expect(limiter.size).to.equal(2);
    expect(limiter.check('x', 10).allowed).to.equal(false);
    expect(limiter.check('y', 10).allowed).to.equal(false);
  });

  it('defaults to 10 000 keys', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 5, windowMs: 60_000 });
    for (let i = 0; i < 10_050; i++) limiter.claim(`k${i}`, 0);
    expect(limiter.size).to.equal(10_000);
  });

  it('rejects non-positive settings', () => {
    expect(() => new FixedWindowRateLimiter({ limit: 0, windowMs: 1 })).to.throw(RangeError, /limit/);
    expect(() => new FixedWindowRateLimiter({ limit: 1, windowMs: Number.NaN })).to.throw(RangeError, /windowMs/);
  });
});
