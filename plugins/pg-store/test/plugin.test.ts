import 'reflect-metadata';
import { connect, createServer, type Socket } from 'node:net';
import { expect } from 'chai';
import * as v from 'valibot';
import { CLOCK, LOGGER, STORE, isGatewayError, resolve, rootContainer, silentLogger, systemClock } from '@cowork-gateway/core';
import type { InstanceInfo } from '@cowork-gateway/core';
import { pgStoreOptions } from '../src/options.js';
import { PgStore } from '../src/pg-store.js';
import { pgStorePlugin } from '../src/plugin.js';
import { TEST_DATABASE_URL, dropSchema, eventually, freshSchemaName, requireDatabase, testOptions } from './support.js';

const instance: InstanceInfo = { id: 'store', plugin: '@cowork-gateway/pg-store', kind: 'store' };

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('pgStorePlugin', () => {
  before(requireDatabase);

  it('binds STORE to a PgStore in a tsyringe child container, one per container', async () => {
    const schema = freshSchemaName();
    const container = rootContainer.createChildContainer();
    container.register(LOGGER, { useValue: silentLogger });
    container.register(CLOCK, { useValue: systemClock });
    pgStorePlugin.register(container, v.parse(pgStoreOptions, { url: TEST_DATABASE_URL, schema }), instance);
    const store = resolve(container, STORE);
    expect(store).to.be.instanceOf(PgStore);
    expect(store).to.equal(resolve(container, STORE));
    expect(store.kind).to.equal('postgres');
    expect(store.capabilities).to.deep.equal({ durable: true, shared: true });
    try {
      await store.start();
      expect((await store.health()).state).to.equal('ok');
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });
});

describe('PgStore lifecycle', () => {
  before(requireDatabase);

  it('is down before start and after close; start and close are idempotent', async () => {
    const options = testOptions();
    const store = new PgStore(options, silentLogger, systemClock);
    try {
      expect(await store.health()).to.deep.include({ state: 'down' });
      await expectCode(store.sessions.list(), 'pg_store.not_started');
      await store.start();
      await store.start();
      expect((await store.health()).state).to.equal('ok');
      await store.close();
      await store.close();
      expect(await store.health()).to.deep.include({ state: 'down', reason: 'postgres store is closed' });
    } finally {
      await store.close();
      await dropSchema(options.schema);
    }
  });

  it('keeps data across a restart (durable)', async () => {
    const options = testOptions();
    const first = new PgStore(options, silentLogger, systemClock);
    const second = new PgStore(options, silentLogger, systemClock);
    try {
      await first.start();
      await first.cursors.set('offset', '7');
      await first.identities.upsert({ provider: 'p', externalUserId: 'u', role: 'owner' });
      await first.close();
      await second.start();
      expect(await second.cursors.get('offset')).to.equal('7');
      expect(await second.identities.find({ provider: 'p', externalUserId: 'u' })).to.include({ role: 'owner' });
    } finally {
      await first.close();
      await second.close();
      await dropSchema(options.schema);
    }
  });

  it('a database that does not answer is pg_store.connect_failed, without the password', async () => {
    const port = await closedPort();
    const store = new PgStore(testOptions({ url: `postgres://gw:pa55word-xyz@127.0.0.1:${port}/test` }), silentLogger, systemClock);
    const error = await rejection(store.start());
    expect(isGatewayError(error, 'pg_store.connect_failed')).to.equal(true);
    expect((error as Error).message).to.include(`postgres://gw:***@127.0.0.1:${port}/test`).and.include('ECONNREFUSED');
    expect((error as Error).message).to.not.include('pa55word-xyz');
    expect(await store.health()).to.deep.include({ state: 'down' });
  });

  it('health is degraded with a reason once the connection is lost', async () => {
    const proxy = await startProxy(new URL(TEST_DATABASE_URL));
    const options = testOptions({ url: proxy.url });
    const store = new PgStore(options, silentLogger, systemClock);
    try {
      await store.start();
      expect((await store.health()).state).to.equal('ok');
      await proxy.stop();
      const health = await store.health();
      expect(health.state).to.equal('degraded');
      expect((health as { reason: string }).reason).to.match(/^database connection lost: /);
      // Once the pool has noticed, the reason is the refused reconnect.
      const settled = await eventually(async () => {
        const next = await store.health();
        return next.state === 'degraded' && next.reason.includes('ECONNREFUSED') ? next : undefined;
      });
      expect(settled.reason).to.not.include('@');
    } finally {
      await store.close();
      await proxy.stop();
      await dropSchema(options.schema);
    }
  });
});

/** A loopback TCP proxy to the test database that can be cut, to simulate a lost connection. */
async function startProxy(target: URL): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  const url = new URL(target.toString());
  url.port = String(port);
  let stopped: Promise<void> | undefined;
  return {
    url: url.toString(),
    stop: () =>
      (stopped ??= new Promise<void>((done) => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await rejection(promise);
  expect(isGatewayError(error, code), `expected ${code}, got ${String(error)}`).to.equal(true);
}
