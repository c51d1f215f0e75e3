import { CORE_SETTINGS, pluginSettingSpecs, type GatewayPlugin, type SettingSpec } from '@cowork-gateway/core';
import { bridgeEnvPlugins } from '@cowork-gateway/bridge';
import { emailPlugin } from '@cowork-gateway/email';
import { slackPlugin } from '@cowork-gateway/slack';
import { telegramPlugin } from '@cowork-gateway/telegram';
import { webhookPlugin } from '@cowork-gateway/webhook';

/** Every env key of this host is `OPEN_COWORK_GATEWAY_<KEY>` (seed 001). */
export const CLOUD_GATEWAY_PREFIX = 'OPEN_COWORK_GATEWAY_';
export const CLOUD_GATEWAY_PACKAGE = '@cowork-gateway/cloud-channel-gateway';
export const CLOUD_EXECUTOR_PACKAGE = '@cowork-gateway/cloud-executor';
export const CLOUD_STORE_PACKAGE = '@cowork-gateway/cloud-executor/store';
export const TELEGRAM_PACKAGE = '@cowork-gateway/telegram';
export const WEBHOOK_PACKAGE = '@cowork-gateway/webhook';
export const BRIDGE_PACKAGE = '@cowork-gateway/bridge';
export const SLACK_PACKAGE = '@cowork-gateway/slack';
export const EMAIL_PACKAGE = '@cowork-gateway/email';
/** core's fake provider (tests and demos); refused when the daemon is exposed publicly (§9). */
export const FAKE_PROVIDER_PACKAGE = '@cowork-gateway/core/testing/fake-provider';
/** The seed's default port of the Cloud Channel Gateway. */
export const CLOUD_GATEWAY_PORT = 8790;

export const PRODUCT_MODES = ['cloud_channel', 'standalone', 'hybrid'] as const;

const host = (spec: Omit<SettingSpec, 'readBy'>): SettingSpec => ({ ...spec, readBy: CLOUD_GATEWAY_PACKAGE });

/** Settings this host reads itself (seed 001 and cloud-protocol.md §9, §12 names). */
export const CLOUD_GATEWAY_SETTINGS: readonly SettingSpec[] = [
  host({ key: 'PRODUCT_MODE', type: 'string', default: 'cloud_channel', description: 'Execution authority: cloud_channel (this daemon); standalone is the separate @cowork-gateway/standalone-gateway; hybrid is reserved.' }),
  host({ key: 'MODE', type: 'enum', values: ['self-host', 'managed'], default: 'self-host', description: 'Deployment posture (labels and diagnostics; the loopback operator bypass needs self-host).' }),
  host({ key: 'CLOUD_BASE_URL', type: 'string', envAliases: ['OPEN_COWORK_CLOUD_BASE_URL'], description: 'Open Cowork Cloud base URL (env OPEN_COWORK_CLOUD_BASE_URL); https unless loopback or ALLOW_INSECURE_HTTP.' }),
  host({ key: 'SERVICE_TOKEN', type: 'string', secret: true, description: 'Gateway-scoped Cloud API token occ_<tokenId>_<secret>, sent as Authorization: Bearer.' }),
  host({ key: 'INSTANCE_ID', type: 'string', envAliases: ['HOSTNAME'], description: 'This gateway\'s id; Cloud claims are made as gateway:<id>. Default: HOSTNAME, else "gateway".' }),
  host({ key: 'ALLOW_INSECURE_HTTP', type: 'boolean', default: false, description: 'Allow a plain-http Cloud URL on a non-loopback host (local all-in-one labs only).' }),
  host({ key: 'ALLOW_LOOPBACK_OPERATOR_BYPASS', type: 'boolean', default: false, description: 'Let loopback requests use the operator endpoints without the admin token; only self-host, loopback bind, no public URL, not proxy-forwarded.' }),
  host({ key: 'CLOUD_REQUEST_TIMEOUT_MS', type: 'integer', default: 30_000, min: 100, max: 120_000, description: 'Timeout of one Cloud request in milliseconds.' }),
  host({ key: 'SHUTDOWN_DRAIN_TIMEOUT_MS', type: 'integer', default: 10_000, min: 0, max: 600_000, description: 'How long shutdown waits for in-flight Cloud deliveries to be sent and acked, in milliseconds.' }),
  host({ key: 'MAX_DELIVERY_CONCURRENCY', type: 'integer', default: 8, min: 1, max: 256, description: 'Cloud deliveries sent at once (per-lane order is kept).' }),
  host({ key: 'MAX_DELIVERY_QUEUE_DEPTH', type: 'integer', default: 512, min: 1, max: 100_000, description: 'Cloud deliveries held locally; over it a delivery is shed unacked and Cloud re-serves it.' }),
  host({ key: 'METRICS_ENABLED', type: 'boolean', default: true, description: 'Serve GET /metrics (Prometheus text; operator auth).' }),
  host({ key: 'DIAGNOSTICS_ENABLED', type: 'boolean', default: true, description: 'Serve GET /diagnostics (redacted; operator auth).' }),
  host({ key: 'DEFAULT_AGENT', type: 'string', description: 'Agent named in prompts; unset lets Cloud choose (build).' }),
  host({ key: 'TELEGRAM_CHANNEL_BINDING_ID', type: 'string', default: 'telegram', description: 'Cloud channel binding the Telegram provider serves.' }),
  host({ key: 'WEBHOOK_CHANNEL_BINDING_ID', type: 'string', description: 'Cloud channel binding the signed webhook provider serves. Default: its instance id (WEBHOOK_PROVIDER_ID, "webhook").' }),
  ...Object.keys(bridgeEnvPlugins).map((name) =>
    host({ key: `${name.toUpperCase()}_CHANNEL_BINDING_ID`, type: 'string', description: `Cloud channel binding the ${name} bridge serves. Default: its instance id (${name.toUpperCase()}_PROVIDER_ID, "${name}").` }),
  ),
  host({ key: 'SLACK_CHANNEL_BINDING_ID', type: 'string', description: 'Cloud channel binding the Slack provider serves. Default: its instance id (SLACK_PROVIDER_ID, "slack").' }),
  host({ key: 'EMAIL_CHANNEL_BINDING_ID', type: 'string', description: 'Cloud channel binding the email provider serves. Default: its instance id (EMAIL_PROVIDER_ID, "email").' }),
  host({ key: 'ALLOW_PUBLIC_FAKE_PROVIDER', type: 'boolean', default: false, description: 'Self-host only: allow the test fake provider (@cowork-gateway/core/testing/fake-provider) on a non-loopback bind or with a public URL.' }),
];

/** The provider plugins this host turns on from flat settings; their settings come from the plugins. */
export const CLOUD_PROVIDER_PLUGINS = { telegram: telegramPlugin, webhook: webhookPlugin, slack: slackPlugin, email: emailPlugin } as const;
/** Env bridges by name (DISCORD_*, WHATSAPP_*, SIGNAL_*). */
export const CLOUD_BRIDGE_PLUGINS = bridgeEnvPlugins;

/** Core's settings with this host's defaults (port 8790). */
const CORE_FOR_CLOUD = CORE_SETTINGS.map((spec) => (spec.key === 'PORT' ? { ...spec, default: CLOUD_GATEWAY_PORT } : spec));

/**
 * A plugin's settings under this host's prefix. The plugins name seed 001's `OPEN_COWORK_GATEWAY_*`
 * variables as fallbacks for other hosts; here they are the primary names, so those are dropped.
 */
function providerSettings(plugin: GatewayPlugin): SettingSpec[] {
  return pluginSettingSpecs(plugin).map((spec) => {
    const aliases = spec.envAliases?.filter((alias) => alias !== CLOUD_GATEWAY_PREFIX + spec.key);
    const { envAliases: _dropped, ...rest } = spec;
    return aliases && aliases.length > 0 ? { ...rest, envAliases: aliases } : rest;
  });
}

/** Every setting of the host: core's, its own, and those its provider plugins declare. */
export const ALL_CLOUD_GATEWAY_SETTINGS: readonly SettingSpec[] = [
  ...CORE_FOR_CLOUD,
  ...CLOUD_GATEWAY_SETTINGS,
  ...providerSettings(telegramPlugin),
  ...providerSettings(webhookPlugin),
  ...Object.values(bridgeEnvPlugins).flatMap((plugin) => providerSettings(plugin)),
  ...providerSettings(slackPlugin),
  ...providerSettings(emailPlugin),
];
