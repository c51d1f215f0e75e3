import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { CLOCK, STORE, resolve, rootContainer, systemClock } from '@cowork-gateway/core';
import type { Clock, InstanceInfo } from '@cowork-gateway/core';
import { ManualClock } from '@cowork-gateway/core/testing';
import { MemoryStore } from '../src/memory-store.js';
import { memoryStoreOptions } from '../src/options.js';
import { memoryStorePlugin } from '../src/plugin.js';

const instance: InstanceInfo = { id: 'store', plugin: '@cowork-gateway/memory-store', kind: 'store' };

/** A plugin-instance container as the plugin loader makes one: it always carries `CLOCK`. */
function instanceContainer(clock: Clock = systemClock) {
  const container = rootContainer.createChildContainer();
  container.register(CLOCK, { useValue: clock });
  return container;
}

describe('memoryStorePlugin', () => {
  it('binds STORE to a MemoryStore in a tsyringe child container', async () => {
    const container = instanceContainer();
    memoryStorePlugin.register(container, v.parse(memoryStoreOptions, {}), instance);
    const store = resolve(container, STORE);
    expect(store).to.be.instanceOf(MemoryStore);
    expect(store.kind).to.equal('memory');
    expect(store.capabilities).to.deep.equal({ durable: false, shared: false });
    await store.start();
    expect((await store.health()).state).to.equal('ok');
  });

  it('resolves one store per container (container-scoped), distinct across containers', () => {
    const a = instanceContainer();
    const b = instanceContainer();
    memoryStorePlugin.register(a, v.parse(memoryStoreOptions, {}), instance);
    memoryStorePlugin.register(b, v.parse(memoryStoreOptions, {}), instance);
    expect(resolve(a, STORE)).to.equal(resolve(a, STORE));
    expect(resolve(a, STORE)).to.not.equal(resolve(b, STORE));
  });

  it('injects the parsed options into the store', async () => {
    const container = instanceContainer();
    memoryStorePlugin.register(container, v.parse(memoryStoreOptions, { maxEventsPerSession: 2 }), instance);
    const store = resolve(container, STORE);
    const { session } = await store.sessions.findOrCreate({ instance: 'i', chatId: 'c', providerKind: 'fake', title: 't' });
    await store.events.append(session.sessionId, [{ type: 'a', payload: {} }, { type: 'b', payload: {} }]);
    expect((await store.events.list(session.sessionId)).map((e) => e.seq)).to.deep.equal([2, 3]);
  });
});

describe('memoryStoreOptions', () => {
  it('defaults maxEventsPerSession to 100000', () => {
    expect(v.parse(memoryStoreOptions, {})).to.deep.equal({ maxEventsPerSession: 100_000 });
  });

  it('rejects unknown keys and non-positive or fractional limits', () => {
    expect(v.safeParse(memoryStoreOptions, { typo: true }).success).to.equal(false);
    expect(v.safeParse(memoryStoreOptions, { maxEventsPerSession: 0 }).success).to.equal(false);
    expect(v.safeParse(memoryStoreOptions, { maxEventsPerSession: 1.5 }).success).to.equal(false);
    expect(v.safeParse(memoryStoreOptions, { maxEventsPerSession: '10' }).success).to.equal(false);
  });

  it('reads every time from the container\'s CLOCK', async () => {
    const clock = new ManualClock();
    clock.set(new Date('2031-05-01T00:00:00.000Z'));
    const container = instanceContainer(clock);
    memoryStorePlugin.register(container, v.parse(memoryStoreOptions, {}), instance);
    const store = resolve(container, STORE);
    await store.start();
    const { session } = await store.sessions.findOrCreate({ instance: 'i', chatId: 'c', providerKind: 'fake', title: 't' });
    expect(session.createdAt.toISOString()).to.equal('2031-05-01T00:00:00.000Z');
    const lease = await store.leases.acquire('l', 'h', 1000);
    expect(lease?.expiresAt.toISOString()).to.equal('2031-05-01T00:00:01.000Z');
  });
});
