import {
  defineError,
  pluginEnabledBySettings,
  pluginOptionsFromSettings,
  pluginSelectionFromSettings,
  providerSelectionFromSettings,
  type LoadedConfig,
  type PluginSelection,
  type ProviderSelection,
} from '@cowork-gateway/core';
import type { GatewayPlugin } from '@cowork-gateway/core';
import { BRIDGE_PACKAGE, BRIDGE_SHORTCUTS, OPENCODE_PACKAGE, REDIS_PACKAGE, SHORTCUT_PLUGINS, SLACK_PACKAGE, EMAIL_PACKAGE, STORE_PACKAGES, TELEGRAM_PACKAGE, WEBHOOK_PACKAGE } from './settings.js';

// This preset's shortcuts: which plugin the flat settings select (STORE, OPENCODE_URL /
// OPENCODE_MANAGED, TELEGRAM_BOT_TOKEN, EMAIL_INBOUND_SECRET) and its fail-closed rules. The option mapping itself
// (DATABASE_* → pg-store options, …) is declared by each plugin and applied by core.
// A structured `store` / `executor` / `providers[]` entry in the config file always wins.

export const DatabaseUrlRequired = defineError<{ key: string; store: string }>({
  code: 'host.database_url_required',
  status: 400,
  message: ({ key, store }) =>
    `host.database_url_required: ${store}=postgres needs ${key} (postgres://user:password@host:5432/db); or set ${store}=memory for an ephemeral single-process store`,
});

export const TelegramWebhookIncomplete = defineError<{ missing: string }>({
  code: 'host.telegram_webhook_incomplete',
  status: 400,
  message: ({ missing }) => `host.telegram_webhook_incomplete: Telegram webhook mode needs ${missing}; or use TELEGRAM_MODE=polling`,
});

export const SignedWebhookIncomplete = defineError<{ provider: string; missing: string }>({
  code: 'host.webhook_incomplete',
  status: 400,
  message: ({ provider, missing }) => `host.webhook_incomplete: the ${provider} provider needs both a shared secret and a delivery URL; set ${missing}`,
});

export const SlackSigningSecretRequired = defineError<{ key: string; enabledBy: string }>({
  code: 'host.slack_signing_secret_required',
  status: 400,
  message: ({ key, enabledBy }) =>
    `host.slack_signing_secret_required: ${enabledBy} enables Slack in events mode, which needs ${key} (the app's Signing Secret, Basic Information → App Credentials) to verify every request from Slack; or use SLACK_MODE=socket with SLACK_APP_TOKEN`,
});

export const SlackAppTokenRequired = defineError<{ key: string; mode: string }>({
  code: 'host.slack_app_token_required',
  status: 400,
  message: ({ key, mode }) => `host.slack_app_token_required: ${mode}=socket needs ${key} (an app-level xapp- token with connections:write, Basic Information → App-Level Tokens)`,
});

/** The store: the config file's `store`, else the STORE shortcut with the DATABASE_* settings. */
export function storeSelection(config: LoadedConfig): PluginSelection {
  if (config.store) return config.store;
  const store = config.get<string>('STORE');
  const selection = { use: STORE_PACKAGES[store]!, options: {}, key: config.envName('STORE'), source: config.sourceOf('STORE') };
  if (store !== 'postgres') return selection;
  if (!config.isSet('DATABASE_URL')) throw new DatabaseUrlRequired({ key: config.envName('DATABASE_URL'), store: config.envName('STORE') });
  return { ...selection, options: postgresOptions(config) };
}

/** The pg-store options the DATABASE_* settings describe (mapped by the plugin's declared settings). */
export function postgresOptions(config: LoadedConfig): Record<string, unknown> {
  return pluginOptionsFromSettings(SHORTCUT_PLUGINS.pgStore, config);
}

/**
 * The executor: the config file's `executor`, else OpenCode at OPENCODE_URL, else a managed
 * private OpenCode (unless OPENCODE_MANAGED=false, which runs without an executor).
 */
export function executorSelection(config: LoadedConfig): PluginSelection | null {
  if (config.executor) return config.executor;
  const external = config.isSet('OPENCODE_URL');
  if (!external && !config.get<boolean>('OPENCODE_MANAGED')) return null;
  const keyName = external ? 'OPENCODE_URL' : 'OPENCODE_MANAGED';
  const selection = pluginSelectionFromSettings(SHORTCUT_PLUGINS.opencode, config, OPENCODE_PACKAGE, keyName);
  const { password, managed, ...options } = selection.options as Record<string, unknown>;
  // A managed server gets a generated password; an external one has no managed section.
  return { ...selection, options: external ? { ...options, ...(password === undefined ? {} : { password }) } : { ...options, managed: managed ?? {} } };
}

/**
 * The config file's providers, plus Telegram when TELEGRAM_BOT_TOKEN is set, Slack when
 * SLACK_BOT_TOKEN is set, email when EMAIL_INBOUND_SECRET is set, the signed webhook
 * when WEBHOOK_SHARED_SECRET or WEBHOOK_DELIVERY_URL is set, and each env bridge (DISCORD_*,
 * WHATSAPP_*, SIGNAL_*) when its DELIVERY_URL or SHARED_SECRET is set.
 */
export function providerSelections(config: LoadedConfig): ProviderSelection[] {
  const selections = [...config.providers];
  if (pluginEnabledBySettings(SHORTCUT_PLUGINS.telegram, config)) selections.push(telegramSelection(config));
  if (pluginEnabledBySettings(SHORTCUT_PLUGINS.slack, config)) selections.push(slackSelection(config));
  // EMAIL_FROM, EMAIL_SMTP_HOST and the rest are checked by the plugin's schema, naming the option.
  if (pluginEnabledBySettings(SHORTCUT_PLUGINS.email, config)) selections.push(providerSelectionFromSettings(SHORTCUT_PLUGINS.email, config, EMAIL_PACKAGE));
  const webhook = signedWebhookSelection(config, SHORTCUT_PLUGINS.webhook, WEBHOOK_PACKAGE, 'WEBHOOK', 'webhook');
  if (webhook) selections.push(webhook);
  for (const [name, plugin] of Object.entries(BRIDGE_SHORTCUTS)) {
    const bridge = signedWebhookSelection(config, plugin, BRIDGE_PACKAGE, name.toUpperCase(), name);
    if (bridge) selections.push({ ...bridge, options: { platform: name, ...bridge.options } });
  }
  return selections;
}

/**
 * A signed-webhook provider from `<PREFIX>_SHARED_SECRET` and `<PREFIX>_DELIVERY_URL`: either
 * enables it, and then both are required (fail closed, naming the missing variable).
 */
function signedWebhookSelection(config: LoadedConfig, plugin: GatewayPlugin, use: string, prefix: string, label: string): ProviderSelection | undefined {
  const secretKey = `${prefix}_SHARED_SECRET`;
  const urlKey = `${prefix}_DELIVERY_URL`;
  const hasSecret = config.isSet(secretKey);
  const hasUrl = config.isSet(urlKey);
  if (!hasSecret && !hasUrl) return undefined;
  if (!hasSecret || !hasUrl) throw new SignedWebhookIncomplete({ provider: label, missing: config.envName(hasSecret ? urlKey : secretKey) });
  return providerSelectionFromSettings(plugin, config, use);
}

/**
 * Shared abuse controls: `@cowork-gateway/redis` when REDIS_URL (or seed 001's
 * OPEN_COWORK_GATEWAY_REDIS_URL) is set, so every replica shares rate limits, auth-failure
 * blocks and the webhook replay cache; else none (core's per-process, in-memory controls).
 */
export function limitsSelection(config: LoadedConfig): PluginSelection | null {
  if (!pluginEnabledBySettings(SHORTCUT_PLUGINS.redis, config)) return null;
  return pluginSelectionFromSettings(SHORTCUT_PLUGINS.redis, config, REDIS_PACKAGE);
}

function telegramSelection(config: LoadedConfig): ProviderSelection {
  const selection = providerSelectionFromSettings(SHORTCUT_PLUGINS.telegram, config, TELEGRAM_PACKAGE);
  const { publicUrl, ...options } = selection.options as Record<string, unknown>;
  const webhook = options.mode === 'webhook';
  if (webhook) checkTelegramWebhook(config, publicUrl as string | undefined, options.webhookSecret as string | undefined);
  // The public URL only matters to webhook mode; polling never registers one.
  return { ...selection, options: webhook ? { ...options, publicUrl } : options };
}

/** Webhook mode fails closed: an https public URL and a secret, named by their env vars. */
function checkTelegramWebhook(config: LoadedConfig, publicUrl: string | undefined, secret: string | undefined): void {
  const urlKeys = `${config.envName('TELEGRAM_PUBLIC_URL')} (or ${config.envName('PUBLIC_URL')})`;
  if (!publicUrl) throw new TelegramWebhookIncomplete({ missing: `a public HTTPS URL: set ${urlKeys}` });
  if (!publicUrl.startsWith('https://')) throw new TelegramWebhookIncomplete({ missing: `an HTTPS public URL, got a non-https one in ${urlKeys}` });
  if (!secret) throw new TelegramWebhookIncomplete({ missing: `a webhook secret: set ${config.envName('TELEGRAM_WEBHOOK_SECRET')}` });
}

/** Slack fails closed: events mode needs the signing secret, socket mode the app-level token. */
function slackSelection(config: LoadedConfig): ProviderSelection {
  const socket = config.get<string>('SLACK_MODE') === 'socket';
  if (socket && !config.isSet('SLACK_APP_TOKEN')) throw new SlackAppTokenRequired({ key: config.envName('SLACK_APP_TOKEN'), mode: config.envName('SLACK_MODE') });
  if (!socket && !config.isSet('SLACK_SIGNING_SECRET')) {
    throw new SlackSigningSecretRequired({ key: config.envName('SLACK_SIGNING_SECRET'), enabledBy: config.envName('SLACK_BOT_TOKEN') });
  }
  return providerSelectionFromSettings(SHORTCUT_PLUGINS.slack, config, SLACK_PACKAGE);
}
