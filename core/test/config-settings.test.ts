import { expect } from 'chai';
import { CORE_SETTINGS, describeSettingType, parseSettingValue } from '../src/config/index.js';
import type { SettingSpec } from '../src/config/index.js';
import { DEFAULT_DELIVERY_MAX_ATTEMPTS, DEFAULT_JOB_LEASE_MS, DEFAULT_JOB_MAX_ATTEMPTS } from '../src/contracts/store.js';
import { DEFAULT_KERNEL_SETTINGS } from '../src/kernel/settings.js';

const spec = (over: Partial<SettingSpec> & Pick<SettingSpec, 'type'>): SettingSpec => ({
  key: 'X',
  description: 'test',
  readBy: 'test',
  ...over,
});

function ok(s: SettingSpec, raw: unknown): unknown {
  const result = parseSettingValue(s, raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to parse, got expected=${result.expected}`);
  return result.value;
}

function bad(s: SettingSpec, raw: unknown): string {
  const result = parseSettingValue(s, raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected, got ${JSON.stringify(result.value)}`);
  return result.expected;
}

describe('config settings: parseSettingValue', () => {
  describe('integer', () => {
    const port = spec({ type: 'integer', min: 0, max: 65535 });
    it('accepts decimal strings and integer JSON numbers', () => {
      expect(ok(port, '8080')).to.equal(8080);
      expect(ok(port, ' 42 ')).to.equal(42);
      expect(ok(port, 0)).to.equal(0);
      expect(ok(port, 65535)).to.equal(65535);
    });
    it('rejects non-integers and out-of-range values with the bounds in words', () => {
      for (const raw of ['80a', '1.5', '0x10', '', '1e3', 1.5, true, null, [], '65536', -1, '99999999999999999999']) {
        expect(bad(port, raw)).to.equal('an integer from 0 to 65535');
      }
    });
    it('describes one-sided and missing bounds', () => {
      expect(bad(spec({ type: 'integer', min: 1 }), '0')).to.equal('an integer of at least 1');
      expect(bad(spec({ type: 'integer', max: 5 }), '6')).to.equal('an integer of at most 5');
      expect(bad(spec({ type: 'integer' }), 'x')).to.equal('an integer');
      expect(ok(spec({ type: 'integer' }), '-7')).to.equal(-7);
    });
  });

  describe('boolean', () => {
    const b = spec({ type: 'boolean' });
    it('accepts the true and false words, any case, and JSON booleans', () => {
      for (const raw of ['true', 'TRUE', '1', 'yes', 'On', true]) expect(ok(b, raw)).to.equal(true);
      for (const raw of ['false', 'False', '0', 'NO', 'off', false]) expect(ok(b, raw)).to.equal(false);
    });
    it('rejects anything else', () => {
      for (const raw of ['y', 'enabled', '', 1, null]) expect(bad(b, raw)).to.match(/^a boolean/);
    });
  });

  describe('list', () => {
    const l = spec({ type: 'list' });
    it('splits comma-separated strings, trimming and dropping empties', () => {
      expect(ok(l, ' 10.0.0.0/8, ,192.168.1.1 ,')).to.deep.equal(['10.0.0.0/8', '192.168.1.1']);
      expect(ok(l, '')).to.deep.equal([]);
    });
    it('accepts JSON arrays of strings', () => {
      expect(ok(l, ['a', ' b ', ''])).to.deep.equal(['a', 'b']);
    });
    it('rejects other values', () => {
      expect(bad(l, [1, 2])).to.equal('a comma-separated list or a JSON array of strings');
      expect(bad(l, 5)).to.equal('a comma-separated list or a JSON array of strings');
    });
  });

  describe('url', () => {
    const u = spec({ type: 'url' });
    it('accepts absolute http(s) URLs', () => {
      expect(ok(u, 'https://gw.example.com/base')).to.equal('https://gw.example.com/base');
      expect(ok(u, 'http://127.0.0.1:8795')).to.equal('http://127.0.0.1:8795');
    });
    it('rejects relative, other-scheme and non-string values', () => {
      for (const raw of ['/relative', 'ftp://x.example', 'not a url', 42]) expect(bad(u, raw)).to.equal('an absolute http(s) URL');
    });
  });

  describe('enum', () => {
    const e = spec({ type: 'enum', values: ['postgres', 'memory'], aliases: { pg: 'postgres', 'In-Memory': 'memory' } });
    it('matches values and aliases case-insensitively, returning the canonical value', () => {
      expect(ok(e, 'postgres')).to.equal('postgres');
      expect(ok(e, 'MEMORY')).to.equal('memory');
      expect(ok(e, 'PG')).to.equal('postgres');
      expect(ok(e, 'in-memory')).to.equal('memory');
    });
    it('rejects other values, listing the allowed ones', () => {
      expect(bad(e, 'mysql')).to.equal('one of postgres, memory');
      expect(bad(e, 1)).to.equal('one of postgres, memory');
    });
  });

  describe('json', () => {
    const j = spec({ type: 'json' });
    it('parses JSON strings and passes JSON values through', () => {
      expect(ok(j, '[{"a":1}]')).to.deep.equal([{ a: 1 }]);
      expect(ok(j, { a: [1] })).to.deep.equal({ a: [1] });
      expect(ok(j, 3)).to.equal(3);
    });
    it('rejects invalid JSON text', () => {
      expect(bad(j, '[{a:1}]')).to.equal('a JSON value');
      expect(bad(j, undefined)).to.equal('a JSON value');
    });
  });

  describe('string', () => {
    const s = spec({ type: 'string' });
    it('accepts non-empty strings and converts numbers', () => {
      expect(ok(s, 'abc')).to.equal('abc');
      expect(ok(s, 12)).to.equal('12');
    });
    it('rejects empty strings and other types', () => {
      for (const raw of ['', '   ', true, null, {}, Number.NaN]) expect(bad(s, raw)).to.equal('a non-empty string');
    });
  });
});

describe('config settings: CORE_SETTINGS', () => {
  const byKey = new Map(CORE_SETTINGS.map((s) => [s.key, s]));

  it('has unique keys, a description and a reader for each', () => {
    expect(byKey.size).to.equal(CORE_SETTINGS.length);
    for (const s of CORE_SETTINGS) {
      expect(s.description, s.key).to.match(/\S.*\.$/);
      expect(s.readBy, s.key).to.equal('@cowork-gateway/core');
    }
  });

  it('declares the documented defaults and bounds', () => {
    expect(byKey.get('HOST')).to.include({ type: 'string', default: '127.0.0.1' });
    expect(byKey.get('PORT')).to.include({ type: 'integer', default: 8795, min: 0, max: 65535 });
    expect(byKey.get('ALLOW_WILDCARD_BIND')).to.include({ type: 'boolean', default: false });
    expect(byKey.get('PUBLIC_URL')?.default).to.equal(undefined);
    expect(byKey.get('ADMIN_TOKEN')).to.include({ type: 'string', secret: true });
    expect(byKey.get('ADMIN_TOKEN')?.default).to.equal(undefined);
    expect(byKey.get('TRUSTED_PROXY_CIDRS')?.default).to.deep.equal([]);
    expect(byKey.get('MAX_REQUEST_BODY_BYTES')).to.include({ default: 1048576, min: 1024, max: 67108864 });
    expect(byKey.get('LOG_LEVEL')?.values).to.deep.equal(['debug', 'info', 'warn', 'error']);
    expect(byKey.get('DEPLOYMENT_MODE')).to.include({ default: 'solo' });
    expect(byKey.get('SHUTDOWN_DRAIN_SECONDS')).to.include({ default: 10, min: 0, max: 600 });
    expect(byKey.get('RETENTION_AUDIT_DAYS')).to.include({ default: 365, min: 1, max: 3650 });
    expect(byKey.get('IDENTITIES')?.type).to.equal('json');
    expect(byKey.get('IDENTITIES')?.default).to.equal(undefined);
  });

  it('declares exactly the core keys', () => {
    expect([...byKey.keys()]).to.deep.equal([
      'HOST', 'PORT', 'ALLOW_WILDCARD_BIND', 'PUBLIC_URL', 'ADMIN_TOKEN', 'TRUST_PROXY_HEADERS', 'TRUSTED_PROXY_CIDRS',
      'MAX_REQUEST_BODY_BYTES', 'RATE_LIMIT_MAX_REQUESTS', 'RATE_LIMIT_WINDOW_SECONDS', 'AUTH_FAILURE_LIMIT',
      'AUTH_FAILURE_BLOCK_SECONDS', 'LOG_LEVEL', 'PROMPT_DEADLINE_SECONDS', 'ATTACHMENT_MAX_BYTES', 'JOB_LEASE_SECONDS', 'JOB_MAX_ATTEMPTS',
      'WORKER_CONCURRENCY', 'DELIVERY_MAX_ATTEMPTS', 'DELIVERY_TTL_SECONDS', 'DELIVERY_BACKOFF_BASE_MS',
      'DELIVERY_BACKOFF_MAX_MS', 'DELIVERY_CONCURRENCY', 'CIRCUIT_FAILURE_THRESHOLD', 'CIRCUIT_OPEN_SECONDS',
      'INBOUND_STALL_SECONDS', 'SHUTDOWN_DRAIN_SECONDS', 'DEPLOYMENT_MODE', 'RETENTION_SESSION_DAYS',
      'RETENTION_ARTIFACT_DAYS', 'RETENTION_AUDIT_DAYS', 'RETENTION_INTERVAL_SECONDS', 'RETENTION_JOB_DAYS', 'IDENTITIES',
    ]);
  });

  it('has defaults that parse under their own spec', () => {
    for (const s of CORE_SETTINGS) {
      if (s.default === undefined) continue;
      const result = parseSettingValue(s, s.default);
      expect(result, s.key).to.deep.equal({ ok: true, value: s.default });
    }
  });

  it('describes each type in words', () => {
    expect(describeSettingType(byKey.get('PORT')!)).to.equal('an integer from 0 to 65535');
    expect(describeSettingType(byKey.get('LOG_LEVEL')!)).to.equal('one of debug, info, warn, error');
  });
});

describe('config settings: one definition per default', () => {
  const defaultOf = (key: string): unknown => CORE_SETTINGS.find((spec) => spec.key === key)?.default;

  it('the Store contract, the settings and the kernel agree on attempts and leases', () => {
    expect(DEFAULT_DELIVERY_MAX_ATTEMPTS).to.equal(8);
    expect(defaultOf('DELIVERY_MAX_ATTEMPTS')).to.equal(DEFAULT_DELIVERY_MAX_ATTEMPTS);
    expect(DEFAULT_KERNEL_SETTINGS.deliveryMaxAttempts).to.equal(DEFAULT_DELIVERY_MAX_ATTEMPTS);
    expect(defaultOf('JOB_MAX_ATTEMPTS')).to.equal(DEFAULT_JOB_MAX_ATTEMPTS);
    expect(DEFAULT_KERNEL_SETTINGS.jobMaxAttempts).to.equal(DEFAULT_JOB_MAX_ATTEMPTS);
    expect(defaultOf('JOB_LEASE_SECONDS')).to.equal(DEFAULT_JOB_LEASE_MS / 1000);
    expect(DEFAULT_KERNEL_SETTINGS.jobLeaseMs).to.equal(DEFAULT_JOB_LEASE_MS);
  });

  it('every kernel default that has a setting is that setting\'s default', () => {
    const k = DEFAULT_KERNEL_SETTINGS;
    expect([k.promptDeadlineMs, k.deliveryTtlMs, k.circuitOpenMs, k.inboundStallMs, k.shutdownDrainMs, k.maintenanceIntervalMs]).to.deep.equal(
      ['PROMPT_DEADLINE_SECONDS', 'DELIVERY_TTL_SECONDS', 'CIRCUIT_OPEN_SECONDS', 'INBOUND_STALL_SECONDS', 'SHUTDOWN_DRAIN_SECONDS', 'RETENTION_INTERVAL_SECONDS']
        .map((key) => (defaultOf(key) as number) * 1000),
    );
    expect([k.attachmentMaxBytes, k.workerConcurrency, k.deliveryBackoffBaseMs, k.deliveryBackoffMaxMs, k.deliveryConcurrency, k.circuitFailureThreshold]).to.deep.equal(
      ['ATTACHMENT_MAX_BYTES', 'WORKER_CONCURRENCY', 'DELIVERY_BACKOFF_BASE_MS', 'DELIVERY_BACKOFF_MAX_MS', 'DELIVERY_CONCURRENCY', 'CIRCUIT_FAILURE_THRESHOLD'].map(defaultOf),
    );
    expect(k.retention).to.deep.equal({
      sessionDays: defaultOf('RETENTION_SESSION_DAYS'),
      artifactDays: defaultOf('RETENTION_ARTIFACT_DAYS'),
      auditDays: defaultOf('RETENTION_AUDIT_DAYS'),
      jobDays: defaultOf('RETENTION_JOB_DAYS'),
    });
  });
});
