import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { ABUSE_CONTROLS, isGatewayPlugin, pluginSettingSpecs, rootContainer, secretValuesOf, type Logger, type AbuseControls, LOGGER } from '@cowork-gateway/core';
import * as api from '../src/index.js';
import redisPlugin from '../src/index.js';
import * as testing from '../src/testing/index.js';

describe('@cowork-gateway/redis exports', () => {
  it('default-exports an extension plugin enabled by REDIS_URL', () => {
    expect(isGatewayPlugin(redisPlugin)).to.equal(true);
    expect(redisPlugin).to.include({ name: '@cowork-gateway/redis', kind: 'extension', core: '^0.1.0', enabledBy: 'REDIS_URL' });
    expect(redisPlugin).to.equal(api.redisPlugin);
  });

  it('has exactly the documented named exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal(['REDIS_OPTIONS', 'RedisAbuseControls', 'default', 'redisOptions', 'redisPlugin', 'redisSettings'].sort());
    expect(Object.keys(testing).sort()).to.deep.equal(['freePort', 'startPrivateRedis', 'uniqueKeyPrefix']);
  });

  it('declares REDIS_URL as a secret with the Cloud Channel Gateway name as fallback', () => {
    const byKey = new Map(pluginSettingSpecs(redisPlugin).map((s) => [s.key, s]));
    expect(byKey.get('REDIS_URL')).to.include({ secret: true, readBy: '@cowork-gateway/redis' });
    expect(byKey.get('REDIS_URL')!.envAliases).to.deep.equal(['OPEN_COWORK_GATEWAY_REDIS_URL']);
    expect(byKey.get('REDIS_KEY_PREFIX')!.envAliases).to.deep.equal(['OPEN_COWORK_GATEWAY_REDIS_KEY_PREFIX']);
  });

  it('marks the URL secret and validates options', () => {
    expect(secretValuesOf(api.redisOptions, { url: 'redis://:hunter22@h:6379' })).to.include('redis://:hunter22@h:6379');
    expect(v.parse(api.redisOptions, { url: 'rediss://h:6380' })).to.deep.equal({
      url: 'rediss://h:6380',
      keyPrefix: 'cowork-gateway',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 1000,
      retryAfterSeconds: 5,
      tlsRejectUnauthorized: true,
    });
    expect(v.safeParse(api.redisOptions, { url: 'http://h' }).success).to.equal(false);
    expect(v.safeParse(api.redisOptions, { url: 'redis://h', keyPrefix: 'has space' }).success).to.equal(false);
    expect(v.safeParse(api.redisOptions, { url: 'redis://h', extra: 1 }).success).to.equal(false);
  });

  it('binds RedisAbuseControls as ABUSE_CONTROLS (DI smoke test)', async () => {
    const container = rootContainer.createChildContainer();
    const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
    container.register(LOGGER, { useValue: silent });
    redisPlugin.register(container, v.parse(api.redisOptions, { url: 'redis://127.0.0.1:1' }), { id: 'limits', plugin: redisPlugin.name, kind: 'extension' });
    const controls = container.resolve<AbuseControls>(ABUSE_CONTROLS);
    expect(controls).to.be.instanceOf(api.RedisAbuseControls);
    expect(controls.kind).to.equal('redis');
    await controls.close?.();
  });
});
