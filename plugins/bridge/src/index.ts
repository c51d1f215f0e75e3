/**
 * @packageDocumentation
 * `@cowork-gateway/bridge`: any number of named signed bridges (a Discord, WhatsApp or Signal
 * relay, or a custom channel), each with its own secret, delivery URL and delivery policy, on
 * the same wire as `@cowork-gateway/webhook` (`docs/webhook-wire.md`). `./testing` has a
 * loopback fake bridge.
 */
import { bridgePlugin } from './plugin.js';

export { bridgePlugin, bridgeEnvPlugin, bridgeEnvPlugins } from './plugin.js';
export { BridgeProvider } from './bridge-provider.js';
export {
  bridgeOptions,
  bridgeSettings,
  BRIDGE_OPTIONS,
  BRIDGE_PLATFORMS,
  BRIDGE_PROFILES,
  BRIDGE_ENV_NAMES,
  type BridgeOptions,
  type BridgePlatform,
  type BridgeEnvName,
} from './options.js';

export default bridgePlugin;
