import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  pluginEnabledBySettings,
  providerSelectionFromSettings,
  type KernelSettings,
  type LoadedConfig,
  type PluginChoices,
  type PluginSelection,
  type ProviderSelection,
} from '@cowork-gateway/core';
import { telegramPlugin } from '@cowork-gateway/telegram';
import { assertTelegramWebhook } from './safety.js';
import { CLOUD_EXECUTOR_PACKAGE, CLOUD_STORE_PACKAGE, TELEGRAM_PACKAGE } from './settings.js';

/** Audit event types of this host start with `gateway.` (seed 001's daemon). */
export const CLOUD_GATEWAY_AUDIT_PREFIX = 'gateway';

const HOST_DIR = dirname(fileURLToPath(import.meta.url));

/** The instance id: INSTANCE_ID (or HOSTNAME), else `gateway`. */
export function instanceIdOf(config: LoadedConfig): string {
  return config.isSet('INSTANCE_ID') ? config.get<string>('INSTANCE_ID') : 'gateway';
}

/** The config file's providers plus Telegram when TELEGRAM_BOT_TOKEN is set. */
export function providerSelections(config: LoadedConfig): ProviderSelection[] {
  const selections = [...config.providers];
  if (pluginEnabledBySettings(telegramPlugin, config)) {
    const selection = providerSelectionFromSettings(telegramPlugin, config, TELEGRAM_PACKAGE);
    const { publicUrl, ...options } = selection.options as Record<string, unknown>;
    const webhook = options.mode === 'webhook';
    if (webhook) assertTelegramWebhook(config, publicUrl as string | undefined, options.webhookSecret as string | undefined);
    selections.push({ ...selection, options: webhook ? { ...options, publicUrl } : options });
  }
  return selections;
}

/**
 * Provider instance → Cloud channel binding routes: Telegram's from TELEGRAM_CHANNEL_BINDING_ID,
 * a config-file provider's from its `channelBindingId` entry option (default: its id).
 */
export function channelRoutes(config: LoadedConfig, selections: readonly ProviderSelection[]): { instance: string; provider: string; channelBindingId: string; workspaceId: string | null }[] {
  return selections.map((selection) => {
    const telegram = selection.use === TELEGRAM_PACKAGE;
    const channelBindingId = telegram ? config.get<string>('TELEGRAM_CHANNEL_BINDING_ID') : selection.id;
    const kind = telegram ? 'telegram' : selection.id.replace(/-[a-z0-9]+$/, '');
    return { instance: selection.id, provider: kind, channelBindingId, workspaceId: null };
  });
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
