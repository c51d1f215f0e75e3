import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import { EXECUTOR, STORE, errorRegistry, instantiatePlugin, isGatewayPlugin, rootContainer, silentLogger, isGatewayError } from '@cowork-gateway/core';
import { MemoryStore } from '@cowork-gateway/memory-store';
import * as api from '../src/index.js';
import cloudExecutorPlugin from '../src/index.js';
import cloudStorePlugin from '../src/store-entry.js';
import * as testing from '../src/testing/index.js';

describe('@cowork-gateway/cloud-executor exports', () => {
  it('default-exports the executor plugin, and ./store the store plugin', () => {
    expect(isGatewayPlugin(cloudExecutorPlugin)).to.equal(true);
    expect(cloudExecutorPlugin).to.include({ name: '@cowork-gateway/cloud-executor', kind: 'executor', core: '^0.1.0' });
    expect(isGatewayPlugin(cloudStorePlugin)).to.equal(true);
    expect(cloudStorePlugin).to.include({ name: '@cowork-gateway/cloud-executor/store', kind: 'store' });
    expect(cloudStorePlugin).to.equal(api.cloudStorePlugin);
  });

  it('has exactly the documented named and testing exports', () => {
    expect(Object.keys(api).sort()).to.deep.equal([
      'CLOUD_CONNECTION_OPTIONS', 'CLOUD_COUNTERS', 'CLOUD_EXECUTOR_OPTIONS', 'CloudApi', 'CloudChannel', 'CloudClient', 'CloudDeliveries', 'CloudError',
      'CloudEventUnrenderable', 'CloudExecutor', 'CloudIdentityCloudOwned', 'CloudInteractionUnknown', 'CloudMetrics', 'CloudRouteUnknown', 'CloudStore',
      'CloudStoreRequired', 'CloudThreadUnbound', 'cloudConnectionOptions', 'cloudExecutorOptions', 'cloudExecutorPlugin', 'cloudStorePlugin', 'default',
      'deliveryText', 'isCloudError', 'targetOf',
    ].sort());
    expect(Object.keys(testing)).to.deep.equal(['FakeCloud']);
  });

  it('registers its error codes with stable statuses', () => {
    const expected: Record<string, number> = {
      'cloud.unauthorized': 502, 'cloud.forbidden': 403, 'cloud.not_found': 404, 'cloud.conflict': 409, 'cloud.rate_limited': 429,
      'cloud.unavailable': 503, 'cloud.bad_request': 400, 'cloud.timeout': 504, 'cloud.invalid_response': 502, 'cloud.stream_failed': 503,
      'cloud.request_invalid': 400, 'cloud.payment_required': 402, 'cloud.aborted': 503, 'cloud.route_unknown': 400, 'cloud.thread_unbound': 409,
      'cloud.identity_cloud_owned': 400, 'cloud.event_unrenderable': 502, 'cloud.interaction_unknown': 404, 'cloud.store_required': 400,
    };
    for (const [code, status] of Object.entries(expected)) expect(errorRegistry.get(code), code).to.deep.equal({ status });
  });

  it('validates its options: a token that is not occ_<id>_<secret> is refused without echoing it', () => {
    const bad = v.safeParse(api.cloudConnectionOptions, { baseUrl: 'https://cloud.example.com', serviceToken: 'sk-secret-value' });
    expect(bad.success).to.equal(false);
    expect(JSON.stringify(bad.issues?.map((i) => i.message))).to.not.include('sk-secret-value');
  });

  it('registers through the plugin API; the executor refuses a store that is not the Cloud store', () => {
    const connection = { baseUrl: 'http://127.0.0.1:9', serviceToken: 'occ_tok_AAAAAAAAAAAAAAAA_secret', channels: [{ instance: 'telegram', channelBindingId: 'cb' }] };
    const storeInstance = instantiatePlugin({ plugin: cloudStorePlugin, use: '@cowork-gateway/cloud-executor/store', key: 'store', instanceId: 'store', expectedKind: 'store', rawOptions: connection, parent: rootContainer.createChildContainer(), logger: silentLogger });
    const store = storeInstance.container.resolve(STORE);
    expect(store).to.be.instanceOf(api.CloudStore);
    const parent = rootContainer.createChildContainer();
    parent.register(STORE, { useValue: store });
    const executor = instantiatePlugin({ plugin: cloudExecutorPlugin, use: '@cowork-gateway/cloud-executor', key: 'executor', instanceId: 'executor', expectedKind: 'executor', rawOptions: {}, parent, logger: silentLogger });
    expect(executor.container.resolve(EXECUTOR)).to.be.instanceOf(api.CloudExecutor);
    const other = rootContainer.createChildContainer();
    other.register(STORE, { useValue: new MemoryStore({ maxEventsPerSession: 10 }) });
    const refused = instantiatePlugin({ plugin: cloudExecutorPlugin, use: '@cowork-gateway/cloud-executor', key: 'executor', instanceId: 'executor', expectedKind: 'executor', rawOptions: {}, parent: other, logger: silentLogger });
    let caught: unknown;
    try {
      refused.container.resolve(EXECUTOR);
    } catch (error) {
      caught = error;
    }
    expect(isGatewayError(caught, 'cloud.store_required')).to.equal(true);
  });
});
