import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MAX_ATTACHMENT_BYTES,
  pluginEnabledBySettings,
  providerSelectionFromSettings,
  type KernelSettings,
  type LoadedConfig,
  type PluginChoices,
  type PluginSelection,
  type ProviderSelection,
} from '@cowork-gateway/core';
import { assertAttachmentLimit, assertEmail, assertSignedWebhook, assertSlack, assertTelegramWebhook } from './safety.js';
import {
  BRIDGE_PACKAGE,
  CLOUD_BRIDGE_PLUGINS,
  CLOUD_EXECUTOR_PACKAGE,
  CLOUD_PROVIDER_PLUGINS,
  CLOUD_STORE_PACKAGE,
  EMAIL_PACKAGE,
  SLACK_PACKAGE,
  TELEGRAM_PACKAGE,
  WEBHOOK_PACKAGE,
} from './settings.js';


/** Audit event types of this host start with `gateway.` (seed 001's daemon). */
export const CLOUD_GATEWAY_AUDIT_PREFIX = 'gateway';

const HOST_DIR = dirname(fileURLToPath(import.meta.url));

/** The instance id: INSTANCE_ID (or HOSTNAME), else `gateway`. */
export function instanceIdOf(config: LoadedConfig): string {
  return config.isSet('INSTANCE_ID') ? config.get<string>('INSTANCE_ID') : 'gateway';
}

/** How an env-enabled provider maps onto Cloud: its provider kind and its CHANNEL_BINDING_ID setting. */
interface EnvRoute {
  provider: string;
  bindingKey: string;
}

const ENV_ROUTES = new WeakMap<ProviderSelection, EnvRoute>();

function withRoute(selection: ProviderSelection, provider: string, bindingKey: string): ProviderSelection {
  ENV_ROUTES.set(selection, { provider, bindingKey });
  return selection;
}

/**
 * The config file's providers, plus the providers the flat settings enable: Telegram
 * (TELEGRAM_BOT_TOKEN), the signed webhook (WEBHOOK_SHARED_SECRET / WEBHOOK_DELIVERY_URL), each env
 * bridge (DISCORD_* / WHATSAPP_* / SIGNAL_* SHARED_SECRET or DELIVERY_URL), Slack (SLACK_BOT_TOKEN,
 * SLACK_SIGNING_SECRET or SLACK_APP_TOKEN) and email (EMAIL_INBOUND_SECRET, EMAIL_FROM or
 * EMAIL_SMTP_HOST). Each one's required secrets are checked here, naming the missing variable;
 * the option mapping itself is declared by each plugin.
 */
export function providerSelections(config: LoadedConfig): ProviderSelection[] {
  const selections = [...config.providers].map((selection) => fitAttachmentLimit(config, selection));
  if (pluginEnabledBySettings(CLOUD_PROVIDER_PLUGINS.telegram, config)) {
    const selection = providerSelectionFromSettings(CLOUD_PROVIDER_PLUGINS.telegram, config, TELEGRAM_PACKAGE);
    const { publicUrl, ...options } = selection.options as Record<string, unknown>;
    const webhook = options.mode === 'webhook';
    if (webhook) assertTelegramWebhook(config, publicUrl as string | undefined, options.webhookSecret as string | undefined);
    selections.push(withRoute({ ...selection, options: webhook ? { ...options, publicUrl } : options }, 'telegram', 'TELEGRAM_CHANNEL_BINDING_ID'));
  }
  if (signedWebhookEnabled(config, 'WEBHOOK')) {
    assertSignedWebhook(config, 'webhook', 'WEBHOOK');
    const selection = providerSelectionFromSettings(CLOUD_PROVIDER_PLUGINS.webhook, config, WEBHOOK_PACKAGE);
    selections.push(withRoute(fitAttachmentLimit(config, selection, 'WEBHOOK_MAX_ATTACHMENT_BYTES'), 'webhook', 'WEBHOOK_CHANNEL_BINDING_ID'));
  }
  for (const [name, plugin] of Object.entries(CLOUD_BRIDGE_PLUGINS)) {
    const N = name.toUpperCase();
    if (!signedWebhookEnabled(config, N)) continue;
    assertSignedWebhook(config, `${name} bridge`, N);
    const selection = providerSelectionFromSettings(plugin, config, BRIDGE_PACKAGE);
    const bridge = { ...selection, options: { platform: name, ...selection.options } };
    selections.push(withRoute(fitAttachmentLimit(config, bridge, `${N}_MAX_ATTACHMENT_BYTES`), name, `${N}_CHANNEL_BINDING_ID`));
  }
  if (['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'].some((key) => config.isSet(key))) {
    assertSlack(config);
    selections.push(withRoute(providerSelectionFromSettings(CLOUD_PROVIDER_PLUGINS.slack, config, SLACK_PACKAGE), 'slack', 'SLACK_CHANNEL_BINDING_ID'));
  }
  if (['EMAIL_INBOUND_SECRET', 'EMAIL_FROM', 'EMAIL_SMTP_HOST'].some((key) => config.isSet(key))) {
    assertEmail(config);
    selections.push(withRoute(providerSelectionFromSettings(CLOUD_PROVIDER_PLUGINS.email, config, EMAIL_PACKAGE), 'email', 'EMAIL_CHANNEL_BINDING_ID'));
  }
  return selections;
}

function signedWebhookEnabled(config: LoadedConfig, prefix: string): boolean {
  return config.isSet(`${prefix}_SHARED_SECRET`) || config.isSet(`${prefix}_DELIVERY_URL`);
}

/**
 * Webhook and bridge entries carry attachments inline in the request body, so their
 * `maxAttachmentBytes` cannot exceed MAX_REQUEST_BODY_BYTES: an explicit larger value is refused
 * (naming both settings); an unset one is lowered from the plugin default to the body cap.
 */
function fitAttachmentLimit(config: LoadedConfig, selection: ProviderSelection, settingKey?: string): ProviderSelection {
  if (selection.use !== WEBHOOK_PACKAGE && selection.use !== BRIDGE_PACKAGE) return selection;
  const cap = config.get<number>('MAX_REQUEST_BODY_BYTES');
  const options = selection.options as Record<string, unknown>;
  const limit = options.maxAttachmentBytes;
  if (typeof limit !== 'number') return { ...selection, options: { ...options, maxAttachmentBytes: Math.min(cap, DEFAULT_MAX_ATTACHMENT_BYTES) } };
  const key = settingKey && config.isSet(settingKey) ? config.envName(settingKey) : `${selection.key} option maxAttachmentBytes`;
  assertAttachmentLimit(config, key, limit, cap);
  return selection;
}

/**
 * Provider instance → Cloud channel binding routes. A provider the flat settings enabled uses
 * its `<PROVIDER>_CHANNEL_BINDING_ID` (Telegram's defaults to `telegram`, the others to their
 * instance id); a config-file provider's binding is its id.
 */
export function channelRoutes(config: LoadedConfig, selections: readonly ProviderSelection[]): { instance: string; provider: string; channelBindingId: string; workspaceId: string | null }[] {
  return selections.map((selection) => {
    const route = ENV_ROUTES.get(selection);
    if (route) {
      const channelBindingId = config.isSet(route.bindingKey) ? config.get<string>(route.bindingKey) : selection.id;
      return { instance: selection.id, provider: route.provider, channelBindingId, workspaceId: null };
    }
    return { instance: selection.id, provider: providerKind(selection), channelBindingId: selection.id, workspaceId: null };
  });
}

/** A config-file provider's kind as Cloud knows it: from its package, a bridge's platform, else its id without a `-suffix`. */
function providerKind(selection: ProviderSelection): string {
  const kinds: Record<string, string> = { [TELEGRAM_PACKAGE]: 'telegram', [WEBHOOK_PACKAGE]: 'webhook', [SLACK_PACKAGE]: 'slack', [EMAIL_PACKAGE]: 'email' };
  if (kinds[selection.use]) return kinds[selection.use]!;
  if (selection.use === BRIDGE_PACKAGE) return String((selection.options as Record<string, unknown>).platform ?? 'generic');
  return selection.id.replace(/-[a-z0-9]+$/, '');
}

/** The Cloud store's options: the connection from env only, and the provider routes. */
export function cloudStoreSelection(config: LoadedConfig): PluginSelection {
  return {
    use: CLOUD_STORE_PACKAGE,
    key: config.envName('SERVICE_TOKEN'),
    source: 'env',
    options: {
      baseUrl: config.get<string>('CLOUD_BASE_URL'),
      serviceToken: config.get<string>('SERVICE_TOKEN'),
      instanceId: instanceIdOf(config),
      requestTimeoutMs: config.get<number>('CLOUD_REQUEST_TIMEOUT_MS'),
      channels: channelRoutes(config, providerSelections(config)),
    },
  };
}

/** The preset's plugin choices: the Cloud store and executor, and the enabled providers. */
export const CLOUD_GATEWAY_CHOICES: PluginChoices = {
  store: cloudStoreSelection,
  executor: (config) => ({
    use: CLOUD_EXECUTOR_PACKAGE,
    key: config.envName('PRODUCT_MODE'),
    source: 'env',
    options: config.isSet('DEFAULT_AGENT') ? { defaultAgent: config.get<string>('DEFAULT_AGENT') } : {},
  }),
  providers: providerSelections,
  searchDirs: [HOST_DIR],
};

/** Kernel settings of this preset: its audit prefix. */
export function cloudKernelSettings(): Partial<KernelSettings> {
  return { auditPrefix: CLOUD_GATEWAY_AUDIT_PREFIX };
}
