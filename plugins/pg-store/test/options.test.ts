import { expect } from 'chai';
import * as v from 'valibot';
import { pgStoreOptions } from '../src/options.js';

describe('pgStoreOptions', () => {
  it('requires url and fills every default', () => {
    expect(v.parse(pgStoreOptions, { url: 'postgres://u@127.0.0.1:5432/db' })).to.deep.equal({
      url: 'postgres://u@127.0.0.1:5432/db',
      ssl: false,
      sslRejectUnauthorized: true,
      deploymentMode: 'solo',
      schema: 'public',
      poolMax: 10,
      migrate: 'auto',
    });
    expect(v.safeParse(pgStoreOptions, {}).success).to.equal(false);
  });

  it('keeps the TLS file paths and accepts postgresql:// URLs', () => {
    const parsed = v.parse(pgStoreOptions, {
      url: 'postgresql://u@h/db',
      ssl: true,
      sslCaPath: '/run/ca.pem',
      sslCertPath: '/run/c.pem',
      sslKeyPath: '/run/k.pem',
      deploymentMode: 'enterprise',
      migrate: 'verify',
      poolMax: 3,
      schema: 'gateway_2',
    });
    expect(parsed).to.include({ sslCaPath: '/run/ca.pem', sslCertPath: '/run/c.pem', sslKeyPath: '/run/k.pem', poolMax: 3 });
  });

  it('treats keys given as undefined (unset host settings) as absent', () => {
    const parsed = v.parse(pgStoreOptions, { url: 'postgres://h/db', sslCaPath: undefined, sslKeyPath: undefined, deploymentMode: undefined });
    expect(parsed).to.include({ deploymentMode: 'solo', sslCaPath: undefined, sslKeyPath: undefined });
  });

  it('rejects unknown keys, non-postgres URLs, unsafe schema names and bad pool sizes', () => {
    const bad = [
      { url: 'postgres://h/db', typo: 1 },
      { url: 'mysql://h/db' },
      { url: 'postgres://h/db', schema: 'Public' },
      { url: 'postgres://h/db', schema: 'x"; drop table y; --' },
      { url: 'postgres://h/db', schema: '1abc' },
      { url: 'postgres://h/db', poolMax: 0 },
      { url: 'postgres://h/db', poolMax: 2.5 },
      { url: 'postgres://h/db', deploymentMode: 'prod' },
      { url: 'postgres://h/db', migrate: 'never' },
      { url: 'postgres://h/db', ssl: 'true' },
    ];
    for (const input of bad) expect(v.safeParse(pgStoreOptions, input).success, JSON.stringify(input)).to.equal(false);
  });
});
