import { defineError, type LoadedConfig, type PluginSelection, type ProviderSelection } from '@cowork-gateway/core';
import { OPENCODE_PACKAGE, STORE_PACKAGES, TELEGRAM_PACKAGE } from './settings.js';

// The seed's flat settings (DATABASE_*, OPENCODE_*, TELEGRAM_*) turned into plugin selections.
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

/** The store: the config file's `store`, else the STORE shortcut with the DATABASE_* settings. */
export function storeSelection(config: LoadedConfig): PluginSelection {
  if (config.store) return config.store;
  const store = config.get<string>('STORE');
  const selection = { use: STORE_PACKAGES[store]!, options: {}, key: config.envName('STORE'), source: config.sourceOf('STORE') };
  if (store !== 'postgres') return selection;
  if (!config.isSet('DATABASE_URL')) throw new DatabaseUrlRequired({ key: config.envName('DATABASE_URL'), store: config.envName('STORE') });
  return { ...selection, options: postgresOptions(config) };
}

/** The pg-store options the DATABASE_* settings describe. */
export function postgresOptions(config: LoadedConfig): Record<string, unknown> {
  return defined({
    url: config.get<string>('DATABASE_URL'),
    ssl: config.get<boolean>('DATABASE_SSL'),
    sslRejectUnauthorized: config.get<boolean>('DATABASE_SSL_REJECT_UNAUTHORIZED'),
    sslCaPath: config.get<string | undefined>('DATABASE_SSL_CA_PATH'),
    sslCertPath: config.get<string | undefined>('DATABASE_SSL_CERT_PATH'),
    sslKeyPath: config.get<string | undefined>('DATABASE_SSL_KEY_PATH'),
    deploymentMode: config.get<string>('DEPLOYMENT_MODE'),
    schema: config.get<string>('DATABASE_SCHEMA'),
    poolMax: config.get<number>('DATABASE_POOL_MAX'),
    migrate: config.get<string>('DATABASE_MIGRATE'),
  });
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
  const options = defined({
    url: config.get<string | undefined>('OPENCODE_URL'),
    username: config.get<string>('OPENCODE_SERVER_USERNAME'),
    password: external ? config.get<string | undefined>('OPENCODE_SERVER_PASSWORD') : undefined,
    directory: config.get<string | undefined>('RUNTIME_ROOT'),
    allowPrivateDns: config.get<boolean>('ALLOW_PRIVATE_DNS'),
    managed: external ? undefined : defined({ dataDir: config.get<string | undefined>('OPENCODE_DATA_DIR') }),
  });
  return { use: OPENCODE_PACKAGE, options, key: config.envName(keyName), source: config.sourceOf(keyName) };
}

/** The config file's providers plus Telegram when TELEGRAM_BOT_TOKEN is set. */
export function providerSelections(config: LoadedConfig): ProviderSelection[] {
  const selections = [...config.providers];
  if (config.isSet('TELEGRAM_BOT_TOKEN')) selections.push(telegramSelection(config));
  return selections;
}

function telegramSelection(config: LoadedConfig): ProviderSelection {
  const mode = config.get<string>('TELEGRAM_MODE');
  const publicUrl = config.get<string | undefined>('TELEGRAM_PUBLIC_URL') ?? config.get<string | undefined>('PUBLIC_URL');
  const webhookSecret = config.get<string | undefined>('TELEGRAM_WEBHOOK_SECRET');
  if (mode === 'webhook') checkTelegramWebhook(config, publicUrl, webhookSecret);
  return {
    id: config.get<string>('TELEGRAM_PROVIDER_ID'),
    use: TELEGRAM_PACKAGE,
    key: config.envName('TELEGRAM_BOT_TOKEN'),
    source: config.sourceOf('TELEGRAM_BOT_TOKEN'),
    options: defined({
      token: config.get<string>('TELEGRAM_BOT_TOKEN'),
      mode,
      publicUrl: mode === 'webhook' ? publicUrl : undefined,
      webhookSecret,
      apiRoot: config.get<string>('TELEGRAM_API_ROOT'),
      respondInGroups: config.get<string>('TELEGRAM_RESPOND_IN_GROUPS'),
    }),
  };
}

/** Webhook mode fails closed: an https public URL and a secret, named by their env vars. */
function checkTelegramWebhook(config: LoadedConfig, publicUrl: string | undefined, secret: string | undefined): void {
  const urlKeys = `${config.envName('TELEGRAM_PUBLIC_URL')} (or ${config.envName('PUBLIC_URL')})`;
  if (!publicUrl) throw new TelegramWebhookIncomplete({ missing: `a public HTTPS URL: set ${urlKeys}` });
  if (!publicUrl.startsWith('https://')) throw new TelegramWebhookIncomplete({ missing: `an HTTPS public URL, got a non-https one in ${urlKeys}` });
  if (!secret) throw new TelegramWebhookIncomplete({ missing: `a webhook secret: set ${config.envName('TELEGRAM_WEBHOOK_SECRET')}` });
}

function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
