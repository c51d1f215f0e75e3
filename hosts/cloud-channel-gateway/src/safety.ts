import { defineError, type LoadedConfig } from '@cowork-gateway/core';
import { PRODUCT_MODES } from './settings.js';

// Startup refusals of the Cloud Channel Gateway (cloud-protocol.md §9, seed 001). Each names the
// setting to fix; the CLI prints the message and exits 2.

export const ProductModeInvalid = defineError<{ key: string; value: string }>({
  code: 'cloud_gateway.product_mode_invalid',
  status: 400,
  message: ({ key, value }) => `cloud_gateway.product_mode_invalid: ${key}="${value}" is not a product mode; valid values: ${PRODUCT_MODES.join(', ')} (this daemon runs cloud_channel)`,
});

export const ProductModeStandalone = defineError<{ key: string }>({
  code: 'cloud_gateway.product_mode_standalone',
  status: 400,
  message: ({ key }) => `cloud_gateway.product_mode_standalone: ${key}=standalone is not served by this daemon; run the Standalone Gateway (@cowork-gateway/standalone-gateway, CLI cowork-standalone-gateway) configured with the OPEN_COWORK_STANDALONE_GATEWAY_* env family, or set ${key}=cloud_channel`,
});

export const ProductModeReserved = defineError<{ key: string }>({
  code: 'cloud_gateway.product_mode_reserved',
  status: 400,
  message: ({ key }) => `cloud_gateway.product_mode_reserved: ${key}=hybrid is reserved for a future design (Cloud-registered edge gateways); set ${key}=cloud_channel`,
});

export const CloudSettingRequired = defineError<{ key: string; what: string }>({
  code: 'cloud_gateway.setting_required',
  status: 400,
  message: ({ key, what }) => `cloud_gateway.setting_required: set ${key} (${what})`,
});

export const CloudUrlInvalid = defineError<{ key: string; reason: string }>({
  code: 'cloud_gateway.cloud_url_invalid',
  status: 400,
  message: ({ key, reason }) => `cloud_gateway.cloud_url_invalid: ${key} ${reason}`,
});

export const PlaceholderSecret = defineError<{ key: string }>({
  code: 'cloud_gateway.placeholder_secret',
  status: 400,
  message: ({ key }) => `cloud_gateway.placeholder_secret: ${key} still holds a placeholder (change-me…, replace-with…, example-…, demo-…); set a real secret`,
});

export const AdminTokenRequired = defineError<{ key: string; reason: string }>({
  code: 'cloud_gateway.admin_token_required',
  status: 400,
  message: ({ key, reason }) => `cloud_gateway.admin_token_required: set ${key} (${reason})`,
});

export const LoopbackBypassRefused = defineError<{ key: string; reason: string }>({
  code: 'cloud_gateway.loopback_bypass_refused',
  status: 400,
  message: ({ key, reason }) => `cloud_gateway.loopback_bypass_refused: ${key}=true is only allowed for a self-hosted daemon bound to loopback without a public URL; ${reason}`,
});

export const PublicUrlInvalid = defineError<{ key: string }>({
  code: 'cloud_gateway.public_url_invalid',
  status: 400,
  message: ({ key }) => `cloud_gateway.public_url_invalid: ${key} must be an https URL (or a loopback http URL for development)`,
});

export const NoProviders = defineError<{ key: string }>({
  code: 'cloud_gateway.no_providers',
  status: 400,
  message: ({ key }) => `cloud_gateway.no_providers: no channel provider is enabled; set ${key} or add providers to the config file`,
});

export const TelegramWebhookIncomplete = defineError<{ missing: string }>({
  code: 'cloud_gateway.telegram_webhook_incomplete',
  status: 400,
  message: ({ missing }) => `cloud_gateway.telegram_webhook_incomplete: Telegram webhook mode needs ${missing}; or use OPEN_COWORK_GATEWAY_TELEGRAM_MODE=polling`,
});

const PLACEHOLDER = /^(change-me|replace-with|example-|demo-)/i;

/** Loopback names and addresses: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The product mode, refusing everything but `cloud_channel` with a message naming the setting. */
export function assertProductMode(config: LoadedConfig): void {
  const key = config.envName('PRODUCT_MODE');
  const value = config.get<string>('PRODUCT_MODE').trim().toLowerCase().replace(/-/g, '_');
  if (value === 'cloud_channel') return;
  if (value === 'standalone') throw new ProductModeStandalone({ key });
  if (value === 'hybrid') throw new ProductModeReserved({ key });
  throw new ProductModeInvalid({ key, value: config.get<string>('PRODUCT_MODE') });
}

/** Whether the daemon binds only loopback. */
export function bindsLoopback(config: LoadedConfig): boolean {
  return isLoopbackHost(config.get<string>('HOST'));
}

/** Whether the loopback operator bypass is in effect (seed 001's four conditions, the request one checked per request). */
export function loopbackBypassAllowed(config: LoadedConfig): boolean {
  return config.get<boolean>('ALLOW_LOOPBACK_OPERATOR_BYPASS') && config.get<string>('MODE') === 'self-host' && bindsLoopback(config) && !config.isSet('PUBLIC_URL');
}

/**
 * Every fail-closed startup rule: product mode, the Cloud connection (from env only), secrets
 * that are placeholders, the admin token and the loopback bypass, the public URL, at least one
 * provider, and Telegram's webhook requirements.
 */
export function assertSafeConfig(config: LoadedConfig, providerCount: number): void {
  assertProductMode(config);
  // A config file cannot carry the Cloud connection: core's loader refuses unknown top-level keys
  // such as `cloud` or `timeouts` (config.invalid naming the file), so it comes from env only.
  const urlKey = 'OPEN_COWORK_CLOUD_BASE_URL';
  if (!config.isSet('CLOUD_BASE_URL')) throw new CloudSettingRequired({ key: urlKey, what: 'the https URL of Open Cowork Cloud' });
  const tokenKey = config.envName('SERVICE_TOKEN');
  if (!config.isSet('SERVICE_TOKEN') || config.get<string>('SERVICE_TOKEN').length === 0) throw new CloudSettingRequired({ key: tokenKey, what: 'a gateway-scoped Cloud API token occ_<tokenId>_<secret>' });
  assertCloudUrl(config, urlKey);
  for (const key of ['SERVICE_TOKEN', 'ADMIN_TOKEN', 'TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET']) {
    if (config.isSet(key) && PLACEHOLDER.test(String(config.get<string>(key)))) throw new PlaceholderSecret({ key: config.envName(key) });
  }
  if (!/^occ_tok_[A-Za-z0-9_-]+_[A-Za-z0-9_-]+$/.test(config.get<string>('SERVICE_TOKEN'))) {
    throw new CloudSettingRequired({ key: tokenKey, what: 'it does not look like a Cloud API token occ_<tokenId>_<secret>' });
  }
  const publicUrl = config.isSet('PUBLIC_URL') ? config.get<string>('PUBLIC_URL') : undefined;
  if (publicUrl !== undefined) {
    const url = new URL(publicUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw new PublicUrlInvalid({ key: config.envName('PUBLIC_URL') });
  }
  const adminKey = config.envName('ADMIN_TOKEN');
  const hasAdmin = config.isSet('ADMIN_TOKEN') && config.get<string>('ADMIN_TOKEN').length > 0;
  const bypassKey = config.envName('ALLOW_LOOPBACK_OPERATOR_BYPASS');
  if (config.get<boolean>('ALLOW_LOOPBACK_OPERATOR_BYPASS') && !loopbackBypassAllowed(config)) {
    const reason = config.get<string>('MODE') !== 'self-host' ? `${config.envName('MODE')} is ${config.get<string>('MODE')}` : !bindsLoopback(config) ? `${config.envName('HOST')}=${config.get<string>('HOST')} is not loopback` : `${config.envName('PUBLIC_URL')} is set`;
    throw new LoopbackBypassRefused({ key: bypassKey, reason });
  }
  if (!hasAdmin) {
    if (!bindsLoopback(config)) throw new AdminTokenRequired({ key: adminKey, reason: `${config.envName('HOST')}=${config.get<string>('HOST')} is not loopback` });
    if (publicUrl !== undefined) throw new AdminTokenRequired({ key: adminKey, reason: `${config.envName('PUBLIC_URL')} is set` });
    if (!loopbackBypassAllowed(config)) throw new AdminTokenRequired({ key: adminKey, reason: `the operator endpoints need it, or ${bypassKey}=true on a self-hosted loopback-only daemon` });
  }
  if (providerCount === 0) throw new NoProviders({ key: config.envName('TELEGRAM_BOT_TOKEN') });
}

function assertCloudUrl(config: LoadedConfig, key: string): void {
  let url: URL;
  try {
    url = new URL(config.get<string>('CLOUD_BASE_URL'));
  } catch {
    throw new CloudUrlInvalid({ key, reason: 'is not a URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CloudUrlInvalid({ key, reason: `must be http(s), not ${url.protocol.replace(/:$/, '')}` });
  if (url.username || url.password) throw new CloudUrlInvalid({ key, reason: 'must not carry credentials' });
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !config.get<boolean>('ALLOW_INSECURE_HTTP')) {
    throw new CloudUrlInvalid({ key, reason: `uses plain http to a non-loopback host; use https, or set ${config.envName('ALLOW_INSECURE_HTTP')}=true for a private lab` });
  }
}

/** Telegram webhook mode needs an https public URL and a secret. */
export function assertTelegramWebhook(config: LoadedConfig, publicUrl: string | undefined, secret: string | undefined): void {
  const urlKeys = `${config.envName('TELEGRAM_PUBLIC_URL')} (or ${config.envName('PUBLIC_URL')})`;
  if (!publicUrl) throw new TelegramWebhookIncomplete({ missing: `a public HTTPS URL: set ${urlKeys}` });
  if (!publicUrl.startsWith('https://')) throw new TelegramWebhookIncomplete({ missing: `an HTTPS public URL in ${urlKeys}` });
  if (!secret) throw new TelegramWebhookIncomplete({ missing: `a webhook secret: set ${config.envName('TELEGRAM_WEBHOOK_SECRET')}` });
}
