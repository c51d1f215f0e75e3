import { Lifecycle, PROVIDER, definePlugin } from '@cowork-gateway/core';
import { WEBHOOK_OPTIONS, webhookOptions, webhookSettings } from './options.js';
import { WebhookProvider } from './webhook-provider.js';

/** The generic signed webhook provider plugin: binds {@link WebhookProvider} as `PROVIDER`. */
export const webhookPlugin = definePlugin({
  name: '@cowork-gateway/webhook',
  kind: 'provider',
  core: '^0.1.0',
  description: 'Generic signed webhook: HMAC v1 ingress on /webhooks/<id>, replies POSTed to a delivery URL through the SSRF-safe, DNS-pinned wire.',
  configSchema: webhookOptions,
  settings: webhookSettings,
  enabledBy: 'WEBHOOK_SHARED_SECRET',
  instanceIdSetting: 'WEBHOOK_PROVIDER_ID',
  register(container, options) {
    container.register(WEBHOOK_OPTIONS, { useValue: options });
    container.register(PROVIDER, { useClass: WebhookProvider }, { lifecycle: Lifecycle.ContainerScoped });
  },
});
