/**
 * @packageDocumentation
 * The Standalone Gateway host preset: picks the plugins of the `gateway-only` topology and
 * exposes the `cowork-standalone-gateway` CLI. Embed it with {@link startGateway}.
 */
export { startGateway, createHostLogger, AdminTokenRequired, type RunningGateway, type StartGatewayOptions } from './gateway.js';
export {
  assemblePlugins,
  assembleStore,
  buildKernel,
  kernelSettingsFrom,
  standaloneKernelSettings,
  StoreUnavailable,
  STANDALONE_AUDIT_PREFIX,
  STANDALONE_CHOICES,
  type AssembledPlugins,
} from './preset.js';
export { runIdentityCommand, IdentityArgsInvalid, IdentityRemoteFailed, type IdentityAction, type IdentityArgs } from './identity-command.js';
export { STANDALONE_PREFIX, STANDALONE_SETTINGS, ALL_STANDALONE_SETTINGS, STORE_PACKAGES } from './settings.js';
