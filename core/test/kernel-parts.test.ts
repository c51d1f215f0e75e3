import { expect } from 'chai';
import { backoffDelayMs } from '../src/kernel/backoff.js';
import { CircuitBreaker } from '../src/kernel/circuit-breaker.js';
import { chunkIdsFor } from '../src/kernel/outbox.js';
import { classifyDeliveryFailure, DeliveryError } from '../src/contracts/provider.js';
import { inboundClaimKey } from '../src/contracts/store.js';
import { WorkLoop } from '../src/kernel/work-loop.js';
import { silentLogger } from '../src/logging.js';

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters within ±20 %', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0.5)).to.equal(100);
    expect(backoffDelayMs(3, policy, () => 0.5)).to.equal(400);
    expect(backoffDelayMs(10, policy, () => 0.5)).to.equal(1000);
    expect(backoffDelayMs(2, policy, () => 0)).to.equal(160);
    expect(backoffDelayMs(2, policy, () => 1)).to.equal(240);
    expect(backoffDelayMs(10, policy, () => 1)).to.equal(1000);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, allows one half-open trial, and closes on success', () => {
    let now = 0;
    const circuit = new CircuitBreaker({ failureThreshold: 2, openMs: 100 }, () => now);
    expect(circuit.allowsSend()).to.equal(true);
    circuit.recordFailure();
    expect(circuit.state()).to.equal('closed');
    circuit.recordFailure();
    expect(circuit.state()).to.equal('open');
    expect(circuit.allowsSend()).to.equal(false);
    expect(circuit.blocksClaims()).to.equal(true);
    now = 150;
    expect(circuit.state()).to.equal('half_open');
    expect(circuit.blocksClaims()).to.equal(false);
    expect(circuit.allowsSend()).to.equal(true);
    expect(circuit.blocksClaims()).to.equal(true);
    expect(circuit.allowsSend()).to.equal(false);
    circuit.recordFailure();
    expect(circuit.state()).to.equal('open');
    now = 300;
    expect(circuit.allowsSend()).to.equal(true);
    circuit.releaseTrial();
    expect(circuit.allowsSend()).to.equal(true);
    circuit.recordSuccess();
    expect(circuit.state()).to.equal('closed');
  });
});

describe('delivery ids and failure classes', () => {
  it('makes deterministic chunk ids from 1', () => {
    expect(chunkIdsFor('d', 3)).to.deep.equal(['d:chunk:1', 'd:chunk:2', 'd:chunk:3']);
  });

  it('classifies DeliveryError, look-alikes and unknown errors', () => {
    expect(classifyDeliveryFailure(new DeliveryError('x', { kind: 'permanent' }))).to.deep.equal({ kind: 'permanent' });
    expect(classifyDeliveryFailure({ classification: { kind: 'rate_limited', retryAfterMs: 5 } })).to.deep.equal({ kind: 'rate_limited', retryAfterMs: 5 });
    expect(classifyDeliveryFailure(new Error('x'))).to.deep.equal({ kind: 'transient' });
    expect(new DeliveryError('x', { kind: 'transient' }).code).to.equal('delivery.transient');
  });

  it('encodes inbound keys so separators in ids cannot collide', () => {
    const a = inboundClaimKey({ provider: 'p', instance: 'i', eventType: 'message', eventId: 'a|b' });
    const b = inboundClaimKey({ provider: 'p', instance: 'i', workspaceId: 'a', eventType: 'message', eventId: 'b' });
    expect(a).not.to.equal(b);
  });
});

describe('work loop', () => {
  it('runs steps until idle, wakes on demand and drains on stop', async () => {
    let queue = 3;
    let ran = 0;
    const loop = new WorkLoop('t', async () => {
      if (queue === 0) return false;
      queue -= 1;
      ran += 1;
      return true;
    }, { concurrency: 2, idlePollMs: 10_000, logger: silentLogger });
    loop.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).to.equal(3);
    queue = 2;
    loop.wake();
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).to.equal(5);
    expect(await loop.stop(1000)).to.equal(true);
  });

  it('wakes one lane per wake(): no lane is woken just to find nothing', async () => {
    let queue = 0;
    let empty = 0;
    const loop = new WorkLoop('t', async () => {
      if (queue === 0) {
        empty += 1;
        return false;
      }
      queue -= 1;
      return true;
    }, { concurrency: 4, idlePollMs: 10_000, logger: silentLogger });
    loop.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(empty).to.equal(4);
    for (let i = 0; i < 3; i += 1) {
      queue += 1;
      loop.wake();
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(queue).to.equal(0);
    // Each woken lane did its job and looked once more; none was woken for nothing.
    expect(empty).to.equal(4 + 3);
    expect(await loop.stop(1000)).to.equal(true);
  });

  it('does not lose a wake that arrives while every lane is busy', async () => {
    let queue = 0;
    let release: () => void = () => {};
    const busy = new Promise<void>((r) => { release = r; });
    let first = true;
    const loop = new WorkLoop('t', async () => {
      if (first) {
        first = false;
        await busy;
        return false; // its claim looked before the work below was added
      }
      if (queue === 0) return false;
      queue -= 1;
      return true;
    }, { concurrency: 1, idlePollMs: 10_000, logger: silentLogger });
    loop.start();
    queue = 1;
    loop.wake();
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(queue).to.equal(0);
    expect(await loop.stop(1000)).to.equal(true);
  });

  it('survives a throwing step', async () => {
    let calls = 0;
    const loop = new WorkLoop('t', async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return false;
    }, { concurrency: 1, idlePollMs: 5, logger: silentLogger });
    loop.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).to.be.greaterThan(1);
    await loop.stop(100);
  });
});
