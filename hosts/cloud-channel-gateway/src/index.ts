/**
 * @packageDocumentation
 * The Cloud Channel Gateway host preset (topology `cloud-channel-gateway`): core's boot API with
 * the Cloud store and executor, the enabled channel providers, the Cloud delivery subscription
 * and the operator endpoints. CLI `cowork-gateway`; embed it with {@link startCloudGateway}.
 */
export { startCloudGateway, loadCloudGatewayConfig, createCloudGatewayLogger, type RunningCloudGateway, type StartCloudGatewayOptions } from './gateway.js';
export { CLOUD_GATEWAY_CHOICES, CLOUD_GATEWAY_AUDIT_PREFIX, channelRoutes, cloudStoreSelection, instanceIdOf, providerSelections } from './preset.js';
export {
  AdminTokenRequired,
  AttachmentLimitAboveBodyCap,
  CloudSettingRequired,
  CloudUrlInvalid,
  FakeProviderExposed,
  LoopbackBypassRefused,
  NoProviders,
  PlaceholderSecret,
  ProductModeInvalid,
  ProductModeReserved,
  ProductModeStandalone,
  ProviderSettingRequired,
  PublicUrlInvalid,
  TelegramWebhookIncomplete,
  assertProductMode,
  assertSafeConfig,
  isLoopbackHost,
  loopbackBypassAllowed,
} from './safety.js';
export { GatewayMetrics, OperatorBindingUnknown, OperatorDeliveryUnknown, OperatorDisabled, OperatorQueryInvalid, OperatorUnauthorized, operatorRoutes, operatorTokenMatches, readiness } from './operator.js';
export { runSetup, SetupInvalid, type SetupArgs, type SetupResult } from './setup.js';
export { ALL_CLOUD_GATEWAY_SETTINGS, CLOUD_GATEWAY_SETTINGS, CLOUD_GATEWAY_PREFIX, CLOUD_GATEWAY_PORT, CLOUD_BRIDGE_PLUGINS, CLOUD_PROVIDER_PLUGINS, FAKE_PROVIDER_PACKAGE, PRODUCT_MODES } from './settings.js';
