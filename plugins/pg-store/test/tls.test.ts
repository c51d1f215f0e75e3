import 'reflect-metadata';
import { expect } from 'chai';
import { isGatewayError, silentLogger, systemClock } from '@cowork-gateway/core';
import { PgStore } from '../src/pg-store.js';
import type { PgStoreOptionsInput } from '../src/options.js';
import { freshSchemaName, testOptions } from './support.js';
import { startTlsCluster, type TlsCluster } from './tls-cluster.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('pg-store TLS (throwaway cluster with ssl=on)', function () {
  this.timeout(60_000);
  let cluster: TlsCluster;
  const opened: PgStore[] = [];

  before(async () => {
    cluster = await startTlsCluster();
  });
  after(async () => cluster?.stop());
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  const store = (overrides: Partial<PgStoreOptionsInput>): PgStore => {
    const created = new PgStore(testOptions({ url: cluster.url(), schema: freshSchemaName('cgtls'), ...overrides }), silentLogger, systemClock);
    opened.push(created);
    return created;
  };

  it('connects with verified TLS using the CA, in team mode', async () => {
    const verified = store({ ssl: true, sslCaPath: cluster.caPath, deploymentMode: 'team' });
    await verified.start();
    expect((await verified.health()).state).to.equal('ok');
    await verified.cursors.set('tls', 'yes');
    expect(await verified.cursors.get('tls')).to.equal('yes');
  });

  it('a plain connection is refused by the server (hostnossl reject): pg_store.connect_failed', async () => {
    const error = await rejection(store({ ssl: false }).start());
    expect(isGatewayError(error, 'pg_store.connect_failed')).to.equal(true);
    expect(error.message).to.match(/pg_hba\.conf|no encryption/);
  });

  it('refuses a server certificate from another CA when rejectUnauthorized is on, with a clear error', async () => {
    const error = await rejection(store({ ssl: true, sslCaPath: cluster.wrongCaPath }).start());
    expect(isGatewayError(error, 'pg_store.connect_failed')).to.equal(true);
    expect(error.message).to.match(/certificate/i).and.include(`127.0.0.1:${cluster.port}`);
  });

  it('without a CA and without verification it connects (solo mode only)', async () => {
    const unverified = store({ ssl: true, sslRejectUnauthorized: false });
    await unverified.start();
    expect((await unverified.health()).state).to.equal('ok');
  });

  it('authenticates with a client certificate and key; without them the server refuses', async () => {
    const withCert = store({
      url: cluster.url('certuser'),
      ssl: true,
      sslCaPath: cluster.caPath,
      sslCertPath: cluster.clientCertPath,
      sslKeyPath: cluster.clientKeyPath,
      deploymentMode: 'enterprise',
    });
    await withCert.start();
    expect((await withCert.health()).state).to.equal('ok');
    const withoutCert = await rejection(store({ url: cluster.url('certuser'), ssl: true, sslCaPath: cluster.caPath }).start());
    expect(isGatewayError(withoutCert, 'pg_store.connect_failed')).to.equal(true);
    expect(withoutCert.message).to.match(/certificate/i);
  });

  it('ignores ssl* parameters in the URL: TLS comes from the options only', async () => {
    const stripped = store({ url: `${cluster.url()}?sslmode=disable&sslrootcert=/nonexistent.pem`, ssl: true, sslCaPath: cluster.caPath });
    await stripped.start();
    expect((await stripped.health()).state).to.equal('ok');
  });

  it('team and enterprise modes refuse to start without verified TLS, before connecting', async () => {
    for (const overrides of [
      { deploymentMode: 'team' as const },
      { deploymentMode: 'enterprise' as const, ssl: true, sslRejectUnauthorized: false, sslCaPath: cluster.caPath },
    ]) {
      const error = await rejection(store(overrides).start());
      expect(isGatewayError(error, 'pg_store.tls_required'), JSON.stringify(overrides)).to.equal(true);
      expect(error.message).to.include('OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SSL');
    }
  });

  it('an unreadable CA file is pg_store.tls_file_unreadable naming the setting', async () => {
    const error = await rejection(store({ ssl: true, sslCaPath: `${cluster.caPath}.missing` }).start());
    expect(isGatewayError(error, 'pg_store.tls_file_unreadable')).to.equal(true);
    expect(error.message).to.include('OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SSL_CA_PATH');
  });
});
