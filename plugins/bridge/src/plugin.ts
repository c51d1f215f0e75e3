import { Lifecycle, PROVIDER, definePlugin, type DependencyContainer, type GatewayPlugin } from '@cowork-gateway/core';
import { BridgeProvider } from './bridge-provider.js';
import { BRIDGE_ENV_NAMES, BRIDGE_OPTIONS, bridgeOptions, bridgeSettings, type BridgeEnvName, type BridgeOptions } from './options.js';

const NAME = '@cowork-gateway/bridge';
const DESCRIPTION = 'Named signed bridges (Discord, WhatsApp, Signal relays or any custom channel): each its own secret, delivery URL and delivery policy, on the webhook wire.';

function register(container: DependencyContainer, options: BridgeOptions): void {
  container.register(BRIDGE_OPTIONS, { useValue: options });
  container.register(PROVIDER, { useClass: BridgeProvider }, { lifecycle: Lifecycle.ContainerScoped });
}

/** The bridge provider plugin: one instance per `providers[]` entry (`use: "@cowork-gateway/bridge"`). */
export const bridgePlugin = definePlugin({ name: NAME, kind: 'provider', core: '^0.1.0', description: DESCRIPTION, configSchema: bridgeOptions, register });

/**
 * The same plugin as seen by a host that turns bridge `name` on from env: its flat settings
 * (`<NAME>_DELIVERY_URL` enables, `<NAME>_PROVIDER_ID` names the instance). The host adds
 * `platform: name` to the options.
 */
export function bridgeEnvPlugin(name: BridgeEnvName): GatewayPlugin {
  const N = name.toUpperCase();
  return definePlugin({
    name: NAME,
    kind: 'provider',
    core: '^0.1.0',
    description: DESCRIPTION,
    configSchema: bridgeOptions,
    settings: bridgeSettings(name),
    enabledBy: `${N}_DELIVERY_URL`,
    instanceIdSetting: `${N}_PROVIDER_ID`,
    register,
  });
}

/** {@link bridgeEnvPlugin} for every env bridge name, by name. */
export const bridgeEnvPlugins: Readonly<Record<BridgeEnvName, GatewayPlugin>> = Object.freeze(
  Object.fromEntries(BRIDGE_ENV_NAMES.map((name) => [name, bridgeEnvPlugin(name)])) as Record<BridgeEnvName, GatewayPlugin>,
);
