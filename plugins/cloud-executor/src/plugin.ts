import { EXECUTOR, LOGGER, Lifecycle, STORE, defineError, definePlugin, resolve } from '@cowork-gateway/core';
import { CloudExecutor } from './cloud-executor.js';
import { CloudStore } from './cloud-store.js';
import { CLOUD_CONNECTION_OPTIONS, CLOUD_EXECUTOR_OPTIONS, cloudConnectionOptions, cloudExecutorOptions } from './options.js';

export const CloudStoreRequired = defineError<{ store: string }>({
  code: 'cloud.store_required',
  status: 400,
  message: ({ store }) => `cloud.store_required: the Cloud executor runs on the Cloud store (@cowork-gateway/cloud-executor/store), not on the "${store}" store; Cloud owns claims, identities and thread bindings`,
});

/**
 * The Cloud store plugin: Cloud-owned identities, inbound claims and thread bindings over an
 * in-process runtime store. Bound as `STORE`.
 */
export const cloudStorePlugin = definePlugin({
  name: '@cowork-gateway/cloud-executor/store',
  kind: 'store',
  core: '^0.1.0',
  description: 'Cloud Channel Gateway store: identities, inbound claims, thread bindings and cursors owned by Open Cowork Cloud; runtime state in process.',
  configSchema: cloudConnectionOptions,
  register(container, options) {
    container.register(CLOUD_CONNECTION_OPTIONS, { useValue: options });
    container.register(STORE, { useClass: CloudStore }, { lifecycle: Lifecycle.ContainerScoped });
  },
});

/** The Cloud executor plugin: needs the Cloud store (it shares its connection). Bound as `EXECUTOR`. */
export const cloudExecutorPlugin = definePlugin({
  name: '@cowork-gateway/cloud-executor',
  kind: 'executor',
  core: '^0.1.0',
  description: 'Open Cowork Cloud as the execution authority: thread binding, idempotent prompts, ordered session-event streams with Cloud cursors, interactions.',
  configSchema: cloudExecutorOptions,
  register(container, options) {
    container.register(CLOUD_EXECUTOR_OPTIONS, { useValue: options });
    let executor: CloudExecutor | undefined;
    container.register(EXECUTOR, {
      useFactory: (c) => {
        if (executor) return executor;
        const store = resolve(c, STORE);
        if (!(store instanceof CloudStore)) throw new CloudStoreRequired({ store: store.kind });
        void resolve(c, LOGGER);
        return (executor = new CloudExecutor(store.channel, options));
      },
    });
  },
});
