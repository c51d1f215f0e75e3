const PREFIX = 'OPEN_COWORK_GATEWAY_';

export const TOKEN = 'occ_tok_AAAAAAAAAAAAAAAA_cloudsecretvalue';
export const BOT = '123456:startup-bot-token';
export const ADMIN = 'startup-admin-token-123456';
export const FAKE_PROVIDERS = JSON.stringify({ providers: [{ use: '@cowork-gateway/core/testing/fake-provider', id: 'fake', options: {} }] });
const HOOK = { [`${PREFIX}WEBHOOK_SHARED_SECRET`]: 'webhook-shared-secret', [`${PREFIX}WEBHOOK_DELIVERY_URL`]: 'https://relay.example.com/out' };
const SLACK = { [`${PREFIX}SLACK_BOT_TOKEN`]: 'xoxb-startup-bot-token', [`${PREFIX}SLACK_SIGNING_SECRET`]: 'startup-signing-secret' };
const EMAIL = { [`${PREFIX}EMAIL_INBOUND_SECRET`]: 'startup-inbound-secret', [`${PREFIX}EMAIL_FROM`]: 'gateway@example.com', [`${PREFIX}EMAIL_SMTP_HOST`]: 'smtp.example.com' };

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
  { title: 'a webhook shared secret without a delivery URL', env: { ...HOOK, [`${PREFIX}WEBHOOK_DELIVERY_URL`]: undefined }, names: `${PREFIX}WEBHOOK_DELIVERY_URL`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'a webhook delivery URL without a shared secret', env: { ...HOOK, [`${PREFIX}WEBHOOK_SHARED_SECRET`]: undefined }, names: `${PREFIX}WEBHOOK_SHARED_SECRET`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'a bridge delivery URL without a shared secret', env: { [`${PREFIX}DISCORD_DELIVERY_URL`]: 'https://discord-relay.example.com/out' }, names: `${PREFIX}DISCORD_SHARED_SECRET`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'a bridge shared secret without a delivery URL', env: { [`${PREFIX}WHATSAPP_SHARED_SECRET`]: 'whatsapp-shared-secret' }, names: `${PREFIX}WHATSAPP_DELIVERY_URL`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'a bridge delivery URL that is not https (the plugin\'s own schema error, naming the setting)', env: { [`${PREFIX}DISCORD_DELIVERY_URL`]: 'http://discord-relay.example.com/out', [`${PREFIX}DISCORD_SHARED_SECRET`]: 'discord-shared-secret' }, names: `${PREFIX}DISCORD_DELIVERY_URL`, code: 'plugin.options_invalid' },
  { title: 'a placeholder webhook secret', env: { ...HOOK, [`${PREFIX}WEBHOOK_SHARED_SECRET`]: 'change-me-webhook' }, names: `${PREFIX}WEBHOOK_SHARED_SECRET`, code: 'cloud_gateway.placeholder_secret' },
  { title: 'a Slack signing secret without a bot token', env: { ...SLACK, [`${PREFIX}SLACK_BOT_TOKEN`]: undefined }, names: `${PREFIX}SLACK_BOT_TOKEN`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'a Slack bot token without a signing secret', env: { ...SLACK, [`${PREFIX}SLACK_SIGNING_SECRET`]: undefined }, names: `${PREFIX}SLACK_SIGNING_SECRET`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'Slack socket mode without an app-level token', env: { ...SLACK, [`${PREFIX}SLACK_MODE`]: 'socket' }, names: `${PREFIX}SLACK_APP_TOKEN`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'a placeholder Slack signing secret', env: { ...SLACK, [`${PREFIX}SLACK_SIGNING_SECRET`]: 'replace-with-signing-secret' }, names: `${PREFIX}SLACK_SIGNING_SECRET`, code: 'cloud_gateway.placeholder_secret' },
  { title: 'email without an inbound secret', env: { ...EMAIL, [`${PREFIX}EMAIL_INBOUND_SECRET`]: undefined }, names: `${PREFIX}EMAIL_INBOUND_SECRET`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'email without a From address', env: { ...EMAIL, [`${PREFIX}EMAIL_FROM`]: undefined }, names: `${PREFIX}EMAIL_FROM`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'email without an SMTP host', env: { ...EMAIL, [`${PREFIX}EMAIL_SMTP_HOST`]: undefined }, names: `${PREFIX}EMAIL_SMTP_HOST`, code: 'cloud_gateway.provider_setting_required' },
  { title: 'a webhook attachment limit above the request-body cap', env: { ...HOOK, [`${PREFIX}WEBHOOK_MAX_ATTACHMENT_BYTES`]: '2000000' }, names: `${PREFIX}WEBHOOK_MAX_ATTACHMENT_BYTES=2000000 is above ${PREFIX}MAX_REQUEST_BODY_BYTES=1048576`, code: 'cloud_gateway.attachment_limit_above_body_cap' },
  { title: 'a bridge attachment limit above a lowered request-body cap', env: { [`${PREFIX}SIGNAL_DELIVERY_URL`]: 'https://signal-relay.example.com/out', [`${PREFIX}SIGNAL_SHARED_SECRET`]: 'signal-shared-secret', [`${PREFIX}SIGNAL_MAX_ATTACHMENT_BYTES`]: '70000', [`${PREFIX}MAX_REQUEST_BODY_BYTES`]: '65536' }, names: `${PREFIX}SIGNAL_MAX_ATTACHMENT_BYTES=70000 is above ${PREFIX}MAX_REQUEST_BODY_BYTES=65536`, code: 'cloud_gateway.attachment_limit_above_body_cap' },
  { title: 'a config-file webhook entry whose attachment limit is above the request-body cap', env: { [`${PREFIX}CONFIG_JSON`]: JSON.stringify({ providers: [{ use: '@cowork-gateway/webhook', id: 'hooks', options: { sharedSecret: 'webhook-shared-secret', deliveryUrl: 'https://relay.example.com/out', maxAttachmentBytes: 5_000_000 } }] }) }, names: 'option maxAttachmentBytes=5000000', code: 'cloud_gateway.attachment_limit_above_body_cap' },
  { title: 'the fake provider on a public bind', env: { [`${PREFIX}CONFIG_JSON`]: FAKE_PROVIDERS, [`${PREFIX}HOST`]: '0.0.0.0' }, names: `${PREFIX}ALLOW_PUBLIC_FAKE_PROVIDER`, code: 'cloud_gateway.fake_provider_exposed' },
  { title: 'the fake provider with a public URL', env: { [`${PREFIX}CONFIG_JSON`]: FAKE_PROVIDERS, [`${PREFIX}PUBLIC_URL`]: 'https://gw.example.com' }, names: `${PREFIX}PUBLIC_URL is set`, code: 'cloud_gateway.fake_provider_exposed' },
  { title: 'the public fake provider override in managed mode', env: { [`${PREFIX}CONFIG_JSON`]: FAKE_PROVIDERS, [`${PREFIX}HOST`]: '0.0.0.0', [`${PREFIX}ALLOW_PUBLIC_FAKE_PROVIDER`]: 'true', [`${PREFIX}MODE`]: 'managed' }, names: `${PREFIX}ALLOW_PUBLIC_FAKE_PROVIDER only applies with ${PREFIX}MODE=self-host`, code: 'cloud_gateway.fake_provider_exposed' },
];
