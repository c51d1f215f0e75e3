import { Lifecycle, PROVIDER, definePlugin } from '@cowork-gateway/core';
import { EmailProvider } from './email-provider.js';
import { EMAIL_OPTIONS, emailOptions, emailSettings } from './options.js';

/** The email provider plugin: binds {@link EmailProvider} as `PROVIDER` for its instance. */
export const emailPlugin = definePlugin({
  name: '@cowork-gateway/email',
  kind: 'provider',
  core: '^0.1.0',
  description: 'Email channel: a signed inbound-mail webhook (or an SMTP listener), DMARC-checked senders, threaded replies over SMTP.',
  configSchema: emailOptions,
  settings: emailSettings,
  enabledBy: 'EMAIL_INBOUND_SECRET',
  instanceIdSetting: 'EMAIL_PROVIDER_ID',
  register(container, options) {
    container.register(EMAIL_OPTIONS, { useValue: options });
    container.register(PROVIDER, { useClass: EmailProvider }, { lifecycle: Lifecycle.ContainerScoped });
  },
});
