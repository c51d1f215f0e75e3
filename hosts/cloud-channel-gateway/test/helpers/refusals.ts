const PREFIX = 'OPEN_COWORK_GATEWAY_';

export const TOKEN = 'occ_tok_AAAAAAAAAAAAAAAA_cloudsecretvalue';
export const BOT = '123456:startup-bot-token';
export const ADMIN = 'startup-admin-token-123456';

/** Each fail-closed rule of cloud-protocol.md §9: the process exits 2 and names the setting. */
export const REFUSALS: { title: string; env: Record<string, string | undefined>; names: string; code: string }[] = [
  { title: 'product mode standalone points at the standalone preset', env: { [`${PREFIX}PRODUCT_MODE`]: 'standalone' }, names: 'OPEN_COWORK_STANDALONE_GATEWAY_', code: 'cloud_gateway.product_mode_standalone' },
  { title: 'product mode hybrid is reserved', env: { [`${PREFIX}PRODUCT_MODE`]: 'hybrid' }, names: `${PREFIX}PRODUCT_MODE=hybrid is reserved`, code: 'cloud_gateway.product_mode_reserved' },
  { title: 'an unknown product mode lists the valid values', env: { [`${PREFIX}PRODUCT_MODE`]: 'edge' }, names: 'cloud_channel, standalone, hybrid', code: 'cloud_gateway.product_mode_invalid' },
  { title: 'an unknown deployment mode', env: { [`${PREFIX}MODE`]: 'cloudy' }, names: `${PREFIX}MODE`, code: 'config.invalid' },
  { title: 'missing Cloud base URL', env: { OPEN_COWORK_CLOUD_BASE_URL: undefined }, names: 'OPEN_COWORK_CLOUD_BASE_URL', code: 'cloud_gateway.setting_required' },
  { title: 'missing service token', env: { [`${PREFIX}SERVICE_TOKEN`]: undefined }, names: `${PREFIX}SERVICE_TOKEN`, code: 'cloud_gateway.setting_required' },
  { title: 'a service token that is not occ_<id>_<secret>', env: { [`${PREFIX}SERVICE_TOKEN`]: 'sk-not-a-cloud-token' }, names: `${PREFIX}SERVICE_TOKEN`, code: 'cloud_gateway.setting_required' },
  { title: 'a Cloud URL that is not http(s)', env: { OPEN_COWORK_CLOUD_BASE_URL: 'ftp://cloud.example.com' }, names: 'OPEN_COWORK_CLOUD_BASE_URL must be http(s)', code: 'cloud_gateway.cloud_url_invalid' },
  { title: 'plain http to a non-loopback Cloud', env: { OPEN_COWORK_CLOUD_BASE_URL: 'http://cloud.example.com' }, names: `${PREFIX}ALLOW_INSECURE_HTTP`, code: 'cloud_gateway.cloud_url_invalid' },
  { title: 'a placeholder service token', env: { [`${PREFIX}SERVICE_TOKEN`]: 'change-me' }, names: `${PREFIX}SERVICE_TOKEN`, code: 'cloud_gateway.placeholder_secret' },
  { title: 'a placeholder admin token', env: { [`${PREFIX}ADMIN_TOKEN`]: 'replace-with-random-admin-token' }, names: `${PREFIX}ADMIN_TOKEN`, code: 'cloud_gateway.placeholder_secret' },
  { title: 'a placeholder Telegram token', env: { [`${PREFIX}TELEGRAM_BOT_TOKEN`]: 'example-token' }, names: `${PREFIX}TELEGRAM_BOT_TOKEN`, code: 'cloud_gateway.placeholder_secret' },
  { title: 'no admin token without the loopback bypass', env: { [`${PREFIX}ADMIN_TOKEN`]: undefined }, names: `${PREFIX}ADMIN_TOKEN`, code: 'cloud_gateway.admin_token_required' },
  { title: 'a public bind without an admin token', env: { [`${PREFIX}ADMIN_TOKEN`]: undefined, [`${PREFIX}HOST`]: '0.0.0.0' }, names: `${PREFIX}HOST=0.0.0.0 is not loopback`, code: 'cloud_gateway.admin_token_required' },
  { title: 'a public URL without an admin token', env: { [`${PREFIX}ADMIN_TOKEN`]: undefined, [`${PREFIX}PUBLIC_URL`]: 'https://gw.example.com' }, names: `${PREFIX}ADMIN_TOKEN`, code: 'cloud_gateway.admin_token_required' },
  { title: 'the loopback bypass on a public bind', env: { [`${PREFIX}ALLOW_LOOPBACK_OPERATOR_BYPASS`]: 'true', [`${PREFIX}HOST`]: '0.0.0.0' }, names: `${PREFIX}ALLOW_LOOPBACK_OPERATOR_BYPASS`, code: 'cloud_gateway.loopback_bypass_refused' },
  { title: 'the loopback bypass with a public URL', env: { [`${PREFIX}ALLOW_LOOPBACK_OPERATOR_BYPASS`]: 'true', [`${PREFIX}PUBLIC_URL`]: 'https://gw.example.com' }, names: `${PREFIX}PUBLIC_URL is set`, code: 'cloud_gateway.loopback_bypass_refused' },
  { title: 'the loopback bypass in managed mode', env: { [`${PREFIX}ALLOW_LOOPBACK_OPERATOR_BYPASS`]: 'true', [`${PREFIX}MODE`]: 'managed' }, names: `${PREFIX}MODE is managed`, code: 'cloud_gateway.loopback_bypass_refused' },
  { title: 'a public URL that is not https', env: { [`${PREFIX}PUBLIC_URL`]: 'http://gw.example.com' }, names: `${PREFIX}PUBLIC_URL`, code: 'cloud_gateway.public_url_invalid' },
  { title: 'zero enabled providers', env: { [`${PREFIX}TELEGRAM_BOT_TOKEN`]: undefined }, names: `${PREFIX}TELEGRAM_BOT_TOKEN`, code: 'cloud_gateway.no_providers' },
  { title: 'Telegram webhook mode without a public URL', env: { [`${PREFIX}TELEGRAM_MODE`]: 'webhook' }, names: `${PREFIX}TELEGRAM_PUBLIC_URL`, code: 'cloud_gateway.telegram_webhook_incomplete' },
  { title: 'Telegram webhook mode without a secret', env: { [`${PREFIX}TELEGRAM_MODE`]: 'webhook', [`${PREFIX}PUBLIC_URL`]: 'https://gw.example.com' }, names: `${PREFIX}TELEGRAM_WEBHOOK_SECRET`, code: 'cloud_gateway.telegram_webhook_incomplete' },
];

