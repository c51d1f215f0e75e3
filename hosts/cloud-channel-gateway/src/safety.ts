import { defineError, type LoadedConfig, type ProviderSelection } from '@cowork-gateway/core';
import { CLOUD_BRIDGE_PLUGINS, FAKE_PROVIDER_PACKAGE, PRODUCT_MODES } from './settings.js';

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

export const ProviderSettingRequired = defineError<{ provider: string; key: string; what: string }>({
  code: 'cloud_gateway.provider_setting_required',
  status: 400,
  message: ({ provider, key, what }) => `cloud_gateway.provider_setting_required: the ${provider} provider needs ${key} (${what})`,
});

export const FakeProviderExposed = defineError<{ key: string; reason: string }>({
  code: 'cloud_gateway.fake_provider_exposed',
  status: 400,
  message: ({ key, reason }) =>
    `cloud_gateway.fake_provider_exposed: the test fake provider (${FAKE_PROVIDER_PACKAGE}) must not be reachable publicly (${reason}); remove it from providers[], bind loopback without a public URL, or on a self-hosted daemon set ${key}=true`,
});

export const AttachmentLimitAboveBodyCap = defineError<{ key: string; limit: number; capKey: string; cap: number }>({
  code: 'cloud_gateway.attachment_limit_above_body_cap',
  status: 400,
  message: ({ key, limit, capKey, cap }) =>
    `cloud_gateway.attachment_limit_above_body_cap: ${key}=${limit} is above ${capKey}=${cap}; inline attachments travel in the request body, so lower ${key} or raise ${capKey}`,
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
export function assertSafeConfig(config: LoadedConfig, providers: readonly ProviderSelection[]): void {
  assertProductMode(config);
  // A config file cannot carry the Cloud connection: core's loader refuses unknown top-level keys
  // such as `cloud` or `timeouts` (config.invalid naming the file), so it comes from env only.
  const urlKey = 'OPEN_COWORK_CLOUD_BASE_URL';
  if (!config.isSet('CLOUD_BASE_URL')) throw new CloudSettingRequired({ key: urlKey, what: 'the https URL of Open Cowork Cloud' });
  const tokenKey = config.envName('SERVICE_TOKEN');
  if (!config.isSet('SERVICE_TOKEN') || config.get<string>('SERVICE_TOKEN').length === 0) throw new CloudSettingRequired({ key: tokenKey, what: 'a gateway-scoped Cloud API token occ_<tokenId>_<secret>' });
  assertCloudUrl(config, urlKey);
  for (const key of SECRET_KEYS) {
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
  if (providers.length === 0) throw new NoProviders({ key: config.envName('TELEGRAM_BOT_TOKEN') });
  assertFakeProviderPrivate(config, providers, publicUrl);
}

/** Secrets checked for placeholders: the Cloud token, the admin token and every provider secret. */
const SECRET_KEYS = [
  'SERVICE_TOKEN',
  'ADMIN_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'WEBHOOK_SHARED_SECRET',
  ...Object.keys(CLOUD_BRIDGE_PLUGINS).map((name) => `${name.toUpperCase()}_SHARED_SECRET`),
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'EMAIL_INBOUND_SECRET',
  'EMAIL_SMTP_PASSWORD',
];

/**
 * The fake provider accepts unauthenticated test traffic, so it is refused on a non-loopback bind
 * or with a public URL unless ALLOW_PUBLIC_FAKE_PROVIDER=true on a self-hosted daemon.
 */
function assertFakeProviderPrivate(config: LoadedConfig, providers: readonly ProviderSelection[], publicUrl: string | undefined): void {
  if (!providers.some((selection) => selection.use === FAKE_PROVIDER_PACKAGE)) return;
  const exposure = !bindsLoopback(config) ? `${config.envName('HOST')}=${config.get<string>('HOST')} is not loopback` : publicUrl !== undefined ? `${config.envName('PUBLIC_URL')} is set` : null;
  if (exposure === null) return;
  const key = config.envName('ALLOW_PUBLIC_FAKE_PROVIDER');
  if (config.get<boolean>('ALLOW_PUBLIC_FAKE_PROVIDER') && config.get<string>('MODE') === 'self-host') return;
  const reason = config.get<boolean>('ALLOW_PUBLIC_FAKE_PROVIDER') ? `${exposure}, and ${key} only applies with ${config.envName('MODE')}=self-host` : exposure;
  throw new FakeProviderExposed({ key, reason });
}

/** A signed webhook or bridge (`<PREFIX>_SHARED_SECRET` / `<PREFIX>_DELIVERY_URL`) needs both. */
export function assertSignedWebhook(config: LoadedConfig, provider: string, prefix: string): void {
  if (!config.isSet(`${prefix}_SHARED_SECRET`)) throw new ProviderSettingRequired({ provider, key: config.envName(`${prefix}_SHARED_SECRET`), what: 'the HMAC secret shared with the sender, at least 8 characters' });
  if (!config.isSet(`${prefix}_DELIVERY_URL`)) throw new ProviderSettingRequired({ provider, key: config.envName(`${prefix}_DELIVERY_URL`), what: 'the https URL replies are POSTed to' });
}

/** Slack needs its bot token, and the signing secret in events mode (the app-level token in socket mode). */
export function assertSlack(config: LoadedConfig): void {
  if (!config.isSet('SLACK_BOT_TOKEN')) throw new ProviderSettingRequired({ provider: 'Slack', key: config.envName('SLACK_BOT_TOKEN'), what: 'the Bot User OAuth Token, xoxb-…' });
  if (config.get<string>('SLACK_MODE') === 'socket') {
    if (!config.isSet('SLACK_APP_TOKEN')) throw new ProviderSettingRequired({ provider: 'Slack', key: config.envName('SLACK_APP_TOKEN'), what: `an app-level xapp- token with connections:write, as ${config.envName('SLACK_MODE')}=socket` });
    return;
  }
  if (!config.isSet('SLACK_SIGNING_SECRET')) {
    throw new ProviderSettingRequired({ provider: 'Slack', key: config.envName('SLACK_SIGNING_SECRET'), what: `the app's Signing Secret that verifies every request from Slack; or ${config.envName('SLACK_MODE')}=socket with ${config.envName('SLACK_APP_TOKEN')}` });
  }
}

/** Email needs the inbound secret, its From address and the SMTP host replies go through. */
export function assertEmail(config: LoadedConfig): void {
  const required: [string, string][] = [
    ['EMAIL_INBOUND_SECRET', 'the shared secret of the inbound-mail webhook'],
    ['EMAIL_FROM', 'the gateway\'s own address, From of every reply'],
    ['EMAIL_SMTP_HOST', 'the SMTP server that sends replies'],
  ];
  for (const [key, what] of required) {
    if (!config.isSet(key) || String(config.get<string>(key)).trim() === '') throw new ProviderSettingRequired({ provider: 'email', key: config.envName(key), what });
  }
}

/** An inline attachment limit cannot exceed the request-body cap. */
export function assertAttachmentLimit(config: LoadedConfig, key: string, limit: number, cap: number): void {
  if (limit > cap) throw new AttachmentLimitAboveBodyCap({ key, limit, capKey: config.envName('MAX_REQUEST_BODY_BYTES'), cap });
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
