/**
 * @packageDocumentation
 * Core of cowork-gateway: the four contracts (Provider, ExecutionAuthority, Store, Renderer),
 * the plugin API, configuration, the HTTP server and the kernel pipeline.
 */
export { injectable, inject, singleton, Lifecycle, container as rootContainer, type DependencyContainer } from './di.js';
export * from './contracts/common.js';
export * from './contracts/provider.js';
export * from './contracts/execution-authority.js';
export * from './contracts/store.js';
export * from './contracts/renderer.js';
export * from './errors.js';
export * from './tokens.js';
export { definePlugin, isGatewayPlugin, pluginOptionsJsonSchema, INSTANCE_ID_PATTERN, type PluginSpec, type GatewayPlugin } from './plugin.js';
export * from './logging.js';
export * from './redaction.js';
export { loadPluginModule, instantiatePlugin, describeIssue, CORE_VERSION, type PluginLocation, type PluginInstance, type InstantiateOptions } from './plugin-loader.js';
export { satisfiesRange } from './semver-range.js';
export {
  Kernel,
  adminRoutes,
  DEFAULT_KERNEL_SETTINGS,
  backoffDelayMs,
  CircuitBreaker,
  authorizePrompt,
  canPrompt,
  chunkIdsFor,
  type KernelOptions,
  type KernelSettings,
  type BackoffPolicy,
  type CircuitState,
  type CircuitOptions,
  type AuthorizationDecision,
  type DenyReason,
  type IngestResult,
  type ReadinessReport,
  type ProviderReadiness,
  type OverallStatus,
} from './kernel/index.js';
export {
  CORE_SETTINGS,
  describeSettingType,
  parseSettingValue,
  ConfigUnknownSetting,
  loadConfig,
  configFileJsonSchema,
  renderSettingsTable,
  type SettingParseResult,
  type SettingSpec,
  type SettingType,
  type IdentityBootstrap,
  type LoadConfigOptions,
  type LoadedConfig,
  type PluginSelection,
  type ProviderSelection,
} from './config/index.js';
export {
  startHttpServer,
  createHttpApp,
  HTTP_SERVER_LIMITS,
  FixedWindowRateLimiter,
  resolveClientAddress,
  createClientAddressResolver,
  adminTokenMatches,
  type GatewayHttpOptions,
  type HttpRequest,
  type HttpResponse,
  type HttpRoute,
  type RunningHttpServer,
  type RateLimitDecision,
  type ClientAddressOptions,
} from './http/index.js';
export {
  DefaultRenderer,
  coalesceFinalText,
  splitText,
  splitFormatted,
  chunkDeliveryIds,
  formatMarkdown,
  formatTelegramHtml,
  formatSlackMrkdwn,
  formatPlain,
  type MarkdownDialect,
} from './render/index.js';
