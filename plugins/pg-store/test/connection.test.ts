import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as v from 'valibot';
import { isGatewayError } from '@cowork-gateway/core';
import { assertTlsPolicy, describeFailure, redactUrl, stripSslParams, tlsOptions } from '../src/connection.js';
import { pgStoreOptions } from '../src/options.js';

const options = (input: Record<string, unknown>) => v.parse(pgStoreOptions, { url: 'postgres://u:pw@127.0.0.1:5432/db', ...input });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('connection settings', () => {
  it('strips every ssl* and sslmode query parameter and keeps the others', () => {
    const { url, stripped } = stripSslParams('postgres://u:pw@h:5432/db?sslmode=require&sslrootcert=/x&application_name=a&SSLcert=y');
    expect(stripped).to.have.members(['sslmode', 'sslrootcert', 'SSLcert']);
    expect(url).to.equal('postgres://u:pw@h:5432/db?application_name=a');
  });

  it('redacts the password of a URL', () => {
    expect(redactUrl('postgres://gw:s3cret%21@db.internal:5432/gw?sslmode=require')).to.equal(
      'postgres://gw:***@db.internal:5432/gw?sslmode=require',
    );
    expect(redactUrl('postgres://gw@db/gw')).to.equal('postgres://gw@db/gw');
    expect(redactUrl('not a url')).to.not.include('not a url');
  });

  it('describes a failure without the password, even when the error message carries it', () => {
    const text = describeFailure(Object.assign(new Error('failed for postgres://gw:s3cret!@db'), { code: 'ECONNREFUSED' }), 'postgres://gw:s3cret%21@db/x');
    expect(text).to.include('ECONNREFUSED').and.not.include('s3cret');
  });

  it('solo allows a plain connection; team and enterprise require ssl with verification', () => {
    expect(() => assertTlsPolicy(options({}))).to.not.throw();
    expect(() => assertTlsPolicy(options({ deploymentMode: 'team', ssl: true }))).to.not.throw();
    for (const input of [
      { deploymentMode: 'team' },
      { deploymentMode: 'enterprise', ssl: false },
      { deploymentMode: 'team', ssl: true, sslRejectUnauthorized: false },
    ]) {
      const error = thrown(() => assertTlsPolicy(options(input)));
      expect(isGatewayError(error, 'pg_store.tls_required'), JSON.stringify(input)).to.equal(true);
      expect((error as Error).message)
        .to.include('OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SSL=true')
        .and.include('OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SSL_REJECT_UNAUTHORIZED=true');
    }
  });

  describe('TLS files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'pg-store-tls-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('passes the file contents and rejectUnauthorized to the TLS options', () => {
      writeFileSync(join(dir, 'ca.pem'), 'CA-PEM');
      writeFileSync(join(dir, 'c.pem'), 'CERT-PEM');
      writeFileSync(join(dir, 'k.pem'), 'KEY-PEM');
      const tls = tlsOptions(
        options({ ssl: true, sslRejectUnauthorized: false, sslCaPath: join(dir, 'ca.pem'), sslCertPath: join(dir, 'c.pem'), sslKeyPath: join(dir, 'k.pem') }),
      ) as Record<string, unknown>;
      expect(tls.rejectUnauthorized).to.equal(false);
      expect(String(tls.ca)).to.equal('CA-PEM');
      expect(String(tls.cert)).to.equal('CERT-PEM');
      expect(String(tls.key)).to.equal('KEY-PEM');
      expect(tlsOptions(options({ ssl: false, sslCaPath: join(dir, 'missing') }))).to.equal(false);
    });

    it('an unreadable file is pg_store.tls_file_unreadable naming the setting, never the contents', () => {
      writeFileSync(join(dir, 'ca.pem'), 'SECRET-CA-CONTENTS');
      const error = thrown(() => tlsOptions(options({ ssl: true, sslCaPath: join(dir, 'ca.pem'), sslKeyPath: join(dir, 'nope.pem') })));
      expect(isGatewayError(error, 'pg_store.tls_file_unreadable')).to.equal(true);
      expect((error as Error).message).to.include('OPEN_COWORK_STANDALONE_GATEWAY_DATABASE_SSL_KEY_PATH').and.include('sslKeyPath').and.include('ENOENT');
      expect((error as Error).message).to.not.include('SECRET-CA-CONTENTS');
    });
  });
});
