import { expect } from 'chai';
import { redactText, redactValue, SecretRegistry, REDACTED } from '../src/redaction.js';
import { createJsonLogger, describeError, silentLogger } from '../src/logging.js';

describe('redaction', () => {
  it('masks configured secrets and token shapes in text', () => {
    const text = [
      'Authorization: Bearer abcdef123456',
      'https://api.telegram.org/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij/getUpdates',
      'slack xoxb-1234-5678-abcdefgh',
      'openai sk-abcdefghijklmnop1234',
      'github ghp_abcdefghijklmnopqrstuvwxyz123456',
      'postgres://user:hunter2@db/x',
      'token=abc123&x=1',
      'my-configured-secret',
    ].join('\n');
    const out = redactText(text, ['my-configured-secret']);
    for (const leaked of ['abcdef123456', 'ABCDEFGHIJKLMNOP', 'xoxb-1234', 'sk-abcdefghijklmnop', 'ghp_abc', 'hunter2', 'abc123', 'my-configured-secret']) {
      expect(out, leaked).not.to.contain(leaked);
    }
    expect(out).to.contain(REDACTED);
  });

  it('masks values of secret-named keys deeply but keeps booleans and structure', () => {
    const out = redactValue({ botToken: 'x', nested: { password: 'p', list: [{ apiKey: 'k' }] }, tlsEnabled: true, secretConfigured: false, text: 'fine' });
    expect(out).to.deep.equal({ botToken: REDACTED, nested: { password: REDACTED, list: [{ apiKey: REDACTED }] }, tlsEnabled: true, secretConfigured: false, text: 'fine' });
  });

  it('keeps the registry sorted longest first and ignores short values', () => {
    const registry = new SecretRegistry();
    registry.add('abc');
    registry.add('abcd');
    registry.add('abcdefgh');
    registry.add(undefined);
    expect(registry.list()).to.deep.equal(['abcdefgh', 'abcd']);
  });
});

describe('JSON logger', () => {
  it('writes one JSON line per event with bindings, level filter and redaction', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'info', write: (l) => lines.push(l), bindings: { service: 's' }, secrets: () => ['sentinel-secret-value'] });
    log.debug('dropped');
    log.child({ component: 'c' }).warn('thing.happened', { id: 1, url: 'http://x/sentinel-secret-value', error: new Error('bad', { cause: new Error('root') }) });
    expect(lines).to.have.length(1);
    const record = JSON.parse(lines[0]!);
    expect(record).to.include({ level: 'warn', event: 'thing.happened', service: 's', component: 'c', id: 1 });
    expect(record.error).to.deep.include({ message: 'bad' });
    expect(record.error.cause.message).to.equal('root');
    expect(lines[0]).not.to.contain('sentinel-secret-value');
  });

  it('describes non-errors and keeps codes', () => {
    expect(describeError('plain')).to.deep.equal({ message: 'plain' });
    const coded = Object.assign(new Error('x'), { code: 'a.b' });
    expect(describeError(coded).code).to.equal('a.b');
    silentLogger.child({}).info('nothing');
  });
});
