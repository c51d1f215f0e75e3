/**
 * @packageDocumentation
 * `@cowork-gateway/cloud-executor`: Open Cowork Cloud as the execution authority (the Cloud
 * Channel Gateway). The executor plugin is the default export; the Cloud store plugin is the
 * default export of `@cowork-gateway/cloud-executor/store`; the fake Cloud is in `./testing`.
 */
import { cloudExecutorPlugin } from './plugin.js';

export { cloudExecutorPlugin, cloudStorePlugin, CloudStoreRequired } from './plugin.js';
export { CloudExecutor, CloudEventUnrenderable, CloudInteractionUnknown } from './cloud-executor.js';
export { CloudStore, CloudIdentityCloudOwned } from './cloud-store.js';
export { CloudChannel, CloudRouteUnknown, CloudThreadUnbound, type ChannelRoute, type ThreadRef } from './channel.js';
export { CloudClient, CloudError, isCloudError, type CloudClientOptions, type CloudErrorKind, type CloudSseEvent } from './cloud-client.js';
export {
  CloudApi,
  type ChannelCursorUpdateResult,
  type ChannelDeliveryRecord,
  type ChannelIdentityRecord,
  type ChannelProviderEventRecord,
  type ChannelSessionBindingRecord,
  type CloudSessionEvent,
  type CloudSessionView,
  type SessionCommandRecord,
} from './cloud-api.js';
export { CloudDeliveries, deliveryText, targetOf, type CloudDeliveriesOptions, type DeliveryProviders } from './deliveries.js';
export { CloudMetrics, CLOUD_COUNTERS, type CloudCounter } from './metrics.js';
export {
  cloudConnectionOptions,
  cloudExecutorOptions,
  CLOUD_CONNECTION_OPTIONS,
  CLOUD_EXECUTOR_OPTIONS,
  type CloudConnectionInput,
  type CloudConnectionOptions,
  type CloudExecutorOptions,
} from './options.js';

export default cloudExecutorPlugin;
